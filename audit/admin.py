"""
The audit trail in the admin site, read-only.
"""

from django.contrib import admin

from audit.models import AuditEvent
from bankapi.admin_site import ReadOnlyAdminMixin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the database refuses changes to audit events anyway."""

    list_display = ["occurred_at", "action", "outcome", "actor_label", "target_label", "ip", "request_id"]
    list_filter = ["action", "outcome"]
    search_fields = ["=target_label", "=actor_label", "=request_id"]
    ordering = ["-occurred_at", "-id"]
    show_full_result_count = False
