"""
Provides the reads of the audit trail.
"""

from datetime import datetime

from django.db.models import QuerySet

from accounts.selectors import user_get_by_login_identifier
from audit.models import AuditEvent


def audit_event_list(
    *,
    actor: str | None = None,
    account_number: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet:
    """
    Events newest first. `actor` is an email or account number (or a label such as "system");
    `account_number` is the target's; `since` is inclusive, `until` exclusive.
    """
    events = AuditEvent.objects.all()
    if actor:
        user = user_get_by_login_identifier(actor)
        events = events.filter(actor_label=user.account_number if user else actor)
    if account_number:
        events = events.filter(target_label=account_number)
    if action:
        events = events.filter(action=action)
    if since:
        events = events.filter(occurred_at__gte=since)
    if until:
        events = events.filter(occurred_at__lt=until)
    return events.order_by("-occurred_at", "-id")
