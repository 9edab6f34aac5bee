"""
A process checks a partner key it already holds without asking the database (partners.key_check),
and still refuses a changed key at once: every change to a key tells every process to read keys
again, through the same Redis round trip that counts the call against the key's rate limit.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from bankapi.errors import ServiceUnavailableError
from conftest import assert_problem
from partners import key_check
from partners.models import PartnerKey
from partners.services import partner_key_create, partner_key_revoke
from partners.tests.conftest import VERIFY, key_client

BODY = {"account_number": "400000000001", "name": "Ada Lovelace"}
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }
}


@pytest.fixture(autouse=True)
def _nothing_held() -> None:
    key_check.forget()


def test_a_call_with_a_key_the_process_holds_is_one_statement_the_lookup_and_its_audit_event(partner_client):
    customer = UserFactory(first_name="Ada", last_name="Lovelace")
    body = {"account_number": customer.account_number, "name": "Ada Lovelace"}
    assert partner_client.post(VERIFY, body, format="json").status_code == 200

    with CaptureQueriesContext(connection) as queries:
        response = partner_client.post(VERIFY, body, format="json")

    assert response.json() == {"result": "match"}
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["WITH"]


def test_a_key_revoked_in_this_process_is_refused_at_once(partner_client):
    assert partner_client.post(VERIFY, BODY, format="json").status_code == 200

    partner_key_revoke(name="Acme Payments")

    assert_problem(partner_client.post(VERIFY, BODY, format="json"), 401, "not_authenticated")


def test_a_key_issued_after_its_prefix_was_tried_is_accepted(db):
    partner_key, key = partner_key_create(name="Acme Payments")
    PartnerKey.objects.filter(pk=partner_key.pk).delete()
    assert key_client(key).post(VERIFY, BODY, format="json").status_code == 401  # the prefix held as unknown
    PartnerKey.objects.create(
        id=partner_key.id, prefix=partner_key.prefix, hashed_key=partner_key.hashed_key, name="Acme Payments"
    )

    key_check.partner_keys_changed()

    assert key_client(key).post(VERIFY, BODY, format="json").status_code == 200


def test_what_a_process_holds_is_read_again_after_cache_seconds_even_if_no_change_was_told(
    partner_client, issued, monkeypatch
):
    assert partner_client.post(VERIFY, BODY, format="json").status_code == 200
    PartnerKey.objects.filter(pk=issued[0].pk).update(revoked=True)  # behind the services' back
    assert partner_client.post(VERIFY, BODY, format="json").status_code == 200

    later = key_check.time.monotonic() + key_check.CACHE_SECONDS + 1
    monkeypatch.setattr(key_check.time, "monotonic", lambda: later)

    assert_problem(partner_client.post(VERIFY, BODY, format="json"), 401, "not_authenticated")


def test_a_revocation_fails_and_changes_nothing_while_the_cache_cannot_be_told(issued, settings):
    settings.CACHES = UNREACHABLE_REDIS

    with pytest.raises(ServiceUnavailableError):
        partner_key_revoke(name="Acme Payments")

    assert PartnerKey.objects.get(pk=issued[0].pk).revoked is False


def test_a_key_is_refused_with_service_unavailable_while_the_cache_cannot_be_reached(partner_client, settings):
    assert partner_client.post(VERIFY, BODY, format="json").status_code == 200
    settings.CACHES = UNREACHABLE_REDIS

    assert_problem(partner_client.post(VERIFY, BODY, format="json"), 503, "service_unavailable")
