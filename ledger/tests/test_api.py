"""
The money endpoints as a client sees them (API.md, Accounts and money movement): who may see and
move what, the exact bodies, every refusal with its code, and idempotency keys.
"""

import csv
import io
import itertools

import pytest

from accounts.tests.factories import UserFactory
from conftest import assert_problem, assert_validation_error, token_client
from ledger.models import JournalTransaction
from ledger.tests.factories import balance_of, customer_with_account

pytestmark = pytest.mark.django_db
TRANSFERS = "/api/v1/transfers"
_keys = itertools.count()


def account_url(user, tail: str = "") -> str:
    return f"/api/v1/accounts/{user.account_number}{tail}"


def post_money(client, url: str, body: dict | None = None, *, key: str | None = None):
    """A money-moving POST with a fresh Idempotency-Key unless one is given."""
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key or f"test-key-{next(_keys)}")


@pytest.fixture
def alice(admin_user):
    return customer_with_account(balance=10_000, email="alice@example.com", teller=admin_user)


@pytest.fixture
def bob(admin_user):
    return customer_with_account(balance=500, email="bob@example.com", teller=admin_user)


@pytest.fixture
def alice_client(alice):
    return token_client(alice)


def transfer_body(source, destination, amount: str = "12.34", **overrides) -> dict:
    return {
        "from_account": source.account_number,
        "to_account": destination.account_number,
        "amount": amount,
        "reference": "Invoice 42",
        **overrides,
    }


# Reading accounts and statements ------------------------------------------------------------------


def test_a_customer_reads_their_own_account(alice, alice_client):
    response = alice_client.get(account_url(alice))

    assert response.status_code == 200
    assert response.json() == {
        "account_number": alice.account_number,
        "currency": "EUR",
        "balance": "100.00",
        "status": "active",
    }


def test_staff_read_any_account(alice, admin_client, auditor_client):
    for client in (admin_client, auditor_client):
        assert client.get(account_url(alice)).json()["balance"] == "100.00"


def test_another_customers_account_and_its_statement_are_not_found(alice, bob):
    bob_client = token_client(bob)

    assert_problem(bob_client.get(account_url(alice)), 404, "not_found")
    assert_problem(bob_client.get(account_url(alice, "/transactions")), 404, "not_found")


@pytest.mark.parametrize("number", ["400000000001", "12345", "40000000000x"])
def test_an_unknown_or_malformed_account_number_is_not_found(admin_client, number):
    assert_problem(admin_client.get(f"/api/v1/accounts/{number}"), 404, "not_found")


def test_reading_an_account_needs_a_token(alice, api_client):
    assert_problem(api_client.get(account_url(alice)), 401, "not_authenticated")


def test_registration_opens_an_empty_current_account(api_client):
    from accounts.tests.factories import registration_body

    registered = api_client.post("/api/v1/auth/register", registration_body(), format="json").json()
    tokens = api_client.post(
        "/api/v1/auth/login", {"email": "ada@example.com", "password": registration_body()["password"]}, format="json"
    ).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    account = api_client.get(f"/api/v1/accounts/{registered['account_number']}").json()

    assert (account["balance"], account["currency"]) == ("0.00", "EUR")


def test_a_statement_lists_entries_newest_first_with_signed_amounts_and_running_balances(alice, bob, alice_client):
    post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "12.34"))

    lines = alice_client.get(account_url(alice, "/transactions")).json()

    assert lines["next"] is None and lines["previous"] is None
    transfer, deposit = lines["results"]
    assert {key: transfer[key] for key in transfer if key not in ("id", "occurred_at")} == {
        "kind": "transfer_out",
        "amount": "-12.34",
        "balance_after": "87.66",
        "counterparty": bob.account_number,
        "reference": "Invoice 42",
    }
    assert (deposit["kind"], deposit["amount"], deposit["balance_after"], deposit["counterparty"]) == (
        "deposit",
        "100.00",
        "100.00",
        None,
    )
    bob_lines = token_client(bob).get(account_url(bob, "/transactions")).json()["results"]
    assert (bob_lines[0]["kind"], bob_lines[0]["amount"], bob_lines[0]["counterparty"]) == (
        "transfer_in",
        "12.34",
        alice.account_number,
    )
    assert bob_lines[0]["id"] == transfer["id"]


