"""
Provides the bodies of the Flask service's routes: the fields its clients send, held to this
service's rules (names, E.164 phones, password rules, unknown fields refused), and the Flask shapes
of what they get back.
"""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import phonenumbers
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.account_numbers import ACCOUNT_NUMBER_PATTERN
from accounts.models import User
from accounts.serializers import DATE_SHAPE, NewPasswordField, PasswordField, PersonNameField, validate_new_password
from accounts.validators import E164_PATTERN
from bankapi.serializers import QuerySerializer, StrictSerializer
from legacy.errors import whole_message
from legacy.models import ADDRESS_MAX_LENGTH, BRANCH_CODE_MAX_LENGTH, AccountType

ACCOUNT_NUMBER_FORMAT = whole_message("Invalid account number format. Must be 12 digits.")
PHONE_FORMAT = whole_message("Invalid phone number format. Use (XXX) XXX-XXXX.")
DATE_FORMAT = whole_message("Invalid date format. Use YYYY-MM-DD.")
OPENING_DATE_IN_FUTURE = whole_message("date_of_account_opening cannot be later than today.")
ACCOUNT_TYPE_CHOICES = whole_message("Invalid bank_account_type. Use savings, checking or business.")
LOGIN_ACCOUNT_NUMBER_REQUIRED = whole_message("Account number is required")
LOGIN_ACCOUNT_NUMBER_FORMAT = whole_message("Invalid account number format")
LOGIN_PASSWORD_REQUIRED = whole_message("Password is required")
PASSWORD_NOT_CHANGED_HERE = whole_message(
    "A password cannot be changed here: customers change their own (POST /api/v1/profile/password) "
    "or set one with a link from the bank's staff."
)

FLASK_PHONE = re.compile(r"\(([0-9]{3})\) ([0-9]{3})-([0-9]{4})")
PHONE_REGION = "US"  # the Flask format, (XXX) XXX-XXXX, is North American
# The latest opening day a client may give: today where the day has begun first (UTC+14).
OPENING_DAY_LEEWAY = timedelta(hours=14)


def flask_phone_to_e164(value: str) -> str | None:
    """`(XXX) XXX-XXXX` as E.164 when it is a valid North American number, else None."""
    if not FLASK_PHONE.fullmatch(value):
        return None
    number = phonenumbers.parse(value, PHONE_REGION)
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^(?:\([0-9]{3}\) [0-9]{3}-[0-9]{4}|\+[1-9][0-9]{6,14})$",
        "description": (
            "The Flask format, `(XXX) XXX-XXXX`, a valid North American number (stored as E.164, `+1...`), "
            "or E.164 itself."
        ),
        "example": "(202) 555-0143",
    }
)
class LegacyPhoneField(serializers.CharField):
    """A phone as the Flask clients send it, or E.164; always E.164 once validated."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(trim_whitespace=False, max_length=16, error_messages={"invalid": PHONE_FORMAT}, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if E164_PATTERN.fullmatch(value):
            return value
        normalised = flask_phone_to_e164(value)
        if normalised is None:
            self.fail("invalid")
        return normalised


@extend_schema_field({"type": "string", "pattern": "^[0-9]{12}$", "example": "123456789012"})
class LegacyAccountNumberField(serializers.RegexField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": ACCOUNT_NUMBER_FORMAT, "blank": ACCOUNT_NUMBER_FORMAT})
        super().__init__(ACCOUNT_NUMBER_PATTERN, trim_whitespace=False, **kwargs)


class OpeningDateField(serializers.DateField):
    """`YYYY-MM-DD`, a real day, not later than today."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["%Y-%m-%d"], error_messages={"invalid": DATE_FORMAT}, **kwargs)

    def to_internal_value(self, value: Any) -> date:
        if not isinstance(value, str) or not DATE_SHAPE.fullmatch(value):
            self.fail("invalid")
        day = super().to_internal_value(value)
        if day > (timezone.now() + OPENING_DAY_LEEWAY).date():
            raise serializers.ValidationError(OPENING_DATE_IN_FUTURE)
        return day


