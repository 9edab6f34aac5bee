"""
No way around the services for staff and passwords: Django's `createsuperuser` and `changepassword`
refuse and point to `create_staff` and `set_password_link` (which are audited), and the admin site's
own "Change password" sets the password through the service, so the change is audited and the
tokens issued before it are revoked.
"""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD
from audit.models import Action, AuditEvent
from conftest import manage, token_client

ADMIN = f"/{settings.ADMIN_URL}"
NEW_PASSWORD = "a brand new passphrase 7"  # noqa: S105


def test_djangos_user_commands_are_ours():
    commands = get_commands()

    assert (commands["createsuperuser"], commands["changepassword"]) == ("accounts", "accounts")


def test_the_user_manager_offers_no_way_to_make_a_superuser_past_the_service():
    assert not hasattr(User.objects, "create_superuser")


@pytest.mark.django_db
def test_createsuperuser_refuses_and_points_to_create_staff():
    with pytest.raises(CommandError, match="create_staff EMAIL --role admin"):
        call_command("createsuperuser", stdout=StringIO())

    assert not User.objects.exists()


@pytest.mark.django_db
def test_changepassword_refuses_and_points_to_the_set_password_link(admin_user):
    with pytest.raises(CommandError, match="set_password_link EMAIL"):
        call_command("changepassword", admin_user.account_number, stdout=StringIO())

    assert User.objects.get(pk=admin_user.pk).check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_an_operators_createsuperuser_exits_non_zero_whatever_its_options():
    result = manage("createsuperuser", "--noinput", "--email", "boss@example.com", "--username", "x")

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "CommandError: createsuperuser is disabled here: it would bypass the audit trail. "
        "Use `python manage.py create_staff EMAIL --role admin`, which is audited."
    ]
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_operators_changepassword_exits_non_zero_and_changes_nothing(admin_user):
    result = manage("changepassword", admin_user.account_number, stdin=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")

    assert result.returncode != 0
    assert "manage.py set_password_link" in result.stderr
    assert "Traceback" not in result.stderr
    assert User.objects.get(pk=admin_user.pk).check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_the_admin_sites_change_password_is_audited_and_revokes_earlier_tokens(admin_site, admin_user):
    api = token_client(admin_user)
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    response = admin_site.post(
        f"{ADMIN}password_change/",
        {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert User.objects.get(pk=admin_user.pk).check_password(NEW_PASSWORD)
    new_events = AuditEvent.objects.exclude(pk__in=before)
    assert sorted(new_events.values_list("action", flat=True)) == [Action.PASSWORD_CHANGED, Action.TOKEN_REVOKED]
    assert {event.actor for event in new_events} == {admin_user}
    assert api.get("/api/v1/profile").status_code == 401
    assert admin_site.get(ADMIN).status_code == 200  # the session that changed it goes on
