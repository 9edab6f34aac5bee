"""
Issues account numbers: 12 digits, random, with a Luhn check digit last.
"""

import re
import secrets

ACCOUNT_NUMBER_PATTERN = re.compile(r"\A[0-9]{12}\Z")
ACCOUNT_NUMBER_LENGTH = 12


def luhn_check_digit(payload: str) -> str:
    """The digit that makes `payload + digit` pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:  # every second digit from the right of the final number
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def passes_luhn(number: str) -> bool:
    return number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def is_account_number(value: str) -> bool:
    """The shape check for input: 12 ASCII digits. Imported numbers need not pass Luhn."""
    return bool(ACCOUNT_NUMBER_PATTERN.match(value))


def generate_account_number() -> str:
    """A random 12-digit number, not starting with 0, ending in its Luhn check digit."""
    payload = str(secrets.choice(range(1, 10))) + "".join(
        str(secrets.randbelow(10)) for _ in range(ACCOUNT_NUMBER_LENGTH - 2)
    )
    return payload + luhn_check_digit(payload)
