"""
accounts.services.user_create, the one way a user comes to exist: registration, the staff API, the
admin site and `create_staff` all call it, so a taken email, a lost race for one and an impossible
role are refused the same way whoever asks. (Each caller's audit event is pinned in
audit/tests/test_audit_events.py; simultaneous registrations in test_concurrency.py.)
"""

import pytest

import accounts.services
from accounts.models import Role, User
from accounts.selectors import email_is_taken
from accounts.services import user_create
from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from bankapi.errors import ConflictError

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 42"  # noqa: S105


@pytest.fixture
def callers(admin_user) -> dict[str, dict]:
    """The arguments each kind of caller passes: who acts, and as what."""
    return {
        "registration": {"actor": None, "self_registration": True},
        "staff": {"actor": admin_user},
        "system": {"actor": None, "role": Role.AUDITOR},
    }


@pytest.mark.parametrize("caller", ["registration", "staff", "system"])
def test_a_taken_email_in_another_case_is_a_conflict_for_every_caller(callers, caller):
    UserFactory(email="taken@example.com")
    before = AuditEvent.objects.count()

    with pytest.raises(ConflictError):
        user_create(email="Taken@EXAMPLE.com", password=NEW_PASSWORD, **callers[caller])

    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("caller", ["registration", "staff", "system"])
def test_an_email_taken_between_the_check_and_the_insert_is_a_conflict_not_a_crash(callers, caller, monkeypatch):
    """The unique constraint decides a race the check lost (another creation committed in between)."""
    UserFactory(email="taken@example.com")
    monkeypatch.setattr(accounts.services, "email_is_taken", lambda email, **kwargs: False)

    with pytest.raises(ConflictError):
        user_create(email="TAKEN@example.com", password=NEW_PASSWORD, **callers[caller])

    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


def test_a_registration_creates_a_customer_only():
    with pytest.raises(ValueError, match="registration"):
        user_create(actor=None, self_registration=True, role=Role.ADMIN, email="a@example.com", password=NEW_PASSWORD)

    assert not User.objects.exists()


def test_a_registration_has_no_actor_but_the_new_customer(admin_user):
    with pytest.raises(ValueError, match="registration"):
        user_create(actor=admin_user, self_registration=True, email="a@example.com", password=NEW_PASSWORD)

    assert not User.objects.filter(email="a@example.com").exists()


def test_an_unknown_role_is_refused_not_reported_as_a_taken_email():
    with pytest.raises(ValueError, match="role"):
        user_create(actor=None, role="superuser", email="a@example.com", password=NEW_PASSWORD)

    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_without_a_password_the_user_has_no_usable_password(admin_user):
    created = user_create(actor=admin_user, email="a@example.com", first_name="Ada", last_name="Lovelace")

    assert not created.has_usable_password()


def test_email_is_taken_compares_case_insensitively_and_may_exclude_the_user_who_has_it():
    owner = UserFactory(email="owner@example.com")

    assert email_is_taken("OWNER@example.COM")
    assert not email_is_taken("OWNER@example.COM", exclude=owner)
    assert not email_is_taken("nobody@example.com")
