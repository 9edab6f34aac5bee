"""
GET and PATCH /api/v1/profile: the caller's own profile; only names and phone may change.
"""

import re
from datetime import date, datetime

import pytest
from rest_framework import serializers

from accounts.models import User
from accounts.serializers import ProfileSerializer
from accounts.tests.factories import UserFactory
from conftest import assert_validation_error

PROFILE = "/api/v1/profile"
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

pytestmark = pytest.mark.django_db


def expected_profile(user) -> dict:
    return {
        "account_number": user.account_number,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "date_of_birth": user.date_of_birth.isoformat(),
        "role": user.role,
        "status": user.status,
    }


def snapshot(user) -> dict:
    user.refresh_from_db()
    return {
        "account_number": user.account_number,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "date_of_birth": user.date_of_birth,
        "role": user.role,
        "status": user.status,
        "password": user.password,
        "updated_at": user.updated_at,
    }


# GET ----------------------------------------------------------------------------------------------


def test_profile_without_token_is_not_authenticated(api_client):
    response = api_client.get(PROFILE)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"


def test_profile_with_garbage_token_is_not_authenticated(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    response = api_client.get(PROFILE)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_profile_with_refresh_token_as_bearer_is_not_authenticated(auth_client):
    auth_client.credentials(HTTP_AUTHORIZATION=f"Bearer {auth_client.tokens['refresh']}")

    response = auth_client.get(PROFILE)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_profile_returns_exactly_the_callers_profile(auth_client, customer):
    response = auth_client.get(PROFILE)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {*expected_profile(customer), "created_at", "updated_at"}
    assert {key: body[key] for key in expected_profile(customer)} == expected_profile(customer)
    assert body["role"] == "customer"
    assert body["status"] == "active"


@pytest.mark.parametrize(
    "overrides",
    [{}, {"email": None, "phone": None, "date_of_birth": None}, {"role": "admin", "status": "frozen"}],
    ids=["full", "imported-without-optional-fields", "staff-frozen"],
)
def test_profile_representation_is_exactly_what_drfs_fields_would_render(overrides):
    user = UserFactory(**overrides)
    user.refresh_from_db()
    serializer = ProfileSerializer(user)

    rendered_by_drfs_fields = serializers.ModelSerializer.to_representation(serializer, user)

    assert serializer.data == rendered_by_drfs_fields
    assert list(serializer.data) == list(serializer.fields)


def test_a_row_read_as_values_is_represented_exactly_like_the_model():
    user = UserFactory()
    row = User.objects.values(*ProfileSerializer.Meta.fields).get(pk=user.pk)
    user.refresh_from_db()

    assert ProfileSerializer(row).data == ProfileSerializer(user).data


def test_profile_timestamps_are_rfc3339_utc(auth_client, customer):
    body = auth_client.get(PROFILE).json()

    for field in ("created_at", "updated_at"):
        assert RFC3339_UTC.match(body[field]), body[field]
    assert datetime.fromisoformat(body["created_at"].replace("Z", "+00:00")) == customer.created_at


def test_profile_is_not_cached(auth_client):
    response = auth_client.get(PROFILE)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_profile_shows_no_other_customer(auth_client, customer):
    other = UserFactory(first_name="Grace", last_name="Hopper")

    body = auth_client.get(PROFILE).json()

    assert body["account_number"] == customer.account_number
    assert other.account_number not in str(body)


def test_profile_never_shows_secrets_or_internal_ids(auth_client, customer):
    response = auth_client.get(PROFILE)

    body = response.json()
    assert not {"id", "pk", "password", "public_id", "token_version", "is_staff", "is_superuser"} & set(body)
    assert customer.password.encode() not in response.content
    assert str(customer.public_id).encode() not in response.content


def test_imported_customer_without_email_sees_null_email(api_client):
    customer = UserFactory(email=None)
    token = api_client.post(
        "/api/v1/auth/login",
        {"account_number": customer.account_number, "password": "correct horse battery staple"},
        format="json",
    ).json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    body = api_client.get(PROFILE).json()

    assert body["email"] is None
    assert body["account_number"] == customer.account_number


# PATCH: allowed changes ---------------------------------------------------------------------------


def test_patch_changes_names_and_phone(auth_client, customer):
    response = auth_client.patch(
        PROFILE, {"first_name": "Grace", "last_name": "Hopper", "phone": "+12025550123"}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["first_name"], body["last_name"], body["phone"]) == ("Grace", "Hopper", "+12025550123")
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name, customer.phone) == ("Grace", "Hopper", "+12025550123")


def test_patch_returns_the_whole_updated_profile(auth_client, customer):
    response = auth_client.patch(PROFILE, {"phone": "+12025550123"}, format="json")

    assert response.status_code == 200
    customer.refresh_from_db()
    body = response.json()
    assert set(body) == {*expected_profile(customer), "created_at", "updated_at"}
    assert {key: body[key] for key in expected_profile(customer)} == expected_profile(customer)


