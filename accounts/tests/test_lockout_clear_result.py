"""
The unlock service says what it found (accounts.services.LockoutCleared), so that the admin site and
the command can report what happened instead of claiming an unlock: locked or not, by the shared
counter or by django-axes' record alone, and whether failed attempts were forgotten.
"""

import pytest
from django.conf import settings
from django.core.cache import cache

from accounts import lockout
from accounts.services import lockout_clear
from accounts.tests.factories import DEFAULT_PASSWORD

LOGIN = "/api/v1/auth/login"
WRONG = "not the password at all"
pytestmark = pytest.mark.django_db


def fail(client, user, times: int) -> None:
    for _ in range(times):
        client.post(LOGIN, {"email": user.email, "password": WRONG}, format="json")


def test_a_locked_account_is_reported_locked(api_client, customer):
    fail(api_client, customer, settings.LOCKOUT_FAILURES)

    cleared = lockout_clear(identifier=customer.email)

    assert (cleared.key, cleared.was_locked, cleared.had_failures) == (f"acct:{customer.account_number}", True, True)


def test_an_untouched_account_is_reported_not_locked_without_failures(customer):
    cleared = lockout_clear(identifier=customer.account_number)

    assert (cleared.was_locked, cleared.had_failures) == (False, False)


def test_failures_short_of_the_limit_are_not_a_lock_but_are_forgotten(api_client, customer):
    fail(api_client, customer, settings.LOCKOUT_FAILURES - 1)

    cleared = lockout_clear(identifier=customer.account_number)

    assert (cleared.was_locked, cleared.had_failures) == (False, True)
    fail(api_client, customer, 1)  # the count started again: one failure locks nothing
    assert lockout.seconds_until_unlocked(cleared.key) is None


def test_a_lock_held_only_by_axes_record_is_reported_locked(api_client, customer):
    """A server with an in-process cache forgets its locks on restart; axes' record still refuses."""
    fail(api_client, customer, settings.LOCKOUT_FAILURES)
    cache.delete_pattern("lockout:*")
    refused = api_client.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json")
    assert refused.status_code == 429

    cleared = lockout_clear(identifier=customer.account_number)

    assert cleared.was_locked is True
    ok = api_client.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json")
    assert ok.status_code == 200


def test_a_second_unlock_finds_nothing(api_client, customer):
    fail(api_client, customer, settings.LOCKOUT_FAILURES)
    lockout_clear(identifier=customer.account_number)

    cleared = lockout_clear(identifier=customer.account_number)

    assert (cleared.was_locked, cleared.had_failures) == (False, False)
