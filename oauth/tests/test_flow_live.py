"""
The whole flow over HTTP against gunicorn with production settings, driven by a real OAuth client
library (authlib's requests client) as a third-party app would drive it, with a `requests` session
as the customer's browser: authorize, sign in, consent, exchange the code with the PKCE verifier,
read the profile, refresh, revoke; and the refusals the contract names.
"""

import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from audit.models import Action, AuditEvent
from conftest import assert_problem
from oauth.services import oauth_app_create

pytestmark = [pytest.mark.live_server, pytest.mark.usefixtures("production_hashers")]

REDIRECT_URI = "https://budget.example.com/callback"


class Browser:
    """
    The customer's browser. The service's cookies are `Secure` (production settings, meant for
    HTTPS behind the proxy); this test talks plain HTTP to gunicorn, so they are sent back anyway,
    as the browser behind the TLS proxy would.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def _kept(self, response: requests.Response) -> requests.Response:
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def get(self, url: str) -> requests.Response:
        return self._kept(self.session.get(urljoin(self.base_url, url), allow_redirects=False, timeout=60))

    def post(self, url: str, data: dict) -> requests.Response:
        return self._kept(self.session.post(urljoin(self.base_url, url), data=data, allow_redirects=False, timeout=60))


def hidden_fields(html: str) -> dict[str, str]:
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return {name: value.replace("&amp;", "&") for name, value in fields.items()}


def sign_in(browser: Browser, authorization_url: str, username: str, password: str = DEFAULT_PASSWORD):
    """Follow the authorization request to the sign-in page and post its form; the response to the post."""
    to_sign_in = browser.get(authorization_url)
    assert to_sign_in.status_code == 302, to_sign_in.text
    assert urlsplit(to_sign_in.headers["Location"]).path == "/oauth/login"
    page = browser.get(to_sign_in.headers["Location"])
    assert page.status_code == 200
    form = {**hidden_fields(page.text), "username": username, "password": password}
    return browser.post("/oauth/login", form)


def consent(browser: Browser, authorization_url: str, customer) -> requests.Response:
    """Sign in and approve with `allow`: the consent form's response (a redirect to the app)."""
    signed_in = sign_in(browser, authorization_url, customer.email)
    assert signed_in.status_code == 302, signed_in.text
    page = browser.get(signed_in.headers["Location"])
    assert page.status_code == 200 and "Budget Buddy" in page.text
    return browser.post("/oauth/authorize", {**hidden_fields(page.text), "allow": "Authorize"})


