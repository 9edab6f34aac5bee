"""
The partner endpoint with a partner app's OAuth access token (client credentials, scope
`account-verification`): answered like a key, limited per app at RATE_PARTNER, audited with the
app's name; without the scope, 403 `insufficient_scope`.
"""

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from conftest import assert_problem, token_client, wait_for_fresh_rate_window
from oauth.selectors import token_checksum
from oauth.tests.conftest import TOKEN, basic_auth, issue_tokens, register
from partners.tests.conftest import VERIFY

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_app(db):
    return register("Acme Payments", grant="client-credentials", redirect_uris=())


def app_token(app) -> str:
    response = Client().post(TOKEN, {"grant_type": "client_credentials"}, **basic_auth(app))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == "account-verification" and "refresh_token" not in body
    return body["access_token"]


def bearer_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_client_credentials_token_confirms_a_payee_and_is_audited_with_the_apps_name(partner_app):
    holder = UserFactory(first_name="Ada", last_name="Lovelace")

    response = bearer_client(app_token(partner_app)).post(
        VERIFY, {"account_number": holder.account_number, "name": "ada lovelace"}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"result": "match"}
    event = AuditEvent.objects.get(action=Action.PARTNER_KEY_USED)
    assert (event.actor_label, event.target_label) == ("Acme Payments", holder.account_number)


def test_a_token_without_account_verification_is_insufficient_scope(partner_app):
    token = app_token(partner_app)
    AccessToken.objects.filter(token_checksum=token_checksum(token)).update(scope="")

    response = bearer_client(token).post(VERIFY, {"account_number": "400012345678", "name": "x"}, format="json")

    assert_problem(response, 403, "insufficient_scope")
    assert not AuditEvent.objects.filter(action=Action.PARTNER_KEY_USED).exists()


def test_a_customers_oauth_token_is_insufficient_scope_here(customer):
    browser = Client()
    browser.force_login(customer)
    token = issue_tokens(browser, register("Budget Buddy"))["access_token"]

    response = bearer_client(token).post(VERIFY, {"account_number": "400012345678", "name": "x"}, format="json")

    assert_problem(response, 403, "insufficient_scope")


def test_our_jwts_are_still_not_accepted_here(customer):
    response = token_client(customer).post(VERIFY, {"account_number": "400012345678", "name": "x"}, format="json")

    assert_problem(response, 401, "not_authenticated")


def test_an_unknown_bearer_token_is_not_authenticated():
    response = bearer_client("no-such-token").post(
        VERIFY, {"account_number": "400012345678", "name": "x"}, format="json"
    )

    assert_problem(response, 401, "not_authenticated")


def test_a_client_credentials_request_for_another_scope_is_invalid_scope(partner_app):
    response = Client().post(
        TOKEN, {"grant_type": "client_credentials", "scope": "profile:read"}, **basic_auth(partner_app)
    )

    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


def test_a_wrong_client_secret_gets_no_token(partner_app):
    partner_app.secret = "wrong"

    response = Client().post(TOKEN, {"grant_type": "client_credentials"}, **basic_auth(partner_app))

    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_each_app_is_limited_to_rate_partner_with_a_bucket_of_its_own(partner_app, settings):
    settings.RATE_PARTNER = "2/m"
    other = register("Other Bank", grant="client-credentials", redirect_uris=())
    client, other_client = bearer_client(app_token(partner_app)), bearer_client(app_token(other))
    wait_for_fresh_rate_window(f"partner:app:{partner_app.client_id}", 60)
    body = {"account_number": "400012345678", "name": "x"}

    statuses = [client.post(VERIFY, body, format="json").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert other_client.post(VERIFY, body, format="json").status_code == 200
    assert_problem(client.post(VERIFY, body, format="json"), 429, "rate_limited")


def test_a_new_token_of_the_same_app_shares_its_bucket(partner_app, settings):
    settings.RATE_PARTNER = "1/m"
    wait_for_fresh_rate_window(f"partner:app:{partner_app.client_id}", 60)
    body = {"account_number": "400012345678", "name": "x"}

    first = bearer_client(app_token(partner_app)).post(VERIFY, body, format="json")
    second = bearer_client(app_token(partner_app)).post(VERIFY, body, format="json")

    assert (first.status_code, second.status_code) == (200, 429)
