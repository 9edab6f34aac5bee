"""
A body with several mistakes gets every one of them in one `validation_error`: unknown fields, each
field's own rules and the rules across fields (the password rules) together, never one stage per
round trip. Nothing is written.
"""

import pytest

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import assert_problem

pytestmark = pytest.mark.django_db

# A password each rule refuses on its own, and a detail that makes another one too similar.
WEAK_PASSWORD = "1234567890123"
SIMILAR_PASSWORD = "grace.hopper.example"


def errors_of(response) -> dict[str, list[str]]:
    return assert_problem(response, 400, "validation_error")["errors"]


def test_register_reports_unknown_fields_field_rules_and_password_rules_together(api_client):
    body = {
        "email": "not-an-email",
        "password": WEAK_PASSWORD,
        "first_name": "Ada2",
        "last_name": "Lovelace",
        "phone": "07700900123",
        "date_of_birth": "1990-12-10",
        "role": "admin",
    }

    errors = errors_of(api_client.post("/api/v1/auth/register", body, format="json"))

    assert set(errors) == {"role", "email", "first_name", "phone", "password"}
    assert "This password is entirely numeric." in errors["password"]
    assert not User.objects.exists()


def test_register_compares_the_password_with_the_details_that_are_valid(api_client):
    body = {
        "email": "grace.hopper@example.com",
        "password": SIMILAR_PASSWORD,
        "first_name": "Grace",
        "last_name": "Hopper",
        "phone": "not a phone",
        "date_of_birth": "1990-12-10",
    }

    errors = errors_of(api_client.post("/api/v1/auth/register", body, format="json"))

    assert set(errors) == {"phone", "password"}
    assert any("too similar" in message for message in errors["password"])


def test_login_reports_a_missing_identifier_with_a_bad_field(api_client):
    errors = errors_of(api_client.post("/api/v1/auth/login", {"password": "", "extra": 1}, format="json"))

    assert set(errors) == {"extra", "password", "non_field_errors"}


def test_customer_create_reports_every_mistake(admin_client):
    body = {"email": "x", "first_name": "", "last_name": "Hopper", "password": WEAK_PASSWORD, "status": "active"}

    errors = errors_of(admin_client.post("/api/v1/customers", body, format="json"))

    assert set(errors) == {"status", "email", "first_name", "password"}
    assert User.objects.filter(last_name="Hopper").count() == 0


@pytest.mark.parametrize("method", ["put", "patch"])
def test_customer_update_reports_every_mistake(admin_client, customer, method):
    body = {
        "email": "x",
        "first_name": "Grace",
        "last_name": "Hopper",
        "phone": "12",
        "date_of_birth": "1990-02-30",
        "status": "asleep",
        "role": "customer",
        "account_number": "400012345678",
    }

    response = getattr(admin_client, method)(f"/api/v1/customers/{customer.account_number}", body, format="json")

    assert set(errors_of(response)) == {"account_number", "email", "phone", "date_of_birth", "status"}
    customer.refresh_from_db()
    assert customer.first_name != "Grace"


def test_profile_patch_reports_every_mistake(auth_client, customer):
    body = {"first_name": "Ada2", "phone": "12", "role": "admin"}

    errors = errors_of(auth_client.patch("/api/v1/profile", body, format="json"))

    assert set(errors) == {"role", "first_name", "phone"}
    customer.refresh_from_db()
    assert customer.first_name != "Ada2"


def test_password_change_reports_every_rule_the_new_password_breaks_with_other_mistakes(auth_client, customer):
    body = {"current_password": DEFAULT_PASSWORD, "new_password": DEFAULT_PASSWORD[:5], "extra": True}

    errors = errors_of(auth_client.post("/api/v1/profile/password", body, format="json"))

    assert set(errors) == {"extra", "new_password"}
    assert len(errors["new_password"]) >= 1
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


def test_password_change_to_the_same_password_says_so_with_the_other_rules(auth_client):
    body = {"current_password": WEAK_PASSWORD, "new_password": WEAK_PASSWORD}

    errors = errors_of(auth_client.post("/api/v1/profile/password", body, format="json"))

    assert "Must differ from the current password." in errors["new_password"]
    assert "This password is entirely numeric." in errors["new_password"]
