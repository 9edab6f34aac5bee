"""
The lockout, the rate limits and token rotation under real concurrency: bursts of simultaneous
requests against gunicorn with three worker processes sharing PostgreSQL and Redis, with the
production settings and password hasher.
"""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from axes.models import AccessAttempt
from django.conf import settings

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import wait_for_fresh_rate_window

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/token/refresh"
PROFILE = "/api/v1/profile"
pytestmark = [pytest.mark.live_server, pytest.mark.usefixtures("production_hashers")]


def _burst(url: str, bodies: list[dict], headers: list[dict] | None = None) -> list[requests.Response]:
    """Send every body at once: each thread waits at a barrier, then posts."""
    barrier = threading.Barrier(len(bodies))
    headers = headers or [{}] * len(bodies)

    def send(index: int) -> requests.Response:
        barrier.wait()
        return requests.post(url, json=bodies[index], headers=headers[index], timeout=120)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, range(len(bodies))))


def _outcomes(responses: list[requests.Response]) -> Counter:
    return Counter((r.status_code, r.json().get("code")) for r in responses)


def test_thirty_simultaneous_wrong_passwords_check_at_most_the_limit(live_server_factory):
    customer = UserFactory()
    server = live_server_factory(workers=3, RATE_LOGIN="1000/m")
    bodies = [
        {"email": customer.email, "password": f"wrong password {n}"}
        if n % 2
        else {"account_number": customer.account_number, "password": f"wrong password {n}"}
        for n in range(30)
    ]

    outcomes = _outcomes(_burst(server.url + LOGIN, bodies))

    assert outcomes == {
        (401, "invalid_credentials"): settings.LOCKOUT_FAILURES,
        (429, "account_locked"): 30 - settings.LOCKOUT_FAILURES,
    }
    right_password = server.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD})
    assert right_password.status_code == 429
    assert right_password.json()["code"] == "account_locked"
    assert int(right_password.headers["Retry-After"]) > 0
    assert AccessAttempt.objects.get().failures_since_start == settings.LOCKOUT_FAILURES


def test_simultaneous_attempts_on_an_unknown_email_lock_it_the_same_way(live_server_factory):
    server = live_server_factory(workers=3, RATE_LOGIN="1000/m")
    bodies = [{"email": "ghost@example.com", "password": f"guess number {n}"} for n in range(20)]

    outcomes = _outcomes(_burst(server.url + LOGIN, bodies))

    assert outcomes == {
        (401, "invalid_credentials"): settings.LOCKOUT_FAILURES,
        (429, "account_locked"): 20 - settings.LOCKOUT_FAILURES,
    }


def test_forty_simultaneous_logins_from_one_ip_admit_exactly_the_limit(live_server_factory):
    server = live_server_factory(workers=3, RATE_LOGIN="10/m")
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)
    bodies = [{"email": f"visitor{n}@example.com", "password": "some wrong password"} for n in range(40)]

    outcomes = _outcomes(_burst(server.url + LOGIN, bodies))

    assert outcomes == {(401, "invalid_credentials"): 10, (429, "rate_limited"): 30}


def test_forged_forwarded_for_shares_one_bucket_without_trusted_proxies(live_server_factory):
    server = live_server_factory(workers=3, RATE_LOGIN="10/m", TRUSTED_PROXY_COUNT="0")
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)
    bodies = [{"email": f"visitor{n}@example.com", "password": "some wrong password"} for n in range(20)]
    headers = [{"X-Forwarded-For": f"203.0.113.{n}"} for n in range(20)]

    outcomes = _outcomes(_burst(server.url + LOGIN, bodies, headers))

    assert outcomes == {(401, "invalid_credentials"): 10, (429, "rate_limited"): 10}


def test_forwarded_for_appended_by_a_trusted_proxy_gives_each_client_a_bucket(live_server_factory):
    server = live_server_factory(workers=3, RATE_LOGIN="10/m", TRUSTED_PROXY_COUNT="1")
    clients = [f"203.0.113.{n}" for n in range(4)]
    for client in clients:
        wait_for_fresh_rate_window(f"ip:{client}", 60)
    bodies = [{"email": f"visitor{n}@example.com", "password": "some wrong password"} for n in range(20)]
    # Each client forges a different prefix; the proxy appends the address it saw last.
    headers = [{"X-Forwarded-For": f"198.51.100.{n}, {clients[n % 4]}"} for n in range(20)]

    outcomes = _outcomes(_burst(server.url + LOGIN, bodies, headers))

    assert outcomes == {(401, "invalid_credentials"): 20}


