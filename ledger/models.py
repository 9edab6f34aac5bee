"""
The double-entry ledger: accounts, journal transactions and their immutable entries, in integer
minor units. PostgreSQL itself guards the invariants (ledger/migrations/0002_guards.py): entries and
journal transactions cannot be changed or deleted, every journal transaction's entries sum to zero,
an account's balance is its last entry's running balance, and (a CHECK constraint, SQLite too) no
customer account goes below zero.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AccountKind(models.TextChoices):
    CUSTOMER = "customer"
    SYSTEM = "system"  # the bank's own (cash, suspense): no customer sees them


class Account(models.Model):
    # A customer account's number is its holder's account number; a system account's, its name.
    number = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    holder = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_account"
    )
    currency = models.CharField(max_length=3)
    # Minor units; changed only together with an entry that records the change.
    balance = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=AccountKind.SYSTEM) | Q(balance__gte=0),
                name="ledger_customer_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(kind=AccountKind.CUSTOMER, holder__isnull=False)
                | Q(kind=AccountKind.SYSTEM, holder__isnull=True),
                name="ledger_account_holder_matches_kind",
            ),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="ledger_account_currency_code"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.currency})"


class TransactionKind(models.TextChoices):
    TRANSFER = "transfer"
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    REVERSAL = "reversal"


class JournalTransaction(models.Model):
    """One movement of money: the entries it posts sum to zero."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=TransactionKind.choices)
    # The account debited and the one credited, and the amount moved (minor units, positive): the
    # movement as the API shows it; its entries are the bookkeeping.
    debit_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    credit_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=140, blank=True)
    # The transaction this one reverses; unique, so that a transaction is reversed at most once.
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_transaction_amount_positive"),
            models.CheckConstraint(
                condition=~Q(debit_account=models.F("credit_account")), name="ledger_transaction_two_accounts"
            ),
            models.CheckConstraint(
                condition=Q(kind=TransactionKind.REVERSAL, reverses__isnull=False)
                | (~Q(kind=TransactionKind.REVERSAL) & Q(reverses__isnull=True)),
                name="ledger_reversal_names_what_it_reverses",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"


class Entry(models.Model):
    """One side of a journal transaction on one account, with the account's balance after it."""

    journal_transaction = models.ForeignKey(JournalTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()  # signed minor units: credit positive, debit negative
    balance_after = models.BigIntegerField()
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "entries"
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_amount_not_zero")]
        # An account's statement, newest first, and its last entry (the running balance's guard).
        indexes = [models.Index(fields=["account", "-id"], name="ledger_entry_account_newest")]

    def __str__(self) -> str:
        return f"{self.amount:+d} on {self.account_id}"


class IdempotencyRecord(models.Model):
    """
    The outcome of a money-moving request, under the `Idempotency-Key` its caller sent, written in
    the same database transaction as the movement: a retry gets this outcome back instead of a
    second movement. Kept at least IDEMPOTENCY_KEY_HOURS (purge_idempotency_keys removes older ones).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    # The 201's body exactly as it was sent (JSON text: a replay is byte for byte the same), or the
    # refusal's problem code and detail.
    response_body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="ledger_idempotency_key_per_caller")]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status})"
