"""
POST /api/v1/profile/password: change one's own password; every token issued before stops working.
"""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import assert_validation_error

CHANGE = "/api/v1/profile/password"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/token/refresh"
PROFILE = "/api/v1/profile"
NEW_PASSWORD = "violet harbour compass morning"

pytestmark = pytest.mark.django_db


def login(user, password: str = DEFAULT_PASSWORD):
    return APIClient().post(LOGIN, {"account_number": user.account_number, "password": password}, format="json")


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def change(client: APIClient, current: str = DEFAULT_PASSWORD, new: str = NEW_PASSWORD):
    return client.post(CHANGE, {"current_password": current, "new_password": new}, format="json")


# Success ------------------------------------------------------------------------------------------


def test_password_change_is_no_content(auth_client):
    response = change(auth_client)

    assert response.status_code == 204
    assert response.content == b""


def test_new_password_logs_in(auth_client, customer):
    change(auth_client)

    assert login(customer, NEW_PASSWORD).status_code == 200


def test_old_password_no_longer_logs_in(auth_client, customer):
    change(auth_client)

    response = login(customer, DEFAULT_PASSWORD)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_new_password_is_stored_hashed(auth_client, customer):
    change(auth_client)

    customer.refresh_from_db()
    assert NEW_PASSWORD not in customer.password
    assert customer.check_password(NEW_PASSWORD)


def test_old_access_token_stops_working(auth_client):
    old_access = auth_client.tokens["access"]

    change(auth_client)

    response = bearer(old_access).get(PROFILE)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_old_refresh_token_stops_working(auth_client):
    old_refresh = auth_client.tokens["refresh"]

    change(auth_client)

    response = APIClient().post(REFRESH, {"refresh": old_refresh}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_tokens_of_every_other_session_stop_working(auth_client, customer):
    other_session = login(customer).json()

    change(auth_client)

    assert bearer(other_session["access"]).get(PROFILE).status_code == 401
    assert APIClient().post(REFRESH, {"refresh": other_session["refresh"]}, format="json").status_code == 401


def test_access_token_from_an_earlier_refresh_stops_working(auth_client):
    rotated = APIClient().post(REFRESH, {"refresh": auth_client.tokens["refresh"]}, format="json").json()

    change(auth_client)

    assert bearer(rotated["access"]).get(PROFILE).status_code == 401
    assert APIClient().post(REFRESH, {"refresh": rotated["refresh"]}, format="json").status_code == 401


def test_tokens_issued_after_the_change_work(auth_client, customer):
    change(auth_client)
    tokens = login(customer, NEW_PASSWORD).json()

    assert bearer(tokens["access"]).get(PROFILE).status_code == 200
    assert APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 200


def test_password_change_does_not_touch_the_profile(auth_client, customer):
    before = auth_client.get(PROFILE).json()

    change(auth_client)

    tokens = login(customer, NEW_PASSWORD).json()
    after = bearer(tokens["access"]).get(PROFILE).json()
    assert {key: value for key, value in after.items() if key != "updated_at"} == {
        key: value for key, value in before.items() if key != "updated_at"
    }


# Refusals -----------------------------------------------------------------------------------------


def test_unauthenticated_password_change_is_not_authenticated(api_client, customer):
    response = change(api_client)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


def test_wrong_current_password_is_validation_error_on_current_password(auth_client):
    response = change(auth_client, current="not the password at all")

    assert_validation_error(response, "current_password")


def test_wrong_current_password_leaves_the_password_unchanged(auth_client, customer):
    change(auth_client, current="not the password at all")

    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)
    assert not customer.check_password(NEW_PASSWORD)


def test_wrong_current_password_leaves_tokens_working(auth_client):
    change(auth_client, current="not the password at all")

    assert auth_client.get(PROFILE).status_code == 200


def test_new_password_equal_to_current_is_validation_error(auth_client, customer):
    before = customer.password

    response = change(auth_client, new=DEFAULT_PASSWORD)

    assert_validation_error(response, "new_password")
    customer.refresh_from_db()
    assert customer.password == before
    assert auth_client.get(PROFILE).status_code == 200


@pytest.mark.parametrize(
    "new_password",
    [
        "short pass",
        "violet harbour " * 8 + "x" * 9,
        "password1234",
        "93847261058374",
    ],
    ids=["shorter-than-12", "longer-than-128", "common", "numeric"],
)
def test_new_password_failing_the_rules_is_validation_error(auth_client, customer, new_password):
    response = change(auth_client, new=new_password)

    assert_validation_error(response, "new_password")
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


def test_new_password_of_128_characters_is_accepted(auth_client, customer):
    new_password = "violet harbour " * 8 + "x" * 8
    assert len(new_password) == 128

    response = change(auth_client, new=new_password)

    assert response.status_code == 204, response.content
    assert login(customer, new_password).status_code == 200


def test_new_password_similar_to_the_email_is_validation_error(auth_client, customer):
    customer.email = "zanzibarquokka@example.com"
    customer.save(update_fields=["email"])

    response = change(auth_client, new="zanzibarquokka")

    assert_validation_error(response, "new_password")


def test_new_password_similar_to_the_name_is_validation_error(auth_client, customer):
    customer.last_name = "Featherstonehaugh"
    customer.save(update_fields=["last_name"])

    response = change(auth_client, new="featherstonehaugh")

    assert_validation_error(response, "new_password")


def test_refused_new_password_leaves_tokens_working(auth_client):
    change(auth_client, new="password1234")

    assert auth_client.get(PROFILE).status_code == 200


@pytest.mark.parametrize("missing", ["current_password", "new_password"])
def test_missing_field_is_validation_error(auth_client, missing):
    body = {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    del body[missing]

    response = auth_client.post(CHANGE, body, format="json")

    assert_validation_error(response, missing)


def test_unknown_field_is_validation_error(auth_client, customer):
    response = auth_client.post(
        CHANGE,
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "account_number": "400012345678"},
        format="json",
    )

    assert_validation_error(response, "account_number")
    customer.refresh_from_db()
    assert customer.check_password(DEFAULT_PASSWORD)


def test_passwords_never_appear_in_the_error(auth_client):
    response = change(auth_client, current="not the password at all", new=NEW_PASSWORD)

    assert response.status_code == 400
    assert b"not the password at all" not in response.content
    assert NEW_PASSWORD.encode() not in response.content
