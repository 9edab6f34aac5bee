"""
GET /api/v1/audit-events: the audit trail for admins and auditors, read-only, cursor-paginated
newest first, filterable by actor, target account number, action and a half-open time range.
"""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent, Outcome
from conftest import assert_problem, login

AUDIT = "/api/v1/audit-events"
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
EVENT_KEYS = {"id", "occurred_at", "actor", "action", "target", "outcome", "ip", "request_id", "changes"}
LIST_QUERIES = 1  # the page itself (force_authenticate skips the token's user lookup)

pytestmark = pytest.mark.django_db


def make_event(
    *,
    at: datetime = T0,
    action: str = Action.LOGIN_FAILED,
    actor=None,
    actor_label: str | None = None,
    target=None,
    target_label: str | None = None,
    **fields,
) -> AuditEvent:
    return AuditEvent.objects.create(
        occurred_at=at,
        action=action,
        actor=actor,
        actor_label=actor_label if actor_label is not None else (actor.account_number if actor else ""),
        target=target,
        target_label=target_label if target_label is not None else (target.account_number if target else ""),
        **fields,
    )


def make_events(count: int, *, start: datetime = T0) -> list[AuditEvent]:
    """`count` events one second apart, oldest first."""
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            occurred_at=start + timedelta(seconds=n),
            action=Action.LOGIN_FAILED,
            target_label=f"probe{n}@example.com",
            outcome=Outcome.FAILURE,
        )
        for n in range(count)
    )


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [event["id"] for event in response.json()["results"]]


def newest_first(events: list[AuditEvent]) -> list[int]:
    return [event.id for event in sorted(events, key=lambda e: (e.occurred_at, e.id), reverse=True)]


# Who may read ------------------------------------------------------------------------------------


def test_admin_may_list(quiet_admin_client):
    assert quiet_admin_client.get(AUDIT).status_code == 200


def test_auditor_may_list(quiet_auditor_client):
    assert quiet_auditor_client.get(AUDIT).status_code == 200


def test_customer_is_refused(auth_client):
    assert_problem(auth_client.get(AUDIT), 403, "permission_denied")


def test_unauthenticated_is_refused(api_client):
    assert_problem(api_client.get(AUDIT), 401, "not_authenticated")


