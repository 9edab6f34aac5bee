"""
Registers users with the Django admin site (for active admins only; see User.is_staff).
"""

from django.contrib import admin

from accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["account_number", "email", "first_name", "last_name", "role", "status", "created_at"]
    list_filter = ["status", "role"]
    search_fields = ["=account_number", "email", "last_name"]
    readonly_fields = [
        "public_id",
        "account_number",
        "password",
        "token_version",
        "created_at",
        "updated_at",
        "last_login",
    ]
    fields = [
        "account_number",
        "email",
        "first_name",
        "last_name",
        "phone",
        "date_of_birth",
        "role",
        "status",
        "public_id",
        "created_at",
        "updated_at",
        "last_login",
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # customers are closed, never deleted
