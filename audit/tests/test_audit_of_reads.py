"""
The audit event of a lookup (a partner's confirmation of payee) is written in the lookup's own
statement and committed without waiting for the disk, and only that statement's transaction is:
nothing else's durability changes (audit.services.audit_record_of_a_lookup).
"""

import pytest
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from audit.services import audit_record_of_a_lookup

USER_BY_NUMBER = 'SELECT "id", "account_number", "first_name" FROM "accounts_user" WHERE "account_number" = %s'


def look_up(account_number: str) -> tuple | None:
    return audit_record_of_a_lookup(
        action=Action.PARTNER_KEY_USED, actor_label="acme-payments", user_sql=USER_BY_NUMBER, params=[account_number]
    )


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_lookup_returns_the_row_found_and_records_an_event_naming_it_by_account_number():
    ada = UserFactory(first_name="Ada")

    found = look_up(ada.account_number)

    assert found == (ada.id, ada.account_number, "Ada")
    event = AuditEvent.objects.get(action=Action.PARTNER_KEY_USED)
    assert (event.actor_id, event.actor_label, event.target_id, event.target_label) == (
        None,
        "acme-payments",
        None,  # no foreign key, whose check would lock the customer's row
        ada.account_number,
    )
    assert (event.outcome, event.changes) == ("success", {})


@pytest.mark.django_db
def test_a_lookup_that_finds_nobody_still_records_one_event_naming_nobody():
    assert look_up("000000000000") is None

    event = AuditEvent.objects.get(action=Action.PARTNER_KEY_USED)
    assert (event.target_id, event.target_label, event.actor_label) == (None, "", "acme-payments")


@pytest.mark.django_db(transaction=True)
def test_a_lookup_takes_no_lock_on_the_row_it_finds():
    ada = UserFactory(first_name="Ada")
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a foreign key's check would lock now, not at commit
            look_up(ada.account_number)
            cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'tuple'")
            assert cursor.fetchone()[0] == 0
            cursor.execute(
                "SELECT count(*) FROM accounts_user WHERE id = %s AND xmax <> 0",  # a row lock marks xmax
                [ada.id],
            )
            assert cursor.fetchone()[0] == 0
        finally:
            cursor.execute("ROLLBACK")


@pytest.mark.django_db(transaction=True)
def test_the_lookups_own_transaction_is_committed_without_waiting_for_the_disk():
    # A transaction block the lookup does not know of (Django's autocommit sees none) stands for
    # the statement's implicit one, so that the setting can be read before it ends.
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            look_up("000000000000")
            assert synchronous_commit() == "off"
        finally:
            cursor.execute("ROLLBACK")


@pytest.mark.django_db(transaction=True)
def test_the_event_is_kept_and_the_connections_later_transactions_wait_for_the_disk_again():
    look_up("000000000000")

    assert synchronous_commit() == "on"
    assert AuditEvent.objects.filter(action=Action.PARTNER_KEY_USED, actor_label="acme-payments").count() == 1


@pytest.mark.django_db(transaction=True)
def test_inside_another_transaction_its_writes_stay_synchronously_committed():
    with transaction.atomic():
        look_up("000000000000")

        assert synchronous_commit() == "on"
