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


# A customer of the Flask service's clients brings their own account number (legacy.services) -----

FLASK_NUMBER = "123456789012"  # not a Luhn number: numbers of the earlier system are kept as they were


def test_a_free_account_number_is_kept_and_its_current_account_opened_without_an_email(admin_user):
    from ledger.models import Account

    created = user_create(
        actor=admin_user,
        email=None,
        account_number=FLASK_NUMBER,
        password=NEW_PASSWORD,
        first_name="Ada",
        last_name="Lovelace",
        recorded_fields={"address": "12 Main St", "branch_code": ""},
    )

    created.refresh_from_db()
    assert created.account_number == FLASK_NUMBER
    assert created.email is None
    assert created.check_password(NEW_PASSWORD)
    assert Account.objects.filter(holder=created).exists()
    event = AuditEvent.objects.get(action="customer_created", target=created)
    assert event.changes["address"] == {"before": None, "after": "12 Main St"}
    assert "branch_code" not in event.changes  # empty values are not recorded, as for the user's own fields


def test_a_taken_account_number_is_a_conflict_and_nothing_is_written(admin_user):
    user_create(actor=admin_user, email=None, account_number=FLASK_NUMBER)
    before = AuditEvent.objects.count()

    with pytest.raises(ConflictError, match="account number"):
        user_create(actor=None, self_registration=True, email=None, account_number=FLASK_NUMBER, password=NEW_PASSWORD)

    assert User.objects.filter(account_number=FLASK_NUMBER).count() == 1
    assert AuditEvent.objects.count() == before


def test_an_account_number_taken_between_the_check_and_the_insert_is_a_conflict_not_a_crash(monkeypatch):
    """The unique constraint on account_number decides a race the check lost."""
    UserFactory()  # any user: the real check below is bypassed for one call only
    taken = User.objects.get().account_number
    real_filter = User.objects.filter
    calls = {"n": 0}

    def filter_missing_once(*args, **kwargs):
        if kwargs.get("account_number") == taken and calls["n"] == 0:
            calls["n"] += 1
            return real_filter(pk=-1)
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(User.objects, "filter", filter_missing_once)

    with pytest.raises(ConflictError, match="account number"):
        user_create(actor=None, email=None, account_number=taken)

    assert calls["n"] == 1
    assert real_filter(account_number=taken).count() == 1


def test_only_a_user_bringing_an_account_number_may_have_no_email():
    with pytest.raises(ValueError, match="email"):
        user_create(actor=None, email=None, first_name="Ada", last_name="Lovelace")

    assert not User.objects.exists()


@pytest.mark.parametrize("number", ["12345678901", "1234567890123", "12345678901a", "١٢٣٤٥٦٧٨٩٠١٢"])
def test_an_account_number_must_be_twelve_ascii_digits(number):
    with pytest.raises(ValueError, match="12 digits"):
        user_create(actor=None, email=None, account_number=number)

    assert not User.objects.exists()


def test_staff_never_bring_an_account_number():
    with pytest.raises(ValueError, match="customer"):
        user_create(actor=None, email="a@example.com", role=Role.AUDITOR, account_number=FLASK_NUMBER)
