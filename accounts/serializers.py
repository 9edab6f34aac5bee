"""
Provides the shapes and field rules of the authentication and profile endpoints, and how the
OpenAPI schema states each rule (the `...Scheme` extensions below): the pattern or bound a field
declares is the one it enforces.
"""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers
from rest_framework.fields import empty

from accounts.account_numbers import ACCOUNT_NUMBER_PATTERN
from accounts.models import Role, User
from accounts.names import NAME_INPUT_MAX_LENGTH, is_name_input, name_input_pattern
from accounts.validators import (
    E164_PATTERN,
    MAX_AGE_YEARS,
    MIN_AGE_YEARS,
    MaximumLengthValidator,
    normalize_name,
    validate_date_of_birth,
    validate_name,
    validate_phone,
)
from bankapi.schema import char_class, date_range_pattern
from bankapi.serializers import StrictModelSerializer, StrictSerializer

NAME_RULE = "May contain only letters, spaces, apostrophes and hyphens."
# `format: email` lets validators differ (many take `a@b`); this says what Django's validator takes.
EMAIL_DESCRIPTION = (
    "An email address as sent (no surrounding spaces), at most 254 characters: a dot-separated local part "
    "without quotes, and a domain name ending in a top-level domain of 2 or more characters, `localhost` "
    "or an IP address in brackets. Addresses are the same whatever their case."
)
DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _django_validator(validator: Any) -> Any:
    """Adapt a Django validator to DRF, keeping its message."""

    def run(value: Any) -> None:
        try:
            validator(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    return run


class PersonNameField(serializers.CharField):
    """
    A name: as typed, at most 100 characters matching `accounts.names` (which is what the schema
    declares); then trimmed, NFKC-normalised and checked by the rule every path shares.
    """

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str) and len(data) > NAME_INPUT_MAX_LENGTH:
            raise serializers.ValidationError(f"Must be 1 to {NAME_INPUT_MAX_LENGTH} characters.")
        if isinstance(data, str) and not is_name_input(data):
            raise serializers.ValidationError(NAME_RULE)
        value = normalize_name(super().to_internal_value(data))
        _django_validator(validate_name)(value)
        return value


class PhoneField(serializers.CharField):
    """E.164 exactly as sent: surrounding spaces are not trimmed away, as the schema's pattern says."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=16, trim_whitespace=False, validators=[_django_validator(validate_phone)], **kwargs)


class DateOfBirthField(serializers.DateField):
    """`YYYY-MM-DD` with ASCII digits only (strptime alone takes `1990-1-5` and other digits)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["%Y-%m-%d"], validators=[_django_validator(validate_date_of_birth)], **kwargs)

    def to_internal_value(self, value: Any) -> date:
        if isinstance(value, str) and not DATE_SHAPE.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class NormalizedEmailField(serializers.EmailField):
    """An email address exactly as sent (no spaces trimmed), at most 254 characters, domain lower-cased."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", EMAIL_DESCRIPTION)
        super().__init__(max_length=254, trim_whitespace=False, **kwargs)

    def run_validation(self, data: Any = empty) -> Any:
        """Validated as sent, then normalised (which would also trim, so it comes after)."""
        value = super().run_validation(data)
        return BaseUserManager.normalize_email(value) if isinstance(value, str) else value


class PasswordField(serializers.CharField):
    """A password exactly as typed: never trimmed, never echoed back."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(write_only=True, trim_whitespace=False, max_length=1024, **kwargs)


class NewPasswordField(PasswordField):
    """
    A password being set. Its rules are Django's password validators (`validate_new_password`,
    run with the other details of the body); the schema reads its bounds from them.
    """


# How the schema states each field's rule -----------------------------------------------------------

NAME_DESCRIPTION = (
    f"1 to {NAME_INPUT_MAX_LENGTH} characters: letters of any script, combining marks, spaces, apostrophes "
    "and hyphens, beginning with a letter or an apostrophe or hyphen (never a combining mark) and "
    "containing at least one letter. Surrounding whitespace is trimmed and the name is stored NFKC-normalised "
    "(full-width `Ａｄａ` becomes `Ada`). The pattern spells this out for the characters of the Basic "
    "Multilingual Plane, the only ones accepted."
)


class PersonNameScheme(OpenApiSerializerFieldExtension):
    target_class = PersonNameField
    match_subclasses = True

    def get_name(self) -> str:
        return "PersonName"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {
            "type": "string",
            "minLength": 1,
            "maxLength": NAME_INPUT_MAX_LENGTH,
            "pattern": name_input_pattern(),
            "description": NAME_DESCRIPTION,
            "example": "Ada",
        }


class PhoneScheme(OpenApiSerializerFieldExtension):
    target_class = PhoneField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {
            "type": "string",
            "pattern": E164_PATTERN.pattern,
            "description": "E.164: `+`, the country code and the number, 8 to 16 characters, no spaces.",
            "example": "+447700900123",
        }