@extend_schema_field({"type": "string", "enum": AccountType.values, "description": "Any case: stored in lower case."})
class AccountTypeField(serializers.CharField):
    """savings, checking or business, in any case (the Flask service kept free text)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=16, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).lower()
        if value not in AccountType.values:
            raise serializers.ValidationError(ACCOUNT_TYPE_CHOICES)
        return value


@extend_schema_field({"description": "Accepted for the Flask clients' sake and discarded: never stored."})
class DiscardedField(serializers.JSONField):
    """A field the Flask clients send that this service does not keep (age, gender)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, allow_null=True, write_only=True, **kwargs)


DISCARDED = ("age", "gender")
# The Flask field names, and where each is kept here.
USER_FIELDS = {"first_name": "first_name", "last_name": "last_name", "phone_number": "phone"}
DETAIL_FIELDS = {
    "address": "address",
    "branch_code": "branch_code",
    "bank_account_type": "account_type",
    "date_of_account_opening": "opened_on",
}

FLASK_CUSTOMER_EXAMPLE = {
    "account_number": "123456789012",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "age": 36,
    "gender": "female",
    "phone_number": "(202) 555-0143",
    "address": "12 Analytical Row, Springfield",
    "bank_account_type": "savings",
    "date_of_account_opening": "2024-03-01",
    "branch_code": "BR001",
    "password": "quiet meadow lantern river",
}


class _CustomerBody(StrictSerializer):
    """A customer as the Flask clients send one: every field but age and gender is kept."""

    account_number = LegacyAccountNumberField()
    first_name = PersonNameField()
    last_name = PersonNameField()
    age = DiscardedField()
    gender = DiscardedField()
    phone_number = LegacyPhoneField()
    address = serializers.CharField(max_length=ADDRESS_MAX_LENGTH, allow_blank=True)
    bank_account_type = AccountTypeField()
    date_of_account_opening = OpeningDateField()
    branch_code = serializers.CharField(max_length=BRANCH_CODE_MAX_LENGTH, allow_blank=True)
    password = NewPasswordField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in DISCARDED:
            attrs.pop(name, None)
        if "password" in attrs:  # compared with whichever other details are valid
            known = {USER_FIELDS[name]: attrs[name] for name in USER_FIELDS if name in attrs}
            candidate = User(account_number=attrs.get("account_number", ""), **known)
            validate_new_password(attrs["password"], user=candidate)
        return attrs


@extend_schema_serializer(
    description=(
        "The Flask service's registration body. `age` and `gender` are accepted and discarded; any other "
        "field not listed is refused. The password follows this service's rules."
    ),
    examples=[OpenApiExample("A Flask client's registration", value=FLASK_CUSTOMER_EXAMPLE, request_only=True)],
)
class LegacyRegisterSerializer(_CustomerBody):
    pass


@extend_schema_serializer(
    description=(
        "The Flask service's body for a new customer (admin). As registration's, but `password` may be left "
        "out: the customer then cannot log in until one is set."
    ),
    examples=[OpenApiExample("A Flask client's new customer", value=FLASK_CUSTOMER_EXAMPLE, request_only=True)],
)
class LegacyCustomerCreateSerializer(_CustomerBody):
    password = NewPasswordField(required=False)


@extend_schema_serializer(
    description="Any of the Flask fields but `account_number` and `password`; `age` and `gender` are discarded.",
    examples=[
        OpenApiExample(
            "A new address and phone",
            value={"address": "1 Difference Lane", "phone_number": "(202) 555-0188"},
            request_only=True,
        )
    ],
)
class LegacyCustomerUpdateSerializer(StrictSerializer):
    first_name = PersonNameField(required=False)
    last_name = PersonNameField(required=False)
    age = DiscardedField()
    gender = DiscardedField()
    phone_number = LegacyPhoneField(required=False)
    address = serializers.CharField(max_length=ADDRESS_MAX_LENGTH, allow_blank=True, required=False)
    bank_account_type = AccountTypeField(required=False)
    date_of_account_opening = OpeningDateField(required=False)
    branch_code = serializers.CharField(max_length=BRANCH_CODE_MAX_LENGTH, allow_blank=True, required=False)
    password = serializers.JSONField(required=False, write_only=True, help_text="Refused: " + PASSWORD_NOT_CHANGED_HERE)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "password" in self.initial_data:
            raise serializers.ValidationError({"password": [PASSWORD_NOT_CHANGED_HERE]})
        for name in DISCARDED:
            attrs.pop(name, None)
        return attrs


