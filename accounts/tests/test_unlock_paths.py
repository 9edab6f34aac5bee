"""
Every way to lift a lock goes through the one audited unlock service (accounts.services.lockout_clear):
the `unlock` command and the customers' unlock action in the admin site. Each writes an `unlock`
event and clears both the shared counter and django-axes' record. django-axes' own ways are shut:
its admin pages are read-only (nothing to add, change, delete or run), and its reset commands
refuse, pointing to `unlock`. Text typed at a login that is neither an email nor an account number
is unlocked under the same keyed hash the lockout counted it by.
"""

import json
from io import StringIO

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.test import Client

from accounts import lockout
from accounts.services import lockout_clear
from accounts.tests.factories import DEFAULT_PASSWORD
from audit.models import Action, AuditEvent
from conftest import manage

ADMIN = f"/{settings.ADMIN_URL}"
API_LOGIN = "/api/v1/auth/login"
WRONG = "not the password at all"  # noqa: S105
TYPED_PASSWORD = "Maple-Orbit-7731-quartz"  # noqa: S105
AXES_PAGES = {
    AccessAttempt: f"{ADMIN}axes/accessattempt/",
    AccessLog: f"{ADMIN}axes/accesslog/",
    AccessFailureLog: f"{ADMIN}axes/accessfailurelog/",
}
# The axes commands that delete attempt rows, with arguments as axes' own took them.
LOCK_LIFTING_COMMANDS = [
    ("axes_reset",),
    ("axes_reset_ip", "127.0.0.1"),
    ("axes_reset_username", "acct:400000000002"),
    ("axes_reset_ip_username", "127.0.0.1", "acct:400000000002"),
]

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_hashers")]


@pytest.fixture
def locked_customer(api_client, customer):
    for _ in range(settings.LOCKOUT_FAILURES):
        api_client.post(API_LOGIN, {"email": customer.email, "password": WRONG}, format="json")
    assert is_refused(api_client, customer)
    return customer


def is_refused(api_client, customer) -> bool:
    right = {"email": customer.email, "password": DEFAULT_PASSWORD}
    return api_client.post(API_LOGIN, right, format="json").status_code == 429


def key_of(customer) -> str:
    return lockout.lockout_key(customer.email, account_number=customer.account_number)


def assert_lock_fully_lifted(key: str) -> None:
    """Neither axes' record nor the shared counter holds anything for `key`."""
    assert not AccessAttempt.objects.filter(username=key).exists()
    assert lockout.seconds_until_unlocked(key) is None
    assert lockout.acquire_slot(key).number == 1  # the counter starts again from nothing


def unlock_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.UNLOCK).order_by("id"))


@pytest.fixture
def axes_rows() -> dict:
    """One row on each of axes' pages."""
    row = {"username": "acct:400000000002", "ip_address": "127.0.0.1", "user_agent": "test", "path_info": "/"}
    return {
        AccessAttempt: AccessAttempt.objects.create(
            **row, get_data="", post_data="", failures_since_start=settings.LOCKOUT_FAILURES
        ),
        AccessLog: AccessLog.objects.create(**row),
        AccessFailureLog: AccessFailureLog.objects.create(**row),
    }


# django-axes' admin pages are read-only --------------------------------------------------------------


@pytest.mark.parametrize("model", list(AXES_PAGES))
def test_axes_changelist_can_be_read_but_offers_no_action_nor_add(admin_site, axes_rows, model):
    response = admin_site.get(AXES_PAGES[model])

    assert response.status_code == 200
    assert [row.pk for row in response.context["cl"].result_list] == [axes_rows[model].pk]
    assert response.context["action_form"] is None
    assert response.context["has_add_permission"] is False


@pytest.mark.parametrize("model", list(AXES_PAGES))
def test_axes_rows_cannot_be_deleted_from_the_admin_site(admin_site, axes_rows, model):
    delete_url = f"{AXES_PAGES[model]}{axes_rows[model].pk}/delete/"

    assert admin_site.get(delete_url).status_code == 403
    assert admin_site.post(delete_url, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=axes_rows[model].pk).exists()


@pytest.mark.parametrize("model", list(AXES_PAGES))
def test_axes_rows_cannot_be_bulk_deleted_from_the_admin_site(admin_site, axes_rows, model):
    admin_site.post(
        AXES_PAGES[model], {"action": "delete_selected", "_selected_action": [axes_rows[model].pk], "post": "yes"}
    )

    assert model.objects.filter(pk=axes_rows[model].pk).exists()


def test_expired_attempts_cannot_be_cleaned_up_from_the_admin_site(admin_site, axes_rows):
    attempt = axes_rows[AccessAttempt]

    admin_site.post(AXES_PAGES[AccessAttempt], {"action": "cleanup_expired_attempts", "_selected_action": [attempt.pk]})

    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