def test_a_real_bearer_token_of_an_auditor_is_accepted(api_client, auditor):
    tokens = login(api_client, auditor)

    response = api_client.get(AUDIT, HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    assert response.status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_admin_may_not_write_the_list(quiet_admin_client, method):
    response = getattr(quiet_admin_client, method)(AUDIT, {}, format="json")

    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_auditor_may_not_write_the_list(quiet_auditor_client, method):
    response = getattr(quiet_auditor_client, method)(AUDIT, {}, format="json")

    assert_problem(response, 403, "permission_denied")


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_there_is_no_event_detail_to_read_or_change(quiet_admin_client, method):
    event = make_event()

    response = getattr(quiet_admin_client, method)(f"{AUDIT}/{event.id}")

    assert_problem(response, 404, "not_found")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_write_attempt_leaves_the_trail_unchanged(quiet_admin_client):
    make_events(3)

    quiet_admin_client.post(AUDIT, {"action": "register"}, format="json")
    quiet_admin_client.delete(AUDIT)

    assert AuditEvent.objects.count() == 3


# Representation ----------------------------------------------------------------------------------


def test_event_representation_is_exact(quiet_admin_client, admin_user, customer):
    event = make_event(
        at=datetime(2024, 3, 1, 12, 0, 5, 250000, tzinfo=UTC),
        action=Action.CUSTOMER_UPDATED,
        actor=admin_user,
        target=customer,
        outcome=Outcome.SUCCESS,
        ip="203.0.113.9",
        request_id="req-42",
        changes={"last_name": {"before": "Lovelace", "after": "Byron"}},
    )

    response = quiet_admin_client.get(AUDIT)

    assert response.json()["results"] == [
        {
            "id": event.id,
            "occurred_at": "2024-03-01T12:00:05.250000Z",
            "actor": admin_user.account_number,
            "action": "customer_updated",
            "target": customer.account_number,
            "outcome": "success",
            "ip": "203.0.113.9",
            "request_id": "req-42",
            "changes": {"last_name": {"before": "Lovelace", "after": "Byron"}},
        }
    ]


def test_anonymous_actor_and_missing_ip_are_null(quiet_admin_client):
    make_event(target_label="ghost@example.com", outcome=Outcome.FAILURE)

    event = quiet_admin_client.get(AUDIT).json()["results"][0]

    assert event["actor"] is None
    assert event["ip"] is None
    assert event["target"] == "ghost@example.com"
    assert event["outcome"] == "failure"
    assert event["changes"] == {}


def test_an_event_written_by_a_request_shows_its_request_id_and_ip(quiet_admin_client, api_client):
    registered = api_client.post(
        "/api/v1/auth/register",
        {
            "email": "ada@example.com",
            "password": "quiet meadow lantern river",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "phone": "+447700900123",
            "date_of_birth": "1990-12-10",
        },
        format="json",
        HTTP_X_REQUEST_ID="reg-7",
    )

    event = quiet_admin_client.get(AUDIT, {"action": "register"}).json()["results"][0]

    assert set(event) == EVENT_KEYS
    assert event["actor"] == event["target"] == registered.json()["account_number"]
    assert event["request_id"] == "reg-7"
    assert event["ip"] == "127.0.0.1"
    assert RFC3339_UTC.match(event["occurred_at"])


def test_the_system_actor_is_shown_as_system(quiet_admin_client, customer):
    make_event(action=Action.UNLOCK, actor_label="system", target=customer)

    assert quiet_admin_client.get(AUDIT).json()["results"][0]["actor"] == "system"


# Order and pagination ----------------------------------------------------------------------------


def test_list_is_newest_first(quiet_admin_client):
    events = make_events(5)

    assert ids(quiet_admin_client.get(AUDIT)) == newest_first(events)


def test_events_at_the_same_instant_are_ordered_by_id_newest_first(quiet_admin_client):
    events = [make_event(at=T0) for _ in range(3)]

    assert ids(quiet_admin_client.get(AUDIT)) == [e.id for e in reversed(events)]


def test_order_follows_occurred_at_not_insertion(quiet_admin_client):
    later = make_event(at=T0 + timedelta(hours=1))
    earlier = make_event(at=T0)

    assert ids(quiet_admin_client.get(AUDIT)) == [later.id, earlier.id]


def test_list_has_the_pagination_envelope(quiet_admin_client):
    make_events(2)

    body = quiet_admin_client.get(AUDIT).json()

    assert set(body) == {"results", "next", "previous"}
    assert body["next"] is None and body["previous"] is None


def test_page_size_limits_a_page_and_gives_a_next_link(quiet_admin_client):
    events = make_events(5)

    body = quiet_admin_client.get(AUDIT, {"page_size": 2}).json()

    assert [e["id"] for e in body["results"]] == newest_first(events)[:2]
    assert body["next"] is not None
    assert body["previous"] is None


def test_walking_the_pages_sees_every_event_once_in_order(quiet_admin_client):
    events = make_events(7)
    seen, url = [], f"{AUDIT}?page_size=3"
    while url:
        body = quiet_admin_client.get(url).json()
        seen += [e["id"] for e in body["results"]]
        url = body["next"]

    assert seen == newest_first(events)


def test_events_added_while_walking_do_not_shift_the_pages(quiet_admin_client):
    events = make_events(6)
    first = quiet_admin_client.get(AUDIT, {"page_size": 3}).json()
    make_events(2, start=T0 + timedelta(days=1))

    second = quiet_admin_client.get(first["next"]).json()

    assert [e["id"] for e in second["results"]] == newest_first(events)[3:]


def test_default_page_size_is_50(quiet_admin_client):
    make_events(51)

    assert len(ids(quiet_admin_client.get(AUDIT))) == 50


def test_page_size_is_capped_at_200(quiet_admin_client):
    make_events(201)

    assert len(ids(quiet_admin_client.get(AUDIT, {"page_size": 1000}))) == 200


def test_next_link_keeps_the_filters(quiet_admin_client, customer):
    for n in range(3):
        make_event(at=T0 + timedelta(seconds=n), action=Action.LOGOUT, target=customer)
    make_events(3)

    first = quiet_admin_client.get(AUDIT, {"action": "logout", "page_size": 2}).json()
    second = quiet_admin_client.get(first["next"]).json()

    assert parse_qs(urlparse(first["next"]).query)["action"] == ["logout"]
    assert [e["action"] for e in first["results"] + second["results"]] == ["logout"] * 3


def test_malformed_cursor_is_a_validation_error(quiet_admin_client):
    body = assert_problem(quiet_admin_client.get(AUDIT, {"cursor": "not-a-cursor"}), 400, "validation_error")

    assert "cursor" in body["errors"]


# Filters -----------------------------------------------------------------------------------------


@pytest.fixture
def acted(customer, admin_user) -> dict[str, AuditEvent]:
    """One event acted by the customer, one by the admin on the customer, one by the system."""
    other = UserFactory()
    return {
        "by_customer": make_event(action=Action.LOGOUT, actor=customer, target=customer),
        "by_admin": make_event(action=Action.CUSTOMER_UPDATED, actor=admin_user, target=customer),
        "by_system": make_event(action=Action.UNLOCK, actor_label="system", target=other),
        "anonymous": make_event(action=Action.LOGIN_FAILED, target=other, outcome=Outcome.FAILURE),
    }


def test_actor_filter_by_account_number(quiet_admin_client, customer, acted):
    response = quiet_admin_client.get(AUDIT, {"actor": customer.account_number})

    assert ids(response) == [acted["by_customer"].id]


def test_actor_filter_by_email_resolves_to_the_account_number(quiet_admin_client, customer, acted):
    response = quiet_admin_client.get(AUDIT, {"actor": customer.email.upper()})

    assert ids(response) == [acted["by_customer"].id]
    assert response.json()["results"][0]["actor"] == customer.account_number


def test_actor_filter_system(quiet_admin_client, acted):
    assert ids(quiet_admin_client.get(AUDIT, {"actor": "system"})) == [acted["by_system"].id]


def test_actor_filter_by_an_unknown_email_finds_nothing(quiet_admin_client, acted):
    assert ids(quiet_admin_client.get(AUDIT, {"actor": "ghost@example.com"})) == []


def test_account_number_filter_is_the_target(quiet_admin_client, customer, acted):
    response = quiet_admin_client.get(AUDIT, {"account_number": customer.account_number})

    assert ids(response) == [acted["by_admin"].id, acted["by_customer"].id]


def test_account_number_filter_must_be_twelve_digits(quiet_admin_client):
    body = assert_problem(quiet_admin_client.get(AUDIT, {"account_number": "12345"}), 400, "validation_error")

    assert "account_number" in body["errors"]


def test_action_filter(quiet_admin_client, acted):
    assert ids(quiet_admin_client.get(AUDIT, {"action": "unlock"})) == [acted["by_system"].id]


def test_unknown_action_is_a_validation_error(quiet_admin_client):
    body = assert_problem(quiet_admin_client.get(AUDIT, {"action": "drop_table"}), 400, "validation_error")

    assert "action" in body["errors"]


def test_filters_combine(quiet_admin_client, customer, admin_user, acted):
    response = quiet_admin_client.get(
        AUDIT, {"actor": admin_user.email, "account_number": customer.account_number, "action": "customer_updated"}
    )

    assert ids(response) == [acted["by_admin"].id]


@pytest.fixture
def timeline() -> list[AuditEvent]:
    """Events at T0, T0+1h and T0+2h."""
    return [make_event(at=T0 + timedelta(hours=n)) for n in range(3)]


def test_since_is_inclusive(quiet_admin_client, timeline):
    response = quiet_admin_client.get(AUDIT, {"since": "2024-03-01T13:00:00Z"})

    assert ids(response) == [timeline[2].id, timeline[1].id]


def test_until_is_exclusive(quiet_admin_client, timeline):
    response = quiet_admin_client.get(AUDIT, {"until": "2024-03-01T13:00:00Z"})

    assert ids(response) == [timeline[0].id]


def test_since_and_until_bound_a_half_open_range(quiet_admin_client, timeline):
    response = quiet_admin_client.get(AUDIT, {"since": "2024-03-01T13:00:00Z", "until": "2024-03-01T14:00:00Z"})

    assert ids(response) == [timeline[1].id]


def test_time_bounds_honour_the_utc_offset(quiet_admin_client, timeline):
    response = quiet_admin_client.get(AUDIT, {"since": "2024-03-01T14:00:00+01:00"})

    assert ids(response) == [timeline[2].id, timeline[1].id]


@pytest.mark.parametrize("field", ["since", "until"])
@pytest.mark.parametrize("value", ["yesterday", "2024-13-01T00:00:00Z", "2024-03-01T25:00:00Z"])
def test_malformed_time_is_a_validation_error(quiet_admin_client, field, value):
    body = assert_problem(quiet_admin_client.get(AUDIT, {field: value}), 400, "validation_error")

    assert field in body["errors"]


@pytest.mark.parametrize("until", ["2024-03-01T12:00:00Z", "2024-03-01T11:59:59Z"])
def test_since_not_before_until_is_a_validation_error(quiet_admin_client, until):
    body = assert_problem(
        quiet_admin_client.get(AUDIT, {"since": "2024-03-01T12:00:00Z", "until": until}), 400, "validation_error"
    )

    assert "until" in body["errors"]


# Query counts ------------------------------------------------------------------------------------


def _list_queries(client, count: int) -> int:
    AuditEvent.objects.bulk_create(
        AuditEvent(occurred_at=T0 + timedelta(seconds=n), action=Action.LOGOUT, actor_label="400000000002")
        for n in range(count)
    )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(AUDIT, {"page_size": 200})
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_is_pinned(quiet_admin_client, django_assert_max_num_queries):
    make_events(100)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = quiet_admin_client.get(AUDIT, {"page_size": 200})

    assert len(response.json()["results"]) == 100


def test_list_query_count_does_not_grow_with_events(quiet_admin_client):
    with_ten = _list_queries(quiet_admin_client, 10)
    with_hundred = _list_queries(quiet_admin_client, 90)  # 90 more: 100 in all

    assert with_ten == with_hundred


def test_filtered_by_email_query_count_is_pinned(quiet_admin_client, customer, django_assert_max_num_queries):
    for n in range(20):
        make_event(at=T0 + timedelta(seconds=n), action=Action.LOGOUT, actor=customer, target=customer)

    with django_assert_max_num_queries(LIST_QUERIES + 1):  # one to resolve the email
        response = quiet_admin_client.get(AUDIT, {"actor": customer.email, "page_size": 200})

    assert len(response.json()["results"]) == 20
