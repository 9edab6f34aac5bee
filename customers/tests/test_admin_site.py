"""
The Django admin site for staff: only active admins get in; customers can be listed, filtered,
searched, edited, added and frozen, unfrozen, closed or unlocked, always through the same services
as the API (so the same rules hold and the same audit events are written, with the admin as
actor); customers are never deleted; the audit trail is read-only there; axes' lockout records
can be looked at.
"""

import importlib

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import clear_url_caches

import bankapi.urls
from accounts.models import Role, Status, User
from accounts.services import EDITABLE_FIELDS
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, totp_code
from audit.models import Action, AuditEvent, Outcome
from bankapi.errors import ConflictError
from conftest import wait_for_fresh_rate_window
from customers import admin as customer_admin
from customers.tests.admin_forms import form_data

ADMIN = f"/{settings.ADMIN_URL}"
LOGIN = f"{ADMIN}login/"
CUSTOMERS = f"{ADMIN}accounts/user/"
AUDIT_EVENTS = f"{ADMIN}audit/auditevent/"
API_LOGIN = "/api/v1/auth/login"
WRONG = "not the password at all"  # noqa: S105

pytestmark = pytest.mark.django_db


def change_url(user: User) -> str:
    return f"{CUSTOMERS}{user.pk}/change/"


