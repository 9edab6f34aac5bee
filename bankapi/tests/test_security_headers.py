"""
Hardening: the Content Security Policy, CORS closed by default, the browser security headers, and
HTTPS that trusts X-Forwarded-Proto only from the proxy gunicorn is told about.
"""

import pytest
import requests
from django.conf import settings
from django.test import Client

from conftest import login

pytestmark = pytest.mark.django_db
ADMIN_LOGIN = f"/{settings.ADMIN_URL}login/"
PROBES = ["/health", "/db_check", "/metrics"]


def _directives(response) -> dict[str, set[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: set(part.split()[1:]) for part in policy.split(";") if part.strip()}


def test_api_responses_forbid_loading_anything(api_client, customer):
    tokens = login(api_client, customer)

    response = api_client.get("/api/v1/profile", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    directives = _directives(response)
    assert directives["default-src"] == {"'none'"}
    assert directives["frame-ancestors"] == {"'none'"}
    assert directives["form-action"] == {"'none'"}


def test_error_responses_carry_the_strict_policy_too(api_client):
    response = api_client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert _directives(response)["default-src"] == {"'none'"}


def test_admin_pages_may_load_only_their_own_scripts_and_styles():
    response = Client().get(ADMIN_LOGIN)

    directives = _directives(response)
    assert response.status_code == 200
    assert directives["default-src"] == {"'none'"}
    assert directives["script-src"] == {"'self'"}
    assert directives["style-src"] == {"'self'", "'unsafe-inline'"}
    assert directives["form-action"] == {"'self'"}
    assert directives["frame-ancestors"] == {"'none'"}


def test_api_docs_may_load_only_their_own_scripts():
    response = Client().get("/api/docs")

    directives = _directives(response)
    assert response.status_code == 200
    assert directives["script-src"] == {"'self'"}
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["connect-src"] == {"'self'"}


@pytest.mark.parametrize("path", ["/health", "/api/v1/auth/login", ADMIN_LOGIN])
def test_browser_security_headers_are_on_every_response(path):
    response = Client().get(path)

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_cors_is_closed_without_an_allow_list(api_client):
    response = api_client.get("/health", HTTP_ORIGIN="https://app.example.com")
    preflight = api_client.options(
        "/api/v1/auth/login",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in preflight


def test_cors_allows_only_the_listed_origins(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    allowed = api_client.options(
        "/api/v1/auth/login",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, if-match",
    )
    other = api_client.options(
        "/api/v1/auth/login", HTTP_ORIGIN="https://evil.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )

    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "if-match" in allowed["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in allowed
    assert "Access-Control-Allow-Origin" not in other


def test_cors_exposes_the_headers_clients_need(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    response = api_client.get("/api/v1/auth/login", HTTP_ORIGIN="https://app.example.com")

    exposed = {header.strip() for header in response["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "retry-after", "x-request-id"} <= exposed


# Production over HTTPS: gunicorn.conf.py decides whom to believe about the scheme ------------------


@pytest.mark.live_server
def test_https_through_the_trusted_proxy_gets_hsts_and_no_redirect(live_server_factory):
    server = live_server_factory(workers=1, SECURE_SSL_REDIRECT="true", FORWARDED_ALLOW_IPS="127.0.0.1")

    response = requests.get(server.url + "/health", headers={"X-Forwarded-Proto": "https"}, timeout=10)

    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.live_server
def test_plain_http_is_redirected_to_https(live_server_factory):
    server = live_server_factory(workers=1, SECURE_SSL_REDIRECT="true", FORWARDED_ALLOW_IPS="127.0.0.1")

    response = requests.get(server.url + "/api/v1/profile", allow_redirects=False, timeout=10)

    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")


@pytest.mark.live_server
def test_probes_and_scrapes_are_answered_over_plain_http(live_server_factory):
    server = live_server_factory(workers=1, SECURE_SSL_REDIRECT="true", FORWARDED_ALLOW_IPS="127.0.0.1")

    statuses = [requests.get(server.url + path, allow_redirects=False, timeout=10).status_code for path in PROBES]

    assert statuses == [200, 200, 200]


@pytest.mark.live_server
def test_forwarded_proto_from_an_untrusted_address_is_ignored(live_server_factory):
    server = live_server_factory(workers=1, SECURE_SSL_REDIRECT="true", FORWARDED_ALLOW_IPS="192.0.2.1")

    response = requests.get(
        server.url + "/api/v1/profile", headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=10
    )

    assert response.status_code == 301
    assert "Strict-Transport-Security" not in response.headers


# no-store and X-Request-ID, whichever layer answers ---------------------------------------------


def _assert_no_store_and_request_id(response) -> None:
    assert "no-store" in response["Cache-Control"], (response.status_code, dict(response.headers))
    assert response["X-Request-ID"]


def test_a_payload_too_large_for_an_authenticated_request_is_not_stored(auth_client):
    response = auth_client.generic("PATCH", "/api/v1/profile", "x" * 70_000, content_type="application/json")

    assert response.status_code == 413
    _assert_no_store_and_request_id(response)


def test_a_cors_preflight_answered_by_the_cors_middleware_is_not_stored(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    response = Client().options(
        "/api/v1/profile",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )

    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
    _assert_no_store_and_request_id(response)


def test_the_https_redirect_is_not_stored(settings):
    settings.SECURE_SSL_REDIRECT = True

    response = Client().get("/api/v1/profile")

    assert response.status_code == 301
    _assert_no_store_and_request_id(response)


def test_a_request_for_a_host_not_served_is_not_stored():
    response = Client().get("/api/v1/profile", HTTP_HOST="evil.example.com")

    assert response.status_code == 400
    _assert_no_store_and_request_id(response)


def test_a_method_not_allowed_is_not_stored(api_client):
    response = api_client.delete("/health")

    assert response.status_code == 405
    _assert_no_store_and_request_id(response)


def test_a_page_that_sets_its_own_cache_control_still_gets_no_store():
    response = Client().get(ADMIN_LOGIN)

    assert response.status_code == 200
    _assert_no_store_and_request_id(response)
