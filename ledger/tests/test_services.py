"""
The ledger's services: what each movement posts, and what each refuses without posting anything.
"""

import pytest

from audit.models import Action, AuditEvent
from bankapi.errors import (
    AccountNotActiveError,
    ConflictError,
    InsufficientFundsError,
    InvalidDestinationError,
    NotFoundError,
    ValidationFailedError,
)
from ledger.models import Entry, JournalTransaction
from ledger.selectors import ledger_discrepancies
from ledger.services import deposit_create, movement_reverse, transfer_create, withdrawal_create
from ledger.tests.factories import balance_of, customer_with_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return customer_with_account(balance=10_000, email="alice@example.com")


@pytest.fixture
def bob():
    return customer_with_account(balance=500, email="bob@example.com")


def test_a_transfer_moves_the_amount_and_posts_two_entries_with_running_balances(alice, bob):
    movement = transfer_create(
        actor=alice, from_account=alice.account_number, to_account=bob.account_number, amount=2_550, reference="Rent"
    )

    assert (balance_of(alice), balance_of(bob)) == (7_450, 3_050)
    entries = {entry.account.number: entry for entry in movement.entries.select_related("account")}
    assert (entries[alice.account_number].amount, entries[alice.account_number].balance_after) == (-2_550, 7_450)
    assert (entries[bob.account_number].amount, entries[bob.account_number].balance_after) == (2_550, 3_050)
    assert movement.reference == "Rent"
    assert ledger_discrepancies() == []


def test_a_transfer_is_audited_with_its_id_accounts_and_amount(alice, bob):
    movement = transfer_create(
        actor=alice, from_account=alice.account_number, to_account=bob.account_number, amount=100
    )

    event = AuditEvent.objects.get(action=Action.TRANSFER_POSTED)
    assert (event.actor, event.target) == (alice, alice)
    assert event.changes == {
        "id": str(movement.public_id),
        "from_account": alice.account_number,
        "to_account": bob.account_number,
        "amount": 100,
        "currency": "EUR",
    }


def test_a_transfer_of_more_than_the_balance_is_refused_and_posts_nothing(alice, bob):
    posted = JournalTransaction.objects.count()

    with pytest.raises(InsufficientFundsError):
        transfer_create(actor=bob, from_account=bob.account_number, to_account=alice.account_number, amount=501)

    assert (balance_of(alice), balance_of(bob)) == (10_000, 500)
    assert JournalTransaction.objects.count() == posted


def test_the_whole_balance_can_be_transferred(alice, bob):
    transfer_create(actor=bob, from_account=bob.account_number, to_account=alice.account_number, amount=500)

    assert balance_of(bob) == 0


@pytest.mark.parametrize("status", ["frozen", "closed"])
def test_a_frozen_or_closed_source_cannot_be_debited(alice, bob, status):
    alice.status = status
    alice.save()

    with pytest.raises(AccountNotActiveError):
        transfer_create(actor=alice, from_account=alice.account_number, to_account=bob.account_number, amount=1)


def test_a_frozen_destination_can_still_be_credited(alice, bob):
    bob.status = "frozen"
    bob.save()

    transfer_create(actor=alice, from_account=alice.account_number, to_account=bob.account_number, amount=1)

    assert balance_of(bob) == 501


def test_a_closed_destination_is_invalid(alice, bob):
    bob.status = "closed"
    bob.save()

    with pytest.raises(InvalidDestinationError):
        transfer_create(actor=alice, from_account=alice.account_number, to_account=bob.account_number, amount=1)


def test_an_unknown_destination_is_invalid(alice):
    with pytest.raises(InvalidDestinationError):
        transfer_create(actor=alice, from_account=alice.account_number, to_account="400000000001", amount=1)


def test_a_customer_cannot_move_money_out_of_someone_elses_account(alice, bob):
    with pytest.raises(NotFoundError):
        transfer_create(actor=bob, from_account=alice.account_number, to_account=bob.account_number, amount=1)

    assert (balance_of(alice), balance_of(bob)) == (10_000, 500)


