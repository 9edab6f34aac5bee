"""
The admin site's login asks for the second factor (`otp_token`), checked through the account's
lockout, and its pages need a session verified by it.
"""

import pytest
from django.conf import settings
from django.test import Client

from accounts.tests.factories import DEFAULT_PASSWORD, RECOVERY_CODES, UserFactory, totp_code
from audit.models import Action, AuditEvent
from conftest import assert_problem

ADMIN = "/admin/"
LOGIN = "/admin/login/"


def _log_in(client: Client, user, otp_token: str | None):
    data = {"username": user.email, "password": DEFAULT_PASSWORD}
    if otp_token is not None:
        data["otp_token"] = otp_token
    return client.post(LOGIN, data)


def test_the_login_page_asks_for_the_code(client):
    page = client.get(LOGIN).content.decode()

    for name in ("username", "password", "otp_token"):
        assert f'name="{name}"' in page
    assert 'name="otp_device"' not in page


def test_an_admin_gets_in_with_password_and_code(client, admin_user):
    response = _log_in(client, admin_user, totp_code(admin_user))

    assert response.status_code == 302
    assert client.get(ADMIN).status_code == 200
    assert AuditEvent.objects.filter(action=Action.LOGIN_SUCCEEDED, target=admin_user).count() == 1


def test_a_recovery_code_gets_an_admin_in_once(admin_user):
    assert _log_in(Client(), admin_user, RECOVERY_CODES[0]).status_code == 302

    again = _log_in(Client(), admin_user, RECOVERY_CODES[0])

    assert again.status_code == 200
    assert "otp_token" in again.context["form"].errors or again.context["form"].non_field_errors()


def test_the_password_alone_does_not_get_in(client, admin_user):
    response = _log_in(client, admin_user, None)

    assert response.status_code == 200
    assert "Enter the code from your authenticator app" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_does_not_get_in_and_is_audited(client, admin_user):
    response = _log_in(client, admin_user, "000000")

    assert response.status_code == 200
    assert "The authenticator code is wrong or was used already." in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert (event.target_label, event.changes) == (admin_user.account_number, {"reason": "invalid_otp"})


def test_the_same_code_twice_is_refused(admin_user):
    code = totp_code(admin_user)
    assert _log_in(Client(), admin_user, code).status_code == 302

    assert _log_in(Client(), admin_user, code).status_code == 200


@pytest.mark.usefixtures("production_hashers")
def test_wrong_codes_count_toward_the_lockout(client, admin_user):
    statuses = [_log_in(client, admin_user, f"00000{n}").status_code for n in range(settings.LOCKOUT_FAILURES)]

    assert statuses == [200] * settings.LOCKOUT_FAILURES
    locked = _log_in(client, admin_user, totp_code(admin_user))
    assert_problem(locked, 429, "account_locked")
    assert "_auth_user_id" not in client.session


def test_an_admin_without_mfa_is_told_to_enroll_through_the_api(db, client):
    admin = UserFactory(role="admin", mfa=False)

    response = _log_in(client, admin, "123456")

    assert response.status_code == 200
    assert "Set up two-factor authentication through the API first" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_not_verified_by_a_code_is_sent_to_the_login(client, admin_user):
    client.force_login(admin_user)  # a password-only session

    response = client.get(ADMIN)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