@extend_schema_serializer(
    description="The Flask service's login body.",
    examples=[
        OpenApiExample(
            "A Flask client's login",
            value={"account_number": "123456789012", "password": "quiet meadow lantern river"},
            request_only=True,
        )
    ],
)
class LegacyLoginSerializer(StrictSerializer):
    account_number = LegacyAccountNumberField(
        error_messages={
            "required": LOGIN_ACCOUNT_NUMBER_REQUIRED,
            "blank": LOGIN_ACCOUNT_NUMBER_REQUIRED,
            "null": LOGIN_ACCOUNT_NUMBER_REQUIRED,
            "invalid": LOGIN_ACCOUNT_NUMBER_FORMAT,
        }
    )
    password = PasswordField(
        error_messages={
            "required": LOGIN_PASSWORD_REQUIRED,
            "blank": LOGIN_PASSWORD_REQUIRED,
            "null": LOGIN_PASSWORD_REQUIRED,
        }
    )


class LegacyListQuerySerializer(QuerySerializer):
    """The list takes only the paginator's `cursor` and `page_size`."""


# Responses ---------------------------------------------------------------------------------------

ACCOUNT_TYPE_OUT = "`savings`, `checking` or `business`; null for a customer the Flask routes did not make."


def flask_time(moment: datetime | None) -> str | None:
    """A time as the Flask service showed one: `YYYY-MM-DD HH:MM:SS`, UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else None


class LegacyProfileSerializer(serializers.Serializer):
    """A customer as the Flask service's `to_dict()` showed one, without age and gender."""

    account_number = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone_number = serializers.CharField(allow_null=True, help_text="E.164, or null when never given.")
    address = serializers.CharField(allow_null=True, help_text="Null for a customer the Flask routes did not make.")
    bank_account_type = serializers.CharField(allow_null=True, help_text=ACCOUNT_TYPE_OUT)
    date_of_account_opening = serializers.DateField(
        help_text="The day the account was opened: as given to the Flask routes, else the day it was created here."
    )
    branch_code = serializers.CharField(allow_null=True)
    last_login = serializers.CharField(
        allow_null=True, help_text="`YYYY-MM-DD HH:MM:SS`, UTC, as the Flask service wrote it; null before any login."
    )

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        """From a row of `legacy.selectors`-shaped values (see legacy.services.PROFILE_VALUES)."""
        opened_on = row["legacy_details__opened_on"] or row["created_at"].date()
        return {
            "account_number": row["account_number"],
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "phone_number": row["phone"],
            "address": row["legacy_details__address"],
            "bank_account_type": row["legacy_details__account_type"] or None,
            "date_of_account_opening": opened_on.isoformat(),
            "branch_code": row["legacy_details__branch_code"],
            "last_login": flask_time(row["last_login"]),
        }


class LegacyProfileResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always `true`.")
    profile = LegacyProfileSerializer()


class LegacyUserListResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always `true`.")
    users = LegacyProfileSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page (older customers), or null.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null.")


class LegacyLoginUserSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="First and last name.")
    account_type = serializers.CharField(allow_null=True, help_text=ACCOUNT_TYPE_OUT)
    account_number = serializers.CharField()


class LegacyLoginResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always `true`.")
    token = serializers.CharField(
        help_text="This service's JWT access token: `Authorization: Bearer <token>` here and on /api/v1."
    )
    user = LegacyLoginUserSerializer()


class LegacyCreatedSerializer(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always `true`.")
    message = serializers.CharField()
    account_number = serializers.CharField()


class LegacyMessageSerializer(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always `true`.")
    message = serializers.CharField()


class LegacyErrorSerializer(serializers.Serializer):
    """Every error of the Flask routes: `success` false and a human-readable `message`."""

    success = serializers.BooleanField(help_text="Always `false`.")
    message = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Only on a 400 for the body: each invalid field with its messages.",
    )
