"""
The audit trail on the admin site as staff read it: times to the second in UTC, a date drill-down
that reads no more of the trail than it shows, `changes` as an escaped before/after table, one
column per person (account number and email), a search by a customer's email or account number
that finds what they did and what was done to them, and an action filter offering only actions
that have events.
"""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent, Outcome
from audit.selectors import audit_actions_present
from bankapi.admin_site import CappedCountPaginator

AUDIT_EVENTS = f"/{settings.ADMIN_URL}audit/auditevent/"

pytestmark = pytest.mark.django_db


def event(action: str = Action.LOGOUT, **fields) -> AuditEvent:
    return AuditEvent.objects.create(action=action, **fields)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def listed(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {row.pk for row in response.context["cl"].result_list}


def page(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


# Times --------------------------------------------------------------------------------------------


LISTED_TIME = '<span class="nowrap">2026-12-02</span> <span class="nowrap">07:41:05 UTC</span>'


def test_the_list_shows_times_to_the_second_in_utc(admin_site):
    event(occurred_at=at(2026, 12, 2, 7, 41, 5))

    assert LISTED_TIME in page(admin_site.get(AUDIT_EVENTS))


def test_an_event_page_shows_its_time_to_the_second_in_utc(admin_site):
    shown = event(occurred_at=at(2026, 12, 2, 7, 41, 5))

    content = page(admin_site.get(f"{AUDIT_EVENTS}{shown.pk}/change/"))

    assert '<div class="readonly">2026-12-02 07:41:05 UTC</div>' in content
    assert "<h2>2026-12-02 07:41:05 UTC logout</h2>" in content  # the heading and breadcrumbs


def test_times_are_utc_whatever_the_time_zone_setting(admin_site, settings):
    settings.TIME_ZONE = "Europe/Paris"
    event(occurred_at=at(2026, 12, 2, 7, 41, 5))

    assert LISTED_TIME in page(admin_site.get(AUDIT_EVENTS))


# The date drill-down ------------------------------------------------------------------------------


def date_choices(response) -> list[str]:
    """The titles the date hierarchy offers (the years, months or days that have events)."""
    return [choice["title"] for choice in date_hierarchy(response.context["cl"])["choices"]]


@pytest.fixture
def spread_events() -> list[AuditEvent]:
    return [
        event(occurred_at=at(2025, 3, 9, 12)),
        event(occurred_at=at(2026, 1, 31, 23, 59, 59)),
        event(occurred_at=at(2026, 11, 2, 8)),
        event(occurred_at=at(2026, 11, 2, 9)),
        event(occurred_at=at(2026, 11, 20, 0, 0, 0)),
    ]


def test_the_list_offers_the_years_that_have_events(admin_site, spread_events):
    response = admin_site.get(AUDIT_EVENTS)

    assert response.context["cl"].date_hierarchy == "occurred_at"
    assert "occurred_at__year=2025" in page(response)
    # Today's login by the admin (force_login is audited) adds today's year.
    assert {"2025", "2026"} <= set(date_choices(response))
    assert "2024" not in date_choices(response)


def test_a_year_offers_the_months_that_have_events(admin_site, spread_events):
    response = admin_site.get(AUDIT_EVENTS, {"occurred_at__year": "2026"})

    assert {"January 2026", "November 2026"} <= set(date_choices(response))
    assert "February 2026" not in date_choices(response)
    assert {spread_events[1].pk, spread_events[2].pk} <= listed(response)
    assert spread_events[0].pk not in listed(response)


def test_a_month_offers_the_days_that_have_events(admin_site, spread_events):
    response = admin_site.get(AUDIT_EVENTS, {"occurred_at__year": "2026", "occurred_at__month": "11"})

    assert date_choices(response) == ["November 2", "November 20"]
    assert listed(response) == {spread_events[2].pk, spread_events[3].pk, spread_events[4].pk}


def test_the_date_drill_down_respects_the_other_filters(admin_site, spread_events):
    event(Action.LOGIN_FAILED, occurred_at=at(2026, 11, 5), outcome=Outcome.FAILURE)

    response = admin_site.get(
        AUDIT_EVENTS, {"occurred_at__year": "2026", "occurred_at__month": "11", "action__exact": "login_failed"}
    )

    assert date_choices(response) == ["November 5"]


@pytest.mark.parametrize(
    "params",
    [{}, {"occurred_at__year": "2026"}, {"occurred_at__year": "2026", "occurred_at__month": "11"}],
    ids=["years", "months", "days"],
)
def test_the_date_drill_down_never_reads_every_row_of_a_period(admin_site, spread_events, params):
    """Django's own lists periods with SELECT DISTINCT date_trunc(…), reading every row of the level."""
    with CaptureQueriesContext(connection) as queries:
        page(admin_site.get(AUDIT_EVENTS, params))

    statements = [query["sql"].upper() for query in queries.captured_queries]
    assert not [sql for sql in statements if "DATE_TRUNC" in sql or "DISTINCT" in sql]


# The count ----------------------------------------------------------------------------------------


def test_the_list_count_stops_at_its_cap(admin_site, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    for _ in range(5):
        event()

    with CaptureQueriesContext(connection) as queries:
        content = page(admin_site.get(AUDIT_EVENTS))

    assert "more than 3 audit events" in content
    counts = [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper()]
    assert counts and all("LIMIT 4" in sql for sql in counts), counts


def test_a_search_count_past_the_cap_says_more_than(admin_site, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 2)
    for _ in range(3):
        event(actor_label="system")

    assert "more than 2 results" in page(admin_site.get(AUDIT_EVENTS, {"q": "system"}))


def test_a_count_under_the_cap_is_exact(admin_site):
    event()

    content = page(admin_site.get(AUDIT_EVENTS))

    assert f"{AuditEvent.objects.count()} audit events" in content
    assert "more than" not in content


# Changes ------------------------------------------------------------------------------------------


def test_an_event_page_shows_changes_as_a_before_and_after_table(admin_site, customer):
    shown = event(
        Action.CUSTOMER_UPDATED,
        target=customer,
        changes={"first_name": {"before": "Ada", "after": "Grace"}, "phone": {"before": None, "after": "+44"}},
    )

    content = page(admin_site.get(f"{AUDIT_EVENTS}{shown.pk}/change/"))

    assert '<th scope="col">Before</th><th scope="col">After</th>' in content
    assert '<tr><th scope="row">first_name</th><td>Ada</td><td>Grace</td></tr>' in content
    assert '<tr><th scope="row">phone</th><td>—</td><td>+44</td></tr>' in content
    assert "&quot;before&quot;" not in content and '"before"' not in content


def test_a_change_that_is_no_before_and_after_pair_spans_both_columns(admin_site):
    shown = event(Action.LOCKOUT, changes={"locked_minutes": 15})

    content = page(admin_site.get(f"{AUDIT_EVENTS}{shown.pk}/change/"))

    assert '<tr><th scope="row">locked_minutes</th><td colspan="2">15</td></tr>' in content


def test_changed_values_are_escaped(admin_site):
    shown = event(
        Action.CUSTOMER_UPDATED,
        changes={"<b>field</b>": {"before": "<script>alert(1)</script>", "after": '"><img src=x>'}},
    )

    content = page(admin_site.get(f"{AUDIT_EVENTS}{shown.pk}/change/"))

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "&quot;&gt;&lt;img src=x&gt;" in content
    assert "&lt;b&gt;field&lt;/b&gt;" in content
    assert "<script>alert" not in content and "<img src=x>" not in content


# People -------------------------------------------------------------------------------------------


def row_of(response, shown: AuditEvent) -> str:
    """The HTML row of one event in the list."""
    content = page(response)
    start = content.index(f'href="{AUDIT_EVENTS}{shown.pk}/change/')
    return content[content.rindex("<tr", 0, start) : content.index("</tr>", start)]


def test_one_actor_column_shows_account_number_and_email(admin_site, customer):
    shown = event(Action.PASSWORD_CHANGED, actor=customer, actor_label=customer.account_number, target=customer)

    response = admin_site.get(AUDIT_EVENTS)

    assert "column-actor_column" in page(response)
    assert "column-actor_label" not in page(response) and "Actor label" not in page(response)
    cell = f'{customer.account_number}<br><span class="small quiet">{customer.email}</span>'
    assert row_of(response, shown).count(cell) == 2  # actor, target


def test_the_system_and_anonymous_actors_are_named_as_such(admin_site, customer):
    by_system = event(Action.UNLOCK, actor_label="system", target=customer, target_label=customer.account_number)
    by_nobody = event(Action.LOGIN_FAILED, target_label="typed@example.com", outcome=Outcome.FAILURE)

    response = admin_site.get(AUDIT_EVENTS)

    assert '<td class="field-actor_column">system</td>' in row_of(response, by_system)
    assert '<td class="field-actor_column">anonymous</td>' in row_of(response, by_nobody)
    assert '<td class="field-target_column">typed@example.com</td>' in row_of(response, by_nobody)


def test_an_event_page_links_the_people_to_their_customer_pages(admin_site, customer, admin_user):
    shown = event(Action.CUSTOMER_CLOSED, actor=admin_user, target=customer, request_id="req-7", ip="203.0.113.9")

    content = page(admin_site.get(f"{AUDIT_EVENTS}{shown.pk}/change/"))

    assert "Request ID" in content and "req-7" in content
    assert "IP address" in content and "203.0.113.9" in content

    assert f'<a href="/{settings.ADMIN_URL}accounts/user/{customer.pk}/change/">' in content
    assert f"{customer.account_number} · {customer.email}" in content
    assert f"{admin_user.account_number} · {admin_user.email}" in content


# Search -------------------------------------------------------------------------------------------


@pytest.fixture
def events_of(customer) -> dict[str, AuditEvent]:
    other = UserFactory()
    return {
        "acted": event(Action.CUSTOMER_UPDATED, actor=customer, actor_label=customer.account_number, target=other),
        "acted_on": event(
            Action.LOGIN_FAILED, target=customer, target_label=customer.account_number, outcome=Outcome.FAILURE
        ),
        "unrelated": event(Action.LOGOUT, actor=other, actor_label=other.account_number, target=other),
    }


def test_a_search_by_email_finds_the_customers_events_as_actor_and_target(admin_site, customer, events_of):
    response = admin_site.get(AUDIT_EVENTS, {"q": f"  {customer.email.upper()} "})

    assert listed(response) == {events_of["acted"].pk, events_of["acted_on"].pk}


def test_a_search_by_account_number_finds_the_customers_events_as_actor_and_target(admin_site, customer, events_of):
    response = admin_site.get(AUDIT_EVENTS, {"q": customer.account_number})

    assert listed(response) == {events_of["acted"].pk, events_of["acted_on"].pk}


def test_a_search_finds_what_no_account_left(admin_site, events_of):
    by_system = event(Action.UNLOCK, actor_label="system")
    typed = event(Action.LOGIN_FAILED, target_label="nobody@example.com", outcome=Outcome.FAILURE)
    traced = event(Action.LOGOUT, request_id="req-42")

    assert listed(admin_site.get(AUDIT_EVENTS, {"q": "system"})) == {by_system.pk}
    assert listed(admin_site.get(AUDIT_EVENTS, {"q": "Nobody@Example.com"})) == {typed.pk}
    assert listed(admin_site.get(AUDIT_EVENTS, {"q": "req-42"})) == {traced.pk}


# The action filter --------------------------------------------------------------------------------


def offered_actions(response) -> list[str]:
    (action_filter,) = [spec for spec in response.context["cl"].filter_specs if spec.title == "action"]
    return [value for value, _label in action_filter.lookup_choices]


def test_the_action_filter_offers_only_actions_that_have_events(admin_site):
    event(Action.LOGOUT)
    event(Action.LOCKOUT)

    offered = offered_actions(admin_site.get(AUDIT_EVENTS))

    # The admin's own (audited) login is there too.
    assert offered == ["login_succeeded", "lockout", "logout"]
    assert Action.MFA_ENROLLED not in offered and Action.PARTNER_KEY_USED not in offered


def test_the_action_filter_filters(admin_site):
    event(Action.LOGOUT)
    locked = event(Action.LOCKOUT)

    assert listed(admin_site.get(AUDIT_EVENTS, {"action__exact": "lockout"})) == {locked.pk}


def test_actions_present_probes_each_action_in_one_statement():
    event(Action.UNLOCK)
    event(Action.REGISTER)
    event(Action.UNLOCK)

    with CaptureQueriesContext(connection) as queries:
        assert audit_actions_present() == ["register", "unlock"]

    assert len(queries.captured_queries) == 1
    assert "DISTINCT" not in queries.captured_queries[0]["sql"].upper()


def test_a_search_for_a_customer_reads_only_the_label_indexes(admin_site, customer, events_of):
    """request_id has no index: a condition on it would make PostgreSQL read the whole trail."""
    with CaptureQueriesContext(connection) as queries:
        listed(admin_site.get(AUDIT_EVENTS, {"q": customer.email}))

    reads = [query["sql"] for query in queries.captured_queries if 'FROM "audit_auditevent"' in query["sql"]]
    assert reads and not [sql for sql in reads if "request_id" in sql.split("WHERE", 1)[-1]]
