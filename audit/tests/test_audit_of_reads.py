"""
The audit event of a read (a partner's lookup) is committed without waiting for the disk, and only
its own transaction is: nothing else's durability changes (audit.services.audit_record_of_a_read).
"""

import pytest
from django.db import connection, transaction

from audit.models import Action, AuditEvent
from audit.services import audit_record_of_a_read


def synchronous_commit_during_the_insert(record) -> list[str]:
    """The `synchronous_commit` in force on the connection when each audit INSERT ran."""
    seen: list[str] = []

    def probe(execute, sql, params, many, context):
        if sql.startswith("INSERT") and "audit_auditevent" in sql:
            with context["connection"].connection.cursor() as raw:  # psycopg's own: no wrapper
                seen.append(raw.execute("SHOW synchronous_commit").fetchone()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(probe):
        record()
    return seen


def current_synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def record_a_partner_lookup() -> AuditEvent:
    return audit_record_of_a_read(action=Action.PARTNER_KEY_USED, actor_label="acme-payments")


@pytest.mark.django_db(transaction=True)
def test_a_reads_event_is_committed_without_waiting_for_the_disk_and_is_kept():
    assert synchronous_commit_during_the_insert(record_a_partner_lookup) == ["off"]
    assert AuditEvent.objects.filter(action=Action.PARTNER_KEY_USED, actor_label="acme-payments").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_connections_later_transactions_wait_for_the_disk_again():
    record_a_partner_lookup()

    assert current_synchronous_commit() == "on"


@pytest.mark.django_db(transaction=True)
def test_inside_another_transaction_its_writes_stay_synchronously_committed():
    with transaction.atomic():
        assert synchronous_commit_during_the_insert(record_a_partner_lookup) == ["on"]