@pytest.fixture
def insecure_transport(monkeypatch) -> None:
    """authlib refuses plain HTTP; the live server speaks it (TLS is the proxy's job)."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def world(live_server_factory, insecure_transport):
    customer = UserFactory(first_name="Ada", last_name="Lovelace")
    application, secret = oauth_app_create(
        name="Budget Buddy", client_type="confidential", grant="authorization-code", redirect_uris=[REDIRECT_URI]
    )
    partner, partner_secret = oauth_app_create(
        name="Acme Payments", client_type="confidential", grant="client-credentials"
    )
    server = live_server_factory(workers=2)
    return {
        "customer": customer,
        "server": server,
        "app": (application.client_id, secret),
        "partner": (partner.client_id, partner_secret),
    }


def app_session(world, code_challenge_method: str = "S256") -> OAuth2Session:
    client_id, secret = world["app"]
    return OAuth2Session(
        client_id, secret, scope="profile:read", redirect_uri=REDIRECT_URI, code_challenge_method=code_challenge_method
    )


def test_the_full_flow_with_authlib_authorize_consent_exchange_read_refresh_revoke(world):
    server, customer = world["server"], world["customer"]
    client = app_session(world)
    verifier = generate_token(48)
    authorization_url, state = client.create_authorization_url(server.url + "/oauth/authorize", code_verifier=verifier)
    browser = Browser(server.url)

    approved = consent(browser, authorization_url, customer)

    assert approved.status_code == 302
    callback = approved.headers["Location"]
    assert callback.startswith(REDIRECT_URI + "?")
    assert parse_qs(urlsplit(callback).query)["state"] == [state]
    token = client.fetch_token(server.url + "/oauth/token", authorization_response=callback, code_verifier=verifier)
    assert token["token_type"] == "Bearer" and token["scope"] == "profile:read" and token["expires_in"] == 3600

    profile = client.get(server.url + "/api/v1/profile", timeout=60)
    assert profile.status_code == 200
    assert profile.json()["account_number"] == customer.account_number

    first_refresh = token["refresh_token"]
    refreshed = client.refresh_token(server.url + "/oauth/token")
    assert refreshed["refresh_token"] != first_refresh
    assert client.get(server.url + "/api/v1/profile", timeout=60).status_code == 200
    replay = requests.post(
        server.url + "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first_refresh},
        auth=world["app"],
        timeout=60,
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"

    # The replay revoked the family (RFC 9700): authorize again, then revoke that token.
    verifier = generate_token(48)
    authorization_url, _ = client.create_authorization_url(server.url + "/oauth/authorize", code_verifier=verifier)
    page = browser.get(authorization_url)
    again = browser.post("/oauth/authorize", {**hidden_fields(page.text), "allow": "Authorize"})
    client.fetch_token(
        server.url + "/oauth/token", authorization_response=again.headers["Location"], code_verifier=verifier
    )
    assert client.get(server.url + "/api/v1/profile", timeout=60).status_code == 200

    revoked = client.revoke_token(server.url + "/oauth/revoke", token_type_hint="access_token")

    assert revoked.status_code == 200
    assert_problem(client.get(server.url + "/api/v1/profile", timeout=60), 401, "not_authenticated")
    assert AuditEvent.objects.filter(action=Action.OAUTH_APP_AUTHORIZED, actor=customer).count() == 2


def test_a_wrong_verifier_is_invalid_grant(world):
    server, customer = world["server"], world["customer"]
    client = app_session(world)
    verifier = generate_token(48)
    authorization_url, _ = client.create_authorization_url(server.url + "/oauth/authorize", code_verifier=verifier)
    callback = consent(Browser(server.url), authorization_url, customer).headers["Location"]

    with pytest.raises(OAuthError) as refused:
        client.fetch_token(
            server.url + "/oauth/token", authorization_response=callback, code_verifier=generate_token(48)
        )

    assert refused.value.error == "invalid_grant"


def test_a_changed_redirect_uri_is_an_error_page_and_no_redirect(world):
    server, customer = world["server"], world["customer"]
    client = app_session(world)
    client.redirect_uri = "https://evil.example.com/callback"
    authorization_url, _ = client.create_authorization_url(
        server.url + "/oauth/authorize", code_verifier=generate_token(48)
    )
    browser = Browser(server.url)
    signed_in = sign_in(browser, authorization_url, customer.email)

    page = browser.get(signed_in.headers["Location"])

    assert page.status_code == 400
    assert "Location" not in page.headers
    assert page.headers["Content-Type"].startswith("text/html")
    assert "evil.example.com" not in page.text


def test_without_pkce_or_with_plain_the_request_is_refused(world):
    server, customer = world["server"], world["customer"]
    plain = app_session(world, code_challenge_method="plain")
    without = OAuth2Session(world["app"][0], scope="profile:read", redirect_uri=REDIRECT_URI)
    browser = Browser(server.url)
    url_plain, _ = plain.create_authorization_url(server.url + "/oauth/authorize", code_verifier=generate_token(48))
    url_without, _ = without.create_authorization_url(server.url + "/oauth/authorize")
    next_url = sign_in(browser, url_plain, customer.email).headers["Location"]

    for url in (next_url, url_without):
        refused = browser.get(url)

        assert refused.status_code == 302
        assert refused.headers["Location"].startswith(REDIRECT_URI)
        assert parse_qs(urlsplit(refused.headers["Location"]).query)["error"] == ["invalid_request"]


def test_implicit_and_password_grants_are_refused(world):
    server, customer = world["server"], world["customer"]
    client = app_session(world)
    authorization_url, _ = client.create_authorization_url(
        server.url + "/oauth/authorize", response_type="token", code_verifier=generate_token(48)
    )
    browser = Browser(server.url)
    next_url = sign_in(browser, authorization_url, customer.email).headers["Location"]

    implicit = browser.get(next_url)
    password = requests.post(
        server.url + "/oauth/token",
        data={"grant_type": "password", "username": customer.email, "password": DEFAULT_PASSWORD},
        auth=world["app"],
        timeout=60,
    )

    assert "access_token" not in implicit.headers.get("Location", "")
    assert parse_qs(urlsplit(implicit.headers["Location"]).query)["error"] == ["unsupported_response_type"]
    assert password.status_code == 400 and password.json()["error"] == "unsupported_grant_type"


def test_a_partners_client_credentials_token_verifies_payees_and_nothing_else(world):
    server, customer = world["server"], world["customer"]
    client_id, secret = world["partner"]
    partner = OAuth2Session(client_id, secret)
    partner.fetch_token(server.url + "/oauth/token", grant_type="client_credentials")

    verified = partner.post(
        server.url + "/api/v1/partner/account-verification",
        json={"account_number": customer.account_number, "name": "Ada Lovelace"},
        timeout=60,
    )
    profile = partner.get(server.url + "/api/v1/profile", timeout=60)

    assert verified.status_code == 200 and verified.json() == {"result": "match"}
    assert_problem(profile, 403, "insufficient_scope")


def test_the_metadata_document_over_http(world):
    response = requests.get(world["server"].url + "/.well-known/oauth-authorization-server", timeout=60)

    assert response.status_code == 200
    body = response.json()
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["token_endpoint"] == world["server"].url + "/oauth/token"