def test_a_statement_is_cursor_paginated(alice, bob, alice_client):
    for _ in range(3):
        post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "1"))

    first = alice_client.get(account_url(alice, "/transactions?page_size=2")).json()
    second = alice_client.get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 2
    assert second["next"] is None
    assert {line["id"] for line in first["results"]}.isdisjoint(line["id"] for line in second["results"])


def test_a_statement_as_csv_has_the_same_lines(alice, bob, alice_client):
    post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "12.34"))

    response = alice_client.get(account_url(alice, "/transactions?format=csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    json_lines = alice_client.get(account_url(alice, "/transactions")).json()["results"]
    assert [row["id"] for row in rows] == [line["id"] for line in json_lines]
    assert (rows[0]["kind"], rows[0]["amount"], rows[0]["counterparty"]) == (
        "transfer_out",
        "-12.34",
        bob.account_number,
    )
    assert rows[1]["counterparty"] == ""


@pytest.mark.parametrize("query", ["page_size=%24", "page_size=0", "cursor=P%C3%84", "cursor="])
def test_a_statement_as_csv_refuses_a_bad_page_size_or_cursor_as_json_does(alice, alice_client, query):
    """Found by the fuzzer: the CSV export read neither, so any value was accepted."""
    field = query.split("=")[0]

    assert_validation_error(alice_client.get(account_url(alice, f"/transactions?format=csv&{query}")), field)
    assert_validation_error(alice_client.get(account_url(alice, f"/transactions?{query}")), field)


def test_a_statement_as_csv_takes_a_valid_page_size_and_still_gives_every_line(alice, bob, alice_client):
    for amount in ("1.00", "2.00", "3.00"):
        post_money(alice_client, TRANSFERS, transfer_body(alice, bob, amount))

    response = alice_client.get(account_url(alice, "/transactions?format=csv&page_size=1"))

    assert response.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))) == 4


def test_a_statement_is_bounded_by_since_and_until(alice, alice_client):
    lines = alice_client.get(account_url(alice, "/transactions?since=2999-01-01T00:00:00Z")).json()
    assert lines["results"] == []
    lines = alice_client.get(account_url(alice, "/transactions?until=2999-01-01T00:00:00Z")).json()
    assert len(lines["results"]) == 1


def test_a_statement_refuses_an_unknown_query_parameter(alice, alice_client):
    assert_validation_error(alice_client.get(account_url(alice, "/transactions?sort=amount")), "sort")


# Transfers -------------------------------------------------------------------------------------------


def test_a_transfer_is_posted_and_answered_with_the_movement(alice, bob, alice_client):
    response = post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "25.50"))

    assert response.status_code == 201, response.content
    body = response.json()
    movement = JournalTransaction.objects.get(kind="transfer")
    assert body == {
        "id": str(movement.public_id),
        "kind": "transfer",
        "from_account": alice.account_number,
        "to_account": bob.account_number,
        "amount": "25.50",
        "currency": "EUR",
        "reference": "Invoice 42",
        "status": "posted",
        "created_at": body["created_at"],
    }
    assert (balance_of(alice), balance_of(bob)) == (7_450, 3_050)


