"""
The audit trail records who did what to whom: every event is written with its action, actor,
target, outcome, client IP, request id and changed fields, in the same transaction as the change,
and never holds a password, a hash or a token.

Actor and target are account numbers; the actor is "system" for an operator's command and empty
(null in the API) for an anonymous attempt; the target of a login on an unknown identity is the
identifier that was tried.
"""

import json
from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from accounts.models import Role, Status, User
from accounts.services import lockout_clear, user_create
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, registration_body, totp_code
from audit.models import Action, AuditEvent, Outcome
from conftest import login
from customers import services as customer_services

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/token/refresh"
LOGOUT = "/api/v1/auth/logout"
PROFILE = "/api/v1/profile"
PASSWORD_CHANGE = "/api/v1/profile/password"
CUSTOMERS = "/api/v1/customers"
ADMIN_LOGIN = f"/{settings.ADMIN_URL}login/"
ADMIN_CUSTOMERS = f"/{settings.ADMIN_URL}accounts/user/"

NEW_PASSWORD = "quiet meadow lantern river"  # noqa: S105
WRONG = "not the password at all"  # noqa: S105
CLIENT_IP = "198.51.100.23"

pytestmark = pytest.mark.django_db


def events(action: str | None = None) -> list[AuditEvent]:
    rows = AuditEvent.objects.order_by("id")
    return list(rows.filter(action=action) if action else rows)


def only_event(action: str) -> AuditEvent:
    found = events(action)
    assert len(found) == 1, [(e.action, e.target_label) for e in events()]
    return found[0]


def row_text(event: AuditEvent) -> str:
    """Every column of the stored row, as text."""
    return json.dumps(AuditEvent.objects.filter(pk=event.pk).values().get(), default=str)


def assert_holds_no_secret(event: AuditEvent, *secrets: str) -> None:
    text = row_text(event)
    for secret in secrets:
        assert secret, "a secret to look for must not be empty"
        assert secret not in text, f"{event.action} holds a secret"


def token_secrets(tokens: dict) -> list[str]:
    """The tokens themselves and their signatures (the part that cannot be recomputed)."""
    found = []
    for name in ("access", "refresh"):
        found += [tokens[name], tokens[name].rsplit(".", 1)[1]]
    return found


def registration(**overrides) -> dict:
    return registration_body(**{"password": NEW_PASSWORD, **overrides})


def api_login(client, password: str, request_id: str = "login-req", **identifier):
    return client.post(LOGIN, {**identifier, "password": password}, format="json", HTTP_X_REQUEST_ID=request_id)


def fail_logins(client, times: int, **identifier) -> list:
    return [api_login(client, WRONG, request_id=f"fail-{n}", **identifier) for n in range(times)]


# Registration ------------------------------------------------------------------------------------


def test_register_writes_a_register_event(api_client):
    response = api_client.post(REGISTER, registration(), format="json", HTTP_X_REQUEST_ID="register-1")

    assert response.status_code == 201
    event = only_event(Action.REGISTER)
    user = User.objects.get(email="ada@example.com")
    assert (event.actor_id, event.actor_label) == (user.pk, user.account_number)
    assert (event.target_id, event.target_label) == (user.pk, user.account_number)
    assert event.outcome == Outcome.SUCCESS
    assert event.ip == "127.0.0.1"
    assert event.request_id == "register-1" == response["X-Request-ID"]


def test_register_event_records_the_new_customers_fields_as_a_staff_creation_does(api_client):
    api_client.post(REGISTER, registration(email="Ada@Example.COM"), format="json")

    assert only_event(Action.REGISTER).changes == {
        "email": {"before": None, "after": "Ada@example.com"},
        "first_name": {"before": None, "after": "Ada"},
        "last_name": {"before": None, "after": "Lovelace"},
        "phone": {"before": None, "after": "+447700900123"},
        "date_of_birth": {"before": None, "after": "1990-12-10"},
        "role": {"before": None, "after": "customer"},
        "status": {"before": None, "after": "active"},
    }


