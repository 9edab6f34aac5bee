"""
A failed login that names no account keeps the identifier only when it is a well-formed email or
a 12-digit account number. Anything else typed (people type passwords into the admin site's
user-name box) is kept nowhere: not in the audit trail (its target is null), not in django-axes'
tables, not in the logs, not in the cache's keys. The lockout counts such text under an HMAC keyed
by SECRET_KEY, so repeating it still locks.
"""

import json
import logging
import re

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from accounts import lockout
from audit.models import Action, AuditEvent, Outcome

ADMIN_LOGIN = f"/{settings.ADMIN_URL}login/"
API_LOGIN = "/api/v1/auth/login"
WRONG = "not the password at all"  # noqa: S105
# A password typed into the user-name box: neither an email nor an account number.
TYPED_PASSWORD = "Maple-Orbit-7731-quartz"  # noqa: S105
UNKNOWN_EMAIL = "Nobody.Here@Example.com"
UNKNOWN_ACCOUNT_NUMBER = "400000000002"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_hashers")]


@pytest.fixture(autouse=True)
def everything_logged(caplog, settings):
    """Every log record at every level, axes' own included, and axes' optional failure log on."""
    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="axes")
    return caplog


def admin_login(client: Client, username: str, password: str = WRONG):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password})


def everything_kept(caplog) -> str:
    """The audit trail, django-axes' tables, the logs and the cache's key names, as one text."""
    rows = [
        *AuditEvent.objects.values(),
        *AccessAttempt.objects.values(),
        *AccessAttemptExpiration.objects.values(),
        *AccessFailureLog.objects.values(),
        *AccessLog.objects.values(),
    ]
    return "\n".join([json.dumps(rows, default=str), caplog.text, *cache.keys("*")])


def assert_kept_nowhere(text: str, caplog) -> None:
    kept = everything_kept(caplog)
    assert text not in kept
    assert text.lower() not in kept


def failed_logins() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.LOGIN_FAILED).order_by("id"))


# A password typed as the user name -----------------------------------------------------------------


def test_a_password_typed_as_user_name_at_the_admin_login_is_kept_nowhere(everything_logged):
    response = admin_login(Client(), TYPED_PASSWORD)

    assert response.status_code == 200  # the form again, with its error
    (event,) = failed_logins()
    assert (event.target_id, event.target_label, event.outcome) == (None, "", Outcome.FAILURE)
    assert AccessAttempt.objects.count() == 1  # the failure is recorded, under a hash
    assert_kept_nowhere(TYPED_PASSWORD, everything_logged)


def test_a_password_typed_as_user_name_is_audited_with_a_null_target(quiet_auditor_client):
    admin_login(Client(), TYPED_PASSWORD)

    body = quiet_auditor_client.get("/api/v1/audit-events", {"action": "login_failed"}).json()
    assert [event["target"] for event in body["results"]] == [None]


def test_a_password_typed_as_user_name_at_the_api_login_is_kept_nowhere(api_client, everything_logged):
    response = api_client.post(API_LOGIN, {"email": TYPED_PASSWORD, "password": WRONG}, format="json")

    assert response.status_code == 400
    assert_kept_nowhere(TYPED_PASSWORD, everything_logged)


def test_a_password_typed_as_user_name_until_it_locks_is_kept_nowhere(everything_logged):
    client = Client()
    for _ in range(settings.LOCKOUT_FAILURES + 1):
        admin_login(client, TYPED_PASSWORD)

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {Action.LOGIN_FAILED, Action.LOCKOUT, Action.LOGIN_REFUSED_LOCKED} <= actions
    assert set(AuditEvent.objects.values_list("target_label", flat=True)) == {""}
    assert_kept_nowhere(TYPED_PASSWORD, everything_logged)


# Garbage still locks --------------------------------------------------------------------------------


def test_repeated_garbage_at_the_admin_login_locks_after_the_limit():
    client = Client()
    statuses = [admin_login(client, TYPED_PASSWORD).status_code for _ in range(settings.LOCKOUT_FAILURES)]

    refused = admin_login(client, TYPED_PASSWORD)

    # The admin site answers the failure that locks with the lockout page already (axes' middleware).
    assert statuses == [200] * (settings.LOCKOUT_FAILURES - 1) + [429]
    assert refused.status_code == 429
    assert refused.json()["code"] == "account_locked"
    assert AuditEvent.objects.filter(action=Action.LOCKOUT).count() == 1


