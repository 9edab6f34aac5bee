"""
`manage.py unlock EMAIL|ACCOUNT_NUMBER` leaves an `unlock` event in the audit trail with the
operator's command as its actor ("system"), in the same transaction as the unlock: bad input, or an
unlock that cannot finish, leaves no event.
"""

from io import StringIO
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts import lockout
from accounts.tests.factories import DEFAULT_PASSWORD
from audit.models import Action, AuditEvent, Outcome
from conftest import manage

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
LOGIN = "/api/v1/auth/login"
WRONG = "not the password at all"  # noqa: S105


def unlock(identifier: str) -> str:
    out = StringIO()
    call_command("unlock", identifier, stdout=out)
    return out.getvalue()


def unlock_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.UNLOCK).order_by("id"))


def lock(api_client, **identifier: str) -> None:
    for _ in range(settings.LOCKOUT_FAILURES):
        api_client.post(LOGIN, {**identifier, "password": WRONG}, format="json")


class BrokenCache:
    """A cache whose server is unreachable."""

    def __getattr__(self, name: str):
        def unreachable(*args, **kwargs):
            raise RedisConnectionError("Connection refused")

        return unreachable


# In process --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unlock_by_email_writes_an_unlock_event_by_the_system(customer):
    unlock(customer.email)

    (event,) = unlock_events()
    assert (event.actor_id, event.actor_label) == (None, "system")
    assert (event.target_id, event.target_label) == (customer.pk, customer.account_number)
    assert event.outcome == Outcome.SUCCESS


@pytest.mark.django_db
def test_unlock_by_account_number_writes_an_unlock_event_by_the_system(customer):
    unlock(customer.account_number)

    (event,) = unlock_events()
    assert (event.actor_label, event.target_label) == ("system", customer.account_number)


@pytest.mark.django_db
def test_unlock_event_of_a_command_has_no_ip_nor_request_id(customer):
    unlock(customer.email)

    (event,) = unlock_events()
    assert (event.ip, event.request_id) == (None, "")


@pytest.mark.django_db
def test_unlock_event_has_no_changes(customer):
    unlock(customer.email)

    assert unlock_events()[0].changes == {}


@pytest.mark.django_db
def test_unlock_of_a_locked_account_writes_its_event_after_the_lockout(api_client, customer):
    lock(api_client, email=customer.email)

    unlock(customer.email)

    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-1] == Action.UNLOCK
    assert Action.LOCKOUT in actions[:-1]
    assert (
        api_client.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json").status_code
        == 200
    )


@pytest.mark.django_db
def test_unlock_of_an_unknown_email_targets_the_email():
    unlock("Ghost@Example.com")

    (event,) = unlock_events()
    assert (event.target_id, event.target_label) == (None, "ghost@example.com")
    assert event.actor_label == "system"


@pytest.mark.django_db
def test_unlock_of_an_unknown_account_number_targets_the_number():
    unlock("400000000002")

    (event,) = unlock_events()
    assert (event.target_id, event.target_label) == (None, "400000000002")


@pytest.mark.django_db
def test_each_unlock_writes_its_own_event(customer):
    unlock(customer.email)
    unlock(customer.account_number)

    assert len(unlock_events()) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["bob", "12345678901", "1234567890123", "40001234567x", "@example.com", ""])
def test_bad_input_is_refused_and_writes_no_event(bad):
    with pytest.raises(CommandError):
        unlock(bad)

    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_an_unlock_the_cache_cannot_finish_writes_no_event(api_client, customer, monkeypatch):
    lock(api_client, email=customer.email)
    events_before = AuditEvent.objects.count()
    monkeypatch.setattr(lockout, "cache", BrokenCache())

    with pytest.raises(CommandError, match="nothing was unlocked"):
        unlock(customer.email)

    assert AuditEvent.objects.count() == events_before
    assert unlock_events() == []


@pytest.mark.django_db
def test_an_unlock_the_cache_cannot_finish_keeps_the_axes_record(api_client, customer, monkeypatch):
    lock(api_client, email=customer.email)
    monkeypatch.setattr(lockout, "cache", BrokenCache())

    with pytest.raises(CommandError):
        unlock(customer.email)

    assert AccessAttempt.objects.get().failures_since_start == settings.LOCKOUT_FAILURES


# As an operator runs it --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_operator_unlock_writes_an_event_by_the_system(customer):
    result = manage("unlock", customer.email)

    assert result.returncode == 0, result.stderr
    (event,) = unlock_events()
    assert (event.actor_label, event.target_label) == ("system", customer.account_number)


@pytest.mark.django_db(transaction=True)
def test_operator_unlock_with_bad_input_exits_non_zero_and_writes_no_event():
    result = manage("unlock", "not-an-identifier")

    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not an email or a 12-digit account number" in result.stderr
    assert AuditEvent.objects.count() == 0
