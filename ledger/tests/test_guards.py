"""
PostgreSQL itself guards the ledger (ledger/migrations/0002_guards.py), whatever writes to it:
entries and journal transactions are immutable, balances move only with the entries that record
them, every journal transaction balances, no customer account goes below zero. verify_ledger names
whatever got past them (here: written with the guards switched off, as only the tables' owner can).
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from ledger.models import Account, Entry, JournalTransaction, TransactionKind
from ledger.services import transfer_create
from ledger.tests.factories import customer_with_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def movement():
    alice = customer_with_account(balance=1_000, email="alice@example.com")
    bob = customer_with_account(email="bob@example.com")
    return transfer_create(actor=alice, from_account=alice.account_number, to_account=bob.account_number, amount=400)


def refused(sql: str, *params, at_commit: bool = False) -> str:
    """The error PostgreSQL raises for `sql`; checks deferred to commit are made to run at once."""
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        if at_commit:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return str(raised.value)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entry SET amount = amount * 2",
        "DELETE FROM ledger_entry",
        "UPDATE ledger_journaltransaction SET amount = 1",
        "DELETE FROM ledger_journaltransaction",
    ],
)
def test_entries_and_journal_transactions_cannot_be_changed_or_deleted(movement, sql):
    assert "immutable" in refused(sql)


def test_a_balance_cannot_change_without_an_entry(movement):
    assert "entries come to" in refused("UPDATE ledger_account SET balance = balance + 100", at_commit=True)


def test_an_entry_must_continue_its_accounts_running_balance(movement):
    account = movement.credit_account
    message = refused(
        "INSERT INTO ledger_entry (journal_transaction_id, account_id, amount, balance_after, occurred_at) "
        "VALUES (%s, %s, 5, 5, now())",
        movement.pk,
        account.pk,
    )

    assert "balance_after 5 is not 400 + 5" in message


def test_a_journal_transaction_whose_entries_do_not_sum_to_zero_is_refused_at_commit(movement):
    debit, credit = movement.debit_account, movement.credit_account
    with pytest.raises(DatabaseError, match="summing to 50"), transaction.atomic():
        lopsided = JournalTransaction.objects.create(
            kind=TransactionKind.TRANSFER, debit_account=debit, credit_account=credit, amount=50, currency="EUR"
        )
        credit.refresh_from_db()
        credit.balance += 50
        credit.save(update_fields=["balance"])
        Entry.objects.create(journal_transaction=lopsided, account=credit, amount=50, balance_after=credit.balance)
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_customer_balance_cannot_go_below_zero(movement):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=movement.credit_account.pk).update(balance=-1)


def test_verify_ledger_passes_a_consistent_ledger(movement, capsys):
    call_command("verify_ledger")

    assert "every invariant holds" in capsys.readouterr().out


def test_verify_ledger_names_each_discrepancy_and_fails(movement, capsys):
    with connection.cursor() as cursor:  # what only the tables' owner can do: switch the guards off
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the movement's own checks, before the ALTER
        cursor.execute("ALTER TABLE ledger_account DROP CONSTRAINT ledger_customer_balance_not_negative")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE ledger_account SET balance = -7 WHERE id = %s", [movement.debit_account_id])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    with pytest.raises(CommandError, match="2 discrepancies"):
        call_command("verify_ledger")

    errors = capsys.readouterr().err
    number = movement.debit_account.number
    assert f"account {number}: balance -7 but its entries sum to 600" in errors
    assert f"account {number}: negative balance -7" in errors
