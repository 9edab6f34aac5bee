"""
Registered apps, and the authorization code flow driven in-process through Django's test client
(the live-server test drives it with authlib over HTTP).
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from oauth2_provider.models import Application

from oauth.services import oauth_app_create

REDIRECT_URI = "https://budget.example.com/callback"
AUTHORIZE = "/oauth/authorize"
TOKEN = "/oauth/token"  # noqa: S105 - a path
REVOKE = "/oauth/revoke"
INTROSPECT = "/oauth/introspect"
SIGN_IN = "/oauth/login"
PROFILE = "/api/v1/profile"


@dataclass
class RegisteredApp:
    application: Application
    client_id: str
    secret: str | None


def register(
    name: str = "Budget Buddy",
    *,
    client_type: str = "confidential",
    grant: str = "authorization-code",
    redirect_uris: tuple[str, ...] = (REDIRECT_URI,),
    scopes: list[str] | None = None,
) -> RegisteredApp:
    application, secret = oauth_app_create(
        name=name, client_type=client_type, grant=grant, redirect_uris=redirect_uris, scopes=scopes
    )
    return RegisteredApp(application=application, client_id=application.client_id, secret=secret)


@pytest.fixture
def app(db) -> RegisteredApp:
    """A confidential authorization-code app with scope profile:read."""
    return register()


@pytest.fixture
def partner_app(db) -> RegisteredApp:
    """A confidential client-credentials app with scope account-verification."""
    return register("Acme Payments", grant="client-credentials", redirect_uris=())


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, its S256 code_challenge), as RFC 7636 section 4 makes them."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_query(app: RegisteredApp, challenge: str | None, **overrides: str) -> str:
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "profile:read",
        "state": "xyz",
    }
    if challenge is not None:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    params |= overrides
    return f"{AUTHORIZE}?{urlencode({k: v for k, v in params.items() if v is not None})}"


def consent_form(page_content: bytes) -> dict[str, str]:
    """The hidden fields of the consent page's form."""
    import re

    fields = dict(re.findall(rb'<input type="hidden" name="([^"]+)" value="([^"]*)"', page_content))
    return {key.decode(): value.decode().replace("&amp;", "&") for key, value in fields.items()}


def authorize(client: Client, app: RegisteredApp, challenge: str, **overrides: str) -> str:
    """A signed-in browser approves `app` on the consent page; returns the authorization code."""
    page = client.get(authorize_query(app, challenge, **overrides))
    assert page.status_code == 200, page.content
    response = client.post(AUTHORIZE, {**consent_form(page.content), "allow": "Authorize"})
    assert response.status_code == 302, response.content
    query = parse_qs(urlsplit(response["Location"]).query)
    assert "code" in query, response["Location"]
    return query["code"][0]


def basic_auth(app: RegisteredApp) -> dict[str, str]:
    credentials = base64.b64encode(f"{app.client_id}:{app.secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {credentials}"}


def exchange(client: Client, app: RegisteredApp, code: str, verifier: str, redirect_uri: str = REDIRECT_URI):
    """The token request of the authorization code grant."""
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    return client.post(TOKEN, body, **basic_auth(app))


def issue_tokens(client: Client, app: RegisteredApp) -> dict:
    """Authorize and exchange: the token response's body."""
    verifier, challenge = pkce_pair()
    response = exchange(client, app, authorize(client, app, challenge), verifier)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def browser(customer) -> Client:
    """The customer, signed in on the authorization pages."""
    client = Client()
    client.force_login(customer)
    return client
