"""
OAuth access tokens for `make bench`'s oauth-profile scenario, obtained as a third-party app and
its customers obtain them: an app registered with `manage.py create_oauth_app`, then for each
customer the authorization code flow over HTTP (sign-in page, consent with `allow`, the code
exchanged with its PKCE verifier). Nothing is written to the database behind the service's back.
"""

import base64
import hashlib
import re
import secrets
import sys
import uuid
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

REDIRECT_URI = "https://bench.example.com/callback"
TIMEOUT = 60
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
PRINTED = re.compile(r"^(client_id|client_secret): (\S+)$", re.MULTILINE)


def register_app(manage: Callable[..., str], env: Mapping[str, str]) -> tuple[str, str]:
    """A confidential authorization-code app with scope profile:read: (client_id, client_secret)."""
    output = manage(
        env,
        "create_oauth_app",
        f"bench-app-{uuid.uuid4().hex[:12]}",
        "--redirect-uri",
        REDIRECT_URI,
        "--client-type",
        "confidential",
        "--grant",
        "authorization-code",
        "--scopes",
        "profile:read",
    )
    printed = dict(PRINTED.findall(output))
    if set(printed) != {"client_id", "client_secret"}:
        sys.exit(f"create_oauth_app printed no client_id and client_secret: {output!r}")
    return printed["client_id"], printed["client_secret"]


def _hidden(html: str) -> dict[str, str]:
    return {name: value.replace("&amp;", "&") for name, value in HIDDEN.findall(html)}


def _expect(response: requests.Response, status: int, what: str) -> requests.Response:
    if response.status_code != status:
        sys.exit(f"oauth-profile setup: {what} answered {response.status_code}: {response.text[:500]}")
    return response


def access_token(
    base_url: str, headers: Mapping[str, str], app: tuple[str, str], account_number: str, password: str
) -> str:
    """
    One customer's access token through the whole flow. `headers` are those the benchmark sends
    (`X-Forwarded-Proto: https`, so the service sees HTTPS): its cookies are then `Secure` and its
    CSRF check wants a same-origin Referer, which a browser behind the TLS proxy would give.
    """
    client_id, secret = app
    origin = "https://" + urlsplit(base_url).netloc
    browser = requests.Session()
    browser.headers.update(headers)

    def call(method: str, path: str, **kwargs: object) -> requests.Response:
        response = browser.request(method, urljoin(base_url, path), allow_redirects=False, timeout=TIMEOUT, **kwargs)
        for cookie in browser.cookies:
            cookie.secure = False  # plain HTTP to gunicorn here; the proxy speaks TLS in production
        return response

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "profile:read",
            "state": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    authorize = f"/oauth/authorize?{query}"
    sign_in_url = _expect(call("GET", authorize), 302, "the authorization request").headers["Location"]
    page = _expect(call("GET", sign_in_url), 200, "the sign-in page")
    form = {**_hidden(page.text), "username": account_number, "password": password}
    signed_in = call("POST", "/oauth/login", data=form, headers={"Referer": origin + "/oauth/login"})
    consent = _expect(call("GET", _expect(signed_in, 302, "the sign-in").headers["Location"]), 200, "consent")
    approved = call(
        "POST",
        "/oauth/authorize",
        data={**_hidden(consent.text), "allow": "Authorize"},
        headers={"Referer": origin + "/oauth/authorize"},
    )
    code = parse_qs(urlsplit(_expect(approved, 302, "the consent").headers["Location"]).query)["code"][0]
    token = requests.post(
        urljoin(base_url, "/oauth/token"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(client_id, secret),
        headers=dict(headers),
        timeout=TIMEOUT,
    )
    return _expect(token, 200, "the token request").json()["access_token"]
