"""
The audit trail in the admin site, read-only.
"""

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the database refuses changes to audit events anyway."""

    list_display = ["occurred_at", "action", "outcome", "actor_label", "target_label", "ip", "request_id"]
    list_filter = ["action", "outcome"]
    search_fields = ["=target_label", "=actor_label", "=request_id"]
    ordering = ["-occurred_at", "-id"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
