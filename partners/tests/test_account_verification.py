"""
Confirmation of payee (POST /api/v1/partner/account-verification): the name a payer gave against
the name on the account, tolerant of how people type names and telling nothing else.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from conftest import assert_problem, assert_validation_error
from partners.tests.conftest import VERIFY


def verify(client, account_number: str, name: str, **extra):
    return client.post(VERIFY, {"account_number": account_number, "name": name, **extra}, format="json")


@pytest.mark.parametrize(
    ("on_record", "typed", "result"),
    [
        (("Ada", "Lovelace"), "Ada Lovelace", "match"),
        (("Ada", "Lovelace"), "ADA lovelace", "match"),
        (("Ada", "Lovelace"), "  Ada    Lovelace ", "match"),
        (("Zoë", "Müller-Lüdenscheidt"), "Zoe Muller-Ludenscheidt", "match"),
        (("Zoë", "Müller-Lüdenscheidt"), "zoe muller ludenscheidt", "match"),
        (("José", "Álvarez"), "JOSE ALVAREZ", "match"),
        (("Siobhán", "O'Brien"), "Siobhan OBrien", "match"),
        (("Ada Mary", "Lovelace"), "Ada Lovelace", "close_match"),
        (("Ada", "Lovelace"), "Ada Mary Lovelace", "close_match"),
        (("Ada Mary", "Lovelace"), "ada m. lovelace", "close_match"),
        (("Ada Mary", "Lovelace"), "Ada Jane Lovelace", "no_match"),
        (("Ada", "Lovelace"), "Ada Byron", "no_match"),
        (("Ada", "Lovelace"), "Lovelace Ada", "no_match"),
        (("Ada", "Lovelace"), "Ada", "no_match"),
        (("Ada", "Lovelace"), "Charles Babbage", "no_match"),
        (("Ada", "Lovelace"), "   ", "no_match"),
    ],
)
def test_a_name_matches_whatever_its_case_accents_spacing_and_middle_names(partner_client, on_record, typed, result):
    customer = UserFactory(first_name=on_record[0], last_name=on_record[1])

    response = verify(partner_client, customer.account_number, typed)

    assert response.status_code == 200, response.content
    assert response.json() == {"result": result}


def test_the_answer_reveals_nothing_else_about_the_customer(partner_client):
    customer = UserFactory(first_name="Ada", last_name="Lovelace", email="ada@example.com")

    body = verify(partner_client, customer.account_number, "Ada Lovelace").json()

    assert body == {"result": "match"}


@pytest.mark.django_db
def test_a_closed_account_is_no_match_even_with_the_right_name(partner_client):
    customer = UserFactory(first_name="Ada", last_name="Lovelace", status="closed")

    assert verify(partner_client, customer.account_number, "Ada Lovelace").json() == {"result": "no_match"}


def test_a_frozen_account_still_matches_as_it_can_still_be_paid(partner_client):
    customer = UserFactory(first_name="Ada", last_name="Lovelace", status="frozen")

    assert verify(partner_client, customer.account_number, "Ada Lovelace").json() == {"result": "match"}


def test_an_unknown_account_is_no_match(partner_client):
    assert verify(partner_client, "400000000001", "Ada Lovelace").json() == {"result": "no_match"}


def test_a_staff_members_number_is_no_match(partner_client):
    admin = UserFactory(role="admin", first_name="Ada", last_name="Lovelace")

    assert verify(partner_client, admin.account_number, "Ada Lovelace").json() == {"result": "no_match"}


def test_unknown_and_known_accounts_cost_the_same_statements(partner_client, issued):
    """No timing or query difference tells a customer's number from a number nobody has."""
    customer = UserFactory(first_name="Ada", last_name="Lovelace")
    verify(partner_client, customer.account_number, "Ada Lovelace")  # warm up: first-request work
    counts = []
    for number in (customer.account_number, "400000000001"):
        with CaptureQueriesContext(connection) as queries:
            assert verify(partner_client, number, "Someone Else").status_code == 200
        counts.append([query["sql"].split()[0] for query in queries.captured_queries])

    assert counts[0] == counts[1]


def test_each_call_is_audited_with_the_keys_name_and_no_secret(partner_client, issued):
    partner_key, key = issued
    customer = UserFactory(first_name="Ada", last_name="Lovelace")

    verify(partner_client, customer.account_number, "Ada Lovelace")
    verify(partner_client, "400000000001", "Ada Lovelace")

    first, second = AuditEvent.objects.filter(action=Action.PARTNER_KEY_USED).order_by("id")
    # The customer by account number only: no lock on their row (audit_record_of_a_lookup).
    assert (first.actor_label, first.target_id, first.target_label, first.outcome) == (
        "Acme Payments",
        None,
        customer.account_number,
        "success",
    )
    assert (second.actor_label, second.target_id, second.target_label) == ("Acme Payments", None, "")
    for event in (first, second):
        assert event.actor_id is None
        stored = repr(vars(event))
        assert key not in stored
        assert partner_key.hashed_key not in stored
        assert key.partition(".")[2] not in stored


def test_the_audit_trail_api_shows_the_keys_name_as_actor(partner_client, quiet_admin_client):
    customer = UserFactory(first_name="Ada", last_name="Lovelace")
    verify(partner_client, customer.account_number, "Ada Lovelace")

    events = quiet_admin_client.get("/api/v1/audit-events", {"action": "partner_key_used"}).json()["results"]

    assert [(event["actor"], event["target"]) for event in events] == [("Acme Payments", customer.account_number)]


def test_unknown_fields_are_refused(partner_client):
    customer = UserFactory()

    response = verify(partner_client, customer.account_number, "Ada Lovelace", email="ada@example.com")

    assert_validation_error(response, "email")
    assert not AuditEvent.objects.filter(action=Action.PARTNER_KEY_USED).exists()


@pytest.mark.parametrize("account_number", ["12345", "4000123456789", "40001234567a", " 400012345678"])
def test_a_malformed_account_number_is_refused(partner_client, account_number):
    assert_validation_error(verify(partner_client, account_number, "Ada Lovelace"), "account_number")


def test_missing_fields_are_refused_together(partner_client):
    response = partner_client.post(VERIFY, {}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert set(body["errors"]) == {"account_number", "name"}


def test_only_post_is_allowed(partner_client):
    response = partner_client.get(VERIFY)

    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "POST, OPTIONS"
