"""
The authorization code grant as the contract wants it: PKCE with S256 only, exact redirect URIs,
a consent page under the browser pages' CSP, no implicit or password grant, rotating refresh
tokens, revocation and introspection.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from conftest import assert_problem
from oauth.tests.conftest import (
    AUTHORIZE,
    INTROSPECT,
    PROFILE,
    REDIRECT_URI,
    REVOKE,
    SIGN_IN,
    TOKEN,
    authorize,
    authorize_query,
    basic_auth,
    consent_form,
    exchange,
    issue_tokens,
    pkce_pair,
    register,
)

pytestmark = pytest.mark.django_db


def bearer(client, token: str):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def error_of(response) -> str:
    """The `error` a refused authorization request redirects back with."""
    assert response.status_code == 302, response.content
    assert response["Location"].startswith(REDIRECT_URI)
    return parse_qs(urlsplit(response["Location"]).query)["error"][0]


def test_an_anonymous_user_is_sent_to_the_sign_in_page_with_the_request_to_come_back_to(app):
    _, challenge = pkce_pair()
    query = authorize_query(app, challenge)

    response = Client().get(query)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == SIGN_IN
    assert parse_qs(location.query)["next"] == [query]


def test_the_consent_page_names_the_app_and_scope_and_approves_with_allow(browser, app, customer, api_client):
    _, challenge = pkce_pair()

    page = browser.get(authorize_query(app, challenge))

    assert page.status_code == 200
    assert b"Budget Buddy" in page.content and b"Read your profile" in page.content
    assert b'name="allow"' in page.content
    assert consent_form(page.content)["code_challenge_method"] == "S256"


def test_approving_issues_a_code_with_the_state_and_the_issuer_and_audits_the_consent(browser, app, customer):
    _, challenge = pkce_pair()
    page = browser.get(authorize_query(app, challenge))

    response = browser.post(AUTHORIZE, {**consent_form(page.content), "allow": "Authorize"})

    query = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith(REDIRECT_URI + "?")
    assert query["state"] == ["xyz"] and query["code"]
    assert query["iss"] == ["http://testserver"]  # RFC 9207
    event = AuditEvent.objects.get(action=Action.OAUTH_APP_AUTHORIZED)
    assert (event.actor, event.target) == (customer, customer)
    assert event.changes == {
        "app": {"before": None, "after": "Budget Buddy"},
        "scopes": {"before": None, "after": "profile:read"},
    }


def test_denying_redirects_with_access_denied_and_records_no_consent(browser, app):
    _, challenge = pkce_pair()
    page = browser.get(authorize_query(app, challenge))

    response = browser.post(AUTHORIZE, consent_form(page.content))

    assert error_of(response) == "access_denied"
    assert not AuditEvent.objects.filter(action=Action.OAUTH_APP_AUTHORIZED).exists()


def test_the_consent_and_sign_in_pages_have_the_browser_pages_csp_and_no_inline_script_or_style(browser, app):
    _, challenge = pkce_pair()
    strict = settings.CONTENT_SECURITY_POLICY_BROWSER_PAGES["DIRECTIVES"]
    for response in (browser.get(authorize_query(app, challenge)), Client().get(SIGN_IN)):
        assert response.status_code == 200
        policy = dict(
            (part.split()[0], part.split()[1:]) for part in response["Content-Security-Policy"].split("; ") if part
        )
        assert policy["script-src"] == strict["script-src"] == ["'self'"]
        assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
        assert "<style" not in html and " style=" not in html, "inline style"
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"
        assert 'rel="stylesheet" href="/static/oauth/oauth.css"' in html


def test_a_token_exchanged_with_the_verifier_reads_the_profile(browser, app, customer, api_client):
    tokens = issue_tokens(browser, app)

    response = bearer(api_client, tokens["access_token"]).get(PROFILE)

    assert response.status_code == 200
    assert response.json()["account_number"] == customer.account_number
    assert tokens["token_type"] == "Bearer" and tokens["scope"] == "profile:read"
    assert tokens["expires_in"] == settings.OAUTH_ACCESS_TOKEN_MINUTES * 60


def test_a_wrong_verifier_is_invalid_grant(browser, app):
    _, challenge = pkce_pair()
    code = authorize(browser, app, challenge)
    wrong_verifier, _ = pkce_pair()

    response = exchange(browser, app, code, wrong_verifier)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "invalid_grant"


def test_a_code_exchanged_without_a_verifier_is_refused(browser, app):
    _, challenge = pkce_pair()
    code = authorize(browser, app, challenge)

    response = browser.post(
        TOKEN, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}, **basic_auth(app)
    )

    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_request", "invalid_grant"}


def test_a_code_works_once(browser, app):
    verifier, challenge = pkce_pair()
    code = authorize(browser, app, challenge)
    assert exchange(browser, app, code, verifier).status_code == 200

    again = exchange(browser, app, code, verifier)

    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_redirect_uri_changed_at_the_token_request_is_invalid_grant(browser, app):
    verifier, challenge = pkce_pair()
    code = authorize(browser, app, challenge)

    response = exchange(browser, app, code, verifier, redirect_uri=REDIRECT_URI + "/other")

    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_grant", "invalid_request"}


@pytest.mark.parametrize(
    "changed",
    [
        "https://evil.example.com/callback",
        REDIRECT_URI + "/",
        REDIRECT_URI + "?next=x",
        "https://budget.example.com:8443/callback",
        "http://budget.example.com/callback",
    ],
)
def test_a_changed_redirect_uri_is_an_error_page_never_a_redirect(browser, app, changed):
    _, challenge = pkce_pair()

    response = browser.get(authorize_query(app, challenge, redirect_uri=changed))

    assert response.status_code == 400
    assert "Location" not in response
    assert response["Content-Type"].startswith("text/html")
    assert b"invalid_request" in response.content or b"mismatching_redirect_uri" in response.content


def test_an_unknown_client_is_an_error_page(browser, app):
    _, challenge = pkce_pair()

    response = browser.get(authorize_query(app, challenge, client_id="nobody"))

    assert response.status_code in {400, 401}
    assert "Location" not in response


def test_a_missing_code_challenge_is_refused(browser, app):
    response = browser.get(authorize_query(app, None))

    assert error_of(response) == "invalid_request"


@pytest.mark.parametrize("method", ["plain", None])
def test_a_plain_challenge_or_one_without_a_method_is_refused(browser, app, method):
    verifier, _ = pkce_pair()
    query = authorize_query(app, None, code_challenge=verifier, code_challenge_method=method)

    response = browser.get(query)

    assert error_of(response) == "invalid_request"


def test_a_plain_method_slipped_into_the_consent_form_is_refused(browser, app):
    verifier, challenge = pkce_pair()
    page = browser.get(authorize_query(app, challenge))
    form = {**consent_form(page.content), "allow": "Authorize", "code_challenge": verifier}
    form["code_challenge_method"] = "plain"

    response = browser.post(AUTHORIZE, form)

    assert error_of(response) == "invalid_request"


def test_the_implicit_grant_is_refused_even_for_an_app_registered_for_it(browser, app):
    app.application.authorization_grant_type = "implicit"
    app.application.save()
    _, challenge = pkce_pair()

    response = browser.get(authorize_query(app, challenge, response_type="token"))

    assert error_of(response) in {"unsupported_response_type", "unauthorized_client"}
    assert "access_token" not in response["Location"]


def test_the_password_grant_is_refused_even_for_an_app_registered_for_it(app, customer, password):
    app.application.authorization_grant_type = "password"
    app.application.save()

    response = Client().post(
        TOKEN,
        {"grant_type": "password", "username": customer.account_number, "password": password},
        **basic_auth(app),
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_a_scope_the_app_was_not_registered_with_is_refused(browser, app):
    _, challenge = pkce_pair()

    response = browser.get(authorize_query(app, challenge, scope="account-verification"))

    assert error_of(response) == "invalid_scope"


def test_staff_cannot_authorize_apps(app):
    client = Client()
    client.force_login(UserFactory(role="admin"))
    _, challenge = pkce_pair()

    response = client.get(authorize_query(app, challenge))

    assert response.status_code == 403
    assert b"Only customers can authorize apps" in response.content


def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_family(browser, app, api_client):
    tokens = issue_tokens(browser, app)
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}

    rotated = Client().post(TOKEN, refresh, **basic_auth(app))
    replayed = Client().post(TOKEN, refresh, **basic_auth(app))

    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
    assert_problem(bearer(api_client, new["access_token"]).get(PROFILE), 401, "not_authenticated")


def test_a_revoked_access_token_is_refused_at_once(browser, app, api_client):
    tokens = issue_tokens(browser, app)

    response = Client().post(REVOKE, {"token": tokens["access_token"]}, **basic_auth(app))

    assert response.status_code == 200
    assert_problem(bearer(api_client, tokens["access_token"]).get(PROFILE), 401, "not_authenticated")
    refreshed = Client().post(
        TOKEN, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, **basic_auth(app)
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


def test_another_app_cannot_revoke_a_token(browser, app, api_client):
    tokens = issue_tokens(browser, app)
    other = register("Other App")

    Client().post(REVOKE, {"token": tokens["access_token"]}, **basic_auth(other))

    assert bearer(api_client, tokens["access_token"]).get(PROFILE).status_code == 200


def test_revocation_without_client_credentials_is_invalid_client(browser, app):
    tokens = issue_tokens(browser, app)

    response = Client().post(REVOKE, {"token": tokens["access_token"]})

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_introspection_tells_the_app_about_its_own_token(browser, app, customer):
    tokens = issue_tokens(browser, app)

    body = Client().post(INTROSPECT, {"token": tokens["access_token"]}, **basic_auth(app)).json()

    assert body["active"] is True
    assert body["scope"] == "profile:read" and body["client_id"] == app.client_id
    assert body["username"] == customer.account_number and body["sub"] == str(customer.public_id)
    assert body["exp"] > body["iat"]


def test_introspection_of_another_apps_or_a_revoked_token_is_inactive(browser, app):
    tokens = issue_tokens(browser, app)
    other = register("Other App")
    assert Client().post(INTROSPECT, {"token": tokens["access_token"]}, **basic_auth(other)).json() == {"active": False}

    Client().post(REVOKE, {"token": tokens["access_token"]}, **basic_auth(app))

    assert Client().post(INTROSPECT, {"token": tokens["access_token"]}, **basic_auth(app)).json() == {"active": False}


def test_introspection_needs_the_apps_credentials_and_a_post(browser, app):
    tokens = issue_tokens(browser, app)

    anonymous = Client().post(INTROSPECT, {"token": tokens["access_token"]})
    by_get = Client().get(INTROSPECT, {"token": tokens["access_token"]}, **basic_auth(app))

    assert anonymous.status_code == 401 and anonymous.json() == {"error": "invalid_client"}
    assert by_get.status_code == 405


def test_a_public_app_exchanges_its_code_with_the_verifier_alone(browser):
    public = register("Phone App", client_type="public", redirect_uris=("http://127.0.0.1/callback",))
    verifier, challenge = pkce_pair()
    code = authorize(browser, public, challenge, redirect_uri="http://127.0.0.1:53412/callback")

    response = Client().post(
        TOKEN,
        {
            "grant_type": "authorization_code",
            "client_id": public.client_id,
            "code": code,
            "redirect_uri": "http://127.0.0.1:53412/callback",
            "code_verifier": verifier,
        },
    )

    assert response.status_code == 200, response.content
    assert public.secret is None


def test_the_token_revocation_and_introspection_endpoints_take_no_csrf_token(browser, app):
    """They are called by apps, not by browsers with our cookies: their client authentication is what counts."""
    csrf_checked = Client(enforce_csrf_checks=True)
    verifier, challenge = pkce_pair()
    code = authorize(browser, app, challenge)
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier}

    token = csrf_checked.post(TOKEN, body, **basic_auth(app))
    introspected = csrf_checked.post(INTROSPECT, {"token": token.json()["access_token"]}, **basic_auth(app))
    revoked = csrf_checked.post(REVOKE, {"token": token.json()["access_token"]}, **basic_auth(app))

    assert (token.status_code, introspected.status_code, revoked.status_code) == (200, 200, 200)


def test_an_app_cannot_skip_the_consent_page_with_approval_prompt_auto(browser, app):
    issue_tokens(browser, app)
    _, challenge = pkce_pair()

    response = browser.get(authorize_query(app, challenge, approval_prompt="auto"))

    assert response.status_code == 200
    assert b'name="allow"' in response.content
