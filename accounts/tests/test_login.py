"""
POST /api/v1/auth/login: exchange an email or account number and a password for tokens.
"""

import jwt
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import login

LOGIN = "/api/v1/auth/login"
pytestmark = pytest.mark.django_db


def test_login_by_email_returns_token_pair(api_client, customer):
    response = api_client.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in", "role"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.JWT_ACCESS_MINUTES * 60
    assert body["role"] == "customer"
    assert response["Cache-Control"] == "no-store"


def test_login_by_account_number_returns_token_pair(api_client, customer):
    response = api_client.post(
        LOGIN, {"account_number": customer.account_number, "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 200


def test_login_email_is_case_insensitive(api_client, customer):
    response = api_client.post(LOGIN, {"email": customer.email.upper(), "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 200


def test_imported_customer_without_email_logs_in_by_account_number(api_client):
    customer = UserFactory(email=None)

    response = api_client.post(
        LOGIN, {"account_number": customer.account_number, "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 200


def test_access_token_claims_follow_the_contract(api_client, customer):
    body = api_client.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json").json()

    claims = jwt.decode(
        body["access"],
        settings.JWT_SECRET_KEY,
        algorithms=["HS256"],
        audience=settings.JWT_AUDIENCE,
        issuer=settings.JWT_ISSUER,
    )
    assert claims["sub"] == str(customer.public_id)
    assert claims["role"] == "customer"
    assert claims["token_type"] == "access"
    assert {"jti", "iat", "exp", "iss", "aud"} <= set(claims)
    assert str(customer.pk) not in (claims["sub"],)
    assert claims["exp"] - claims["iat"] == settings.JWT_ACCESS_MINUTES * 60


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_staff_access_tokens_live_fifteen_minutes(api_client, role):
    staff = UserFactory(role=role)

    body = login(api_client, staff)  # the password, then the TOTP code

    claims = jwt.decode(body["access"], options={"verify_signature": False})
    assert body["expires_in"] == settings.JWT_STAFF_ACCESS_MINUTES * 60 == 15 * 60
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert body["role"] == role


def test_wrong_password_is_invalid_credentials(api_client, customer):
    response = api_client.post(LOGIN, {"email": customer.email, "password": "not the password at all"}, format="json")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_credentials"


def test_unknown_email_and_wrong_password_get_identical_bodies(api_client, customer):
    headers = {"HTTP_X_REQUEST_ID": "same-id"}
    wrong_password = api_client.post(
        LOGIN, {"email": customer.email, "password": "not the password at all"}, format="json", **headers
    )
    unknown_email = api_client.post(
        LOGIN, {"email": "nobody@example.com", "password": "not the password at all"}, format="json", **headers
    )

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.content == unknown_email.content


@pytest.mark.parametrize("status", ["frozen", "closed"])
def test_frozen_or_closed_customer_cannot_log_in(api_client, status):
    customer = UserFactory(status=status)

    response = api_client.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_customer_created_without_password_cannot_log_in(api_client):
    customer = UserFactory(password=None)

    response = api_client.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"password": DEFAULT_PASSWORD},
        {"email": "a@example.com", "account_number": "123456789012", "password": DEFAULT_PASSWORD},
        {"email": "not-an-email", "password": DEFAULT_PASSWORD},
        {"account_number": "12345", "password": DEFAULT_PASSWORD},
        {"account_number": "１２３４５６７８９０１２", "password": DEFAULT_PASSWORD},
        {"email": "a@example.com"},
        {"email": "a@example.com", "password": DEFAULT_PASSWORD, "role": "admin"},
    ],
    ids=["no-identifier", "both-identifiers", "bad-email", "short-number", "non-ascii-digits", "no-password", "extra"],
)
def test_login_body_must_name_exactly_one_identifier_and_a_password(api_client, body):
    response = api_client.post(LOGIN, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "errors" in response.json()


@pytest.mark.usefixtures("production_hashers")
def test_legacy_bcrypt_hash_logs_in_and_is_upgraded(api_client):
    import bcrypt

    customer = UserFactory(email=None, password=None)
    legacy_hash = bcrypt.hashpw(DEFAULT_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    customer.password = f"bcrypt${legacy_hash}"
    customer.save(update_fields=["password"])

    response = api_client.post(
        LOGIN, {"account_number": customer.account_number, "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.password.startswith("bcrypt_sha256$")
    assert customer.check_password(DEFAULT_PASSWORD)


def test_a_failed_login_looks_the_account_up_once(api_client, customer):
    with CaptureQueriesContext(connection) as queries:
        api_client.post(LOGIN, {"email": customer.email, "password": "not the password at all"}, format="json")

    user_reads = [q for q in queries.captured_queries if q["sql"].startswith('SELECT "accounts_user"')]
    assert len(user_reads) == 1  # the backend, django-axes and the audit trail share one lookup