def listed(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {user.pk for user in response.context["cl"].result_list}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def run_action(client: Client, action: str, *users: User, **extra):
    return client.post(CUSTOMERS, {"action": action, "_selected_action": [u.pk for u in users]}, follow=True, **extra)


def confirm_close(client: Client, *users: User):
    """The close action's second step: the confirmation page's "Yes" (post=yes)."""
    data = {"action": "close", "_selected_action": [u.pk for u in users], "post": "yes"}
    return client.post(CUSTOMERS, data, follow=True)


def new_customer_data(**overrides) -> dict:
    data = {
        "email": "grace@example.com",
        "first_name": "Grace",
        "last_name": "Hopper",
        "phone": "+447700900555",
        "date_of_birth": "1980-01-02",
        "status": Status.ACTIVE,
        "role": Role.CUSTOMER,
        "_save": "Save",
    }
    data.update(overrides)
    return data


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def assert_redirected_to_login(response, next_path: str = ADMIN) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert f"next={next_path}" in response["Location"]


# Who gets in -------------------------------------------------------------------------------------


def test_an_active_admin_gets_in(admin_site):
    assert admin_site.get(ADMIN).status_code == 200


def test_anonymous_is_sent_to_the_login(client):
    assert_redirected_to_login(client.get(ADMIN))


def test_an_auditor_is_sent_to_the_login(client, auditor):
    client.force_login(auditor)

    assert_redirected_to_login(client.get(ADMIN))


def test_a_customer_is_sent_to_the_login(client, customer):
    client.force_login(customer)

    assert_redirected_to_login(client.get(ADMIN))


def test_an_auditor_cannot_reach_a_model_page(client, auditor):
    client.force_login(auditor)

    assert_redirected_to_login(client.get(CUSTOMERS), next_path=CUSTOMERS)


def test_an_admin_frozen_during_a_session_loses_access_at_once(admin_site, admin_user):
    UserFactory(role=Role.ADMIN)  # so that the freeze is allowed
    User.objects.filter(pk=admin_user.pk).update(status=Status.FROZEN)

    assert_redirected_to_login(admin_site.get(ADMIN))


def test_an_admin_demoted_during_a_session_loses_access_at_once(admin_site, admin_user):
    User.objects.filter(pk=admin_user.pk).update(role=Role.AUDITOR)

    assert_redirected_to_login(admin_site.get(ADMIN))


def test_real_login_of_an_active_admin_by_account_number(admin_user):
    client = Client()

    response = client.post(
        LOGIN,
        {"username": admin_user.account_number, "password": DEFAULT_PASSWORD, "otp_token": totp_code(admin_user)},
    )

    assert response.status_code == 302
    assert client.get(ADMIN).status_code == 200


def test_real_login_of_an_auditor_is_refused(auditor):
    client = Client()

    response = client.post(LOGIN, {"username": auditor.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_real_login_of_a_frozen_admin_is_refused():
    UserFactory(role=Role.ADMIN)
    frozen = UserFactory(role=Role.ADMIN, status=Status.FROZEN)
    client = Client()

    response = client.post(LOGIN, {"username": frozen.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_real_login_with_a_wrong_password_is_refused(admin_user):
    client = Client()

    response = client.post(LOGIN, {"username": admin_user.email, "password": WRONG})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# ADMIN_URL ---------------------------------------------------------------------------------------


@pytest.fixture
def back_office(settings):
    """The admin site moved to /back-office/ (the urlconf reads ADMIN_URL when it is loaded)."""
    original = settings.ADMIN_URL
    settings.ADMIN_URL = "back-office/"
    importlib.reload(bankapi.urls)
    clear_url_caches()
    yield "/back-office/"
    settings.ADMIN_URL = original
    importlib.reload(bankapi.urls)
    clear_url_caches()


def test_admin_url_setting_moves_the_admin_site(back_office, admin_site):
    assert admin_site.get(back_office).status_code == 200


def test_admin_url_setting_leaves_nothing_at_the_default_path(back_office, admin_site):
    assert admin_site.get("/admin/").status_code == 404


def test_admin_url_setting_moves_the_login_too(back_office, admin_user):
    client = Client()

    response = client.post(
        f"{back_office}login/",
        {"username": admin_user.email, "password": DEFAULT_PASSWORD, "otp_token": totp_code(admin_user)},
    )

    assert response.status_code == 302
    assert client.get(back_office).status_code == 200


def test_admin_url_setting_redirects_anonymous_to_its_own_login(back_office, client):
    response = client.get(back_office)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{back_office}login/")


# Changelist: filters and search ------------------------------------------------------------------


@pytest.fixture
def people(admin_user, auditor) -> dict[str, User]:
    return {
        "admin": admin_user,
        "auditor": auditor,
        "zelda": UserFactory(email="zelda.fitz@example.com", first_name="Zelda", last_name="Fitzgerald"),
        "frozen": UserFactory(email="frost@example.org", first_name="Jack", last_name="Frost", status=Status.FROZEN),
        "closed": UserFactory(email="gone@example.net", first_name="Amelia", last_name="Earhart", status=Status.CLOSED),
    }


def test_changelist_lists_every_customer(admin_site, people):
    assert listed(admin_site.get(CUSTOMERS)) == {u.pk for u in people.values()}


def test_changelist_shows_account_numbers(admin_site, people):
    content = admin_site.get(CUSTOMERS).content.decode()

    assert all(user.account_number in content for user in people.values())


def test_changelist_filters_by_status(admin_site, people):
    assert listed(admin_site.get(CUSTOMERS, {"status__exact": "frozen"})) == {people["frozen"].pk}


def test_changelist_filters_by_role(admin_site, people):
    assert listed(admin_site.get(CUSTOMERS, {"role__exact": "auditor"})) == {people["auditor"].pk}


def test_changelist_filters_combine(admin_site, people):
    response = admin_site.get(CUSTOMERS, {"role__exact": "customer", "status__exact": "closed"})

    assert listed(response) == {people["closed"].pk}


def test_search_by_exact_account_number(admin_site, people):
    response = admin_site.get(CUSTOMERS, {"q": people["zelda"].account_number})

    assert listed(response) == {people["zelda"].pk}


def test_search_by_email_prefix_ignores_case(admin_site, people):
    assert listed(admin_site.get(CUSTOMERS, {"q": "ZELDA.F"})) == {people["zelda"].pk}


def test_search_by_email_matches_a_prefix_only(admin_site, people):
    assert listed(admin_site.get(CUSTOMERS, {"q": "example.org"})) == set()


def test_search_by_name(admin_site, people):
    assert listed(admin_site.get(CUSTOMERS, {"q": "jack fro"})) == {people["frozen"].pk}


def test_search_by_part_of_a_last_name(admin_site, people):
    assert listed(admin_site.get(CUSTOMERS, {"q": "earh"})) == {people["closed"].pk}


def test_search_and_filter_combine(admin_site, people):
    response = admin_site.get(CUSTOMERS, {"q": "example", "status__exact": "frozen"})

    assert listed(response) == set()


# Actions -----------------------------------------------------------------------------------------


def test_freeze_action_freezes_through_the_service(admin_site, admin_user, customer):
    response = run_action(admin_site, "freeze", customer)

    customer.refresh_from_db()
    assert customer.status == Status.FROZEN
    assert "Froze 1 customer(s)." in messages_of(response)


def test_freeze_action_writes_customer_updated_with_the_admin_as_actor(admin_site, admin_user, customer):
    run_action(admin_site, "freeze", customer, HTTP_X_REQUEST_ID="freeze-1")

    (event,) = events(Action.CUSTOMER_UPDATED)
    assert (event.actor_id, event.actor_label) == (admin_user.pk, admin_user.account_number)
    assert event.target_label == customer.account_number
    assert event.changes == {"status": {"before": "active", "after": "frozen"}}
    assert event.request_id == "freeze-1"


def test_freeze_action_revokes_the_customers_tokens(admin_site, api_client, customer):
    tokens = api_client.post(
        API_LOGIN, {"account_number": customer.account_number, "password": DEFAULT_PASSWORD}, format="json"
    ).json()

    run_action(admin_site, "freeze", customer)

    assert api_client.get("/api/v1/profile", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 401
    assert events(Action.TOKEN_REVOKED)[0].actor_label != "system"


def test_freeze_action_applies_to_every_selected_customer(admin_site):
    first, second = UserFactory(), UserFactory()

    response = run_action(admin_site, "freeze", first, second)

    assert set(User.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"frozen"}
    assert "Froze 2 customer(s)." in messages_of(response)
    assert len(events(Action.CUSTOMER_UPDATED)) == 2


def test_unfreeze_action_unfreezes(admin_site, admin_user):
    frozen = UserFactory(status=Status.FROZEN)

    run_action(admin_site, "unfreeze", frozen)

    frozen.refresh_from_db()
    assert frozen.status == Status.ACTIVE
    (event,) = events(Action.CUSTOMER_UPDATED)
    assert event.actor_label == admin_user.account_number
    assert event.changes == {"status": {"before": "frozen", "after": "active"}}


def test_close_action_closes_and_writes_customer_closed(admin_site, admin_user, customer):
    response = confirm_close(admin_site, customer)

    customer.refresh_from_db()
    assert customer.status == Status.CLOSED
    (event,) = events(Action.CUSTOMER_CLOSED)
    assert (event.actor_label, event.target_label) == (admin_user.account_number, customer.account_number)
    assert "Closed 1 customer(s)." in messages_of(response)


def test_unfreeze_of_a_closed_customer_is_refused_with_a_message(admin_site):
    closed = UserFactory(status=Status.CLOSED)

    response = run_action(admin_site, "unfreeze", closed)

    closed.refresh_from_db()
    assert closed.status == Status.CLOSED
    assert any(closed.account_number in message for message in messages_of(response))
    assert events(Action.CUSTOMER_UPDATED) == []


def test_closing_the_last_active_admin_is_refused_with_an_error(admin_site, admin_user):
    response = confirm_close(admin_site, admin_user)

    admin_user.refresh_from_db()
    assert admin_user.status == Status.ACTIVE
    assert messages_of(response) == [
        f"{admin_user.account_number}: The last active admin cannot be demoted, frozen or closed."
    ]
    assert events(Action.CUSTOMER_CLOSED) == []
    assert events(Action.TOKEN_REVOKED) == []


def test_freezing_the_last_active_admin_is_refused(admin_site, admin_user):
    run_action(admin_site, "freeze", admin_user)

    admin_user.refresh_from_db()
    assert admin_user.status == Status.ACTIVE
    assert events(Action.CUSTOMER_UPDATED) == []


def test_a_refused_customer_does_not_stop_the_others(admin_site, admin_user, customer):
    response = confirm_close(admin_site, admin_user, customer)

    customer.refresh_from_db()
    admin_user.refresh_from_db()
    assert (customer.status, admin_user.status) == (Status.CLOSED, Status.ACTIVE)
    assert "Closed 1 customer(s)." in messages_of(response)


def test_closing_an_admin_is_allowed_while_another_active_admin_remains(admin_site, admin_user):
    other_admin = UserFactory(role=Role.ADMIN)

    confirm_close(admin_site, other_admin)

    other_admin.refresh_from_db()
    assert other_admin.status == Status.CLOSED


def test_unlock_action_lifts_the_lockout(admin_site, api_client, customer):
    for _ in range(settings.LOCKOUT_FAILURES):
        api_client.post(API_LOGIN, {"email": customer.email, "password": WRONG}, format="json")
    right = {"email": customer.email, "password": DEFAULT_PASSWORD}
    assert api_client.post(API_LOGIN, right, format="json").status_code == 429

    response = run_action(admin_site, "unlock", customer)

    assert messages_of(response) == [f"Unlocked {customer.account_number}."]
    assert api_client.post(API_LOGIN, right, format="json").status_code == 200


def test_unlock_action_writes_unlock_with_the_admin_as_actor(admin_site, admin_user, customer):
    run_action(admin_site, "unlock", customer)

    (event,) = events(Action.UNLOCK)
    assert (event.actor_id, event.actor_label) == (admin_user.pk, admin_user.account_number)
    assert event.target_label == customer.account_number
    assert event.outcome == Outcome.SUCCESS


def test_actions_need_an_admin(client, auditor, customer):
    client.force_login(auditor)

    response = client.post(CUSTOMERS, {"action": "freeze", "_selected_action": [customer.pk]})

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.status == Status.ACTIVE
    assert events(Action.CUSTOMER_UPDATED) == []


# Change form -------------------------------------------------------------------------------------


def test_change_form_loads(admin_site, customer):
    response = admin_site.get(change_url(customer))

    assert response.status_code == 200
    assert customer.account_number in response.content.decode()


def test_change_form_saves_through_the_service(admin_site, admin_user, customer):
    response = admin_site.post(change_url(customer), form_data(customer, last_name="Byron", phone="+447700900999"))

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.last_name, customer.phone) == ("Byron", "+447700900999")
    (event,) = events(Action.CUSTOMER_UPDATED)
    assert (event.actor_label, event.target_label) == (admin_user.account_number, customer.account_number)
    assert event.changes == {
        "last_name": {"before": "Lovelace", "after": "Byron"},
        "phone": {"before": "+447700900123", "after": "+447700900999"},
    }


def test_a_customer_without_an_email_is_listed_with_a_dash(admin_site):
    imported = UserFactory(email=None, first_name="Ada", last_name="Lovelace")

    response = admin_site.get(CUSTOMERS)

    assert imported.pk in listed(response)
    assert "—" in response.content.decode()


def test_a_customer_without_an_email_is_saved_without_one(admin_site):
    imported = UserFactory(email=None, first_name="Ada", last_name="Lovelace")

    response = admin_site.post(change_url(imported), form_data(imported, email="", last_name="Byron"))

    assert response.status_code == 302, response.content.decode()[:2000]
    imported.refresh_from_db()
    assert (imported.email, imported.last_name) == (None, "Byron")
    assert events(Action.CUSTOMER_UPDATED)[0].changes == {"last_name": {"before": "Lovelace", "after": "Byron"}}


def test_change_form_normalises_names(admin_site, customer):
    admin_site.post(change_url(customer), form_data(customer, first_name="  \uff27race  "))  # a full-width G

    customer.refresh_from_db()
    assert customer.first_name == "Grace"
    assert events(Action.CUSTOMER_UPDATED)[0].changes == {"first_name": {"before": "Ada", "after": "Grace"}}


def test_change_form_closing_writes_customer_closed(admin_site, customer):
    admin_site.post(change_url(customer), form_data(customer, status=Status.CLOSED))

    customer.refresh_from_db()
    assert customer.status == Status.CLOSED
    assert len(events(Action.CUSTOMER_CLOSED)) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "Ada3"),
        ("last_name", "<script>"),
        ("phone", "07700 900123"),
        ("email", "not-an-email"),
        ("date_of_birth", "2015-06-01"),  # under 18
    ],
)
def test_change_form_shows_an_error_for_an_invalid_field(admin_site, customer, field, value):
    response = admin_site.post(change_url(customer), form_data(customer, **{field: value}))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert getattr(User.objects.get(pk=customer.pk), field) == getattr(customer, field)
    assert events(Action.CUSTOMER_UPDATED) == []


def test_change_form_refuses_a_blank_name_as_the_api_does(admin_site, customer):
    response = admin_site.post(change_url(customer), form_data(customer, first_name=""))

    assert response.status_code == 200
    assert "first_name" in response.context["adminform"].form.errors
    assert User.objects.get(pk=customer.pk).first_name == "Ada"


def test_change_form_refuses_demoting_the_last_admin_with_an_error(admin_site, admin_user):
    response = admin_site.post(change_url(admin_user), form_data(admin_user, role=Role.AUDITOR))

    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN
    assert response.status_code == 200  # the form again, not the list
    assert response.context["adminform"].form.non_field_errors() == [
        "The last active admin cannot be demoted, frozen or closed."
    ]
    assert messages_of(response) == []
    assert events(Action.CUSTOMER_UPDATED) == []


def test_a_refused_change_is_not_logged_as_a_change_in_the_admin_history(admin_site, admin_user):
    admin_site.post(change_url(admin_user), form_data(admin_user, role=Role.AUDITOR))

    assert not LogEntry.objects.filter(object_id=str(admin_user.pk)).exists()


def test_change_form_refuses_an_email_taken_in_another_case(admin_site, customer):
    other = UserFactory(email="taken@example.com")

    response = admin_site.post(change_url(customer), form_data(customer, email="TAKEN@example.com"), follow=True)

    customer.refresh_from_db()
    assert customer.email != "TAKEN@example.com"
    assert response.status_code == 200
    assert other.email == "taken@example.com"
    assert events(Action.CUSTOMER_UPDATED) == []


def test_change_form_shows_the_identity_read_only(admin_site, customer):
    content = admin_site.get(change_url(customer)).content.decode()

    assert 'name="account_number"' not in content
    assert str(customer.public_id) in content


# Add form ----------------------------------------------------------------------------------------


def test_add_form_loads(admin_site):
    assert admin_site.get(f"{CUSTOMERS}add/").status_code == 200


def test_add_form_creates_a_customer_through_the_service(admin_site, admin_user):
    response = admin_site.post(f"{CUSTOMERS}add/", new_customer_data())

    assert response.status_code == 302
    created = User.objects.get(email="grace@example.com")
    assert (created.first_name, created.last_name, created.role) == ("Grace", "Hopper", Role.CUSTOMER)
    assert len(created.account_number) == 12
    (event,) = events(Action.CUSTOMER_CREATED)
    assert (event.actor_label, event.target_label) == (admin_user.account_number, created.account_number)
    assert event.changes["email"] == {"before": None, "after": "grace@example.com"}


def test_add_form_creates_a_customer_who_cannot_log_in_yet(admin_site):
    admin_site.post(f"{CUSTOMERS}add/", new_customer_data())

    assert not User.objects.get(email="grace@example.com").has_usable_password()


def test_add_form_refuses_a_taken_email(admin_site, customer):
    response = admin_site.post(f"{CUSTOMERS}add/", new_customer_data(email=customer.email.upper()))

    assert response.status_code == 200
    assert User.objects.filter(email__iexact=customer.email).count() == 1
    assert events(Action.CUSTOMER_CREATED) == []


def test_add_refused_by_the_service_is_reported_not_a_crash(admin_site, monkeypatch):
    """The service can still refuse after the form validated (another admin took the email meanwhile)."""

    def email_taken_meanwhile(**kwargs):
        raise ConflictError("An account with this email already exists.")

    monkeypatch.setattr(customer_admin, "user_create", email_taken_meanwhile)
    admin_site.raise_request_exception = False

    response = admin_site.post(f"{CUSTOMERS}add/", new_customer_data())

    assert response.status_code == 200  # the add form again, with what was typed
    assert response.context["adminform"].form.non_field_errors() == ["An account with this email already exists."]
    assert 'value="grace@example.com"' in response.content.decode()
    assert not User.objects.filter(email="grace@example.com").exists()


def test_an_add_refused_by_the_service_is_not_logged_as_an_addition(admin_site, monkeypatch):
    def email_taken_meanwhile(**kwargs):
        raise ConflictError("An account with this email already exists.")

    monkeypatch.setattr(customer_admin, "user_create", email_taken_meanwhile)

    admin_site.post(f"{CUSTOMERS}add/", new_customer_data())

    assert not LogEntry.objects.exists()


def test_add_form_refuses_an_invalid_name(admin_site):
    response = admin_site.post(f"{CUSTOMERS}add/", new_customer_data(first_name="Gr4ce"))

    assert response.status_code == 200
    assert "first_name" in response.context["adminform"].form.errors
    assert not User.objects.filter(email="grace@example.com").exists()


def test_add_form_refuses_a_blank_name_as_the_api_does(admin_site):
    response = admin_site.post(f"{CUSTOMERS}add/", new_customer_data(last_name=""))

    assert response.status_code == 200
    assert "last_name" in response.context["adminform"].form.errors
    assert not User.objects.filter(email="grace@example.com").exists()


def test_add_form_offers_no_status_so_a_new_customer_starts_active(admin_site):
    add_form_fields = admin_site.get(f"{CUSTOMERS}add/").context["adminform"].form.fields

    response = admin_site.post(f"{CUSTOMERS}add/", new_customer_data(status=Status.FROZEN))

    assert response.status_code == 302
    assert "status" not in add_form_fields
    assert User.objects.get(email="grace@example.com").status == Status.ACTIVE


def test_change_form_offers_every_editable_field(admin_site, customer):
    change_form_fields = admin_site.get(change_url(customer)).context["adminform"].form.fields

    assert set(change_form_fields) == set(EDITABLE_FIELDS)


# No deletion -------------------------------------------------------------------------------------


def test_delete_page_is_refused(admin_site, customer):
    response = admin_site.get(f"{CUSTOMERS}{customer.pk}/delete/")

    assert response.status_code == 403
    assert User.objects.filter(pk=customer.pk).exists()


def test_delete_is_not_among_the_actions(admin_site, customer):
    choices = dict(admin_site.get(CUSTOMERS).context["action_form"].fields["action"].choices)

    assert "delete_selected" not in choices
    assert {"freeze", "unfreeze", "close", "unlock"} <= set(choices)


def test_posting_the_delete_action_deletes_nothing(admin_site, customer):
    admin_site.post(CUSTOMERS, {"action": "delete_selected", "_selected_action": [customer.pk], "post": "yes"})

    assert User.objects.filter(pk=customer.pk).exists()


def test_change_form_offers_no_delete_link(admin_site, customer):
    assert f"{customer.pk}/delete/" not in admin_site.get(change_url(customer)).content.decode()


# The audit trail in the admin site ---------------------------------------------------------------


@pytest.fixture
def audit_event(customer) -> AuditEvent:
    return AuditEvent.objects.create(
        action=Action.LOGIN_FAILED,
        target=customer,
        target_label=customer.account_number,
        outcome=Outcome.FAILURE,
        request_id="req-admin-1",
    )


def test_audit_changelist_lists_events(admin_site, audit_event):
    response = admin_site.get(AUDIT_EVENTS)

    assert listed(response) == set(AuditEvent.objects.values_list("pk", flat=True))  # with the admin's login
    assert audit_event.pk in listed(response)


def test_audit_changelist_searches_by_request_id(admin_site, audit_event):
    AuditEvent.objects.create(action=Action.LOGOUT, request_id="req-other")

    assert listed(admin_site.get(AUDIT_EVENTS, {"q": "req-admin-1"})) == {audit_event.pk}


def test_audit_changelist_filters_by_action(admin_site, audit_event):
    other = AuditEvent.objects.create(action=Action.LOGOUT)

    assert listed(admin_site.get(AUDIT_EVENTS, {"action__exact": "logout"})) == {other.pk}


def test_audit_events_cannot_be_added(admin_site):
    assert admin_site.get(f"{AUDIT_EVENTS}add/").status_code == 403


def test_audit_event_change_view_is_read_only(admin_site, audit_event):
    response = admin_site.get(f"{AUDIT_EVENTS}{audit_event.pk}/change/")

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert 'name="_save"' not in response.content.decode()
    assert 'name="action"' not in response.content.decode()


def test_posting_a_change_to_an_audit_event_is_refused(admin_site, audit_event):
    response = admin_site.post(
        f"{AUDIT_EVENTS}{audit_event.pk}/change/", {"action": "login_succeeded", "outcome": "success"}
    )

    assert response.status_code == 403
    audit_event.refresh_from_db()
    assert audit_event.action == Action.LOGIN_FAILED


def test_audit_events_cannot_be_deleted(admin_site, audit_event):
    assert admin_site.get(f"{AUDIT_EVENTS}{audit_event.pk}/delete/").status_code == 403


def test_audit_changelist_offers_no_actions(admin_site, audit_event):
    assert admin_site.get(AUDIT_EVENTS).context["action_form"] is None


# django-axes' lockout records --------------------------------------------------------------------


@pytest.fixture
def attempt(api_client, customer) -> AccessAttempt:
    for _ in range(settings.LOCKOUT_FAILURES):
        api_client.post(API_LOGIN, {"email": customer.email, "password": WRONG}, format="json")
    return AccessAttempt.objects.get()


def test_access_attempt_changelist_loads(admin_site, attempt):
    response = admin_site.get(f"{ADMIN}axes/accessattempt/")

    assert listed(response) == {attempt.pk}


def test_access_attempt_change_view_loads_without_the_password(admin_site, attempt):
    response = admin_site.get(f"{ADMIN}axes/accessattempt/{attempt.pk}/change/")

    assert response.status_code == 200
    assert attempt.username in response.content.decode()
    assert WRONG not in response.content.decode()


def test_access_failure_log_changelist_loads(admin_site, attempt):
    assert admin_site.get(f"{ADMIN}axes/accessfailurelog/").status_code == 200


def test_access_log_changelist_loads(admin_site):
    assert admin_site.get(f"{ADMIN}axes/accesslog/").status_code == 200


def test_admin_login_form_asks_for_an_email_or_an_account_number():
    response = Client().get(f"/{settings.ADMIN_URL}login/")

    assert response.status_code == 200
    assert "Email or account number" in response.content.decode()


def test_admin_login_attempts_over_the_per_ip_limit_are_rate_limited(settings):
    settings.RATE_LOGIN = "2/m"
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)
    client = Client()
    login_url = f"/{settings.ADMIN_URL}login/"

    statuses = [
        client.post(login_url, {"username": f"nobody{n}@example.com", "password": "whatever it is"}).status_code
        for n in range(3)
    ]
    refused = client.post(login_url, {"username": "nobody@example.com", "password": "whatever it is"})

    assert statuses == [200, 200, 429]  # the first two re-show the form with an error
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
