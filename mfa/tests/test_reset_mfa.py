"""
`manage.py reset_mfa EMAIL|ACCOUNT_NUMBER`: a lost phone. The devices and recovery codes go, the
user's tokens are revoked, the password alone logs in again, staff must enroll again; audited.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from audit.models import Action, AuditEvent
from conftest import assert_problem, login, manage, token_client


def _reset(identifier: str) -> str:
    out = StringIO()
    call_command("reset_mfa", identifier, stdout=out)
    return out.getvalue()


def test_reset_mfa_removes_the_devices_and_the_password_alone_logs_in(api_client, admin_user):
    client = token_client(admin_user)

    output = _reset(admin_user.email)

    assert f"reset MFA of {admin_user}" in output
    assert "must enroll again" in output
    assert not TOTPDevice.objects.filter(user=admin_user).exists()
    assert not StaticDevice.objects.filter(user=admin_user).exists()
    admin_user.refresh_from_db()
    assert not admin_user.has_mfa
    assert_problem(client.get("/api/v1/profile"), 401, "not_authenticated")  # tokens revoked
    tokens = api_client.post(
        "/api/v1/auth/login", {"email": admin_user.email, "password": DEFAULT_PASSWORD}, format="json"
    ).json()
    assert "access" in tokens
    confined = token_client(admin_user)
    assert_problem(confined.get("/api/v1/customers"), 403, "mfa_enrollment_required")
    assert confined.post("/api/v1/auth/mfa/totp").status_code == 200


def test_reset_mfa_is_audited_by_the_system(admin_user):
    _reset(admin_user.account_number)

    event = AuditEvent.objects.get(action=Action.MFA_RESET)
    assert (event.actor_label, event.target_label) == ("system", admin_user.account_number)
    assert event.changes == {"mfa": {"before": True, "after": False}}
    assert AuditEvent.objects.filter(action=Action.TOKEN_REVOKED, target=admin_user).exists()


def test_reset_mfa_of_a_user_without_mfa_says_so(customer):
    output = _reset(customer.email)

    assert "had no MFA" in output


@pytest.mark.django_db
def test_reset_mfa_of_an_unknown_user_fails():
    with pytest.raises(CommandError, match="no user has"):
        _reset("nobody@example.com")


def test_reset_mfa_exits_non_zero_with_one_line(transactional_db):
    result = manage("reset_mfa", "nobody@example.com")

    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "nobody@example.com" in result.stderr


def test_pending_mfa_tokens_are_refused_after_a_reset(db, api_client):
    user = UserFactory(mfa=True)
    body = api_client.post(
        "/api/v1/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    ).json()

    _reset(user.email)

    response = api_client.post(
        "/api/v1/auth/mfa/verify", {"mfa_token": body["mfa_token"], "code": "123456"}, format="json"
    )
    assert_problem(response, 401, "not_authenticated")
    assert "access" in login(api_client, user)
