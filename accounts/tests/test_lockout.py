"""
Per-account lockout: LOCKOUT_FAILURES consecutive failures lock an identity for LOCKOUT_MINUTES.
These run in one process; accounts/tests/test_concurrency.py holds the same rules under real
concurrency across gunicorn workers.
"""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from accounts import lockout
from accounts.services import lockout_clear
from accounts.tests.factories import DEFAULT_PASSWORD, totp_code
from bankapi.errors import AccountLockedError

LOGIN = "/api/v1/auth/login"
WRONG = "not the password at all"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_hashers")]


def _login(client, password: str, **identifier):
    return client.post(LOGIN, {**identifier, "password": password}, format="json")


def _fail(client, times: int, **identifier) -> list[int]:
    return [_login(client, WRONG, **identifier).status_code for _ in range(times)]


def test_failures_up_to_the_limit_are_invalid_credentials(api_client, customer):
    statuses = _fail(api_client, settings.LOCKOUT_FAILURES, email=customer.email)

    assert statuses == [401] * settings.LOCKOUT_FAILURES


def test_right_password_is_refused_once_locked(api_client, customer):
    _fail(api_client, settings.LOCKOUT_FAILURES, email=customer.email)

    response = _login(api_client, DEFAULT_PASSWORD, email=customer.email)

    assert response.status_code == 429
    assert response.json()["code"] == "account_locked"
    assert 0 < int(response["Retry-After"]) <= settings.LOCKOUT_MINUTES * 60
    assert response["Cache-Control"] == "no-store"


def test_failures_by_email_and_by_account_number_count_together(api_client, customer):
    _fail(api_client, 3, email=customer.email)
    _fail(api_client, settings.LOCKOUT_FAILURES - 3, account_number=customer.account_number)

    response = _login(api_client, DEFAULT_PASSWORD, email=customer.email.upper())

    assert response.status_code == 429


def test_successful_login_resets_the_count(api_client, customer):
    _fail(api_client, settings.LOCKOUT_FAILURES - 1, email=customer.email)
    assert _login(api_client, DEFAULT_PASSWORD, email=customer.email).status_code == 200

    statuses = _fail(api_client, settings.LOCKOUT_FAILURES - 1, email=customer.email)

    assert statuses == [401] * (settings.LOCKOUT_FAILURES - 1)
    assert _login(api_client, DEFAULT_PASSWORD, email=customer.email).status_code == 200


def test_lock_is_per_account(api_client, customer, auditor):
    _fail(api_client, settings.LOCKOUT_FAILURES, email=customer.email)

    assert _login(api_client, DEFAULT_PASSWORD, email=auditor.email).status_code == 200


def test_unknown_email_locks_like_a_known_one_with_identical_bodies(api_client, customer):
    same_id = {"HTTP_X_REQUEST_ID": "probe-1"}
    known = [api_client.post(LOGIN, {"email": customer.email, "password": WRONG}, format="json", **same_id)]
    unknown = [api_client.post(LOGIN, {"email": "ghost@example.com", "password": WRONG}, format="json", **same_id)]
    for _ in range(settings.LOCKOUT_FAILURES):
        known.append(api_client.post(LOGIN, {"email": customer.email, "password": WRONG}, format="json", **same_id))
        unknown.append(
            api_client.post(LOGIN, {"email": "ghost@example.com", "password": WRONG}, format="json", **same_id)
        )

    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert [r.status_code for r in unknown][-1] == 429
    assert [r.content for r in known] == [r.content for r in unknown]


def test_unknown_account_number_locks(api_client):
    _fail(api_client, settings.LOCKOUT_FAILURES, account_number="400000000002")

    response = _login(api_client, WRONG, account_number="400000000002")

    assert response.status_code == 429
    assert response.json()["code"] == "account_locked"


