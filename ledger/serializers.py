"""
Provides the shapes of accounts, statement lines and movements, and of the bodies that move money:
amounts are decimal strings on the wire and integer minor units inside.
"""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.account_numbers import ACCOUNT_NUMBER_PATTERN
from audit.serializers import Rfc3339DateTimeField
from bankapi.serializers import QuerySerializer, StrictSerializer
from ledger.currencies import MAX_AMOUNT, AmountError, amount_schema_pattern, format_amount, parse_amount
from ledger.models import Account, AccountKind, Entry, JournalTransaction, TransactionKind


@extend_schema_field(
    {
        "type": "string",
        "pattern": amount_schema_pattern(settings.DEFAULT_CURRENCY),
        "example": "12.34",
        "description": f'A decimal string such as "12.34": above zero, at most {MAX_AMOUNT}.',
    }
)
class AmountField(serializers.Field):
    """
    An amount in the default currency: a JSON string of ASCII digits with at most the currency's
    minor-unit decimals, above zero and at most 999999999999.99; into integer minor units. A JSON
    number is refused, and so are a sign, an exponent, NaN and Infinity.
    """

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, str):
            raise serializers.ValidationError('Send the amount as a string, such as "12.34".')
        try:
            return parse_amount(data, settings.DEFAULT_CURRENCY)
        except AmountError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_representation(self, value: int) -> str:
        return format_amount(value, settings.DEFAULT_CURRENCY)


class TransferSerializer(StrictSerializer):
    """A transfer between two customer accounts; `reference` is shown on both statements."""

    from_account = serializers.RegexField(
        ACCOUNT_NUMBER_PATTERN, trim_whitespace=False, help_text="Your account number (an admin: any)."
    )
    to_account = serializers.RegexField(
        ACCOUNT_NUMBER_PATTERN, trim_whitespace=False, help_text="The account number to pay."
    )
    amount = AmountField()
    reference = serializers.CharField(max_length=140, required=False, default="", allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("from_account") and attrs.get("from_account") == attrs.get("to_account"):
            raise serializers.ValidationError({"to_account": ["The destination must be another account."]})
        return attrs


class CashMovementSerializer(StrictSerializer):
    """Cash paid in or out at the bank; `reference` is shown on the customer's statement."""

    amount = AmountField()
    reference = serializers.CharField(max_length=140, required=False, default="", allow_blank=True)


def _customer_number(account: Account) -> str | None:
    """A customer account's number; None for the bank's own accounts, which no customer sees."""
    return account.number if account.kind == AccountKind.CUSTOMER else None


class MovementSerializer(serializers.Serializer):
    """A posted movement: a transfer, deposit, withdrawal or reversal."""

    id = serializers.UUIDField(source="public_id")
    kind = serializers.ChoiceField(choices=TransactionKind.choices)
    from_account = serializers.SerializerMethodField(help_text="The account debited; null for a deposit (cash).")
    to_account = serializers.SerializerMethodField(help_text="The account credited; null for a withdrawal (cash).")
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField()
    reference = serializers.CharField()
    status = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_from_account(self, movement: JournalTransaction) -> str | None:
        return _customer_number(movement.debit_account)

    def get_to_account(self, movement: JournalTransaction) -> str | None:
        return _customer_number(movement.credit_account)

    def get_amount(self, movement: JournalTransaction) -> str:
        """A decimal string such as "12.34"."""
        return format_amount(movement.amount, movement.currency)

    def get_status(self, movement: JournalTransaction) -> str:
        """Always `posted`: a movement is either posted whole or not at all."""
        return "posted"


class AccountSerializer(serializers.Serializer):
    account_number = serializers.CharField(source="number")
    currency = serializers.CharField()
    balance = serializers.SerializerMethodField()
    status = serializers.CharField(source="holder.status", help_text="The customer's: active, frozen or closed.")

    def get_balance(self, account: Account) -> str:
        """A decimal string such as "12.34"."""
        return format_amount(account.balance, account.currency)


STATEMENT_KINDS = ("transfer_in", "transfer_out", "deposit", "withdrawal", "reversal")


class StatementLineSerializer(serializers.Serializer):
    """One entry of an account's statement."""

    id = serializers.UUIDField(source="journal_transaction.public_id", help_text="The movement's id.")
    occurred_at = serializers.DateTimeField()
    kind = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField()
    balance_after = serializers.SerializerMethodField()
    counterparty = serializers.SerializerMethodField()
    reference = serializers.CharField(source="journal_transaction.reference")

    def get_kind(self, entry: Entry) -> str:
        """transfer_in, transfer_out, deposit, withdrawal or reversal."""
        kind = entry.journal_transaction.kind
        if kind == TransactionKind.TRANSFER:
            return "transfer_in" if entry.amount > 0 else "transfer_out"
        return kind

    def get_amount(self, entry: Entry) -> str:
        """Signed: "-12.34" left the account, "12.34" came in."""
        return format_amount(entry.amount, entry.account.currency)

    def get_balance_after(self, entry: Entry) -> str:
        return format_amount(entry.balance_after, entry.account.currency)

    def get_counterparty(self, entry: Entry) -> str | None:
        """The other customer's account number for a transfer and its reversal; null for cash."""
        movement = entry.journal_transaction
        other = movement.credit_account if entry.amount < 0 else movement.debit_account
        return _customer_number(other)


class StatementQuerySerializer(QuerySerializer):
    since = Rfc3339DateTimeField(required=False, help_text="Only entries at or after this moment (RFC 3339).")
    until = Rfc3339DateTimeField(required=False, help_text="Only entries before this moment (RFC 3339).")
    format = serializers.ChoiceField(
        choices=["json", "csv"], required=False, help_text="`csv`: the whole statement (within since/until) as CSV."
    )
