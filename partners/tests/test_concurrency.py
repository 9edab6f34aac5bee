"""
The per-key rate limit (RATE_PARTNER) is exact under real concurrency: simultaneous calls with one
key, on gunicorn with three worker processes sharing PostgreSQL and Redis, admit exactly the limit;
another key has a bucket of its own.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from conftest import wait_for_fresh_rate_window
from partners.authentication import partner_rate_key
from partners.services import partner_key_create
from partners.tests.conftest import VERIFY

pytestmark = pytest.mark.live_server


def _burst(url: str, body: dict, headers: dict, count: int) -> list[requests.Response]:
    """Send `count` copies of one call at once: each thread waits at a barrier, then posts."""
    barrier = threading.Barrier(count)

    def send(_: int) -> requests.Response:
        barrier.wait()
        return requests.post(url, json=body, headers=headers, timeout=120)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(send, range(count)))


def test_twenty_simultaneous_calls_with_one_key_admit_exactly_the_limit(live_server_factory):
    customer = UserFactory(first_name="Ada", last_name="Lovelace")
    partner_key, key = partner_key_create(name="Acme Payments")
    _, other_key = partner_key_create(name="Other Bank")
    server = live_server_factory(workers=3, RATE_PARTNER="10/m")
    body = {"account_number": customer.account_number, "name": "Ada Lovelace"}
    wait_for_fresh_rate_window(partner_rate_key(partner_key), 60)

    responses = _burst(server.url + VERIFY, body, {"Authorization": f"Api-Key {key}"}, 20)

    outcomes = Counter((r.status_code, r.json().get("result") or r.json().get("code")) for r in responses)
    assert outcomes == {(200, "match"): 10, (429, "rate_limited"): 10}
    assert all(int(r.headers["Retry-After"]) > 0 for r in responses if r.status_code == 429)
    assert AuditEvent.objects.filter(action=Action.PARTNER_KEY_USED, actor_label="Acme Payments").count() == 10
    other = server.post(VERIFY, body, headers={"Authorization": f"Api-Key {other_key}"})
    assert other.status_code == 200
