"""
Provides the validators for customer details and passwords that the contract defines.
"""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

NAME_MAX_LENGTH = 100
E164_PATTERN = re.compile(r"^\+[1-9][0-9]{6,14}$")
MIN_AGE_YEARS = 18
MAX_AGE_YEARS = 120


def normalize_name(value: str) -> str:
    """NFKC-normalise a name and trim surrounding spaces."""
    return unicodedata.normalize("NFKC", value).strip()


def validate_name(value: str) -> None:
    """
    Names are 1 to 100 characters: Unicode letters (with the combining marks some scripts write
    their letters with, e.g. Devanagari vowel signs), spaces, `'` and `-`; no digits, no control
    characters, at least one letter, and no mark without a letter before it.
    """
    if not 1 <= len(value) <= NAME_MAX_LENGTH:
        raise ValidationError(f"Must be 1 to {NAME_MAX_LENGTH} characters.", code="invalid_length")
    allowed = all(char.isalpha() or char in " '-" or unicodedata.category(char).startswith("M") for char in value)
    if not allowed or unicodedata.category(value[0]).startswith("M") or not any(char.isalpha() for char in value):
        raise ValidationError("May contain only letters, spaces, apostrophes and hyphens.", code="invalid_name")


def validate_phone(value: str) -> None:
    if not E164_PATTERN.fullmatch(value):  # `match` with `$` would let a trailing newline through
        raise ValidationError("Enter a phone number in E.164 format, e.g. +447700900123.", code="invalid_phone")


def _years_between(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def validate_date_of_birth(value: date) -> None:
    age = _years_between(value, timezone.now().date())
    if not MIN_AGE_YEARS <= age <= MAX_AGE_YEARS:
        raise ValidationError(
            f"Age must be between {MIN_AGE_YEARS} and {MAX_AGE_YEARS} years.", code="invalid_date_of_birth"
        )


class MaximumLengthValidator:
    """Passwords longer than `max_length` characters are refused (the contract caps them at 128)."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"This password is too long. It must contain at most {self.max_length} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password must contain at most {self.max_length} characters."
