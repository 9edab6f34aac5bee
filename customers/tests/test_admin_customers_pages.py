"""
The customers' pages of the admin site as a back office: they speak of customers; the list keeps
the account number and a coloured status first and says why a short search finds nothing; closing
asks first on a page listing who would be closed; a refused edit comes back as an error on the form
with what was typed; unlocking says, per customer, whether anything was locked.
"""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.staticfiles import finders

from accounts.models import EMAIL_TAKEN, Role, Status, User
from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent, Outcome
from customers.tests.admin_forms import form_data
from customers.tests.test_admin_site import (
    API_LOGIN,
    CUSTOMERS,
    WRONG,
    change_url,
    listed,
    messages_of,
    new_customer_data,
    run_action,
)

pytestmark = pytest.mark.django_db

ADMIN = f"/{settings.ADMIN_URL}"
CLOSE_CONFIRMATION = "customers/admin/close_confirmation.html"


class FormReader(HTMLParser):
    """The inputs and links of a page, as a browser would submit and follow them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[dict[str, str]]] = []
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append([])
        elif tag == "input" and self.forms:
            self.forms[-1].append(attributes)
        elif tag == "a":
            self.links.append(attributes)


def read_page(response) -> FormReader:
    reader = FormReader()
    reader.feed(response.content.decode())
    return reader


def post_data(inputs: list[dict[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for field in inputs:
        if field.get("name") and field.get("type") != "submit":
            data.setdefault(field["name"], []).append(field.get("value", ""))
    return data


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def fail_logins(api_client, user: User, times: int) -> None:
    for _ in range(times):
        api_client.post(API_LOGIN, {"email": user.email, "password": WRONG}, format="json")


# Words -------------------------------------------------------------------------------------------


def test_the_list_is_titled_with_customers(admin_site):
    content = admin_site.get(CUSTOMERS).content.decode()

    assert "Select customer to change" in content
    assert "Select user" not in content


def test_the_list_offers_to_add_a_customer(admin_site):
    assert "Add customer" in admin_site.get(CUSTOMERS).content.decode()


def test_the_add_page_is_titled_add_customer(admin_site):
    content = admin_site.get(f"{CUSTOMERS}add/").content.decode()

    assert "Add customer" in content
    assert "Add user" not in content


def test_the_breadcrumbs_name_customers_and_staff(admin_site):
    content = admin_site.get(CUSTOMERS).content.decode()
    breadcrumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', content, re.DOTALL)[1]

    assert "Customers and staff" in breadcrumbs
    assert "Accounts" not in breadcrumbs


def test_the_index_lists_customers_not_users(admin_site):
    content = admin_site.get(ADMIN).content.decode()

    assert ">Customers<" in content
    assert ">Users<" not in content


def test_a_changed_customer_is_reported_as_a_customer(admin_site, customer):
    response = admin_site.post(change_url(customer), form_data(customer, last_name="Byron"), follow=True)

    assert any(message.startswith("The customer “") for message in messages_of(response))


# The list ----------------------------------------------------------------------------------------


def test_the_list_shows_account_number_then_status_first(admin_site, customer):
    content = admin_site.get(CUSTOMERS).content.decode()

    columns = re.findall(r'<th scope="col"[^>]*class="[^"]*column-(\w+)', content)
    assert columns[:3] == ["account_number", "status_label", "name"]
    assert columns == ["account_number", "status_label", "name", "email_address", "created"]


def test_the_list_shows_the_name_in_one_column(admin_site):
    UserFactory(first_name="Jack", last_name="Frost")

    content = admin_site.get(CUSTOMERS).content.decode()

    assert '<td class="field-name">Jack Frost</td>' in content
    assert "column-first_name" not in content
    assert "column-last_name" not in content


def test_a_staff_members_role_shows_beside_the_name_and_a_customers_does_not(admin_site, admin_user):
    UserFactory(first_name="Jack", last_name="Frost")

    content = admin_site.get(CUSTOMERS).content.decode()

    name = f"{admin_user.first_name} {admin_user.last_name}"
    assert f'<td class="field-name">{name} <span class="customer-role">Admin</span></td>' in content
    assert '<td class="field-name">Jack Frost</td>' in content


def test_the_list_shows_the_day_a_customer_was_created(admin_site, customer):
    content = admin_site.get(CUSTOMERS).content.decode()

    created = re.findall(r'<td class="field-created[^"]*">([^<]*)</td>', content)
    assert created and all(re.fullmatch(r"[A-Z][a-z]+\.? \d{1,2}, \d{4}", day) for day in created), created


def test_the_list_wraps_a_long_email_before_its_at_sign(admin_site):
    UserFactory(email="maximiliana.theodora@example.com")

    assert "maximiliana.theodora<wbr>@example.com" in admin_site.get(CUSTOMERS).content.decode()


@pytest.mark.parametrize(("status", "label"), [("active", "Active"), ("frozen", "Frozen"), ("closed", "Closed")])
def test_the_list_labels_each_status_with_its_own_class(admin_site, status, label):
    UserFactory(status=status)

    content = admin_site.get(CUSTOMERS).content.decode()

    assert f'<span class="customer-status customer-status-{status}">{label}</span>' in content


def test_the_list_sorts_by_status(admin_site):
    UserFactory(status=Status.FROZEN), UserFactory(status=Status.CLOSED), UserFactory(status=Status.ACTIVE)
    status_column = 2  # after the action checkbox and the account number

    response = admin_site.get(CUSTOMERS, {"o": str(status_column)})

    statuses = [user.status for user in response.context["cl"].result_list]
    assert statuses == sorted(statuses)
    assert len(set(statuses)) == 3


def test_the_list_loads_the_stylesheet_that_colours_frozen_and_closed(admin_site):
    content = admin_site.get(CUSTOMERS).content.decode()
    stylesheet = finders.find("customers/admin.css")

    assert f"{settings.STATIC_URL}customers/admin.css" in content
    assert stylesheet is not None
    css = open(stylesheet, encoding="utf-8").read()  # noqa: SIM115
    assert ".customer-status-frozen" in css
    assert ".customer-status-closed" in css


@pytest.mark.parametrize("term", ["ab", " z ", "4"])
def test_a_search_shorter_than_3_characters_lists_nobody_and_says_why(admin_site, customer, term):
    response = admin_site.get(CUSTOMERS, {"q": term})

    assert listed(response) == set()
    assert messages_of(response) == [
        f"Nothing was searched for “{term.strip()}”: a search needs at least 3 characters."
    ]


def test_a_search_of_3_characters_searches(admin_site):
    frost = UserFactory(first_name="Jack", last_name="Frost")
    UserFactory(first_name="Ada", last_name="Lovelace")

    response = admin_site.get(CUSTOMERS, {"q": "fro"})

    assert listed(response) == {frost.pk}
    assert messages_of(response) == []


def test_a_blank_search_lists_everyone_without_a_message(admin_site, customer, admin_user):
    response = admin_site.get(CUSTOMERS, {"q": "   "})

    assert listed(response) == {customer.pk, admin_user.pk}
    assert messages_of(response) == []


# Close, with confirmation ------------------------------------------------------------------------


def test_close_action_shows_a_confirmation_and_closes_nobody(admin_site, customer):
    response = run_action(admin_site, "close", customer)

    assert response.status_code == 200
    assert CLOSE_CONFIRMATION in [template.name for template in response.templates]
    customer.refresh_from_db()
    assert customer.status == Status.ACTIVE
    assert events(Action.CUSTOMER_CLOSED) == []
    assert messages_of(response) == []


def test_the_confirmation_lists_every_selected_customer(admin_site):
    first = UserFactory(first_name="Jack", last_name="Frost", email="jack@example.com")
    second = UserFactory(first_name="Amelia", last_name="Earhart")

    content = run_action(admin_site, "close", first, second).content.decode()

    assert "close these 2 customers" in content
    for user in (first, second):
        assert user.account_number in content
        assert f"{user.first_name} {user.last_name}" in content
    assert "&lt;jack@example.com&gt;" in content


def test_the_confirmation_posts_the_selection_back_with_post_yes(admin_site, customer):
    page = read_page(run_action(admin_site, "close", customer))

    (form,) = [form for form in page.forms if any(field.get("name") == "post" for field in form)]
    submit = [field for field in form if field.get("type") == "submit"]
    assert post_data(form) | {"csrfmiddlewaretoken": []} == {
        "csrfmiddlewaretoken": [],
        "_selected_action": [str(customer.pk)],
        "action": ["close"],
        "post": ["yes"],
    }
    assert [field["value"] for field in submit] == ["Yes, close them"]


def test_yes_on_the_confirmation_closes_them(admin_site, admin_user):
    first, second = UserFactory(), UserFactory()
    page = read_page(run_action(admin_site, "close", first, second))
    (form,) = [form for form in page.forms if any(field.get("name") == "post" for field in form)]

    response = admin_site.post(CUSTOMERS, post_data(form), follow=True)

    assert set(User.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"closed"}
    assert "Closed 2 customer(s)." in messages_of(response)
    assert {event.target_id for event in events(Action.CUSTOMER_CLOSED)} == {first.pk, second.pk}


def test_the_confirmation_cancel_link_returns_to_the_list_as_it_was(admin_site, customer):
    path = f"{CUSTOMERS}?role__exact=customer"
    data = {"action": "close", "_selected_action": [customer.pk]}
    page = read_page(admin_site.post(path, data))

    (cancel,) = [link for link in page.links if "cancel-link" in link.get("class", "")]
    assert cancel["href"] == path
    assert listed(admin_site.get(cancel["href"])) == {customer.pk}
    customer.refresh_from_db()
    assert customer.status == Status.ACTIVE


def test_the_confirmation_has_no_inline_script(admin_site, customer):
    content = run_action(admin_site, "close", customer).content.decode()

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", content) == []
    assert " on" + "click=" not in content


def test_the_confirmation_says_who_is_already_closed(admin_site):
    closed = UserFactory(status=Status.CLOSED)

    content = run_action(admin_site, "close", closed).content.decode()

    assert "already closed: nothing changes" in content


def test_a_get_with_the_close_action_closes_nobody(admin_site, customer):
    response = admin_site.get(
        CUSTOMERS, {"action": "close", "_selected_action": customer.pk, "post": "yes"}, follow=True
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.status == Status.ACTIVE
    assert events(Action.CUSTOMER_CLOSED) == []


def test_the_confirmation_is_only_for_admins(client, auditor, customer):
    client.force_login(auditor)

    response = client.post(CUSTOMERS, {"action": "close", "_selected_action": [customer.pk], "post": "yes"})

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.status == Status.ACTIVE


# Refused edits come back on the form -------------------------------------------------------------


def assert_nothing_written(user: User, before: dict) -> None:
    assert {field: getattr(User.objects.get(pk=user.pk), field) for field in before} == before
    assert not AuditEvent.objects.filter(action__in=[Action.CUSTOMER_UPDATED, Action.CUSTOMER_CLOSED]).exists()
    assert not LogEntry.objects.exists()


def test_editing_a_closed_customer_shows_the_refusal_on_the_form_with_the_input(admin_site):
    closed = UserFactory(status=Status.CLOSED, last_name="Earhart")
    before = {"last_name": closed.last_name, "phone": closed.phone}

    response = admin_site.post(change_url(closed), form_data(closed, last_name="Putnam", phone="+447700900999"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == ["A closed customer cannot be changed."]
    content = response.content.decode()
    assert 'value="Putnam"' in content
    assert 'value="+447700900999"' in content
    assert "A closed customer cannot be changed." in content
    assert messages_of(response) == []
    assert_nothing_written(closed, before)


def test_demoting_the_last_admin_keeps_what_was_typed(admin_site, admin_user):
    before = {"role": admin_user.role, "last_name": admin_user.last_name}

    response = admin_site.post(change_url(admin_user), form_data(admin_user, role=Role.AUDITOR, last_name="Byron"))

    content = response.content.decode()
    assert "The last active admin cannot be demoted, frozen or closed." in content
    assert 'value="Byron"' in content
    assert '<option value="auditor" selected>' in content
    assert_nothing_written(admin_user, before)


def test_a_taken_email_on_the_change_form_says_so_in_the_apis_words(admin_site, customer):
    UserFactory(email="taken@example.com")
    before = {"email": customer.email, "last_name": customer.last_name}

    response = admin_site.post(change_url(customer), form_data(customer, email="TAKEN@example.com", last_name="Byron"))

    assert response.status_code == 200
    content = response.content.decode()
    assert EMAIL_TAKEN == "An account with this email already exists."
    assert EMAIL_TAKEN in content
    assert "user_email_ci_unique" not in content
    assert 'value="TAKEN@example.com"' in content
    assert 'value="Byron"' in content
    assert_nothing_written(customer, before)


def test_a_taken_email_on_the_add_form_says_so_in_the_apis_words(admin_site, customer):
    response = admin_site.post(f"{CUSTOMERS}add/", new_customer_data(email=customer.email.upper()))

    content = response.content.decode()
    assert EMAIL_TAKEN in content
    assert "user_email_ci_unique" not in content
    assert f'value="{customer.email.upper()}"' in content
    assert 'value="Hopper"' in content
    assert User.objects.count() == 2  # the customer and the admin
    assert not AuditEvent.objects.filter(action=Action.CUSTOMER_CREATED).exists()


def test_a_refusal_the_form_could_not_foresee_is_still_shown_on_the_form(admin_site, customer, monkeypatch):
    """Whatever the service refuses (here, a race on the email) comes back as the form's error."""
    from bankapi.errors import ConflictError
    from customers import services

    def taken_meanwhile(**kwargs):
        raise ConflictError(EMAIL_TAKEN)

    monkeypatch.setattr(services, "customer_update", taken_meanwhile)

    response = admin_site.post(change_url(customer), form_data(customer, email="new@example.com"))

    assert response.context["adminform"].form.non_field_errors() == [EMAIL_TAKEN]
    assert 'value="new@example.com"' in response.content.decode()
    assert User.objects.get(pk=customer.pk).email == customer.email


