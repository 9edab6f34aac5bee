"""
An OAuth access token on the API: accepted as `Authorization: Bearer` only where the view names its
scope (`oauth_scopes`), 403 `insufficient_scope` everywhere else, 401 when unknown, expired,
revoked or its customer may no longer use the service; one SQL statement to check it.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from accounts.models import Status
from conftest import assert_problem, token_client, wait_for_fresh_rate_window
from oauth.selectors import token_checksum
from oauth.tests.conftest import PROFILE, TOKEN, basic_auth, issue_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(browser, app) -> dict:
    return issue_tokens(browser, app)


def bearer(api_client, token: str):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client


def test_a_token_with_profile_read_reads_the_profile(tokens, api_client, customer):
    response = bearer(api_client, tokens["access_token"]).get(PROFILE)

    assert response.status_code == 200
    assert response.json()["email"] == customer.email


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", PROFILE, {"first_name": "Eve"}),
        ("get", "/api/v1/customers", None),
        ("post", "/api/v1/auth/logout", {"refresh": "x"}),
        ("post", "/api/v1/profile/password", {"current_password": "x", "new_password": "y"}),
        ("get", "/api/v1/profile/authorizations", None),
        ("get", "/api/v1/audit-events", None),
    ],
)
def test_anywhere_else_the_token_is_insufficient_scope(tokens, api_client, customer, method, path, body):
    client = bearer(api_client, tokens["access_token"])

    response = getattr(client, method)(path, body, format="json")

    assert_problem(response, 403, "insufficient_scope")
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    customer.refresh_from_db()
    assert customer.first_name == "Ada"


def test_a_token_without_profile_read_is_insufficient_scope_on_the_profile(tokens, api_client):
    AccessToken.objects.filter(token_checksum=token_checksum(tokens["access_token"])).update(scope="")

    response = bearer(api_client, tokens["access_token"]).get(PROFILE)

    assert_problem(response, 403, "insufficient_scope")
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="insufficient_scope", scope="profile:read"'


def test_a_client_credentials_token_cannot_read_a_profile(partner_app, api_client):
    token = Client().post(TOKEN, {"grant_type": "client_credentials"}, **basic_auth(partner_app)).json()

    response = bearer(api_client, token["access_token"]).get(PROFILE)

    assert_problem(response, 403, "insufficient_scope")


@pytest.mark.parametrize("token", ["unknown-token", "a" * 30, "x y"])
def test_an_unknown_token_is_not_authenticated(api_client, token):
    response = bearer(api_client, token).get(PROFILE)

    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_not_authenticated(tokens, api_client):
    AccessToken.objects.filter(token_checksum=token_checksum(tokens["access_token"])).update(
        expires=timezone.now() - timedelta(seconds=1)
    )

    assert_problem(bearer(api_client, tokens["access_token"]).get(PROFILE), 401, "not_authenticated")


@pytest.mark.parametrize("status", [Status.FROZEN, Status.CLOSED])
def test_a_frozen_or_closed_customers_token_is_not_authenticated(tokens, api_client, customer, status):
    customer.status = status
    customer.save(update_fields=["status"])

    assert_problem(bearer(api_client, tokens["access_token"]).get(PROFILE), 401, "not_authenticated")


def test_a_deleted_apps_tokens_are_not_authenticated(tokens, app, api_client):
    app.application.delete()

    assert_problem(bearer(api_client, tokens["access_token"]).get(PROFILE), 401, "not_authenticated")


def test_our_own_jwts_still_work_everywhere(customer, tokens):
    client = token_client(customer)

    assert client.get(PROFILE).status_code == 200
    assert client.patch(PROFILE, {"first_name": "Eve"}, format="json").status_code == 200


def test_a_token_is_refused_in_the_query_string(tokens, api_client):
    response = api_client.get(f"{PROFILE}?access_token={tokens['access_token']}")

    assert response.status_code in {400, 401}


def test_checking_a_token_and_its_customer_is_one_sql_statement(
    tokens, api_client, django_assert_num_queries, customer
):
    client = bearer(api_client, tokens["access_token"])
    client.get(PROFILE)

    with django_assert_num_queries(1):
        response = client.get(PROFILE)

    assert response.status_code == 200


def test_the_per_user_rate_limit_counts_oauth_reads(tokens, api_client, settings, customer):
    settings.RATE_USER = "2/m"
    client = bearer(api_client, tokens["access_token"])
    wait_for_fresh_rate_window(f"user:{customer.public_id}", 60)

    statuses = [client.get(PROFILE).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
