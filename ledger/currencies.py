"""
Provides the currencies the ledger keeps and how their amounts are written: integer minor units in
the database, a decimal string of at most the currency's minor-unit digits on the wire.
"""

import re
from decimal import Decimal

# ISO 4217 minor units of the currencies a bank here may open accounts in.
MINOR_UNITS = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "CAD": 2,
    "AUD": 2,
    "JPY": 0,
}
# The largest amount one movement may carry, in major units (the contract's 999999999999.99).
MAX_AMOUNT = Decimal("999999999999.99")


class AmountError(ValueError):
    """The text is not an amount this currency can carry; the message says why."""


def amount_pattern(currency: str) -> re.Pattern[str]:
    """ASCII digits, then at most the currency's minor-unit decimals: no sign, exponent or spaces."""
    decimals = MINOR_UNITS[currency]
    fraction = rf"(\.[0-9]{{1,{decimals}}})?" if decimals else ""
    return re.compile(rf"[0-9]{{1,12}}{fraction}")


def amount_schema_pattern(currency: str) -> str:
    """
    The pattern the OpenAPI schema gives an amount: amount_pattern, without the all-zero amounts the
    API refuses ("0", "0.00"), so that whatever the schema allows is an amount the API takes (up to
    MAX_AMOUNT, which the schema states as well).
    """
    return rf"^(?!0+(\.0+)?$){amount_pattern(currency).pattern}$"


def parse_amount(text: str, currency: str) -> int:
    """A positive amount in `currency`'s minor units, from the contract's decimal string."""
    if not amount_pattern(currency).fullmatch(text):
        decimals = MINOR_UNITS[currency]
        raise AmountError(f'Enter an amount as a string of digits with at most {decimals} decimals, such as "12.34".')
    value = Decimal(text)
    if value <= 0:
        raise AmountError("The amount must be greater than zero.")
    if value > MAX_AMOUNT:
        raise AmountError(f"The amount can be at most {MAX_AMOUNT}.")
    return int(value.scaleb(MINOR_UNITS[currency]))


def format_amount(minor_units: int, currency: str) -> str:
    """The contract's decimal string of a signed amount in minor units: -1234 EUR is "-12.34"."""
    decimals = MINOR_UNITS[currency]
    return f"{Decimal(minor_units).scaleb(-decimals):.{decimals}f}"