def test_a_transfer_without_an_idempotency_key_is_refused(alice, bob, alice_client):
    response = alice_client.post(TRANSFERS, transfer_body(alice, bob), format="json")

    assert_problem(response, 400, "idempotency_key_required")
    assert not JournalTransaction.objects.filter(kind="transfer").exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_idempotency_key_is_refused(alice, bob, alice_client, key):
    response = alice_client.post(TRANSFERS, transfer_body(alice, bob), format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert_problem(response, 400, "idempotency_key_required")


@pytest.mark.parametrize(
    "amount",
    [
        "0",
        "0.00",
        "-1",
        "+1",
        "1.234",
        "1e3",
        "NaN",
        "Infinity",
        "-Infinity",
        "1000000000000",
        "1,00",
        " 1",
        "1.",
        ".5",
        "",
        12.5,
        12,
        None,
        True,
    ],
)
def test_an_amount_that_is_not_a_positive_decimal_string_is_a_validation_error(alice, bob, alice_client, amount):
    response = post_money(alice_client, TRANSFERS, transfer_body(alice, bob, amount))

    assert_validation_error(response, "amount")
    assert not JournalTransaction.objects.filter(kind="transfer").exists()


def test_the_largest_amount_is_accepted_and_refused_only_for_the_balance(alice, bob, alice_client):
    response = post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "999999999999.99"))

    assert_problem(response, 422, "insufficient_funds")


def test_a_transfer_to_the_same_account_is_a_validation_error(alice, alice_client):
    assert_validation_error(post_money(alice_client, TRANSFERS, transfer_body(alice, alice)), "to_account")


def test_a_transfer_of_more_than_the_balance_is_refused(alice, bob, alice_client):
    assert_problem(post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "100.01")), 422, "insufficient_funds")
    assert balance_of(alice) == 10_000


def test_a_transfer_to_an_unknown_or_closed_account_is_an_invalid_destination(alice, bob, alice_client):
    unknown = transfer_body(alice, bob, to_account="400000000001")
    assert_problem(post_money(alice_client, TRANSFERS, unknown), 422, "invalid_destination")
    bob.status = "closed"
    bob.save()
    assert_problem(post_money(alice_client, TRANSFERS, transfer_body(alice, bob)), 422, "invalid_destination")


def test_a_transfer_from_a_frozen_account_is_refused(alice, bob, admin_client):
    alice.status = "frozen"
    alice.save()

    assert_problem(post_money(admin_client, TRANSFERS, transfer_body(alice, bob)), 422, "account_not_active")


def test_a_customer_cannot_move_money_out_of_someone_elses_account(alice, bob):
    response = post_money(token_client(bob), TRANSFERS, transfer_body(alice, bob, "1"))

    assert_problem(response, 404, "not_found")
    assert (balance_of(alice), balance_of(bob)) == (10_000, 500)


def test_an_admin_moves_money_between_customers_and_an_auditor_cannot(alice, bob, admin_client, auditor_client):
    assert post_money(admin_client, TRANSFERS, transfer_body(alice, bob, "1")).status_code == 201
    assert_problem(post_money(auditor_client, TRANSFERS, transfer_body(alice, bob, "1")), 403, "permission_denied")


def test_a_transfer_body_with_an_unknown_field_is_refused(alice, bob, alice_client):
    response = post_money(alice_client, TRANSFERS, transfer_body(alice, bob, balance="1000000"))

    assert_validation_error(response, "balance")


# Idempotency ----------------------------------------------------------------------------------------


def test_the_same_key_and_body_replay_the_first_response_without_moving_money_again(alice, bob, alice_client):
    first = post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "10"), key="rent-2026-12")
    again = post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "10"), key="rent-2026-12")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert JournalTransaction.objects.filter(kind="transfer").count() == 1
    assert balance_of(alice) == 9_000


def test_the_same_key_with_another_body_is_refused(alice, bob, alice_client):
    post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "10"), key="rent-2026-12")

    response = post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "11"), key="rent-2026-12")

    assert_problem(response, 422, "idempotency_key_reused")
    assert balance_of(alice) == 9_000


def test_a_refusal_is_replayed_too(alice, bob, alice_client):
    first = post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "100.01"), key="too-much")
    again = post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "100.01"), key="too-much")

    assert_problem(first, 422, "insufficient_funds")
    assert_problem(again, 422, "insufficient_funds")
    assert again["Idempotent-Replayed"] == "true"


