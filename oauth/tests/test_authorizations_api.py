"""
`GET /api/v1/profile/authorizations` and `DELETE /api/v1/profile/authorizations/{id}`: the apps a
customer authorized, and withdrawing one, whose tokens stop working at once.
"""

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from conftest import assert_problem, token_client
from oauth.tests.conftest import PROFILE, TOKEN, basic_auth, issue_tokens, register

pytestmark = pytest.mark.django_db

AUTHORIZATIONS = "/api/v1/profile/authorizations"


def test_the_list_names_each_authorized_app_once_with_its_scopes(browser, app, customer):
    issue_tokens(browser, app)
    issue_tokens(browser, app)
    other = register("Savings Helper")
    issue_tokens(browser, other)

    response = token_client(customer).get(AUTHORIZATIONS)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(entry["id"], entry["app"], entry["scopes"]) for entry in results] == [
        (other.application.pk, "Savings Helper", ["profile:read"]),
        (app.application.pk, "Budget Buddy", ["profile:read"]),
    ]
    assert all(entry["created_at"].endswith("Z") for entry in results)
    assert set(response.json()) == {"results"}


def test_the_list_is_empty_without_authorizations_and_shows_nobody_elses(browser, app):
    issue_tokens(browser, app)

    response = token_client(UserFactory()).get(AUTHORIZATIONS)

    assert response.json() == {"results": []}


def test_the_list_needs_a_token(api_client):
    assert_problem(api_client.get(AUTHORIZATIONS), 401, "not_authenticated")


def test_revoking_stops_the_apps_access_and_refresh_tokens_at_once(browser, app, customer, api_client):
    tokens = issue_tokens(browser, app)
    client = token_client(customer)

    response = client.delete(f"{AUTHORIZATIONS}/{app.application.pk}")

    assert response.status_code == 204
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert_problem(api_client.get(PROFILE), 401, "not_authenticated")
    refreshed = Client().post(
        TOKEN, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, **basic_auth(app)
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    assert client.get(AUTHORIZATIONS).json() == {"results": []}
    event = AuditEvent.objects.get(action=Action.OAUTH_AUTHORIZATION_REVOKED)
    assert (event.actor, event.target) == (customer, customer)
    assert event.changes["app"] == {"before": "Budget Buddy", "after": None}


def test_revoking_one_app_leaves_the_others(browser, app, customer, api_client):
    other = register("Savings Helper")
    kept = issue_tokens(browser, other)
    issue_tokens(browser, app)

    token_client(customer).delete(f"{AUTHORIZATIONS}/{app.application.pk}")

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {kept['access_token']}")
    assert api_client.get(PROFILE).status_code == 200


def test_someone_elses_authorization_is_not_found_and_stays(browser, app, api_client):
    tokens = issue_tokens(browser, app)

    response = token_client(UserFactory()).delete(f"{AUTHORIZATIONS}/{app.application.pk}")

    assert_problem(response, 404, "not_found")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert api_client.get(PROFILE).status_code == 200


@pytest.mark.parametrize("authorization_id", ["999999", "abc", "-1"])
def test_an_unknown_or_malformed_id_is_not_found(customer, authorization_id):
    assert_problem(token_client(customer).delete(f"{AUTHORIZATIONS}/{authorization_id}"), 404, "not_found")


def test_an_oauth_token_cannot_revoke_authorizations(browser, app, api_client):
    tokens = issue_tokens(browser, app)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")

    assert_problem(api_client.delete(f"{AUTHORIZATIONS}/{app.application.pk}"), 403, "insufficient_scope")
