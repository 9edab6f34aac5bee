"""
Staff writes to customers under real concurrency: simultaneous requests against gunicorn with three
worker processes sharing PostgreSQL and Redis, with the production settings and password hasher.
The last active admin survives two admins removing each other at once, and of two writes that carry
the same If-Match exactly one applies.

Two requests sent at the same moment do not always overlap inside the database: when one commits
before the other has authenticated, the second is simply a later request (a demoted admin's token is
revoked, so it gets 401). To race the two transactions themselves, the gated tests hold a row lock
from the test until both requests are queued behind it inside their transactions, then let go.
"""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection, transaction

from accounts.models import User
from accounts.tests.factories import UserFactory, api_login
from audit.models import AuditEvent

CUSTOMERS = "/api/v1/customers"
ROUNDS = 5
REMOVALS = [{"role": "customer"}, {"role": "auditor"}, {"status": "frozen"}, {"status": "closed"}]

pytestmark = [pytest.mark.live_server, pytest.mark.usefixtures("production_hashers")]

Patch = tuple[str, dict, dict]  # path, body, headers


def _send(server_url: str, patch: Patch, barrier: threading.Barrier | None = None) -> requests.Response:
    path, body, headers = patch
    if barrier is not None:
        barrier.wait()
    return requests.patch(server_url + path, json=body, headers=headers, timeout=120)


def _patch_at_once(server_url: str, patches: list[Patch]) -> list[requests.Response]:
    """Send every PATCH at once: each thread waits at a barrier, then sends."""
    barrier = threading.Barrier(len(patches))
    with ThreadPoolExecutor(max_workers=len(patches)) as pool:
        return list(pool.map(lambda patch: _send(server_url, patch, barrier), patches))


def _requests_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # pg_stat_activity is snapshotted per transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _patch_together_behind_a_lock(server_url: str, patches: list[Patch], locked: list[User]) -> list[requests.Response]:
    """
    Hold FOR UPDATE locks on `locked` rows, send every PATCH, wait (up to 15 s) until each is queued
    behind the lock inside its transaction, then release them all at once.
    """
    with ThreadPoolExecutor(max_workers=len(patches)) as pool:
        with transaction.atomic():
            list(User.objects.select_for_update().filter(pk__in=[user.pk for user in locked]))
            futures = [pool.submit(_send, server_url, patch) for patch in patches]
            deadline = time.monotonic() + 15
            while _requests_waiting_for_a_lock() < len(patches) and time.monotonic() < deadline:
                if any(future.done() for future in futures):  # one got past the lock: no race to gate
                    break
                time.sleep(0.02)
        return [future.result() for future in futures]


def _bearer(server, user) -> dict:
    tokens = api_login(server.post, user)  # the password, then (staff have MFA) the TOTP code
    return {"Authorization": f"Bearer {tokens['access']}"}


def _outcomes(responses: list[requests.Response]) -> Counter:
    return Counter((r.status_code, r.json().get("code")) for r in responses)


def _two_fresh_admins(server) -> tuple[User, dict, User, dict]:
    """Make the two new admins the only ones, each logged in through the live server."""
    User.objects.filter(role="admin").update(role="customer")
    first, second = UserFactory(role="admin"), UserFactory(role="admin")
    return first, _bearer(server, first), second, _bearer(server, second)


def _mutual_removal(first: User, first_headers: dict, second: User, second_headers: dict, change: dict) -> list:
    return [
        (f"{CUSTOMERS}/{second.account_number}", change, first_headers),
        (f"{CUSTOMERS}/{first.account_number}", change, second_headers),
    ]


@pytest.mark.parametrize("change", REMOVALS, ids=lambda change: "-".join(f"{k}={v}" for k, v in change.items()))
def test_two_admins_removing_each_other_inside_overlapping_transactions_leave_one_active_admin(
    live_server_factory, change
):
    server = live_server_factory(workers=3, RATE_LOGIN="1000/m")
    for _ in range(ROUNDS):
        first, first_headers, second, second_headers = _two_fresh_admins(server)
        patches = _mutual_removal(first, first_headers, second, second_headers, change)

        responses = _patch_together_behind_a_lock(server.url, patches, locked=[first, second])

        assert _outcomes(responses) == {(200, None): 1, (409, "conflict"): 1}, [r.text for r in responses]
        assert list(User.objects.filter(role="admin", status="active")) in ([first], [second])
        [winner] = [r for r in responses if r.status_code == 200]
        [(field, value)] = change.items()
        assert winner.json()[field] == value


def test_two_admins_demoting_each_other_at_the_same_moment_leave_one_active_admin(live_server_factory):
    server = live_server_factory(workers=3, RATE_LOGIN="1000/m")
    for _ in range(ROUNDS):
        first, first_headers, second, second_headers = _two_fresh_admins(server)
        patches = _mutual_removal(first, first_headers, second, second_headers, {"role": "customer"})

        responses = _patch_at_once(server.url, patches)

        # The loser is refused: 409 if it reached the guard, 401 if the winner had already
        # committed (and so revoked its token) before it authenticated.
        outcomes = _outcomes(responses)
        assert outcomes[(200, None)] == 1, [r.text for r in responses]
        assert outcomes[(409, "conflict")] + outcomes[(401, "not_authenticated")] == 1, [r.text for r in responses]
        assert list(User.objects.filter(role="admin", status="active")) in ([first], [second])


def test_two_writes_with_the_same_if_match_inside_overlapping_transactions_apply_exactly_once(live_server_factory):
    server = live_server_factory(workers=3, RATE_LOGIN="1000/m")
    headers = _bearer(server, UserFactory(role="admin"))
    target = UserFactory(first_name="Ada")
    url = f"{CUSTOMERS}/{target.account_number}"
    for round_number in range(ROUNDS):
        etag = server.get(url, headers=headers).headers["ETag"]
        names = [f"Grace{'x' * round_number}", f"Emmy{'x' * round_number}"]
        patches = [(url, {"first_name": name}, {**headers, "If-Match": etag}) for name in names]

        responses = _patch_together_behind_a_lock(server.url, patches, locked=[target])

        assert _outcomes(responses) == {(200, None): 1, (412, "precondition_failed"): 1}, [r.text for r in responses]
        [winner] = [r for r in responses if r.status_code == 200]
        target.refresh_from_db()
        assert target.first_name == winner.json()["first_name"]
        assert winner.headers["ETag"] == server.get(url, headers=headers).headers["ETag"] != etag
    assert AuditEvent.objects.filter(action="customer_updated", target=target).count() == ROUNDS


def test_two_writes_with_the_same_if_match_at_the_same_moment_apply_exactly_once(live_server_factory):
    server = live_server_factory(workers=3, RATE_LOGIN="1000/m")
    headers = _bearer(server, UserFactory(role="admin"))
    target = UserFactory(first_name="Ada")
    url = f"{CUSTOMERS}/{target.account_number}"
    for round_number in range(ROUNDS):
        etag = server.get(url, headers=headers).headers["ETag"]
        names = [f"Grace{'x' * round_number}", f"Emmy{'x' * round_number}"]

        responses = _patch_at_once(server.url, [(url, {"first_name": n}, {**headers, "If-Match": etag}) for n in names])

        assert _outcomes(responses) == {(200, None): 1, (412, "precondition_failed"): 1}, [r.text for r in responses]
        [winner] = [r for r in responses if r.status_code == 200]
        target.refresh_from_db()
        assert target.first_name == winner.json()["first_name"]