def date_of_birth_bounds(today: date) -> tuple[date, date]:
    """The earliest and latest birth dates `validate_date_of_birth` accepts on `today`."""

    def accepted(born: date) -> bool:
        try:
            validate_date_of_birth(born)
        except DjangoValidationError:
            return False
        return True

    def edge(approximate: date, step: timedelta) -> date:
        """From a date near the edge, the last accepted one walking by `step` (one day)."""
        while not accepted(approximate):
            approximate -= step
        while accepted(approximate + step):
            approximate += step
        return approximate

    day = min(today.day, 28)
    latest = edge(date(today.year - MIN_AGE_YEARS, today.month, day), timedelta(days=1))
    earliest = edge(date(today.year - MAX_AGE_YEARS - 1, today.month, day), timedelta(days=-1))
    return earliest, latest


class DateOfBirthScheme(OpenApiSerializerFieldExtension):
    target_class = DateOfBirthField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        today = timezone.now().date()
        earliest, latest = date_of_birth_bounds(today)
        return {
            "type": "string",
            "format": "date",
            "pattern": date_range_pattern(earliest, latest),
            "description": (
                f"A date (`YYYY-MM-DD`) on which the person is {MIN_AGE_YEARS} to {MAX_AGE_YEARS} years old: "
                f"today ({today.isoformat()}, UTC) that is {earliest.isoformat()} to {latest.isoformat()}, "
                "the range the pattern spells out (it moves with the date the schema is read)."
            ),
            "example": "1990-12-10",
        }


def password_bounds() -> tuple[int, int]:
    """The shortest and longest new password the configured validators accept."""
    shortest, longest = 1, 1024
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, password_validation.MinimumLengthValidator):
            shortest = max(shortest, validator.min_length)
        elif isinstance(validator, MaximumLengthValidator):
            longest = min(longest, validator.max_length)
    return shortest, longest


# No U+0000 (DRF refuses it), and a character that is not a digit by str.isdigit(): Django refuses a
# password with none as numeric.
_DIGITS_OR_NUL = [0, *(code_point for code_point in range(0x10000) if chr(code_point).isdigit())]
NEW_PASSWORD_PATTERN = f"^[^\\u0000]*{char_class(_DIGITS_OR_NUL, negated=True)}[^\\u0000]*$"


class NewPasswordScheme(OpenApiSerializerFieldExtension):
    target_class = NewPasswordField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        shortest, longest = password_bounds()
        return {
            "type": "string",
            "writeOnly": True,
            "minLength": shortest,
            "maxLength": longest,
            "pattern": NEW_PASSWORD_PATTERN,
            "description": (
                f"{shortest} to {longest} characters, not only digits, and neither a common password nor too "
                "similar to the email, names or account number; no composition rules. Spaces count and are "
                "kept."
            ),
        }


def validate_new_password(password: str, *, user: User) -> None:
    """Django's validators (length, common, numeric, similarity to the user's details)."""
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"password": exc.messages}) from exc


def _rfc3339_utc(moment: datetime) -> str:
    """A time as DRF's DateTimeField renders it with the contract's (and settings') time zone, UTC."""
    text = moment.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@extend_schema_serializer(
    description=(
        "A customer (or staff member) as the service shows them. `email` is null only for a customer "
        "brought over from an earlier system; `phone` and `date_of_birth` are null when they were never "
        "given."
    )
)
class ProfileSerializer(serializers.ModelSerializer):
    """The contract's customer representation, built without DRF's per-field machinery."""

    def to_representation(self, user: User | dict[str, Any]) -> dict[str, Any]:
        """
        The fields of Meta.fields, formatted as DRF formats them, from a user or from a row read
        with `.values(*Meta.fields)` (the customer list: no model built for fifty rows). Every one
        is a plain read-only attribute, so this skips building DRF's fields for every instance,
        which took a third of a profile read (docs/performance.md). The schema still comes from the
        fields; accounts/tests/test_profile.py pins this to DRF's own representation.
        """
        representation = {}
        read = user.__getitem__ if isinstance(user, dict) else user.__getattribute__
        for name in self.Meta.fields:
            value = read(name)
            if isinstance(value, datetime):
                value = _rfc3339_utc(value)
            elif isinstance(value, date):
                value = value.isoformat()
            representation[name] = value
        return representation

    class Meta:
        model = User
        fields = [
            "account_number",
            "email",
            "first_name",
            "last_name",
            "phone",
            "date_of_birth",
            "role",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


EXAMPLE_PASSWORD = "quiet meadow lantern river"  # noqa: S105 (an example in the API reference)
EXAMPLE_NEW_PASSWORD = "violet harbour compass morning"  # noqa: S105
EXAMPLE_REFRESH = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.vK3VH2yJ0r1Zb4mQ7gk1l1m1c2h8dXVfN3A4eWhMa0U"
)


