"""
Provides the reads of the audit trail.
"""

from datetime import datetime

from django.db.models import QuerySet

from accounts.selectors import user_get_by_login_identifier
from audit.models import Action, AuditEvent


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
        # Anything else ("system", what a login on no account typed) is a label as it is.
        events = events.filter(actor_label=audit_account_number_for(actor) or actor)
    if account_number:
        events = events.filter(target_label=account_number)
    if action:
        events = events.filter(action=action)
    if since:
        events = events.filter(occurred_at__gte=since)
    if until:
        events = events.filter(occurred_at__lt=until)
    return events.order_by("-occurred_at", "-id")


def audit_account_number_for(identifier: str) -> str | None:
    """
    The account number an email (any case) or account number names, if an account has it: events
    label people by it, since it outlives email changes.
    """
    user = user_get_by_login_identifier(identifier)
    return user.account_number if user else None


def audit_actions_present() -> list[str]:
    """
    The actions that have at least one event, in Action's order. Action also lists actions no code
    writes yet; a filter offering them would find nothing. One LIMIT 1 probe per action on the
    (action, occurred_at) index, in one statement: a DISTINCT over the trail would read all of it.
    """
    # Ordered as the index is, so that PostgreSQL walks it: a LIMIT 1 without order may pick a
    # sequential scan, which reads the whole trail for an action that only recent events have.
    probes = [
        AuditEvent.objects.filter(action=action).order_by("-occurred_at").values_list("action", flat=True)[:1]
        for action in Action.values
    ]
    present = set(probes[0].union(*probes[1:], all=True))
    return [action for action in Action.values if action in present]