def test_keys_are_scoped_to_the_caller(alice, bob):
    assert post_money(token_client(alice), TRANSFERS, transfer_body(alice, bob, "1"), key="k").status_code == 201
    assert post_money(token_client(bob), TRANSFERS, transfer_body(bob, alice, "1"), key="k").status_code == 201


# Deposits, withdrawals, reversals -----------------------------------------------------------------------


def test_an_admin_deposits_and_withdraws_cash(alice, admin_client):
    deposit = post_money(admin_client, account_url(alice, "/deposits"), {"amount": "5.00", "reference": "Branch"})
    withdrawal = post_money(admin_client, account_url(alice, "/withdrawals"), {"amount": "20"})

    assert deposit.status_code == withdrawal.status_code == 201
    assert (deposit.json()["kind"], deposit.json()["from_account"], deposit.json()["to_account"]) == (
        "deposit",
        None,
        alice.account_number,
    )
    assert (withdrawal.json()["from_account"], withdrawal.json()["to_account"]) == (alice.account_number, None)
    assert balance_of(alice) == 8_500


def test_customers_and_auditors_cannot_deposit_or_withdraw(alice, alice_client, auditor_client):
    for client in (alice_client, auditor_client):
        for tail in ("/deposits", "/withdrawals"):
            assert_problem(post_money(client, account_url(alice, tail), {"amount": "1"}), 403, "permission_denied")


def test_a_withdrawal_of_more_than_the_balance_is_refused(bob, admin_client):
    assert_problem(
        post_money(admin_client, account_url(bob, "/withdrawals"), {"amount": "5.01"}), 422, "insufficient_funds"
    )


def test_an_admin_reverses_a_transfer_once(alice, bob, alice_client, admin_client):
    transfer = post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "10")).json()

    reversal = post_money(admin_client, f"{TRANSFERS}/{transfer['id']}/reverse")
    again = post_money(admin_client, f"{TRANSFERS}/{transfer['id']}/reverse")

    assert reversal.status_code == 201
    assert (reversal.json()["kind"], reversal.json()["from_account"]) == ("reversal", bob.account_number)
    assert_problem(again, 409, "conflict")
    assert (balance_of(alice), balance_of(bob)) == (10_000, 500)
    assert [line["kind"] for line in alice_client.get(account_url(alice, "/transactions")).json()["results"]][
        0
    ] == "reversal"


def test_a_customer_cannot_reverse_a_transfer(alice, bob, alice_client):
    transfer = post_money(alice_client, TRANSFERS, transfer_body(alice, bob, "10")).json()

    assert_problem(post_money(alice_client, f"{TRANSFERS}/{transfer['id']}/reverse"), 403, "permission_denied")


def test_reversing_an_unknown_movement_is_not_found(admin_client):
    assert_problem(
        post_money(admin_client, f"{TRANSFERS}/00000000-0000-0000-0000-000000000000/reverse"), 404, "not_found"
    )


# Closing a customer -------------------------------------------------------------------------------------


def test_a_customer_with_money_cannot_be_closed_until_it_is_paid_out(bob, admin_client):
    assert_problem(admin_client.delete(f"/api/v1/customers/{bob.account_number}"), 409, "conflict")

    post_money(admin_client, account_url(bob, "/withdrawals"), {"amount": "5.00"})

    assert admin_client.delete(f"/api/v1/customers/{bob.account_number}").status_code == 204


def test_a_member_of_staff_made_a_customer_gets_an_account(admin_client):
    staff = UserFactory(role="auditor", email="former-auditor@example.com")

    admin_client.patch(f"/api/v1/customers/{staff.account_number}", {"role": "customer"}, format="json")

    assert admin_client.get(f"/api/v1/accounts/{staff.account_number}").json()["balance"] == "0.00"
