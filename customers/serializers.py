"""
Provides the shapes of the staff customer endpoints. Output is the contract's customer
representation (accounts.serializers.ProfileSerializer); input accepts only the editable fields.
"""

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.models import Role, Status, User
from accounts.serializers import (
    EXAMPLE_PASSWORD,
    DateOfBirthField,
    NewPasswordField,
    NormalizedEmailField,
    PersonNameField,
    PhoneField,
    ProfileSerializer,
    validate_new_password,
)
from bankapi.schema import char_class
from bankapi.serializers import QuerySerializer, StrictSerializer

CustomerSerializer = ProfileSerializer

SEARCH_MIN_LENGTH = 3
SEARCH_MAX_LENGTH = 254


@extend_schema_serializer(
    description=(
        "A new customer or staff member. `phone` and `date_of_birth` may be null or left out; `role` "
        "defaults to `customer`; without `password` the customer cannot log in until one is set."
    ),
    examples=[
        OpenApiExample(
            "A customer",
            value={
                "email": "grace@example.com",
                "first_name": "Grace",
                "last_name": "Hopper",
                "phone": "+12025550143",
                "date_of_birth": "1986-12-09",
            },
            request_only=True,
        ),
        OpenApiExample(
            "An auditor with a password",
            value={
                "email": "alan@example.com",
                "first_name": "Alan",
                "last_name": "Turing",
                "role": "auditor",
                "password": EXAMPLE_PASSWORD,
            },
            request_only=True,
        ),
    ],
)
class CustomerCreateSerializer(StrictSerializer):
    email = NormalizedEmailField()
    first_name = PersonNameField()
    last_name = PersonNameField()
    phone = PhoneField(required=False, allow_null=True)
    date_of_birth = DateOfBirthField(required=False, allow_null=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False, default=Role.CUSTOMER)
    password = NewPasswordField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "password" in attrs:  # compared with whichever other details are valid
            candidate = User(**{name: value for name, value in attrs.items() if name != "password"})
            validate_new_password(attrs["password"], user=candidate)
        return attrs


@extend_schema_serializer(
    description=(
        "A customer's editable fields. PUT sends every one of them (`phone` and `date_of_birth` may be "
        "null); PATCH any of them. Setting `status` to `frozen` or `closed`, or changing `role`, ends every "
        "session of the customer."
    )
)
class CustomerUpdateSerializer(StrictSerializer):
    email = NormalizedEmailField()
    first_name = PersonNameField()
    last_name = PersonNameField()
    phone = PhoneField(allow_null=True)
    date_of_birth = DateOfBirthField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    role = serializers.ChoiceField(choices=Role.choices)


# At least 3 characters between the first and the last that str.strip() keeps, and no U+0000.
_KEPT = char_class([0, *(code_point for code_point in range(0x10000) if chr(code_point).isspace())], negated=True)
SEARCH_PATTERN = f"^[^\\u0000]*{_KEPT}[^\\u0000]+{_KEPT}[^\\u0000]*$"


@extend_schema_field(
    {
        "type": "string",
        "minLength": SEARCH_MIN_LENGTH,
        "maxLength": SEARCH_MAX_LENGTH,
        "pattern": SEARCH_PATTERN,
    }
)
class SearchField(serializers.CharField):
    """Up to 254 characters as sent, of which at least 3 are left once surrounding spaces are trimmed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_length=SEARCH_MIN_LENGTH, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str) and len(data) > SEARCH_MAX_LENGTH:
            raise serializers.ValidationError(f"Ensure this field has no more than {SEARCH_MAX_LENGTH} characters.")
        return super().to_internal_value(data)


class CustomerListQuerySerializer(QuerySerializer):
    """The list's filters; the paginator's `cursor` and `page_size` are its own."""

    status = serializers.ChoiceField(choices=Status.choices, required=False, help_text="Only customers in this status.")
    role = serializers.ChoiceField(choices=Role.choices, required=False, help_text="Only users of this role.")
    search = SearchField(
        required=False,
        help_text=(
            "A 12-digit value finds that account number exactly; anything else matches the start of the email "
            'or a part of "first last" name, ignoring case. At least 3 characters besides surrounding spaces; '
            "a shorter search is 400 `validation_error`."
        ),
    )