def test_an_accepted_edit_still_saves_once_with_one_event(admin_site, customer):
    response = admin_site.post(change_url(customer), form_data(customer, last_name="Byron"))

    assert response.status_code == 302
    assert User.objects.get(pk=customer.pk).last_name == "Byron"
    assert len(events(Action.CUSTOMER_UPDATED)) == 1
    assert LogEntry.objects.count() == 1


# Unlock says what happened -----------------------------------------------------------------------


def test_unlocking_a_locked_customer_says_unlocked(admin_site, api_client, customer):
    fail_logins(api_client, customer, settings.LOCKOUT_FAILURES)

    response = run_action(admin_site, "unlock", customer)

    assert messages_of(response) == [f"Unlocked {customer.account_number}."]


def test_unlocking_a_customer_who_was_not_locked_says_so(admin_site, customer):
    response = run_action(admin_site, "unlock", customer)

    assert messages_of(response) == [f"{customer.account_number} was not locked."]


def test_unlocking_a_customer_with_failures_but_no_lock_says_they_were_forgotten(admin_site, api_client, customer):
    fail_logins(api_client, customer, 1)

    response = run_action(admin_site, "unlock", customer)

    assert messages_of(response) == [f"{customer.account_number} was not locked; its failed logins were forgotten."]


def test_unlocking_several_reports_each(admin_site, api_client):
    locked, free = UserFactory(), UserFactory()
    fail_logins(api_client, locked, settings.LOCKOUT_FAILURES)

    response = run_action(admin_site, "unlock", locked, free)

    assert sorted(messages_of(response)) == sorted(
        [f"Unlocked {locked.account_number}.", f"{free.account_number} was not locked."]
    )


def test_unlocking_a_customer_who_was_not_locked_is_still_audited(admin_site, admin_user, customer):
    """Someone asked: the trail records the request whatever was found (the message says what)."""
    run_action(admin_site, "unlock", customer)

    (event,) = events(Action.UNLOCK)
    assert (event.actor_id, event.target_id, event.outcome) == (admin_user.pk, customer.pk, Outcome.SUCCESS)