@pytest.mark.parametrize("model", list(AXES_PAGES))
def test_axes_rows_cannot_be_added_or_changed_from_the_admin_site(admin_site, axes_rows, model):
    row = axes_rows[model]

    assert admin_site.get(f"{AXES_PAGES[model]}add/").status_code == 403
    assert admin_site.post(f"{AXES_PAGES[model]}{row.pk}/change/", {"username": "acct:000000000000"}).status_code == 403
    assert model.objects.get(pk=row.pk).username == row.username


def test_a_locked_customer_stays_locked_whatever_is_tried_on_axes_pages(admin_site, api_client, locked_customer):
    attempt = AccessAttempt.objects.get()
    admin_site.post(f"{AXES_PAGES[AccessAttempt]}{attempt.pk}/delete/", {"post": "yes"})
    admin_site.post(AXES_PAGES[AccessAttempt], {"action": "delete_selected", "_selected_action": [attempt.pk]})

    assert AccessAttempt.objects.get().failures_since_start == settings.LOCKOUT_FAILURES
    assert is_refused(api_client, locked_customer)
    assert unlock_events() == []


# django-axes' reset commands refuse ------------------------------------------------------------------


@pytest.mark.parametrize("command", LOCK_LIFTING_COMMANDS, ids=lambda command: command[0])
def test_axes_reset_commands_refuse_and_leave_the_lock_in_place(api_client, locked_customer, command):
    with pytest.raises(CommandError, match="manage.py unlock"):
        call_command(*command, stdout=StringIO())

    assert AccessAttempt.objects.get().failures_since_start == settings.LOCKOUT_FAILURES
    assert lockout.seconds_until_unlocked(key_of(locked_customer)) is not None
    assert is_refused(api_client, locked_customer)
    assert unlock_events() == []


def test_the_lock_lifting_axes_commands_are_ours_and_the_log_pruning_ones_axes():
    commands = get_commands()

    assert {commands[command[0]] for command in LOCK_LIFTING_COMMANDS} == {"accounts"}
    assert (commands["axes_reset_logs"], commands["axes_reset_failure_logs"]) == ("axes", "axes")


@pytest.mark.django_db(transaction=True)
def test_operator_axes_reset_exits_non_zero_pointing_to_unlock(locked_customer):
    result = manage("axes_reset")

    assert result.returncode != 0
    assert "manage.py unlock" in result.stderr
    assert AccessAttempt.objects.get().failures_since_start == settings.LOCKOUT_FAILURES


# The audited ways clear everything ---------------------------------------------------------------------


def test_the_admin_unlock_action_is_audited_and_clears_counter_and_axes_record(
    admin_site, admin_user, api_client, locked_customer
):
    admin_site.post(f"{ADMIN}accounts/user/", {"action": "unlock", "_selected_action": [locked_customer.pk]})

    (event,) = unlock_events()
    assert (event.actor_id, event.target_id) == (admin_user.pk, locked_customer.pk)
    assert not is_refused(api_client, locked_customer)
    assert_lock_fully_lifted(key_of(locked_customer))


def test_the_unlock_command_is_audited_and_clears_counter_and_axes_record(api_client, locked_customer):
    call_command("unlock", locked_customer.email, stdout=StringIO())

    (event,) = unlock_events()
    assert (event.actor_label, event.target_id) == ("system", locked_customer.pk)
    assert not is_refused(api_client, locked_customer)
    assert_lock_fully_lifted(key_of(locked_customer))


# Text typed at a login that is neither an email nor an account number --------------------------------


@pytest.fixture
def locked_typed_text() -> str:
    client = Client()
    for _ in range(settings.LOCKOUT_FAILURES):
        client.post(f"{ADMIN}login/", {"username": TYPED_PASSWORD, "password": WRONG})
    assert AccessAttempt.objects.get().failures_since_start == settings.LOCKOUT_FAILURES
    return TYPED_PASSWORD


def test_the_unlock_service_computes_the_key_the_lockout_counted_typed_text_by(locked_typed_text):
    recorded = AccessAttempt.objects.get().username

    assert lockout_clear(identifier=locked_typed_text).key == recorded
    assert_lock_fully_lifted(recorded)


def test_unlock_any_text_lifts_the_lock_of_typed_text_without_keeping_it(locked_typed_text):
    key = AccessAttempt.objects.get().username

    call_command("unlock", locked_typed_text, "--any-text", stdout=StringIO())

    (event,) = unlock_events()
    assert (event.target_id, event.target_label) == (None, "")
    assert locked_typed_text.lower() not in json.dumps(list(AuditEvent.objects.values()), default=str).lower()
    assert_lock_fully_lifted(key)
    login = Client().post(f"{ADMIN}login/", {"username": locked_typed_text, "password": WRONG})
    assert login.status_code == 200  # the form again: a wrong password, no longer a lock


def test_unlock_of_typed_text_without_any_text_is_refused_and_lifts_nothing(locked_typed_text):
    with pytest.raises(CommandError, match="--any-text"):
        call_command("unlock", locked_typed_text, stdout=StringIO())

    assert AccessAttempt.objects.get().failures_since_start == settings.LOCKOUT_FAILURES
    assert unlock_events() == []
