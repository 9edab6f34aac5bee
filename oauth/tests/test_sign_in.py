"""
The authorization pages' sign-in: an email or account number and a password, through the API
login's own checks (its per-IP rate limit, the per-account lockout, the login audit), then a
session that carries the customer back to the authorization request.
"""

import re

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory, totp_code
from audit.models import Action, AuditEvent
from conftest import assert_problem, login, wait_for_fresh_rate_window
from oauth.tests.conftest import SIGN_IN, authorize_query, pkce_pair

pytestmark = pytest.mark.django_db


def csrf_client() -> tuple[Client, str]:
    """A browser that has loaded the sign-in page: its CSRF token, as the form carries it."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(SIGN_IN)
    (token,) = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    return client, token


def sign_in(client: Client, csrf: str, username: str, password: str, next_url: str = "", **extra: str):
    body = {"csrfmiddlewaretoken": csrf, "username": username, "password": password, "next": next_url, **extra}
    return client.post(SIGN_IN, body)


def test_signing_in_returns_to_the_authorization_request_and_is_audited(customer, password, app):
    _, challenge = pkce_pair()
    query = authorize_query(app, challenge)
    client, csrf = csrf_client()

    response = sign_in(client, csrf, customer.email.upper(), password, next_url=query)

    assert response.status_code == 302 and response["Location"] == query
    consent = client.get(query)
    assert consent.status_code == 200 and b"Budget Buddy" in consent.content
    assert AuditEvent.objects.filter(action=Action.LOGIN_SUCCEEDED, actor=customer).exists()


def test_the_account_number_signs_in_too(customer, password):
    client, csrf = csrf_client()

    response = sign_in(client, csrf, customer.account_number, password)

    assert response.status_code == 302
    assert response["Location"] == "/oauth/authorize"


def test_a_next_url_off_the_authorization_endpoint_is_ignored(customer, password):
    client, csrf = csrf_client()

    response = sign_in(client, csrf, customer.email, password, next_url="https://evil.example.com/")

    assert response["Location"] == "/oauth/authorize"


def test_a_wrong_password_shows_the_form_again_and_is_audited_as_a_failed_login(customer):
    client, csrf = csrf_client()

    response = sign_in(client, csrf, customer.email, "wrong password entirely")

    assert response.status_code == 200
    assert b"Enter the email or account number and the password of your account" in response.content
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, target=customer).count() == 1
    assert "_auth_user_id" not in client.session


def test_the_form_needs_its_csrf_token(customer, password):
    client = Client(enforce_csrf_checks=True)

    response = client.post(SIGN_IN, {"username": customer.email, "password": password})

    assert_problem(response, 403, "permission_denied")


def test_five_wrong_passwords_lock_the_account_for_the_api_login_too(customer, password, production_hashers, settings):
    client, csrf = csrf_client()
    for _ in range(settings.LOCKOUT_FAILURES):
        sign_in(client, csrf, customer.email, "wrong password entirely")

    locked_page = sign_in(client, csrf, customer.email, password)
    locked_api = Client().post(
        "/api/v1/auth/login",
        {"email": customer.email, "password": password},
        content_type="application/json",
    )

    assert_problem(locked_page, 429, "account_locked")
    assert_problem(locked_api, 429, "account_locked")
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, target=customer).count() == 1


def test_failures_at_the_api_lock_the_sign_in_page(customer, password, api_client, settings):
    for _ in range(settings.LOCKOUT_FAILURES):
        api_client.post("/api/v1/auth/login", {"email": customer.email, "password": "nope nope nope"}, format="json")
    client, csrf = csrf_client()

    assert_problem(sign_in(client, csrf, customer.email, password), 429, "account_locked")


def test_sign_in_attempts_count_in_the_api_logins_per_ip_bucket(customer, password, api_client, settings):
    settings.RATE_LOGIN = "3/m"
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)
    client, csrf = csrf_client()
    sign_in(client, csrf, customer.email, "wrong password entirely")
    sign_in(client, csrf, customer.email, "wrong password entirely")
    login(api_client, customer)

    response = sign_in(client, csrf, customer.email, password)

    assert_problem(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0


def test_a_customer_with_mfa_signs_in_with_the_authenticators_code(password, app):
    customer = UserFactory(mfa=True)
    client, csrf = csrf_client()

    response = sign_in(client, csrf, customer.email, password, otp_token=totp_code(customer))

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=Action.LOGIN_SUCCEEDED, actor=customer).exists()
    _, challenge = pkce_pair()
    assert client.get(authorize_query(app, challenge)).status_code == 200


def test_a_customer_with_mfa_is_asked_for_the_code_and_no_failure_is_counted(password):
    customer = UserFactory(mfa=True)
    client, csrf = csrf_client()

    response = sign_in(client, csrf, customer.email, password)

    assert response.status_code == 200
    assert b"Enter the code your authenticator app shows" in response.content
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action=Action.LOGIN_FAILED, target=customer).exists()


def test_wrong_codes_count_toward_the_lockout_as_wrong_passwords_do(password, settings):
    customer = UserFactory(mfa=True)
    client, csrf = csrf_client()

    wrong = [
        sign_in(client, csrf, customer.email, password, otp_token="000000") for _ in range(settings.LOCKOUT_FAILURES)
    ]
    right = sign_in(client, csrf, customer.email, password, otp_token=totp_code(customer))

    assert all(b"That code is wrong, expired or already used." in response.content for response in wrong[:-1])
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, target=customer).count() == settings.LOCKOUT_FAILURES
    assert_problem(right, 429, "account_locked")
    assert "_auth_user_id" not in client.session
