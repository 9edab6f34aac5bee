"""
Rows as the Flask service's customer table holds them, and its CSV export as `psql \\copy ... CSV
HEADER NULL 'NULL'` writes it, for the import tests.
"""

import csv
from pathlib import Path
from typing import Any

import bcrypt

from legacy.importing import COLUMNS

# One cheap hash (cost 4) that most rows share; the tests about logging in make their own.
PASSWORD = "flask era password"
CHEAP_HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()


def flask_hash(password: str = PASSWORD, rounds: int = 4, prefix: str = "$2b$") -> str:
    """A bcrypt hash as the Flask service stored it (its `bcrypt` made $2b$; $2a$/$2y$ are other tools')."""
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()
    return prefix + hashed[4:]


def flask_row(number: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid row; `number` makes the account number (and phone) unique, `overrides` set columns."""
    row = {
        "account_number": f"{100000000000 + number:012d}",
        "first_name": "Grace",
        "last_name": "Hopper",
        "age": 42,
        "gender": "female",
        "phone_number": f"(212) 555-{number % 10000:04d}",
        "address": "1 Main Street, Springfield",
        "bank_account_type": "Savings",
        "date_of_account_opening": "2019-03-14",
        "branch_code": "BR001",
        "password_hash": CHEAP_HASH,
        "created_at": "2019-03-14 09:26:53.589793",
        "last_login": "2024-05-01 12:00:00",
        "login_attempts": 2,
        "last_failed_attempt": "2024-04-30 08:00:00",
    }
    row.update(overrides)
    return row


def write_export(path: Path, rows: list[dict[str, Any]]) -> Path:
    """The CSV export of `rows` (None written as NULL), with the header on line 1."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(["NULL" if row[column] is None else row[column] for column in COLUMNS])
    return path
