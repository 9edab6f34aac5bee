from django.contrib.admin.apps import AdminConfig


class BankAdminConfig(AdminConfig):
    """django.contrib.admin, with this service's admin site as `admin.site`."""

    default_site = "bankapi.admin_site.BankAdminSite"