def test_attempts_during_a_lock_do_not_extend_it(api_client, customer):
    _fail(api_client, settings.LOCKOUT_FAILURES, email=customer.email)
    key = lockout.lockout_key(customer.email, account_number=customer.account_number)
    locked_until = cache.get(f"lockout:locked-until:{key}")

    _fail(api_client, 3, email=customer.email)
    _login(api_client, DEFAULT_PASSWORD, email=customer.email)

    assert cache.get(f"lockout:locked-until:{key}") == locked_until
    assert AccessAttempt.objects.get(username=key).failures_since_start == settings.LOCKOUT_FAILURES


def test_django_axes_records_the_failures_under_the_account(api_client, customer):
    _fail(api_client, 2, email=customer.email)
    _fail(api_client, 1, account_number=customer.account_number)

    attempt = AccessAttempt.objects.get()
    assert attempt.username == f"acct:{customer.account_number}"
    assert attempt.failures_since_start == 3
    assert DEFAULT_PASSWORD not in attempt.post_data and WRONG not in attempt.post_data


def test_lock_survives_a_cache_flush_through_the_axes_record(api_client, customer):
    _fail(api_client, settings.LOCKOUT_FAILURES, email=customer.email)
    cache.delete_pattern("*")

    response = _login(api_client, DEFAULT_PASSWORD, email=customer.email)

    assert response.status_code == 429
    assert response.json()["code"] == "account_locked"


def test_unlock_lets_the_right_password_in_again(api_client, customer):
    _fail(api_client, settings.LOCKOUT_FAILURES, email=customer.email)

    lockout_clear(identifier=customer.account_number)

    assert _login(api_client, DEFAULT_PASSWORD, email=customer.email).status_code == 200


def test_wrong_current_password_on_password_change_counts_towards_the_lock(auth_client, customer):
    for _ in range(settings.LOCKOUT_FAILURES):
        response = auth_client.post(
            "/api/v1/profile/password",
            {"current_password": WRONG, "new_password": "an entirely new passphrase"},
            format="json",
        )
        assert response.status_code == 400

    assert _login(auth_client, DEFAULT_PASSWORD, email=customer.email).status_code == 429


def test_admin_site_login_goes_through_the_lockout(admin_user):
    client = Client()
    login_url = f"/{settings.ADMIN_URL}login/"
    for _ in range(settings.LOCKOUT_FAILURES):
        client.post(login_url, {"username": admin_user.email, "password": WRONG})

    response = client.post(login_url, {"username": admin_user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "account_locked"
    assert "_auth_user_id" not in client.session


def test_admin_site_login_by_email_lets_an_active_admin_in(admin_user):
    client = Client()

    response = client.post(
        f"/{settings.ADMIN_URL}login/",
        {"username": admin_user.email, "password": DEFAULT_PASSWORD, "otp_token": totp_code(admin_user)},
    )

    assert response.status_code == 302
    assert client.get(f"/{settings.ADMIN_URL}").status_code == 200


def test_attempts_beyond_the_slots_still_being_checked_are_told_to_retry_shortly(customer):
    key = lockout.lockout_key(customer.email, account_number=customer.account_number)
    held = [lockout.acquire_slot(key) for _ in range(settings.LOCKOUT_FAILURES)]

    with pytest.raises(AccountLockedError) as refused:
        lockout.acquire_slot(key)

    assert [slot.number for slot in held] == list(range(1, settings.LOCKOUT_FAILURES + 1))
    assert refused.value.retry_after == 1  # nothing is locked yet: the held checks may succeed


def test_attempts_during_a_lock_are_told_how_long_it_lasts(customer):
    key = lockout.lockout_key(customer.email, account_number=customer.account_number)
    for _ in range(settings.LOCKOUT_FAILURES):
        lockout.record_failure(lockout.acquire_slot(key))

    with pytest.raises(AccountLockedError) as refused:
        lockout.acquire_slot(key)

    assert settings.LOCKOUT_MINUTES * 60 - 5 <= refused.value.retry_after <= settings.LOCKOUT_MINUTES * 60
