"""
A partner key is sent as `Authorization: Api-Key <key>` and authorizes the partner endpoint only;
nothing else gets in there, and a revoked key is refused at once.
"""

import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import assert_problem, token_client
from partners.services import partner_key_create, partner_key_revoke
from partners.tests.conftest import VERIFY, key_client

BODY = {"account_number": "400000000001", "name": "Ada Lovelace"}


def test_a_usable_key_is_accepted(partner_client):
    assert partner_client.post(VERIFY, BODY, format="json").status_code == 200


def test_the_keyword_is_case_insensitive_as_http_auth_schemes_are(api_client, issued):
    api_client.credentials(HTTP_AUTHORIZATION=f"api-key {issued[1]}")

    assert api_client.post(VERIFY, BODY, format="json").status_code == 200


def test_a_revoked_key_is_refused_at_once(partner_client, issued):
    assert partner_client.post(VERIFY, BODY, format="json").status_code == 200

    partner_key_revoke(name="Acme Payments")

    assert_problem(partner_client.post(VERIFY, BODY, format="json"), 401, "not_authenticated")


def test_an_expired_key_is_refused(db):
    from datetime import timedelta

    from django.utils import timezone

    _, key = partner_key_create(name="Old Partner", expiry_date=timezone.now() - timedelta(seconds=1))

    assert_problem(key_client(key).post(VERIFY, BODY, format="json"), 401, "not_authenticated")


def test_no_key_is_refused(api_client, db):
    response = api_client.post(VERIFY, BODY, format="json")

    assert_problem(response, 401, "not_authenticated")


@pytest.mark.parametrize(
    "authorization",
    [
        "Api-Key",
        "Api-Key ",
        "Api-Key not-a-key",
        "Api-Key abcdefgh.wrongsecretwrongsecretwrongsecre",
        "Api-Key .",
        "ApiKey {key}",
        "Token {key}",
        "{key}",
    ],
)
def test_a_malformed_or_unknown_key_is_refused(api_client, issued, authorization):
    api_client.credentials(HTTP_AUTHORIZATION=authorization.format(key=issued[1]))

    assert_problem(api_client.post(VERIFY, BODY, format="json"), 401, "not_authenticated")


def test_a_right_prefix_with_a_wrong_secret_is_refused(api_client, issued):
    partner_key, key = issued
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {partner_key.prefix}.{'x' * 32}")

    assert_problem(api_client.post(VERIFY, BODY, format="json"), 401, "not_authenticated")


def test_a_bearer_token_is_refused_even_an_admins(db):
    admin = token_client(UserFactory(role="admin"))

    assert_problem(admin.post(VERIFY, BODY, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/profile"),
        ("patch", "/api/v1/profile"),
        ("get", "/api/v1/customers"),
        ("get", "/api/v1/audit-events"),
        ("post", "/api/v1/auth/logout"),
    ],
)
def test_the_key_authorizes_nothing_else(partner_client, method, path):
    response = getattr(partner_client, method)(path, {}, format="json")

    assert_problem(response, 401, "not_authenticated")


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_the_key_on_a_customer_is_refused(partner_client, method):
    customer = UserFactory()

    response = getattr(partner_client, method)(f"/api/v1/customers/{customer.account_number}", {}, format="json")

    assert_problem(response, 401, "not_authenticated")
    customer.refresh_from_db()
    assert customer.status == "active"


def test_anonymous_endpoints_ignore_the_key_and_answer_as_to_anyone(partner_client):
    customer = UserFactory()

    def login(password: str):
        return partner_client.post("/api/v1/auth/login", {"email": customer.email, "password": password}, format="json")

    wrong, right = login("not it at all"), login(DEFAULT_PASSWORD)

    assert_problem(wrong, 401, "invalid_credentials")
    assert right.status_code == 200