def test_garbage_locks_only_itself():
    client = Client()
    for _ in range(settings.LOCKOUT_FAILURES):
        admin_login(client, TYPED_PASSWORD)

    assert admin_login(client, TYPED_PASSWORD + "!").status_code == 200


def test_garbage_is_counted_under_a_hash_keyed_by_the_secret_key(settings):
    key = lockout.lockout_key(TYPED_PASSWORD, account_number=None)
    settings.SECRET_KEY = "another-secret-key-for-this-test"  # noqa: S105

    assert key.startswith("hash:")
    assert TYPED_PASSWORD.lower() not in key.lower()
    assert lockout.lockout_key(TYPED_PASSWORD, account_number=None) != key


def test_a_garbage_key_fits_axes_username_column():
    key = lockout.lockout_key("x" * 10_000, account_number=None)

    assert len(key) <= AccessAttempt._meta.get_field("username").max_length


# A well-formed identifier naming no account is kept ------------------------------------------------


@pytest.mark.parametrize(
    ("identifier", "kept"),
    [(UNKNOWN_EMAIL, UNKNOWN_EMAIL.lower()), (UNKNOWN_ACCOUNT_NUMBER, UNKNOWN_ACCOUNT_NUMBER)],
)
def test_an_unknown_well_formed_identifier_at_the_admin_login_is_kept_as_target(identifier, kept):
    admin_login(Client(), identifier)

    (event,) = failed_logins()
    assert (event.target_id, event.target_label) == (None, kept)
    assert AccessAttempt.objects.get().username.endswith(kept)


@pytest.mark.parametrize(
    ("field", "identifier", "kept"),
    [
        ("email", UNKNOWN_EMAIL, UNKNOWN_EMAIL.lower()),
        ("account_number", UNKNOWN_ACCOUNT_NUMBER, UNKNOWN_ACCOUNT_NUMBER),
    ],
)
def test_an_unknown_well_formed_identifier_at_the_api_login_is_kept_as_target(api_client, field, identifier, kept):
    response = api_client.post(API_LOGIN, {field: identifier, "password": WRONG}, format="json")

    assert response.status_code == 401
    (event,) = failed_logins()
    assert (event.target_id, event.target_label) == (None, kept)


def test_the_lockout_of_an_unknown_email_keeps_the_email():
    client = Client()
    for _ in range(settings.LOCKOUT_FAILURES):
        admin_login(client, UNKNOWN_EMAIL)

    event = AuditEvent.objects.get(action=Action.LOCKOUT)
    assert event.target_label == UNKNOWN_EMAIL.lower()


def test_a_login_with_the_longest_email_the_api_accepts_is_answered_and_locks(api_client):
    longest = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 57]) + ".com"  # 254 characters
    assert len(longest) == 254

    statuses = [
        api_client.post(API_LOGIN, {"email": longest, "password": WRONG}, format="json").status_code
        for _ in range(settings.LOCKOUT_FAILURES + 1)
    ]

    assert statuses == [401] * settings.LOCKOUT_FAILURES + [429]


# The admin login's user-name box ---------------------------------------------------------------------


def test_the_admin_login_box_takes_a_whole_email():
    page = Client().get(ADMIN_LOGIN).content.decode()

    (box,) = re.findall(r'<input[^>]*name="username"[^>]*>', page)
    assert 'maxlength="254"' in box
    assert "Email or account number" in page


def test_the_admin_login_forms_csrf_token_and_one_time_code_are_kept_nowhere(everything_logged):
    csrf_canary, otp_canary = "csrf-canary-5d1b9e7f", "otp-canary-918273"

    Client().post(
        ADMIN_LOGIN,
        {"username": UNKNOWN_EMAIL, "password": WRONG, "csrfmiddlewaretoken": csrf_canary, "otp_token": otp_canary},
    )

    assert AccessAttempt.objects.count() == 1
    assert_kept_nowhere(csrf_canary, everything_logged)
    assert_kept_nowhere(otp_canary, everything_logged)