@extend_schema_serializer(
    description=(
        "A new customer's details and password, all required. A body with several mistakes gets every "
        "one of them in one `validation_error`."
    ),
    examples=[
        OpenApiExample(
            "A new customer",
            value={
                "email": "ada@example.com",
                "password": EXAMPLE_PASSWORD,
                "first_name": "Ada",
                "last_name": "Lovelace",
                "phone": "+447700900123",
                "date_of_birth": "1990-12-10",
            },
            request_only=True,
        )
    ],
)
class RegisterSerializer(StrictSerializer):
    email = NormalizedEmailField()
    password = NewPasswordField()
    first_name = PersonNameField()
    last_name = PersonNameField()
    phone = PhoneField()
    date_of_birth = DateOfBirthField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "password" in attrs:  # compared with whichever other details are valid
            candidate = User(**{name: value for name, value in attrs.items() if name != "password"})
            validate_new_password(attrs["password"], user=candidate)
        return attrs


@extend_schema_serializer(description="`password` and exactly one of `email` (case-insensitive) or `account_number`.")
class LoginSerializer(StrictSerializer):
    exactly_one_of = ("email", "account_number")

    email = serializers.EmailField(max_length=254, trim_whitespace=False, required=False)
    account_number = serializers.RegexField(ACCOUNT_NUMBER_PATTERN, trim_whitespace=False, required=False)
    password = PasswordField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [attrs[name] for name in self.exactly_one_of if name in attrs]
        if len(given) == 1:
            attrs["identifier"] = given[0]
        return attrs


@extend_schema_serializer(
    description="The refresh token of the pair to rotate.",
    examples=[OpenApiExample("A refresh token", value={"refresh": EXAMPLE_REFRESH}, request_only=True)],
)
class RefreshSerializer(StrictSerializer):
    refresh = serializers.CharField(max_length=4096, trim_whitespace=False)


@extend_schema_serializer(
    description="The refresh token of the session to end.",
    examples=[OpenApiExample("A refresh token", value={"refresh": EXAMPLE_REFRESH}, request_only=True)],
)
class LogoutSerializer(StrictSerializer):
    refresh = serializers.CharField(max_length=4096, trim_whitespace=False)


@extend_schema_serializer(
    description="The details a customer may change: any of `first_name`, `last_name` and `phone`.",
    examples=[
        OpenApiExample("A new phone number", value={"phone": "+447700900456"}, request_only=True),
        OpenApiExample("A new name", value={"first_name": "Augusta Ada", "last_name": "King"}, request_only=True),
    ],
)
class ProfileUpdateSerializer(StrictModelSerializer):
    first_name = PersonNameField(required=False)
    last_name = PersonNameField(required=False)
    phone = PhoneField(required=False)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone"]


@extend_schema_serializer(
    description=(
        "The current password and the new one, which follows the password rules and differs from the current one."
    ),
    examples=[
        OpenApiExample(
            "A new password",
            value={"current_password": EXAMPLE_PASSWORD, "new_password": EXAMPLE_NEW_PASSWORD},
            request_only=True,
        )
    ],
)
class PasswordChangeSerializer(StrictSerializer):
    current_password = PasswordField()
    new_password = NewPasswordField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "new_password" not in attrs:
            return attrs
        messages = []
        if attrs["new_password"] == attrs.get("current_password"):
            messages.append("Must differ from the current password.")
        try:
            password_validation.validate_password(attrs["new_password"], user=self.context["request"].user)
        except DjangoValidationError as exc:
            messages.extend(exc.messages)
        if messages:
            raise serializers.ValidationError({"new_password": messages})
        return attrs


# Response shapes (for the OpenAPI schema; the views build these bodies themselves) ---------------


class TokenPairSerializer(serializers.Serializer):
    """A successful login: an access token, the refresh token that renews it, and who it is for."""

    access = serializers.CharField(help_text="JWT access token, for `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="JWT refresh token, for `POST /api/v1/auth/token/refresh` only.")
    token_type = serializers.ChoiceField(choices=["Bearer"], help_text="Always `Bearer`.")
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")
    role = serializers.ChoiceField(choices=Role.choices, help_text="The user's role, for clients' convenience.")


class RotatedTokenPairSerializer(serializers.Serializer):
    """A new token pair; the refresh token that was sent is revoked."""

    access = serializers.CharField(help_text="JWT access token, for `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="The new refresh token; the old one no longer works.")


class MfaChallengeSerializer(serializers.Serializer):
    """The password was right and the user has MFA: send `mfa_token` and a code to `/api/v1/auth/mfa/verify`."""

    mfa_required = serializers.ChoiceField(choices=[True], help_text="Always `true`.")
    mfa_token = serializers.CharField(
        help_text=(
            "Good only for `POST /api/v1/auth/mfa/verify`, once, for `MFA_TOKEN_SECONDS` (default 300); "
            "not an access or refresh token."
        )
    )
