"""
Registering apps: `manage.py create_oauth_app` and the admin site, through one service that allows
only this server's grants and client types, exact redirect URIs and the grant's scopes, shows a
confidential app's secret once and keeps only its hash; and the RFC 8414 metadata document.
"""

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from oauth2_provider.models import Application

from audit.models import Action, AuditEvent
from conftest import manage
from oauth.tests.conftest import REDIRECT_URI, TOKEN, RegisteredApp, basic_auth

pytestmark = pytest.mark.django_db(transaction=True)


def created(output: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in output.strip().splitlines())


def test_the_command_prints_a_confidential_apps_id_and_secret_once_and_keeps_a_hash():
    result = manage(
        "create_oauth_app",
        "Budget Buddy",
        "--redirect-uri",
        REDIRECT_URI,
        "--client-type",
        "confidential",
        "--grant",
        "authorization-code",
    )

    assert result.returncode == 0, result.stderr
    printed = created(result.stdout)
    assert set(printed) == {"client_id", "client_secret"}
    application = Application.objects.get(client_id=printed["client_id"])
    assert (application.name, application.redirect_uris) == ("Budget Buddy", REDIRECT_URI)
    assert application.allowed_scopes.scopes == "profile:read"
    assert application.client_secret != printed["client_secret"]
    assert check_password(printed["client_secret"], application.client_secret)
    event = AuditEvent.objects.get(action=Action.OAUTH_APP_REGISTERED)
    assert (event.actor_label, event.target_label) == ("system", "Budget Buddy")
    assert printed["client_secret"] not in str(event.changes)


def test_a_public_app_gets_no_secret():
    result = manage(
        "create_oauth_app",
        "Phone App",
        "--redirect-uri",
        "http://127.0.0.1/callback",
        "--client-type",
        "public",
        "--grant",
        "authorization-code",
        "--scopes",
        "profile:read",
    )

    assert result.returncode == 0, result.stderr
    assert set(created(result.stdout)) == {"client_id"}


def test_a_client_credentials_app_gets_account_verification_and_a_working_secret():
    result = manage(
        "create_oauth_app", "Acme Payments", "--client-type", "confidential", "--grant", "client-credentials"
    )

    printed = created(result.stdout)
    app = RegisteredApp(
        application=Application.objects.get(client_id=printed["client_id"]),
        client_id=printed["client_id"],
        secret=printed["client_secret"],
    )
    token = Client().post(TOKEN, {"grant_type": "client_credentials"}, **basic_auth(app))
    assert token.status_code == 200 and token.json()["scope"] == "account-verification"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--redirect-uri", "https://x.example/cb/*", "--client-type", "public", "--grant", "authorization-code"],
            "wildcard",
        ),
        (
            ["--redirect-uri", "http://x.example/cb", "--client-type", "public", "--grant", "authorization-code"],
            "https",
        ),
        (
            ["--redirect-uri", "https://x.example/cb#f", "--client-type", "public", "--grant", "authorization-code"],
            "fragment",
        ),
        (["--client-type", "public", "--grant", "authorization-code"], "at least one redirect URI"),
        (["--client-type", "public", "--grant", "client-credentials"], "must be confidential"),
        (
            ["--client-type", "confidential", "--grant", "client-credentials", "--scopes", "profile:read"],
            "may have the scopes",
        ),
        (["--client-type", "confidential", "--grant", "implicit"], "grant must be one of"),
        (["--client-type", "confidential", "--grant", "password"], "grant must be one of"),
        (["--client-type", "secret", "--grant", "client-credentials"], "client type must be one of"),
    ],
)
def test_bad_input_is_a_clear_error_and_registers_nothing(arguments, message):
    result = manage("create_oauth_app", "Bad App", *arguments)

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not Application.objects.exists()


def test_the_metadata_document_has_exactly_the_contracts_fields():
    response = Client().get("/.well-known/oauth-authorization-server")

    assert response.status_code == 200
    assert response.json() == {
        "issuer": "http://testserver",
        "authorization_endpoint": "http://testserver/oauth/authorize",
        "token_endpoint": "http://testserver/oauth/token",
        "revocation_endpoint": "http://testserver/oauth/revoke",
        "introspection_endpoint": "http://testserver/oauth/introspect",
        "scopes_supported": ["account-verification", "profile:read"],
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
    }