def test_forwarded_for_from_a_peer_that_is_not_a_trusted_proxy_shares_its_bucket(live_server_factory):
    # A proxy is configured, but these clients reach the instance directly from 127.0.0.1, which is
    # not in the trusted networks: whatever X-Forwarded-For they send, they share one bucket.
    server = live_server_factory(
        workers=3, RATE_LOGIN="10/m", TRUSTED_PROXY_COUNT="1", TRUSTED_PROXY_NETWORKS="10.0.0.0/8"
    )
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)
    bodies = [{"email": f"visitor{n}@example.com", "password": "some wrong password"} for n in range(20)]
    headers = [{"X-Forwarded-For": f"203.0.113.{n}"} for n in range(20)]

    outcomes = _outcomes(_burst(server.url + LOGIN, bodies, headers))

    assert outcomes == {(401, "invalid_credentials"): 10, (429, "rate_limited"): 10}


def test_one_refresh_token_used_simultaneously_rotates_exactly_once(live_server_factory):
    customer = UserFactory()
    server = live_server_factory(workers=3, RATE_LOGIN="1000/m")
    tokens = server.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD}).json()

    responses = _burst(server.url + REFRESH, [{"refresh": tokens["refresh"]}] * 12)

    assert Counter(r.status_code for r in responses) == {200: 1, 401: 11}


def test_the_losers_of_a_refresh_race_leave_the_winners_pair_working(live_server_factory):
    from audit.models import Action, AuditEvent

    customer = UserFactory()
    server = live_server_factory(workers=3, RATE_LOGIN="1000/m")
    tokens = server.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD}).json()

    responses = _burst(server.url + REFRESH, [{"refresh": tokens["refresh"]}] * 12)

    (winner,) = [r.json() for r in responses if r.status_code == 200]
    assert server.get(PROFILE, headers={"Authorization": f"Bearer {winner['access']}"}).status_code == 200
    assert server.post(REFRESH, {"refresh": winner["refresh"]}).status_code == 200
    assert not AuditEvent.objects.filter(action__in=[Action.TOKEN_REUSE_DETECTED, Action.TOKEN_REVOKED]).exists()


def test_a_replay_after_the_race_window_revokes_the_family_and_is_audited(live_server_factory):
    from audit.models import Action, AuditEvent

    customer = UserFactory()
    server = live_server_factory(workers=3, RATE_LOGIN="1000/m", JWT_REFRESH_RACE_SECONDS="1")
    tokens = server.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD}).json()
    winner = server.post(REFRESH, {"refresh": tokens["refresh"]}).json()
    time.sleep(1.5)

    replay = server.post(REFRESH, {"refresh": tokens["refresh"]})

    assert replay.status_code == 401
    assert server.get(PROFILE, headers={"Authorization": f"Bearer {winner['access']}"}).status_code == 401
    assert server.post(REFRESH, {"refresh": winner["refresh"]}).status_code == 401
    assert (
        AuditEvent.objects.filter(action=Action.TOKEN_REUSE_DETECTED, target_label=customer.account_number).count() == 1
    )


def test_simultaneous_registrations_of_one_email_create_exactly_one_customer(live_server_factory):
    from accounts.models import User

    server = live_server_factory(workers=3, RATE_REGISTER="1000/h")
    body = {
        "email": "Twin@Example.com",
        "password": DEFAULT_PASSWORD,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+447700900123",
        "date_of_birth": "1990-12-10",
    }
    bodies = [{**body, "email": body["email"].swapcase() if n % 2 else body["email"]} for n in range(10)]

    outcomes = _outcomes(_burst(server.url + "/api/v1/auth/register", bodies))

    assert outcomes == {(201, None): 1, (409, "conflict"): 9}
    assert User.objects.filter(email__iexact="twin@example.com").count() == 1
