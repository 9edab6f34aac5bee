"""
Provides the one way to write an audit event.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.utils import timezone

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


def audit_record_of_a_lookup(*, action: str, actor_label: str, user_sql: str, params: Sequence[Any]) -> tuple | None:
    """
    Run `user_sql`, a SELECT of at most one row of the users' table whose first two columns are the
    user's `id` and `account_number`, and append the event of that lookup naming the user it found (or none):
    both in one statement, one round trip, and the row found returned (None when there was none).
    The event names that user by account number only (target_label; immutable and never reused, and
    what the audit trail's filters search), not by the foreign key: the key's check would lock the
    user's row (FOR KEY SHARE) in every lookup, and simultaneous lookups of one customer then queue
    on it (docs/performance.md, "Partner endpoint": 0.65 of the profile read's throughput with it,
    0.97 without).
    The actor is a label only (a partner's name). Such a call changed nothing but the audit trail, so
    the event is committed without waiting for PostgreSQL to flush it to disk: `synchronous_commit`
    is off for that one statement's transaction, and only there. That flush costs more than the
    whole lookup it records (about 3 ms here against 0.3 ms; docs/performance.md, Partner endpoint).
    What it risks is bounded: only if PostgreSQL itself crashes can the events of its last few
    hundred milliseconds (3 x wal_writer_delay) be lost, never half of one, and any later ordinary
    commit flushes them with its own. Inside a transaction of someone else's, whose writes must stay
    durable, the event is committed with that transaction, as it would be by audit_record.
    """
    connection = connections[router.db_for_write(AuditEvent)]
    if connection.vendor != "postgresql":  # make run's SQLite: the same event, in two statements
        with connection.cursor() as cursor:
            cursor.execute(user_sql, params)
            found = cursor.fetchone()
        audit_record(action=action, actor_label=actor_label, target_label="" if found is None else found[1])
        return found
    event = {
        "occurred_at": timezone.now(),
        "actor_label": actor_label,
        "action": action,
        "outcome": Outcome.SUCCESS,
        "ip": current_client_ip(),
        "request_id": current_request_id() or "",
        "changes": {},
    }
    values = [_EVENT_FIELDS[name].get_db_prep_save(value, connection) for name, value in event.items()]
    sql = _LOOKUP_IN_A_TRANSACTION_SQL if connection.in_atomic_block else _LOOKUP_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql.format(user_sql=user_sql), [*params, *values])
        return cursor.fetchone()


_EVENT_FIELDS = {field.name: field for field in AuditEvent._meta.concrete_fields}
_EVENT_TABLE = AuditEvent._meta.db_table
_VALUE_COLUMNS = ("occurred_at", "actor_label", "action", "outcome", "ip", "request_id", "changes")
# Names from the model's metadata; every value goes as a parameter. The event's row comes from one
# constant row joined to the user found (if any), so exactly one event is inserted either way; a
# data-modifying WITH always runs to completion, and with it the WHERE that switches the commit's
# flush off for this statement's own (implicit) transaction.
_INSERTED_COLUMNS = ", ".join(
    f'"{_EVENT_FIELDS[name].column}"' for name in (*_VALUE_COLUMNS, "target", "target_label", "actor")
)
_LOOKUP_TEMPLATE = (
    "WITH found AS ({{user_sql}}), "  # noqa: S608  # nosec B608 - names from model metadata, values as parameters
    f'recorded AS (INSERT INTO "{_EVENT_TABLE}" ({_INSERTED_COLUMNS}) '
    f"SELECT {', '.join('%s' for _ in _VALUE_COLUMNS)}, NULL, COALESCE(found.\"account_number\", ''), NULL "
    "FROM (SELECT 1) AS one LEFT JOIN found ON TRUE{where}) "
    "SELECT * FROM found"
)
_LOOKUP_SQL = _LOOKUP_TEMPLATE.format(where=" WHERE set_config('synchronous_commit', 'off', true) = 'off'")
_LOOKUP_IN_A_TRANSACTION_SQL = _LOOKUP_TEMPLATE.format(where="")


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
