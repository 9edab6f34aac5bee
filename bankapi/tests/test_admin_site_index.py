"""
What the admin site offers around its pages: only what staff work with (no groups, which grant
nothing here, nor simplejwt's token tables), "View site" leading to the API's documentation, and
the service's icon, linked from every page and answered at /favicon.ico.
"""

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.views import serve
from django.templatetags.static import static
from django.test import Client, RequestFactory
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from bankapi.admin_site import FAVICON, BankAdminSite

ADMIN = f"/{settings.ADMIN_URL}"

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def index_models(admin_site) -> set[str]:
    response = admin_site.get(ADMIN)
    assert response.status_code == 200
    return {model["object_name"] for app in response.context["app_list"] for model in app["models"]}


def test_the_index_offers_what_staff_work_with(admin_site):
    assert index_models(admin_site) == {
        "User",
        "AuditEvent",
        "AccessAttempt",
        "AccessLog",
        "AccessFailureLog",
        "PartnerKey",
        "Application",
        "Account",
        "JournalTransaction",
        "Entry",
    }


@pytest.mark.parametrize(
    "path",
    ["auth/group/", "auth/group/add/", "token_blacklist/outstandingtoken/", "token_blacklist/blacklistedtoken/add/"],
)
def test_groups_and_token_tables_have_no_pages(admin_site, path):
    assert admin_site.get(f"{ADMIN}{path}").status_code == 404


def test_hidden_models_stay_hidden_whoever_registers_them():
    site = BankAdminSite(name="another")

    site.register(Group, GroupAdmin)
    site.register([OutstandingToken, BlacklistedToken])

    assert not site.is_registered(Group)
    assert not site.is_registered(OutstandingToken) and not site.is_registered(BlacklistedToken)


def test_the_records_shown_are_read_only(admin_user):
    request = RequestFactory().get(ADMIN)
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        # Customers, which staff edit here, partner keys, which admins issue and revoke here, and
        # third-party apps, which admins register here.
        if model._meta.label not in ("accounts.User", "partners.PartnerKey", "oauth2_provider.Application"):
            assert not model_admin.has_add_permission(request), model
            assert not model_admin.has_change_permission(request), model
            assert not model_admin.has_delete_permission(request), model


def test_view_site_leads_to_the_api_docs(admin_site):
    assert '<a href="/api/docs">View site</a>' in page(admin_site.get(ADMIN))


@pytest.mark.parametrize("path", ["", "login/", "audit/auditevent/", "accounts/user/"])
def test_every_page_links_the_favicon(admin_site, path):
    client = Client() if path == "login/" else admin_site

    assert f'<link rel="icon" href="{static(FAVICON)}" type="image/svg+xml">' in page(client.get(f"{ADMIN}{path}"))


def test_the_favicon_is_served_as_an_image():
    """As runserver, the browser tests' live server and collectstatic (then the proxy) find it."""
    assert finders.find(FAVICON)

    response = serve(RequestFactory().get(static(FAVICON)), FAVICON, insecure=True)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)


def test_favicon_ico_points_to_the_favicon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == static(FAVICON)
