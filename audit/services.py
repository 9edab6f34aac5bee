"""
Provides the one way to write an audit event.
"""

from typing import Any

from django.db import connection, transaction

from accounts.models import User
from audit.models import AuditEvent, Outcome
from bankapi.client_ip import current_client_ip
from bankapi.logging import current_request_id

SYSTEM_ACTOR = "system"


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    actor_label: str | None = None,
    target: User | None = None,
    target_label: str | None = None,
    outcome: str = Outcome.SUCCESS,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """
    Append one event. Call it inside the transaction of the change it records, so that both are
    kept or neither. The client IP and request id come from the request being served (none for a
    management command, whose actor is "system" unless a user is named).
    """
    if actor_label is None:
        actor_label = actor.account_number if actor is not None else ""
    if target_label is None:
        target_label = target.account_number if target is not None else ""
    request_id = current_request_id()
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label,
        target=target,
        target_label=target_label,
        outcome=outcome,
        ip=current_client_ip(),
        request_id=request_id or "",
        changes=changes or {},
    )


def audit_record_of_a_read(**event: Any) -> AuditEvent:
    """
    Append the event of a call that changed nothing but the audit trail (a partner's confirmation of
    payee), committing it without waiting for PostgreSQL to flush it to disk (`synchronous_commit` off
    for this one transaction). That flush costs more than the whole lookup it records (about 3 ms
    here against 0.3 ms; docs/performance.md, Partner endpoint). What it risks is bounded: only if
    PostgreSQL itself crashes can the events of its last few hundred milliseconds
    (3 x wal_writer_delay) be lost, never half of one, and any later ordinary commit flushes them with
    its own. Inside a transaction of someone else's, whose writes must stay durable, it is an
    ordinary audit_record.
    """
    if connection.in_atomic_block or connection.vendor != "postgresql":
        return audit_record(**event)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return audit_record(**event)


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose values differ, as {field: {"before": …, "after": …}} (JSON-ready)."""
    return {
        field: {"before": _jsonable(before[field]), "after": _jsonable(after[field])}
        for field in after
        if before.get(field) != after[field]
    }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
