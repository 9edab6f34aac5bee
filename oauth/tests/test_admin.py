"""
Third-party apps on the admin site: an admin registers one through the same service as the command
(the secret shown once, on the page after, and kept only as a hash); only this server's grants are
offered, and a bad redirect URI comes back on the form.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password
from oauth2_provider.models import Application

from audit.models import Action, AuditEvent

CHANGELIST = f"/{settings.ADMIN_URL}oauth2_provider/application/"
ADD = f"{CHANGELIST}add/"
SHOWN = re.compile(r"Budget Buddy is registered. client_id: (\S+) — client_secret: (\S+) — store the secret")

pytestmark = pytest.mark.django_db


def add_body(**overrides: object) -> dict:
    return {
        "name": "Budget Buddy",
        "client_type": "confidential",
        "authorization_grant_type": "authorization-code",
        "redirect_uris": "https://budget.example.com/callback",
        "scopes": ["profile:read"],
        **overrides,
    }


def test_an_admin_registers_an_app_whose_secret_is_shown_once_and_stored_hashed(admin_site, admin_user):
    response = admin_site.post(ADD, add_body(), follow=True)

    assert response.status_code == 200
    ((client_id, secret),) = SHOWN.findall(response.content.decode())
    application = Application.objects.get()
    assert application.client_id == client_id
    assert check_password(secret, application.client_secret)
    assert application.allowed_scopes.scopes == "profile:read"
    assert secret not in admin_site.get(f"{CHANGELIST}{application.pk}/change/").content.decode()
    event = AuditEvent.objects.get(action=Action.OAUTH_APP_REGISTERED)
    assert event.actor == admin_user


def test_the_add_form_offers_only_this_servers_grants(admin_site):
    page = admin_site.get(ADD).content.decode()

    offered = set(re.findall(r'<option value="([^"]*)"', page))
    assert {"authorization-code", "client-credentials"} <= offered
    assert not offered & {"implicit", "password", "openid-hybrid", "urn:ietf:params:oauth:grant-type:device_code"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"redirect_uris": "https://budget.example.com/*"}, "wildcard"),
        ({"redirect_uris": "http://budget.example.com/callback"}, "must use https"),
        ({"authorization_grant_type": "implicit"}, "Select a valid choice"),
        ({"scopes": ["account-verification"]}, "may have the scopes"),
    ],
)
def test_a_bad_app_comes_back_on_the_form(admin_site, overrides, message):
    response = admin_site.post(ADD, add_body(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Application.objects.exists()


def test_a_registered_app_cannot_be_changed_on_its_page(admin_site):
    admin_site.post(ADD, add_body())
    application = Application.objects.get()

    response = admin_site.post(f"{CHANGELIST}{application.pk}/change/", add_body(name="Renamed"))

    assert response.status_code == 403
    application.refresh_from_db()
    assert application.name == "Budget Buddy"