def test_register_event_holds_neither_password_nor_hash(api_client):
    api_client.post(REGISTER, registration(), format="json")

    event = only_event(Action.REGISTER)
    assert_holds_no_secret(event, NEW_PASSWORD, User.objects.get().password)


def test_event_request_id_is_the_generated_one_when_the_client_sends_none(api_client):
    response = api_client.post(REGISTER, registration(), format="json")

    assert only_event(Action.REGISTER).request_id == response["X-Request-ID"]


def test_event_ip_ignores_a_forged_forwarded_for_without_trusted_proxies(api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 0

    api_client.post(REGISTER, registration(), format="json", REMOTE_ADDR=CLIENT_IP, HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert only_event(Action.REGISTER).ip == CLIENT_IP


def test_event_ip_is_the_one_the_trusted_proxy_saw(api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]

    api_client.post(
        REGISTER,
        registration(),
        format="json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"10.9.9.9, {CLIENT_IP}",
    )

    assert only_event(Action.REGISTER).ip == CLIENT_IP


def test_refused_registration_writes_no_register_event(api_client, customer):
    response = api_client.post(REGISTER, registration(email=customer.email.upper()), format="json")

    assert response.status_code == 409
    assert events(Action.REGISTER) == []


# Logins ------------------------------------------------------------------------------------------


def test_api_login_writes_login_succeeded(api_client, customer):
    response = api_login(api_client, DEFAULT_PASSWORD, request_id="login-ok", email=customer.email)

    assert response.status_code == 200
    event = only_event(Action.LOGIN_SUCCEEDED)
    assert (event.actor_label, event.target_label) == (customer.account_number, customer.account_number)
    assert (event.actor_id, event.target_id) == (customer.pk, customer.pk)
    assert event.outcome == Outcome.SUCCESS
    assert event.ip == "127.0.0.1"
    assert event.request_id == "login-ok" == response["X-Request-ID"]
    assert event.changes == {}


def test_login_succeeded_holds_no_password_hash_or_token(api_client, customer):
    tokens = api_login(api_client, DEFAULT_PASSWORD, account_number=customer.account_number).json()

    customer.refresh_from_db()
    assert_holds_no_secret(
        only_event(Action.LOGIN_SUCCEEDED), DEFAULT_PASSWORD, customer.password, *token_secrets(tokens)
    )


def test_admin_site_login_writes_login_succeeded(admin_user):
    client = Client()

    response = client.post(
        ADMIN_LOGIN,
        {"username": admin_user.email, "password": DEFAULT_PASSWORD, "otp_token": totp_code(admin_user)},
        HTTP_X_REQUEST_ID="admin-in",
    )

    assert response.status_code == 302
    event = only_event(Action.LOGIN_SUCCEEDED)
    assert (event.actor_label, event.target_label) == (admin_user.account_number, admin_user.account_number)
    assert event.outcome == Outcome.SUCCESS
    assert event.request_id == "admin-in" == response["X-Request-ID"]
    assert event.ip == "127.0.0.1"


def test_admin_site_wrong_password_writes_login_failed(admin_user):
    Client().post(ADMIN_LOGIN, {"username": admin_user.email, "password": WRONG})

    event = only_event(Action.LOGIN_FAILED)
    assert (event.actor_label, event.target_label) == ("", admin_user.account_number)
    assert event.outcome == Outcome.FAILURE
    assert_holds_no_secret(event, WRONG)


def test_wrong_password_writes_login_failed_with_no_actor(api_client, customer):
    response = api_login(api_client, WRONG, request_id="login-bad", email=customer.email)

    assert response.status_code == 401
    event = only_event(Action.LOGIN_FAILED)
    assert (event.actor_id, event.actor_label) == (None, "")
    assert (event.target_id, event.target_label) == (customer.pk, customer.account_number)
    assert event.outcome == Outcome.FAILURE
    assert event.request_id == "login-bad" == response["X-Request-ID"]
    assert event.ip == "127.0.0.1"
    assert events(Action.LOGIN_SUCCEEDED) == []


def test_login_failed_holds_neither_the_tried_nor_the_real_password(api_client, customer):
    api_login(api_client, WRONG, email=customer.email)

    assert_holds_no_secret(only_event(Action.LOGIN_FAILED), WRONG, DEFAULT_PASSWORD, customer.password)


def test_unknown_email_is_the_target_of_its_login_failed(api_client):
    api_login(api_client, WRONG, email="ghost@example.com")

    event = only_event(Action.LOGIN_FAILED)
    assert (event.target_id, event.target_label) == (None, "ghost@example.com")
    assert event.outcome == Outcome.FAILURE


def test_unknown_account_number_is_the_target_of_its_login_failed(api_client):
    api_login(api_client, WRONG, account_number="400000000002")

    event = only_event(Action.LOGIN_FAILED)
    assert (event.target_id, event.target_label) == (None, "400000000002")


def test_login_while_locked_writes_login_refused_locked(api_client, customer):
    fail_logins(api_client, settings.LOCKOUT_FAILURES, email=customer.email)

    response = api_login(api_client, DEFAULT_PASSWORD, request_id="while-locked", email=customer.email)

    assert response.status_code == 429
    event = only_event(Action.LOGIN_REFUSED_LOCKED)
    assert (event.actor_label, event.target_label) == ("", customer.account_number)
    assert event.outcome == Outcome.REFUSED
    assert event.request_id == "while-locked" == response["X-Request-ID"]
    assert len(events(Action.LOGIN_FAILED)) == settings.LOCKOUT_FAILURES
    assert events(Action.LOGIN_SUCCEEDED) == []


# Lockout and unlock ------------------------------------------------------------------------------


def test_the_failure_that_locks_writes_a_lockout_event(api_client, customer):
    responses = fail_logins(api_client, settings.LOCKOUT_FAILURES, account_number=customer.account_number)

    event = only_event(Action.LOCKOUT)
    assert (event.actor_label, event.target_label) == ("", customer.account_number)
    assert event.target_id == customer.pk
    assert event.outcome == Outcome.SUCCESS
    assert event.request_id == responses[-1]["X-Request-ID"]
    assert event.ip == "127.0.0.1"
    assert event.changes == {"locked_minutes": settings.LOCKOUT_MINUTES}


def test_one_lockout_event_per_lock_however_many_attempts_follow(api_client, customer):
    fail_logins(api_client, settings.LOCKOUT_FAILURES, email=customer.email)
    fail_logins(api_client, 3, email=customer.email)
    api_login(api_client, DEFAULT_PASSWORD, account_number=customer.account_number)

    assert len(events(Action.LOCKOUT)) == 1
    assert len(events(Action.LOGIN_REFUSED_LOCKED)) == 4


def test_no_lockout_event_below_the_limit(api_client, customer):
    fail_logins(api_client, settings.LOCKOUT_FAILURES - 1, email=customer.email)

    assert events(Action.LOCKOUT) == []


def test_a_second_lock_after_an_unlock_writes_a_second_lockout(api_client, customer):
    fail_logins(api_client, settings.LOCKOUT_FAILURES, email=customer.email)
    lockout_clear(identifier=customer.email)

    fail_logins(api_client, settings.LOCKOUT_FAILURES, email=customer.email)

    assert len(events(Action.LOCKOUT)) == 2


def test_lockout_of_an_unknown_email_targets_that_email(api_client):
    fail_logins(api_client, settings.LOCKOUT_FAILURES, email="ghost@example.com")

    event = only_event(Action.LOCKOUT)
    assert (event.target_id, event.target_label) == (None, "ghost@example.com")


def test_unlock_command_writes_unlock_with_the_system_as_actor(customer):
    call_command("unlock", customer.email, stdout=StringIO())

    event = only_event(Action.UNLOCK)
    assert (event.actor_id, event.actor_label) == (None, "system")
    assert (event.target_id, event.target_label) == (customer.pk, customer.account_number)
    assert event.outcome == Outcome.SUCCESS
    assert (event.ip, event.request_id) == (None, "")


def test_unlock_admin_action_writes_unlock_with_the_admin_as_actor(admin_site, admin_user, customer):
    response = admin_site.post(
        ADMIN_CUSTOMERS,
        {"action": "unlock", "_selected_action": [customer.pk]},
        HTTP_X_REQUEST_ID="admin-unlock",
    )

    assert response.status_code == 302
    event = only_event(Action.UNLOCK)
    assert (event.actor_id, event.actor_label) == (admin_user.pk, admin_user.account_number)
    assert (event.target_id, event.target_label) == (customer.pk, customer.account_number)
    assert event.request_id == "admin-unlock" == response["X-Request-ID"]
    assert event.ip == "127.0.0.1"


def test_unlock_of_an_unknown_email_targets_that_email():
    lockout_clear(identifier="Ghost@Example.com")

    event = only_event(Action.UNLOCK)
    assert (event.target_id, event.target_label) == (None, "ghost@example.com")


# Tokens ------------------------------------------------------------------------------------------


def test_logout_writes_a_logout_event(api_client, customer):
    tokens = login(api_client, customer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json", HTTP_X_REQUEST_ID="bye")

    assert response.status_code == 204
    event = only_event(Action.LOGOUT)
    assert (event.actor_label, event.target_label) == (customer.account_number, customer.account_number)
    assert event.outcome == Outcome.SUCCESS
    assert event.request_id == "bye" == response["X-Request-ID"]
    assert_holds_no_secret(event, *token_secrets(tokens))


def test_logout_of_an_already_ended_session_writes_no_second_event(api_client, customer):
    tokens = login(api_client, customer)
    other_session = login(api_client, customer)
    api_client.post(
        LOGOUT, {"refresh": tokens["refresh"]}, format="json", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}"
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_session['access']}")

    response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204
    assert len(events(Action.LOGOUT)) == 1


@pytest.fixture
def replays_after_the_race_window(settings) -> None:
    """A second use of a refresh token counts as a replay at once, not as the loser of a race."""
    settings.JWT_REFRESH_RACE_SECONDS = 0


def test_a_second_use_within_the_race_window_writes_no_reuse_event(api_client, customer):
    tokens = login(api_client, customer)
    api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    response = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 401
    assert events(Action.TOKEN_REUSE_DETECTED) == []
    assert events(Action.TOKEN_REVOKED) == []


def test_refresh_rotation_itself_writes_no_reuse_event(api_client, customer):
    tokens = login(api_client, customer)

    assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 200

    assert events(Action.TOKEN_REUSE_DETECTED) == []
    assert events(Action.TOKEN_REVOKED) == []


def test_reuse_of_a_rotated_refresh_token_writes_token_reuse_detected(
    api_client, customer, replays_after_the_race_window
):
    tokens = login(api_client, customer)
    api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    response = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json", HTTP_X_REQUEST_ID="replay")

    assert response.status_code == 401
    event = only_event(Action.TOKEN_REUSE_DETECTED)
    assert (event.actor_label, event.target_label) == ("", customer.account_number)
    assert event.outcome == Outcome.REFUSED
    assert event.request_id == "replay" == response["X-Request-ID"]
    assert event.ip == "127.0.0.1"
    assert_holds_no_secret(event, *token_secrets(tokens))


def test_reuse_of_a_rotated_refresh_token_revokes_every_token_of_the_user(
    api_client, customer, replays_after_the_race_window
):
    tokens = login(api_client, customer)
    api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    event = only_event(Action.TOKEN_REVOKED)
    assert (event.actor_label, event.target_label) == ("system", customer.account_number)
    assert event.changes == {"token_version": {"before": 0, "after": 1}}
    assert event.request_id == only_event(Action.TOKEN_REUSE_DETECTED).request_id


def test_after_reuse_the_rotated_refresh_token_stops_working(api_client, customer, replays_after_the_race_window):
    tokens = login(api_client, customer)
    rotated = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()
    api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    response = api_client.post(REFRESH, {"refresh": rotated["refresh"]}, format="json")

    assert response.status_code == 401


def test_after_reuse_the_rotated_access_token_stops_working(api_client, customer, replays_after_the_race_window):
    tokens = login(api_client, customer)
    rotated = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()
    api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    response = api_client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {rotated['access']}")

    assert response.status_code == 401


def test_after_reuse_another_sessions_tokens_stop_working(api_client, customer, replays_after_the_race_window):
    other_session = login(api_client, customer)
    tokens = login(api_client, customer)
    api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert api_client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {other_session['access']}").status_code == 401
    assert api_client.post(REFRESH, {"refresh": other_session["refresh"]}, format="json").status_code == 401


# Password change and profile ---------------------------------------------------------------------


def test_password_change_writes_password_changed_and_token_revoked(auth_client, customer):
    response = auth_client.post(
        PASSWORD_CHANGE,
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
        HTTP_X_REQUEST_ID="new-pw",
    )

    assert response.status_code == 204
    changed = only_event(Action.PASSWORD_CHANGED)
    revoked = only_event(Action.TOKEN_REVOKED)
    for event in (changed, revoked):
        assert (event.actor_label, event.target_label) == (customer.account_number, customer.account_number)
        assert event.outcome == Outcome.SUCCESS
        assert event.request_id == "new-pw" == response["X-Request-ID"]
    assert changed.changes == {}
    assert revoked.changes == {"token_version": {"before": 0, "after": 1}}


def test_password_change_events_hold_no_password_hash_or_token(auth_client, customer):
    old_hash = User.objects.get(pk=customer.pk).password
    auth_client.post(
        PASSWORD_CHANGE, {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    new_hash = User.objects.get(pk=customer.pk).password
    for event in events():
        assert_holds_no_secret(
            event, DEFAULT_PASSWORD, NEW_PASSWORD, old_hash, new_hash, *token_secrets(auth_client.tokens)
        )


def test_wrong_current_password_writes_no_password_changed(auth_client, customer):
    response = auth_client.post(
        PASSWORD_CHANGE, {"current_password": WRONG, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert events(Action.PASSWORD_CHANGED) == []
    assert events(Action.TOKEN_REVOKED) == []
    assert only_event(Action.LOGIN_FAILED).target_label == customer.account_number


def test_profile_update_writes_customer_updated_with_before_and_after(auth_client, customer):
    response = auth_client.patch(PROFILE, {"first_name": "Grace", "phone": "+447700900999"}, format="json")

    assert response.status_code == 200
    event = only_event(Action.CUSTOMER_UPDATED)
    assert (event.actor_label, event.target_label) == (customer.account_number, customer.account_number)
    assert event.changes == {
        "first_name": {"before": "Ada", "after": "Grace"},
        "phone": {"before": "+447700900123", "after": "+447700900999"},
    }


def test_profile_update_that_changes_nothing_writes_no_event(auth_client, customer):
    auth_client.patch(PROFILE, {"first_name": customer.first_name}, format="json")

    assert events(Action.CUSTOMER_UPDATED) == []


# Staff writes to customers (API) -----------------------------------------------------------------


def test_staff_create_writes_customer_created(quiet_admin_client, admin_user):
    response = quiet_admin_client.post(
        CUSTOMERS,
        {
            "email": "grace@example.com",
            "first_name": "Grace",
            "last_name": "Hopper",
            "phone": "+447700900555",
            "date_of_birth": "1980-01-02",
            "password": NEW_PASSWORD,
        },
        format="json",
        HTTP_X_REQUEST_ID="create-1",
    )

    assert response.status_code == 201
    event = only_event(Action.CUSTOMER_CREATED)
    created = User.objects.get(email="grace@example.com")
    assert (event.actor_id, event.actor_label) == (admin_user.pk, admin_user.account_number)
    assert (event.target_id, event.target_label) == (created.pk, response.json()["account_number"])
    assert event.outcome == Outcome.SUCCESS
    assert event.request_id == "create-1" == response["X-Request-ID"]
    assert event.changes == {
        "email": {"before": None, "after": "grace@example.com"},
        "first_name": {"before": None, "after": "Grace"},
        "last_name": {"before": None, "after": "Hopper"},
        "phone": {"before": None, "after": "+447700900555"},
        "date_of_birth": {"before": None, "after": "1980-01-02"},
        "role": {"before": None, "after": "customer"},
        "status": {"before": None, "after": "active"},
    }
    assert_holds_no_secret(event, NEW_PASSWORD, created.password)


def test_create_staff_command_writes_customer_created_by_the_system():
    out = StringIO()
    call_command("create_staff", "ops@example.com", "--role", "auditor", stdout=out)

    event = only_event(Action.CUSTOMER_CREATED)
    staff = User.objects.get(email="ops@example.com")
    assert (event.actor_id, event.actor_label) == (None, "system")
    assert (event.target_id, event.target_label) == (staff.pk, staff.account_number)
    assert event.changes == {
        "email": {"before": None, "after": "ops@example.com"},
        "role": {"before": None, "after": "auditor"},
        "status": {"before": None, "after": "active"},
    }
    generated_password = out.getvalue().rsplit(": ", 1)[1].strip()
    assert_holds_no_secret(event, generated_password, staff.password)


def test_staff_update_writes_customer_updated_with_only_the_changed_fields(quiet_admin_client, admin_user, customer):
    response = quiet_admin_client.patch(
        f"{CUSTOMERS}/{customer.account_number}",
        {"last_name": "Byron", "first_name": customer.first_name},
        format="json",
        HTTP_X_REQUEST_ID="update-1",
    )

    assert response.status_code == 200
    event = only_event(Action.CUSTOMER_UPDATED)
    assert (event.actor_label, event.target_label) == (admin_user.account_number, customer.account_number)
    assert event.changes == {"last_name": {"before": "Lovelace", "after": "Byron"}}
    assert event.request_id == "update-1" == response["X-Request-ID"]


def test_staff_freeze_writes_customer_updated_and_token_revoked(quiet_admin_client, admin_user, customer):
    quiet_admin_client.patch(f"{CUSTOMERS}/{customer.account_number}", {"status": "frozen"}, format="json")

    assert only_event(Action.CUSTOMER_UPDATED).changes == {"status": {"before": "active", "after": "frozen"}}
    revoked = only_event(Action.TOKEN_REVOKED)
    assert (revoked.actor_label, revoked.target_label) == (admin_user.account_number, customer.account_number)


def test_staff_close_writes_customer_closed(quiet_admin_client, admin_user, customer):
    response = quiet_admin_client.delete(f"{CUSTOMERS}/{customer.account_number}", HTTP_X_REQUEST_ID="close-1")

    assert response.status_code == 204
    event = only_event(Action.CUSTOMER_CLOSED)
    assert (event.actor_label, event.target_label) == (admin_user.account_number, customer.account_number)
    assert event.changes == {"status": {"before": "active", "after": "closed"}}
    assert event.request_id == "close-1" == response["X-Request-ID"]
    assert events(Action.CUSTOMER_UPDATED) == []


def test_staff_close_revokes_the_customers_tokens_on_the_record(quiet_admin_client, admin_user, customer):
    quiet_admin_client.delete(f"{CUSTOMERS}/{customer.account_number}")

    revoked = only_event(Action.TOKEN_REVOKED)
    assert (revoked.actor_label, revoked.target_label) == (admin_user.account_number, customer.account_number)
    assert revoked.changes == {"token_version": {"before": 0, "after": 1}}


def test_closing_twice_writes_one_customer_closed(quiet_admin_client, customer):
    quiet_admin_client.delete(f"{CUSTOMERS}/{customer.account_number}")

    response = quiet_admin_client.delete(f"{CUSTOMERS}/{customer.account_number}")

    assert response.status_code == 204
    assert len(events(Action.CUSTOMER_CLOSED)) == 1


# Atomicity: the change and its event are kept together or not at all ------------------------------


def test_refused_demotion_of_the_last_admin_writes_no_event(quiet_admin_client, admin_user):
    response = quiet_admin_client.patch(f"{CUSTOMERS}/{admin_user.account_number}", {"role": "auditor"}, format="json")

    assert response.status_code == 409
    assert events(Action.CUSTOMER_UPDATED) == []
    assert events(Action.TOKEN_REVOKED) == []
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_refused_email_change_to_a_taken_one_writes_no_event(quiet_admin_client, customer):
    other = UserFactory()

    response = quiet_admin_client.patch(f"{CUSTOMERS}/{customer.account_number}", {"email": other.email}, format="json")

    assert response.status_code == 409
    assert events(Action.CUSTOMER_UPDATED) == []


def test_a_write_that_fails_after_its_event_keeps_neither(admin_user, customer, monkeypatch):
    def revocation_fails(**kwargs):
        raise RuntimeError("revocation failed")

    monkeypatch.setattr(customer_services, "user_revoke_tokens", revocation_fails)

    with pytest.raises(RuntimeError):
        customer_services.customer_freeze(actor=admin_user, customer=customer)

    customer.refresh_from_db()
    assert customer.status == Status.ACTIVE
    assert events() == []


def test_a_write_whose_event_cannot_be_stored_is_not_kept(admin_user, customer, monkeypatch):
    def audit_fails(**kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(customer_services, "audit_record", audit_fails)

    with pytest.raises(RuntimeError):
        customer_services.customer_update(actor=admin_user, customer=customer, changes={"last_name": "Byron"})

    customer.refresh_from_db()
    assert customer.last_name == "Lovelace"


def test_a_registration_whose_event_cannot_be_stored_creates_no_user(monkeypatch):
    import accounts.services

    def audit_fails(**kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(accounts.services, "audit_record", audit_fails)

    with pytest.raises(RuntimeError):
        user_create(
            actor=None,
            self_registration=True,
            email="ada@example.com",
            password=NEW_PASSWORD,
            first_name="Ada",
            last_name="Lovelace",
            phone="+447700900123",
            date_of_birth=date(1990, 12, 10),
        )

    assert not User.objects.filter(email="ada@example.com").exists()


def test_a_password_change_whose_event_cannot_be_stored_keeps_the_old_password(auth_client, customer, monkeypatch):
    import accounts.services

    real_record = accounts.services.audit_record

    def password_event_fails(**kwargs):
        if kwargs["action"] == Action.PASSWORD_CHANGED:
            raise RuntimeError("audit trail unavailable")
        return real_record(**kwargs)

    monkeypatch.setattr(accounts.services, "audit_record", password_event_fails)
    auth_client.raise_request_exception = False

    response = auth_client.post(
        PASSWORD_CHANGE, {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 500
    assert User.objects.get(pk=customer.pk).check_password(DEFAULT_PASSWORD)
    assert events(Action.TOKEN_REVOKED) == []


# The whole trail of a session --------------------------------------------------------------------


def test_no_event_of_a_whole_session_holds_a_secret(api_client):
    api_client.post(REGISTER, registration(), format="json")
    api_login(api_client, WRONG, email="ada@example.com")
    first = api_login(api_client, NEW_PASSWORD, email="ada@example.com").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {first['access']}")
    second = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {second['access']}")
    api_client.post(LOGOUT, {"refresh": second["refresh"]}, format="json")
    third = api_login(api_client, NEW_PASSWORD, email="ada@example.com").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {third['access']}")
    hash_before = User.objects.get().password
    api_client.post(
        PASSWORD_CHANGE, {"current_password": NEW_PASSWORD, "new_password": "brand new secret phrase"}, format="json"
    )

    secrets = [NEW_PASSWORD, WRONG, "brand new secret phrase", hash_before, User.objects.get().password]
    secrets += token_secrets(first) + token_secrets(second) + token_secrets(third)
    assert {e.action for e in events()} >= {
        Action.REGISTER,
        Action.LOGIN_FAILED,
        Action.LOGIN_SUCCEEDED,
        Action.LOGOUT,
        Action.PASSWORD_CHANGED,
        Action.TOKEN_REVOKED,
    }
    for event in events():
        assert_holds_no_secret(event, *secrets)
