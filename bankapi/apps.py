from django.contrib.admin.apps import AdminConfig


class BankAdminConfig(AdminConfig):
    """django.contrib.admin, with this service's admin site as `admin.site`."""

    default_site = "bankapi.admin_site.BankAdminSite"

    def ready(self) -> None:
        super().ready()
        # bankapi is not an app of its own: this config is the project's one place that is ready
        # once. After every migrate, DATABASE_APP_ROLE gets the application's privileges.
        from bankapi import database_roles

        database_roles.connect(self)
