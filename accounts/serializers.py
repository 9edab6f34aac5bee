"""
Provides the shapes and field rules of the authentication and profile endpoints.
"""

from datetime import UTC, date, datetime
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.account_numbers import ACCOUNT_NUMBER_PATTERN
from accounts.models import Role, User
from accounts.validators import (
    normalize_name,
    validate_date_of_birth,
    validate_name,
    validate_phone,
)
from bankapi.serializers import StrictModelSerializer, StrictSerializer


def _django_validator(validator: Any) -> Any:
    """Adapt a Django validator to DRF, keeping its message."""

    def run(value: Any) -> None:
        try:
            validator(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    return run


class PersonNameField(serializers.CharField):
    """A name: NFKC-normalised, 1 to 100 letters, spaces, `'` and `-`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=400, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = normalize_name(super().to_internal_value(data))
        _django_validator(validate_name)(value)
        return value


class PhoneField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=16, validators=[_django_validator(validate_phone)], **kwargs)


class DateOfBirthField(serializers.DateField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["%Y-%m-%d"], validators=[_django_validator(validate_date_of_birth)], **kwargs)


class NormalizedEmailField(serializers.EmailField):
    """An email address, at most 254 characters, domain lower-cased."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=254, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        return BaseUserManager.normalize_email(super().to_internal_value(data))


class PasswordField(serializers.CharField):
    """A password exactly as typed: never trimmed, never echoed back."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(write_only=True, trim_whitespace=False, max_length=1024, **kwargs)


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


class ProfileSerializer(serializers.ModelSerializer):
    """The customer representation of the contract."""

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


class RegisterSerializer(StrictSerializer):
    email = NormalizedEmailField()
    password = PasswordField()
    first_name = PersonNameField()
    last_name = PersonNameField()
    phone = PhoneField()
    date_of_birth = DateOfBirthField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = User(**{name: value for name, value in attrs.items() if name != "password"})
        validate_new_password(attrs["password"], user=candidate)
        return attrs


class LoginSerializer(StrictSerializer):
    """`password` and exactly one of `email` or `account_number`."""

    email = serializers.EmailField(max_length=254, required=False)
    account_number = serializers.RegexField(ACCOUNT_NUMBER_PATTERN, required=False)
    password = PasswordField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("email", "account_number") if name in attrs]
        if len(given) != 1:
            raise serializers.ValidationError({"non_field_errors": ["Send exactly one of email or account_number."]})
        attrs["identifier"] = attrs[given[0]]
        return attrs


class RefreshSerializer(StrictSerializer):
    refresh = serializers.CharField(max_length=4096)


class LogoutSerializer(StrictSerializer):
    refresh = serializers.CharField(max_length=4096)


class ProfileUpdateSerializer(StrictModelSerializer):
    """A customer may change only their names and phone number."""

    first_name = PersonNameField(required=False)
    last_name = PersonNameField(required=False)
    phone = PhoneField(required=False)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone"]


class PasswordChangeSerializer(StrictSerializer):
    current_password = PasswordField()
    new_password = PasswordField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        if attrs["new_password"] == attrs["current_password"]:
            raise serializers.ValidationError({"new_password": ["Must differ from the current password."]})
        try:
            password_validation.validate_password(attrs["new_password"], user=user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"new_password": exc.messages}) from exc
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