def test_patch_of_one_field_leaves_the_others(auth_client, customer):
    before = snapshot(customer)

    response = auth_client.patch(PROFILE, {"last_name": "Byron"}, format="json")

    assert response.status_code == 200
    after = snapshot(customer)
    assert after["last_name"] == "Byron"
    assert after["first_name"] == before["first_name"]
    assert after["phone"] == before["phone"]
    assert after["email"] == before["email"]


def test_patch_moves_updated_at_forward(auth_client, customer):
    before = auth_client.get(PROFILE).json()

    after = auth_client.patch(PROFILE, {"first_name": "Grace"}, format="json").json()

    assert after["updated_at"] > before["updated_at"]
    assert after["created_at"] == before["created_at"]


def test_patch_normalises_names_with_nfkc(auth_client, customer):
    response = auth_client.patch(PROFILE, {"first_name": "Ｇｒａｃｅ"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["first_name"] == "Grace"
    customer.refresh_from_db()
    assert customer.first_name == "Grace"


def test_patch_accepts_apostrophes_hyphens_and_accents(auth_client):
    response = auth_client.patch(PROFILE, {"first_name": "Zoë-Anne", "last_name": "O'Sullivan"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["first_name"] == "Zoë-Anne"
    assert response.json()["last_name"] == "O'Sullivan"


def test_patch_response_is_not_cached(auth_client):
    response = auth_client.patch(PROFILE, {"first_name": "Grace"}, format="json")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_patch_without_token_is_not_authenticated(api_client, customer):
    response = api_client.patch(PROFILE, {"first_name": "Mallory"}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    customer.refresh_from_db()
    assert customer.first_name == "Ada"


# PATCH: refused changes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "new@example.com"),
        ("role", "admin"),
        ("status", "closed"),
        ("account_number", "400012345678"),
        ("date_of_birth", "1980-01-01"),
        ("password", "a brand new password"),
        ("is_staff", True),
        ("balance", "1000000.00"),
        ("created_at", "2000-01-01T00:00:00Z"),
    ],
)
def test_patch_of_a_protected_field_is_validation_error_and_changes_nothing(auth_client, customer, field, value):
    before = snapshot(customer)

    response = auth_client.patch(PROFILE, {field: value}, format="json")

    assert_validation_error(response, field)
    assert snapshot(customer) == before


@pytest.mark.parametrize("field", ["email", "role", "status", "account_number", "date_of_birth"])
def test_patch_mixing_allowed_and_protected_fields_changes_nothing(auth_client, customer, field):
    before = snapshot(customer)
    value = {
        "email": "new@example.com",
        "role": "admin",
        "status": "closed",
        "account_number": "400012345678",
        "date_of_birth": "1980-01-01",
    }[field]

    response = auth_client.patch(PROFILE, {"first_name": "Mallory", field: value}, format="json")

    assert_validation_error(response, field)
    assert snapshot(customer) == before


@pytest.mark.parametrize(
    "phone",
    ["07700900123", "+44 7700 900123", "+0447700900123", "+4477009001234567", "", None],
    ids=["national", "spaces", "leading-zero", "sixteen-digits", "empty", "null"],
)
def test_patch_with_invalid_phone_is_validation_error(auth_client, customer, phone):
    before = snapshot(customer)

    response = auth_client.patch(PROFILE, {"phone": phone}, format="json")

    assert_validation_error(response, "phone")
    assert snapshot(customer) == before


@pytest.mark.parametrize("field", ["first_name", "last_name"])
@pytest.mark.parametrize(
    "name",
    ["Ada2", "Ada\x07", "Ada\nLovelace", "", "   ", "A" * 101, None],
    ids=["digit", "bell", "newline", "empty", "spaces", "too-long", "null"],
)
def test_patch_with_invalid_name_is_validation_error(auth_client, customer, field, name):
    before = snapshot(customer)

    response = auth_client.patch(PROFILE, {field: name}, format="json")

    assert_validation_error(response, field)
    assert snapshot(customer) == before


def test_patch_with_a_json_list_is_validation_error(auth_client, customer):
    before = snapshot(customer)

    response = auth_client.patch(PROFILE, [{"first_name": "Grace"}], format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert snapshot(customer) == before


def test_put_is_method_not_allowed_with_allow_header(auth_client, customer):
    before = snapshot(customer)
    body = {**expected_profile(customer), "first_name": "Grace"}

    response = auth_client.put(PROFILE, body, format="json")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "method_not_allowed"
    allowed = {method.strip() for method in response["Allow"].split(",")}
    assert {"GET", "PATCH"} <= allowed
    assert "PUT" not in allowed
    assert snapshot(customer) == before


def test_delete_is_method_not_allowed(auth_client, customer):
    response = auth_client.delete(PROFILE)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "Allow" in response
    customer.refresh_from_db()
    assert customer.status == "active"


def test_profile_date_of_birth_is_an_iso_date(auth_client, customer):
    body = auth_client.get(PROFILE).json()

    assert date.fromisoformat(body["date_of_birth"]) == customer.date_of_birth
