"""
Partner keys on the admin site: an admin issues one (shown once, on the page after, stored hashed),
revokes it on its page or from the list, and can neither un-revoke nor delete it. The library's own
APIKey model, which nothing uses, is not offered.
"""

import re

import pytest
from django.conf import settings

from partners.models import PartnerKey
from partners.services import partner_key_create
from partners.tests.conftest import VERIFY, key_client

CHANGELIST = f"/{settings.ADMIN_URL}partners/partnerkey/"
ADD = f"{CHANGELIST}add/"
BODY = {"account_number": "400000000001", "name": "Ada Lovelace"}
KEY_IN_MESSAGE = re.compile(r"The API key for Acme Payments is: (\S+) ")


def test_an_admin_issues_a_key_shown_once_and_stored_hashed(admin_site):
    response = admin_site.post(ADD, {"name": "Acme Payments", "expiry_date_0": "", "expiry_date_1": ""}, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    (key,) = KEY_IN_MESSAGE.findall(page)
    stored = PartnerKey.objects.get()
    assert stored.name == "Acme Payments"
    assert key.startswith(f"{stored.prefix}.")
    assert key.partition(".")[2] not in f"{stored.id} {stored.hashed_key}"
    assert stored.hashed_key.startswith("sha512$$")
    assert key_client(key).post(VERIFY, BODY, format="json").status_code == 200
    # Shown on that page only: the next pages, the key's own among them, no longer have it.
    assert key.partition(".")[2] not in admin_site.get(CHANGELIST).content.decode()
    assert key.partition(".")[2] not in admin_site.get(f"{CHANGELIST}{stored.pk}/change/").content.decode()


def test_the_add_form_refuses_a_second_usable_key_for_a_name(admin_site):
    partner_key_create(name="Acme Payments")

    response = admin_site.post(ADD, {"name": "Acme Payments", "expiry_date_0": "", "expiry_date_1": ""})

    assert response.status_code == 200
    assert "already has a usable key" in response.content.decode()
    assert PartnerKey.objects.count() == 1


def test_an_admin_revokes_a_key_on_its_page_and_it_stops_at_once(admin_site):
    partner_key, key = partner_key_create(name="Acme Payments")

    response = admin_site.post(
        f"{CHANGELIST}{partner_key.pk}/change/",
        {"name": "Acme Payments", "expiry_date_0": "", "expiry_date_1": "", "revoked": "on"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    partner_key.refresh_from_db()
    assert partner_key.revoked
    assert key_client(key).post(VERIFY, BODY, format="json").status_code == 401


def test_an_expiry_date_an_admin_brings_forward_counts_at_once(admin_site):
    partner_key, key = partner_key_create(name="Acme Payments")
    assert key_client(key).post(VERIFY, BODY, format="json").status_code == 200  # now held by this process

    response = admin_site.post(
        f"{CHANGELIST}{partner_key.pk}/change/",
        {"name": "Acme Payments", "expiry_date_0": "2020-01-01", "expiry_date_1": "00:00:00"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert key_client(key).post(VERIFY, BODY, format="json").status_code == 401


def test_an_admin_revokes_keys_from_the_list(admin_site):
    partner_key, key = partner_key_create(name="Acme Payments")
    other, other_key = partner_key_create(name="Other Bank")

    response = admin_site.post(
        CHANGELIST, {"action": "revoke_selected", "_selected_action": [partner_key.pk]}, follow=True
    )

    assert response.status_code == 200
    assert key_client(key).post(VERIFY, BODY, format="json").status_code == 401
    assert key_client(other_key).post(VERIFY, BODY, format="json").status_code == 200


def test_a_revoked_key_cannot_be_brought_back(admin_site):
    partner_key, key = partner_key_create(name="Acme Payments")
    partner_key.revoked = True
    partner_key.save()

    admin_site.post(
        f"{CHANGELIST}{partner_key.pk}/change/",
        {"name": "Acme Payments", "expiry_date_0": "", "expiry_date_1": ""},
    )

    partner_key.refresh_from_db()
    assert partner_key.revoked
    assert key_client(key).post(VERIFY, BODY, format="json").status_code == 401


def test_keys_cannot_be_deleted(admin_site):
    partner_key, _ = partner_key_create(name="Acme Payments")

    response = admin_site.post(f"{CHANGELIST}{partner_key.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert PartnerKey.objects.filter(pk=partner_key.pk).exists()


@pytest.mark.django_db
def test_the_librarys_unused_key_model_is_not_offered(admin_site):
    index = admin_site.get(f"/{settings.ADMIN_URL}").content.decode()

    assert "partners/partnerkey/" in index
    assert "rest_framework_api_key/apikey/" not in index
