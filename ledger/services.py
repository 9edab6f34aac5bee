"""
Provides every write to the ledger: opening accounts and posting movements (transfers, deposits,
withdrawals, reversals). Each movement locks the accounts it touches in one statement, in id order,
so that simultaneous movements between the same accounts, in either direction, queue instead of
deadlocking; checks the rules on the locked rows; then posts one journal transaction whose two
entries carry the accounts' running balances, and its audit event, in the same transaction.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, Status, User
from audit.models import Action
from audit.services import audit_record
from bankapi.errors import (
    AccountNotActiveError,
    ConflictError,
    InsufficientFundsError,
    InvalidDestinationError,
    NotFoundError,
    ValidationFailedError,
)
from ledger.currencies import format_amount
from ledger.models import Account, AccountKind, Entry, IdempotencyRecord, JournalTransaction, TransactionKind

CASH = "cash"  # the bank's cash account: deposits come from it, withdrawals go to it


def account_open(*, holder: User, currency: str | None = None) -> Account:
    """The current account of a new customer, numbered as the customer, empty."""
    return Account.objects.create(
        number=holder.account_number,
        kind=AccountKind.CUSTOMER,
        holder=holder,
        currency=currency or settings.DEFAULT_CURRENCY,
    )


def accounts_open_in_bulk(*, holders: list[User]) -> None:
    """The current accounts of customers inserted in bulk (seed_customers), in one statement."""
    Account.objects.bulk_create(
        [
            Account(
                number=holder.account_number,
                kind=AccountKind.CUSTOMER,
                holder=holder,
                currency=settings.DEFAULT_CURRENCY,
            )
            for holder in holders
        ],
        batch_size=len(holders) or None,
    )


def system_account_number(name: str, currency: str) -> str:
    return f"{name}:{currency}"


def _system_account(name: str, currency: str) -> Account:
    account, _ = Account.objects.get_or_create(
        number=system_account_number(name, currency), defaults={"kind": AccountKind.SYSTEM, "currency": currency}
    )
    return account


def _lock(debit_number: str, credit_number: str) -> dict[str, Account]:
    """
    The accounts with these numbers that exist, locked FOR UPDATE in one statement in id order (the
    order every movement locks in, so that two movements never wait for each other in a cycle), with
    their holders as they are once the locks are held: a customer closed or frozen while this
    movement waited is seen so (closing locks the account first, see account_close_check).
    """
    accounts = list(Account.objects.select_for_update().filter(number__in={debit_number, credit_number}).order_by("id"))
    holders = User.objects.in_bulk([account.holder_id for account in accounts if account.holder_id is not None])
    for account in accounts:
        account.holder = holders.get(account.holder_id)
    return {account.number: account for account in accounts}


def _may_be_debited(account: Account) -> None:
    if account.kind == AccountKind.CUSTOMER and account.holder.status != Status.ACTIVE:
        raise AccountNotActiveError()


def _may_be_credited(account: Account) -> None:
    if account.kind == AccountKind.CUSTOMER and account.holder.status == Status.CLOSED:
        raise AccountNotActiveError("The account is closed and cannot be credited.")


def _has_funds(account: Account, amount: int) -> None:
    if account.kind == AccountKind.CUSTOMER and account.balance < amount:
        raise InsufficientFundsError()


def _post(
    *,
    kind: str,
    debit: Account,
    credit: Account,
    amount: int,
    reference: str,
    actor: User | None,
    reverses: JournalTransaction | None = None,
) -> JournalTransaction:
    """Post a movement between two locked accounts whose rules were checked, and audit it."""
    now = timezone.now()
    movement = JournalTransaction.objects.create(
        kind=kind,
        debit_account=debit,
        credit_account=credit,
        amount=amount,
        currency=debit.currency,
        reference=reference,
        reverses=reverses,
        created_by=actor,
        created_at=now,
    )
    debit.balance -= amount
    credit.balance += amount
    _save_balances(debit, credit)
    Entry.objects.bulk_create(
        [
            Entry(
                journal_transaction=movement,
                account=debit,
                amount=-amount,
                balance_after=debit.balance,
                occurred_at=now,
            ),
            Entry(
                journal_transaction=movement,
                account=credit,
                amount=amount,
                balance_after=credit.balance,
                occurred_at=now,
            ),
        ]
    )
    holder = credit.holder if kind == TransactionKind.DEPOSIT else debit.holder
    audit_record(
        action=AUDIT_ACTIONS[kind],
        actor=actor,
        target=holder if holder is not None else credit.holder,
        changes={
            "id": str(movement.public_id),
            "from_account": debit.number,
            "to_account": credit.number,
            "amount": amount,
            "currency": movement.currency,
        },
    )
    return movement


def _save_balances(*accounts: Account) -> None:
    """
    The accounts' new balances in one UPDATE (the ORM's bulk_update builds a CASE per row). Written
    as PostgreSQL and SQLite (3.33 and later, `make run`'s) both read it.
    """
    table = connection.ops.quote_name(Account._meta.db_table)
    rows = ", ".join(["(%s, %s)"] * len(accounts))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH new (id, balance) AS (VALUES {rows}) "  # noqa: S608  # nosec B608 - table name from model metadata, values as parameters
            f"UPDATE {table} SET balance = new.balance FROM new WHERE {table}.id = new.id",
            [value for account in accounts for value in (account.pk, account.balance)],
        )


AUDIT_ACTIONS = {
    TransactionKind.TRANSFER: Action.TRANSFER_POSTED,
    TransactionKind.DEPOSIT: Action.DEPOSIT_POSTED,
    TransactionKind.WITHDRAWAL: Action.WITHDRAWAL_POSTED,
    TransactionKind.REVERSAL: Action.REVERSAL_POSTED,
}


@transaction.atomic
def transfer_create(
    *, actor: User, from_account: str, to_account: str, amount: int, reference: str = ""
) -> JournalTransaction:
    """
    Move `amount` minor units between two customer accounts. A customer moves money only out of
    their own account: any other source is "not found", as if it did not exist.
    """
    if from_account == to_account:
        raise ValidationFailedError(errors={"to_account": ["The destination must be another account."]})
    accounts = _lock(from_account, to_account)
    source, destination = accounts.get(from_account), accounts.get(to_account)
    if source is None or source.kind != AccountKind.CUSTOMER or not _may_move_from(actor, source):
        raise NotFoundError()
    if (
        destination is None
        or destination.kind != AccountKind.CUSTOMER
        or destination.holder.status == Status.CLOSED
        or destination.currency != source.currency
    ):
        raise InvalidDestinationError()
    _may_be_debited(source)
    _has_funds(source, amount)
    return _post(
        kind=TransactionKind.TRANSFER, debit=source, credit=destination, amount=amount, reference=reference, actor=actor
    )


def _may_move_from(actor: User, account: Account) -> bool:
    return actor.role == Role.ADMIN or account.holder_id == actor.pk


def _customer_account_locked_with_cash(account_number: str) -> tuple[Account, Account]:
    customer = Account.objects.filter(number=account_number, kind=AccountKind.CUSTOMER).only("currency").first()
    if customer is None:
        raise NotFoundError()
    cash = _system_account(CASH, customer.currency)
    accounts = _lock(account_number, cash.number)
    return accounts[account_number], accounts[cash.number]


@transaction.atomic
def deposit_create(*, actor: User, account_number: str, amount: int, reference: str = "") -> JournalTransaction:
    """Cash paid in at the bank: from the cash account to the customer's."""
    customer, cash = _customer_account_locked_with_cash(account_number)
    _may_be_credited(customer)
    return _post(
        kind=TransactionKind.DEPOSIT, debit=cash, credit=customer, amount=amount, reference=reference, actor=actor
    )


@transaction.atomic
def withdrawal_create(*, actor: User, account_number: str, amount: int, reference: str = "") -> JournalTransaction:
    """Cash paid out at the bank: from the customer's account to the cash account."""
    customer, cash = _customer_account_locked_with_cash(account_number)
    _may_be_debited(customer)
    _has_funds(customer, amount)
    return _post(
        kind=TransactionKind.WITHDRAWAL, debit=customer, credit=cash, amount=amount, reference=reference, actor=actor
    )


@transaction.atomic
def movement_reverse(*, actor: User, public_id: str) -> JournalTransaction:
    """
    Post the reversing transaction of a movement, once: the same amount back from the account it
    credited to the one it debited. A reversal is the bank correcting itself, so a frozen account
    may be debited by it, but a closed one is refused and a customer account still cannot go below
    zero. A reversal is not itself reversed (post a new movement instead).
    """
    original = (
        JournalTransaction.objects.select_related("debit_account", "credit_account")
        .filter(public_id=public_id)
        .exclude(kind=TransactionKind.REVERSAL)
        .first()
    )
    if original is None:
        raise NotFoundError()
    accounts = _lock(original.credit_account.number, original.debit_account.number)
    debit, credit = accounts[original.credit_account.number], accounts[original.debit_account.number]
    if JournalTransaction.objects.filter(reverses=original).exists():
        raise ConflictError("This movement has already been reversed.")
    for account in (debit, credit):
        if account.kind == AccountKind.CUSTOMER and account.holder.status == Status.CLOSED:
            raise AccountNotActiveError("An account of this movement is closed.")
    _has_funds(debit, original.amount)
    return _post(
        kind=TransactionKind.REVERSAL,
        debit=debit,
        credit=credit,
        amount=original.amount,
        reference=f"Reversal of {original.public_id}",
        actor=actor,
        reverses=original,
    )


def account_close_check(*, holder: User) -> None:
    """
    Before a customer is closed: their account must be empty (409 `conflict` until it is paid out).
    Locks the account until the closing transaction ends, so that no movement slips in between.
    """
    account = Account.objects.select_for_update().filter(holder=holder).first()
    if account is not None and account.balance != 0:
        raise ConflictError(
            f"The customer's account holds {format_amount(account.balance, account.currency)} "
            f"{account.currency}: pay it out before closing."
        )


def account_open_if_missing(*, holder: User) -> None:
    """A customer made from a member of staff gets the current account every customer has."""
    if holder.role == Role.CUSTOMER and not Account.objects.filter(holder=holder).exists():
        account_open(holder=holder)


def idempotency_records_purge() -> int:
    """Forget the idempotency keys past their keeping time; how many were forgotten."""
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
