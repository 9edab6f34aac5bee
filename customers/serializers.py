"""
Provides the shapes of the staff customer endpoints. Output is the contract's customer
representation (accounts.serializers.ProfileSerializer); input accepts only the editable fields.
"""

from typing import Any

from rest_framework import serializers

from accounts.models import Role, Status, User
from accounts.serializers import (
    DateOfBirthField,
    NormalizedEmailField,
    PasswordField,
    PersonNameField,
    PhoneField,
    ProfileSerializer,
    validate_new_password,
)
from bankapi.serializers import StrictSerializer

CustomerSerializer = ProfileSerializer


class CustomerCreateSerializer(StrictSerializer):
    """A new customer (or staff member); `password` is optional."""

    email = NormalizedEmailField()
    first_name = PersonNameField()
    last_name = PersonNameField()
    phone = PhoneField(required=False, allow_null=True)
    date_of_birth = DateOfBirthField(required=False, allow_null=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False, default=Role.CUSTOMER)
    password = PasswordField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "password" in attrs:
            candidate = User(**{name: value for name, value in attrs.items() if name != "password"})
            validate_new_password(attrs["password"], user=candidate)
        return attrs


class CustomerUpdateSerializer(StrictSerializer):
    """PUT replaces every editable field (phone and date_of_birth may be null); PATCH any subset."""

    email = NormalizedEmailField()
    first_name = PersonNameField()
    last_name = PersonNameField()
    phone = PhoneField(allow_null=True)
    date_of_birth = DateOfBirthField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    role = serializers.ChoiceField(choices=Role.choices)


class CustomerListQuerySerializer(serializers.Serializer):
    """The list's query parameters. Other parameters (cursor, page_size) belong to the paginator."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    search = serializers.CharField(required=False, min_length=3, max_length=254)