def test_an_admin_moves_money_between_any_two_customers(alice, bob, admin_user):
    transfer_create(actor=admin_user, from_account=alice.account_number, to_account=bob.account_number, amount=1)

    assert balance_of(bob) == 501


def test_the_same_account_on_both_sides_is_a_validation_error(alice):
    with pytest.raises(ValidationFailedError):
        transfer_create(actor=alice, from_account=alice.account_number, to_account=alice.account_number, amount=1)


def test_a_deposit_and_a_withdrawal_go_through_the_banks_cash_account(alice, admin_user):
    deposit_create(actor=admin_user, account_number=alice.account_number, amount=1_000)
    withdrawal_create(actor=admin_user, account_number=alice.account_number, amount=4_000)

    assert balance_of(alice) == 7_000
    assert ledger_discrepancies() == []


def test_a_withdrawal_of_more_than_the_balance_is_refused(bob, admin_user):
    with pytest.raises(InsufficientFundsError):
        withdrawal_create(actor=admin_user, account_number=bob.account_number, amount=501)


def test_a_deposit_into_a_closed_account_is_refused(bob, admin_user):
    bob.status = "closed"
    bob.save()

    with pytest.raises(AccountNotActiveError):
        deposit_create(actor=admin_user, account_number=bob.account_number, amount=1)


def test_a_movement_to_an_account_that_is_not_a_customers_is_not_found(admin_user):
    with pytest.raises(NotFoundError):
        deposit_create(actor=admin_user, account_number="400000000001", amount=1)


def test_a_reversal_moves_the_money_back_once(alice, bob, admin_user):
    movement = transfer_create(
        actor=alice, from_account=alice.account_number, to_account=bob.account_number, amount=300
    )

    reversal = movement_reverse(actor=admin_user, public_id=str(movement.public_id))

    assert (balance_of(alice), balance_of(bob)) == (10_000, 500)
    assert reversal.reverses == movement
    with pytest.raises(ConflictError):
        movement_reverse(actor=admin_user, public_id=str(movement.public_id))
    assert ledger_discrepancies() == []


def test_a_reversal_is_refused_when_the_money_has_been_spent(alice, bob, admin_user):
    movement = transfer_create(
        actor=alice, from_account=alice.account_number, to_account=bob.account_number, amount=300
    )
    withdrawal_create(actor=admin_user, account_number=bob.account_number, amount=800)

    with pytest.raises(InsufficientFundsError):
        movement_reverse(actor=admin_user, public_id=str(movement.public_id))


def test_a_reversal_cannot_itself_be_reversed(alice, bob, admin_user):
    movement = transfer_create(
        actor=alice, from_account=alice.account_number, to_account=bob.account_number, amount=300
    )
    reversal = movement_reverse(actor=admin_user, public_id=str(movement.public_id))

    with pytest.raises(NotFoundError):
        movement_reverse(actor=admin_user, public_id=str(reversal.public_id))


def test_every_movement_posts_entries_that_sum_to_zero(alice, bob, admin_user):
    transfer_create(actor=alice, from_account=alice.account_number, to_account=bob.account_number, amount=300)
    withdrawal_create(actor=admin_user, account_number=bob.account_number, amount=100)

    for movement in JournalTransaction.objects.all():
        assert sum(Entry.objects.filter(journal_transaction=movement).values_list("amount", flat=True)) == 0


@pytest.mark.django_db(transaction=True)
def test_movements_commit_through_every_guard_of_the_database(admin_user):
    alice = customer_with_account(balance=1_000, email="alice@example.com", teller=admin_user)
    bob = customer_with_account(email="bob@example.com", teller=admin_user)

    movement = transfer_create(actor=alice, from_account=alice.account_number, to_account=bob.account_number, amount=1)
    movement_reverse(actor=admin_user, public_id=str(movement.public_id))
    withdrawal_create(actor=admin_user, account_number=alice.account_number, amount=1_000)

    assert (balance_of(alice), balance_of(bob)) == (0, 0)
    assert ledger_discrepancies() == []
