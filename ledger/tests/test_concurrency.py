"""
Money under real concurrency: gunicorn with three worker processes, simultaneous requests from many
threads, PostgreSQL and Redis as in production. Transfers in both directions among the same accounts
neither deadlock nor overdraw, and one Idempotency-Key sent many times at once moves money once.
"""

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests
from django.core.management import call_command

from accounts.tokens import issue_token_pair
from conftest import assert_problem, this_runs_database_url, token_client
from ledger.models import Account, AccountKind, JournalTransaction
from ledger.selectors import ledger_discrepancies
from ledger.tests.factories import customer_with_account

TRANSFERS = "/api/v1/transfers"
CONTRACT_REFUSALS = {"insufficient_funds", "account_not_active", "invalid_destination"}


def _all_at_once(calls: list, send) -> list[requests.Response]:
    """Run `send(call)` for every call from its own thread, all released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call) -> requests.Response:
        barrier.wait()
        return send(call)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.live_server
def test_two_hundred_simultaneous_transfers_in_both_directions_keep_the_ledger_whole(live_server_factory, admin_user):
    customers = [
        customer_with_account(balance=10_000, email=f"holder{n}@example.com", teller=admin_user) for n in range(10)
    ]
    tokens = {customer.account_number: issue_token_pair(customer).access for customer in customers}
    total_before = sum(Account.objects.filter(kind=AccountKind.CUSTOMER).values_list("balance", flat=True))
    server = live_server_factory(workers=3, RATE_USER="100000/m")
    rng = random.Random(11)  # noqa: S311 - a reproducible mix, not a secret
    calls = []
    for n in range(200):
        source, destination = rng.sample(customers, 2)
        # Every fifth transfer asks for more than any account can hold by then; the rest may still
        # overdraw an account that others have emptied first.
        amount = "150.00" if n % 5 == 0 else f"{rng.randint(1, 4000) / 100:.2f}"
        calls.append((n, source.account_number, destination.account_number, amount))

    def send(call) -> requests.Response:
        n, source, destination, amount = call
        return requests.post(
            server.url + TRANSFERS,
            json={"from_account": source, "to_account": destination, "amount": amount, "reference": f"burst {n}"},
            headers={"Authorization": f"Bearer {tokens[source]}", "Idempotency-Key": f"burst-{n}"},
            timeout=120,
        )

    responses = _all_at_once(calls, send)

    outcomes = Counter(r.status_code if r.status_code == 201 else (r.status_code, r.json()["code"]) for r in responses)
    assert set(outcomes) <= {201} | {(422, code) for code in CONTRACT_REFUSALS}, outcomes
    assert outcomes[201] == JournalTransaction.objects.filter(kind="transfer").count() > 100
    assert outcomes[(422, "insufficient_funds")] >= 40  # at least the 150.00 ones
    balances = Account.objects.filter(kind=AccountKind.CUSTOMER).values_list("balance", flat=True)
    assert sum(balances) == total_before
    assert min(balances) >= 0
    assert ledger_discrepancies() == []
    call_command("verify_ledger")


@pytest.mark.live_server
def test_one_idempotency_key_sent_twenty_times_at_once_moves_money_once(live_server_factory, admin_user):
    alice = customer_with_account(balance=10_000, email="alice@example.com", teller=admin_user)
    bob = customer_with_account(email="bob@example.com", teller=admin_user)
    token = issue_token_pair(alice).access
    server = live_server_factory(workers=3, RATE_USER="100000/m")
    body = {"from_account": alice.account_number, "to_account": bob.account_number, "amount": "12.34", "reference": ""}

    responses = _all_at_once(
        list(range(20)),
        lambda _: requests.post(
            server.url + TRANSFERS,
            json=body,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "pay-bob-once"},
            timeout=120,
        ),
    )

    assert [r.status_code for r in responses] == [201] * 20
    assert len({r.content for r in responses}) == 1
    assert Counter(r.headers.get("Idempotent-Replayed") for r in responses) == {None: 1, "true": 19}
    assert JournalTransaction.objects.filter(kind="transfer").count() == 1
    assert Account.objects.get(holder=bob).balance == 1_234


def test_a_duplicate_still_waiting_after_the_wait_limit_is_a_conflict(transactional_db, admin_user, settings):
    """The first request with a key holds it (here: another connection holds its lock) for too long."""
    settings.IDEMPOTENCY_WAIT_SECONDS = 1
    alice = customer_with_account(balance=10_000, email="alice@example.com", teller=admin_user)
    bob = customer_with_account(email="bob@example.com", teller=admin_user)
    client = token_client(alice)
    body = {"from_account": alice.account_number, "to_account": bob.account_number, "amount": "1.00"}
    with psycopg.connect(this_runs_database_url(), autocommit=True) as first_request:
        lock = f"idempotency:{alice.pk}:slow-key"
        first_request.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [lock])

        response = client.post("/api/v1/transfers", body, format="json", HTTP_IDEMPOTENCY_KEY="slow-key")

    assert_problem(response, 409, "conflict")
    assert not JournalTransaction.objects.filter(kind="transfer").exists()
    retried = client.post("/api/v1/transfers", body, format="json", HTTP_IDEMPOTENCY_KEY="slow-key")
    assert retried.status_code == 201
