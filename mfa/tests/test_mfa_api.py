"""
MFA through the API: enrollment (otpauth URI, QR code, recovery codes), the two-step login, codes
that work once, wrong codes counted by the lockout, the mfa_token's limits, and staff without MFA
confined to enrolling.
"""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    RECOVERY_CODES,
    UserFactory,
    api_login,
    code_from_otpauth_uri,
    totp_code,
)
from audit.models import Action, AuditEvent
from conftest import assert_problem, login, token_client

LOGIN = "/api/v1/auth/login"
VERIFY = "/api/v1/auth/mfa/verify"
ENROLL = "/api/v1/auth/mfa/totp"
CONFIRM = "/api/v1/auth/mfa/totp/confirm"
PROFILE = "/api/v1/profile"
REFRESH = "/api/v1/auth/token/refresh"


def _password_step(client: APIClient, user) -> dict:
    response = client.post(LOGIN, {"account_number": user.account_number, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _verify(client: APIClient, mfa_token: str, code: str):
    return client.post(VERIFY, {"mfa_token": mfa_token, "code": code}, format="json")


@pytest.fixture
def enrolled_customer(db):
    return UserFactory(mfa=True)


# Enrollment ---------------------------------------------------------------------------------------


def test_enrollment_gives_an_otpauth_uri_and_its_qr_code_as_svg(auth_client, customer):
    response = auth_client.post(ENROLL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"otpauth_uri", "qr_svg"}
    uri = urlparse(body["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert customer.account_number in uri.path
    query = parse_qs(uri.query)
    assert re.fullmatch(r"[A-Z2-7]{32}", query["secret"][0])
    assert query["issuer"] == [settings.OTP_TOTP_ISSUER]
    assert body["qr_svg"].startswith("<svg") and body["qr_svg"].endswith("</svg>")
    device = TOTPDevice.objects.get(user=customer)
    assert device.confirmed is False


def test_starting_again_replaces_the_unconfirmed_secret(auth_client, customer):
    first = auth_client.post(ENROLL).json()["otpauth_uri"]
    second = auth_client.post(ENROLL).json()["otpauth_uri"]

    assert first != second
    assert TOTPDevice.objects.filter(user=customer).count() == 1
    assert_problem(auth_client.post(CONFIRM, {"code": code_from_otpauth_uri(first)}, format="json"), 401, "invalid_otp")


def test_confirm_gives_ten_recovery_codes_once_and_turns_mfa_on(auth_client, customer):
    uri = auth_client.post(ENROLL).json()["otpauth_uri"]

    response = auth_client.post(CONFIRM, {"code": code_from_otpauth_uri(uri)}, format="json")

    assert response.status_code == 200
    codes = response.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    customer.refresh_from_db()
    assert customer.has_mfa
    assert TOTPDevice.objects.get(user=customer).confirmed
    event = AuditEvent.objects.get(action=Action.MFA_ENROLLED)
    assert (event.actor_label, event.target_label) == (customer.account_number, customer.account_number)
    # Shown once: enrolling or confirming again is a conflict, and nothing shows the codes again.
    assert_problem(auth_client.post(CONFIRM, {"code": code_from_otpauth_uri(uri)}, format="json"), 409, "conflict")
    assert_problem(auth_client.post(ENROLL), 409, "conflict")


def test_confirm_with_a_wrong_code_is_invalid_otp_and_changes_nothing(auth_client, customer):
    auth_client.post(ENROLL)

    response = auth_client.post(CONFIRM, {"code": "000000"}, format="json")

    assert_problem(response, 401, "invalid_otp")
    customer.refresh_from_db()
    assert not customer.has_mfa
    assert not AuditEvent.objects.filter(action=Action.MFA_ENROLLED).exists()


def test_confirm_without_an_enrollment_in_progress_is_a_conflict(auth_client):
    assert_problem(auth_client.post(CONFIRM, {"code": "123456"}, format="json"), 409, "conflict")


def test_enrollment_needs_a_token(api_client):
    assert_problem(api_client.post(ENROLL), 401, "not_authenticated")
    assert_problem(api_client.post(CONFIRM, {"code": "123456"}, format="json"), 401, "not_authenticated")


def test_a_customer_who_opts_in_logs_in_with_two_steps_from_then_on(auth_client, customer, api_client):
    uri = auth_client.post(ENROLL).json()["otpauth_uri"]
    codes = auth_client.post(CONFIRM, {"code": code_from_otpauth_uri(uri)}, format="json").json()["recovery_codes"]

    body = _password_step(api_client, customer)

    assert set(body) == {"mfa_required", "mfa_token"} and body["mfa_required"] is True
    # (The confirmation spent this time step's TOTP code; a recovery code saves waiting for the next.)
    tokens = _verify(api_client, body["mfa_token"], codes[0]).json()
    assert tokens["role"] == "customer"


# The two-step login -------------------------------------------------------------------------------


def test_login_with_mfa_answers_mfa_required_instead_of_tokens(api_client, enrolled_customer):
    body = _password_step(api_client, enrolled_customer)

    assert body["mfa_required"] is True
    assert "access" not in body and "refresh" not in body
    # The password step alone is no login: nothing audited as one.
    assert not AuditEvent.objects.filter(action=Action.LOGIN_SUCCEEDED).exists()


def test_verify_with_a_totp_code_gives_working_tokens(api_client, enrolled_customer):
    mfa_token = _password_step(api_client, enrolled_customer)["mfa_token"]

    response = _verify(api_client, mfa_token, totp_code(enrolled_customer))

    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh", "token_type", "expires_in", "role"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get(PROFILE).json()["account_number"] == enrolled_customer.account_number
    assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 200
    event = AuditEvent.objects.get(action=Action.LOGIN_SUCCEEDED)
    assert event.target_label == enrolled_customer.account_number


def test_the_same_totp_code_twice_is_refused(api_client, enrolled_customer):
    code = totp_code(enrolled_customer)
    first = _verify(api_client, _password_step(api_client, enrolled_customer)["mfa_token"], code)
    assert first.status_code == 200

    again = _verify(api_client, _password_step(api_client, enrolled_customer)["mfa_token"], code)

    assert_problem(again, 401, "invalid_otp")


def test_a_recovery_code_works_once(api_client, enrolled_customer):
    first = _verify(api_client, _password_step(api_client, enrolled_customer)["mfa_token"], RECOVERY_CODES[0])
    assert first.status_code == 200, first.content
    assert StaticToken.objects.filter(device__user=enrolled_customer).count() == len(RECOVERY_CODES) - 1

    again = _verify(api_client, _password_step(api_client, enrolled_customer)["mfa_token"], RECOVERY_CODES[0])

    assert_problem(again, 401, "invalid_otp")
    other = _verify(api_client, _password_step(api_client, enrolled_customer)["mfa_token"], RECOVERY_CODES[1])
    assert other.status_code == 200


def test_a_wrong_code_is_invalid_otp_and_audited_without_the_code(api_client, enrolled_customer):
    mfa_token = _password_step(api_client, enrolled_customer)["mfa_token"]

    response = _verify(api_client, mfa_token, "000000")

    assert_problem(response, 401, "invalid_otp")
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.target_label == enrolled_customer.account_number
    assert event.changes == {"reason": "invalid_otp"}
    # A mistyped code can be corrected with the same mfa_token.
    assert _verify(api_client, mfa_token, totp_code(enrolled_customer)).status_code == 200


@pytest.mark.usefixtures("production_hashers")
def test_wrong_codes_lock_the_account_and_then_even_a_right_code_is_refused(api_client, enrolled_customer):
    mfa_token = _password_step(api_client, enrolled_customer)["mfa_token"]

    statuses = [_verify(api_client, mfa_token, f"00000{n}").status_code for n in range(settings.LOCKOUT_FAILURES)]

    assert statuses == [401] * settings.LOCKOUT_FAILURES
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, target_label=enrolled_customer.account_number).exists()
    locked = _verify(api_client, mfa_token, totp_code(enrolled_customer))
    assert_problem(locked, 429, "account_locked")
    assert 0 < int(locked["Retry-After"]) <= settings.LOCKOUT_MINUTES * 60
    # The password is refused too: one lock per account, whichever factor was guessed.
    password = api_client.post(
        LOGIN, {"account_number": enrolled_customer.account_number, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert_problem(password, 429, "account_locked")


@pytest.mark.usefixtures("production_hashers")
def test_wrong_passwords_and_wrong_codes_count_together(api_client, enrolled_customer):
    for _ in range(settings.LOCKOUT_FAILURES - 1):
        wrong = api_client.post(
            LOGIN, {"account_number": enrolled_customer.account_number, "password": "not the password"}, format="json"
        )
        assert wrong.status_code == 401
    mfa_token = _password_step(api_client, enrolled_customer)["mfa_token"]

    assert_problem(_verify(api_client, mfa_token, "000000"), 401, "invalid_otp")

    assert_problem(_verify(api_client, mfa_token, totp_code(enrolled_customer)), 429, "account_locked")


@pytest.mark.usefixtures("production_hashers")
def test_for_a_user_with_mfa_only_a_completed_verify_resets_the_failure_count(api_client, enrolled_customer):
    for _ in range(settings.LOCKOUT_FAILURES - 1):
        api_client.post(
            LOGIN, {"account_number": enrolled_customer.account_number, "password": "not the password"}, format="json"
        )
    # Right passwords alone reset nothing (nor do they count as failures).
    for _ in range(3):
        mfa_token = _password_step(api_client, enrolled_customer)["mfa_token"]
    assert_problem(_verify(api_client, mfa_token, "000000"), 401, "invalid_otp")  # the last slot: locks
    assert_problem(_verify(api_client, mfa_token, totp_code(enrolled_customer)), 429, "account_locked")


@pytest.mark.usefixtures("production_hashers")
def test_a_completed_verify_resets_the_failure_count(api_client, enrolled_customer):
    mfa_token = _password_step(api_client, enrolled_customer)["mfa_token"]
    for _ in range(settings.LOCKOUT_FAILURES - 1):
        _verify(api_client, mfa_token, "000000")
    assert _verify(api_client, mfa_token, totp_code(enrolled_customer)).status_code == 200

    mfa_token = _password_step(api_client, enrolled_customer)["mfa_token"]
    statuses = [_verify(api_client, mfa_token, "000000").status_code for _ in range(settings.LOCKOUT_FAILURES - 1)]

    assert statuses == [401] * (settings.LOCKOUT_FAILURES - 1)


# The mfa_token ------------------------------------------------------------------------------------


def test_the_mfa_token_is_single_use(api_client, enrolled_customer):
    mfa_token = _password_step(api_client, enrolled_customer)["mfa_token"]
    assert _verify(api_client, mfa_token, totp_code(enrolled_customer)).status_code == 200

    again = _verify(api_client, mfa_token, RECOVERY_CODES[0])

    assert_problem(again, 401, "not_authenticated")
    # The recovery code was not spent on the refused attempt.
    assert StaticToken.objects.filter(device__user=enrolled_customer, token=RECOVERY_CODES[0]).exists()


def test_the_mfa_token_expires(api_client, enrolled_customer, settings):
    from accounts.tokens import MfaToken

    token = MfaToken.for_login(enrolled_customer)
    token.set_exp(from_time=timezone.now(), lifetime=timezone.timedelta(seconds=-1))

    assert_problem(_verify(api_client, str(token), totp_code(enrolled_customer)), 401, "not_authenticated")
    assert MfaToken.lifetime == timezone.timedelta(minutes=5)


def test_the_mfa_token_is_no_access_or_refresh_token(api_client, enrolled_customer):
    mfa_token = _password_step(api_client, enrolled_customer)["mfa_token"]

    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {mfa_token}")
    assert_problem(bearer.get(PROFILE), 401, "not_authenticated")
    assert_problem(bearer.post(ENROLL), 401, "not_authenticated")
    assert api_client.post(REFRESH, {"refresh": mfa_token}, format="json").status_code == 401


def test_an_access_or_refresh_token_is_no_mfa_token(api_client, enrolled_customer):
    tokens = login(api_client, enrolled_customer)

    for token, code in zip((tokens["access"], tokens["refresh"]), RECOVERY_CODES, strict=False):
        assert_problem(_verify(api_client, token, code), 401, "not_authenticated")


def test_a_password_change_revokes_pending_mfa_tokens(api_client, enrolled_customer):
    mfa_token = _password_step(api_client, enrolled_customer)["mfa_token"]
    from accounts.services import user_set_password

    user_set_password(user=enrolled_customer, password="another correct horse battery")

    assert_problem(_verify(api_client, mfa_token, totp_code(enrolled_customer)), 401, "not_authenticated")


def test_verify_with_a_frozen_user_is_refused(api_client, enrolled_customer):
    mfa_token = _password_step(api_client, enrolled_customer)["mfa_token"]
    enrolled_customer.status = "frozen"
    enrolled_customer.save(update_fields=["status"])

    assert_problem(_verify(api_client, mfa_token, totp_code(enrolled_customer)), 401, "not_authenticated")


def test_verify_refuses_unknown_fields_and_missing_ones(api_client):
    body = assert_problem(
        api_client.post(VERIFY, {"code": "123456", "extra": 1}, format="json"), 400, "validation_error"
    )
    assert {"mfa_token", "extra"} <= set(body["errors"])


# Staff must enroll --------------------------------------------------------------------------------


@pytest.fixture
def unenrolled_auditor(db):
    return UserFactory(role="auditor", mfa=False)


@pytest.fixture
def unenrolled_admin(db):
    return UserFactory(role="admin", mfa=False)


@pytest.mark.parametrize(
    "method, path", [("get", PROFILE), ("get", "/api/v1/customers"), ("get", "/api/v1/audit-events")]
)
def test_staff_without_mfa_are_confined_to_enrollment(unenrolled_auditor, unenrolled_admin, method, path):
    for user in (unenrolled_auditor, unenrolled_admin):
        client = token_client(user)
        assert_problem(getattr(client, method)(path), 403, "mfa_enrollment_required")


def test_confinement_comes_before_the_role_check(unenrolled_auditor):
    client = token_client(unenrolled_auditor)

    # An auditor may not create customers (403 permission_denied), but is told to enroll first.
    response = client.post("/api/v1/customers", {"email": "x@example.com"}, format="json")

    assert_problem(response, 403, "mfa_enrollment_required")


def test_staff_without_mfa_may_enroll_and_then_use_the_api(unenrolled_auditor):
    client = token_client(unenrolled_auditor)
    uri = client.post(ENROLL).json()["otpauth_uri"]

    assert client.post(CONFIRM, {"code": code_from_otpauth_uri(uri)}, format="json").status_code == 200

    assert client.get("/api/v1/customers").status_code == 200


def test_staff_without_mfa_may_log_out(unenrolled_admin):
    client = token_client(unenrolled_admin)

    response = client.post("/api/v1/auth/logout", {"refresh": client.tokens["refresh"]}, format="json")

    assert response.status_code == 204


def test_enrolled_staff_log_in_with_two_steps(api_client, admin_user):
    body = _password_step(api_client, admin_user)
    assert body["mfa_required"] is True

    tokens = api_login(lambda path, data: api_client.post(path, data, format="json"), admin_user)

    assert tokens["role"] == "admin"


def test_customers_need_no_mfa(auth_client):
    assert auth_client.get(PROFILE).status_code == 200


# Secrets stay out of the trail and the logs ------------------------------------------------------


def test_no_code_or_secret_in_audit_rows_or_logs(api_client, customer, caplog):
    caplog.set_level("DEBUG")
    client = token_client(customer)
    uri = client.post(ENROLL).json()["otpauth_uri"]
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    confirm_code = code_from_otpauth_uri(uri)
    codes = client.post(CONFIRM, {"code": confirm_code}, format="json").json()["recovery_codes"]
    mfa_token = _password_step(api_client, customer)["mfa_token"]
    assert _verify(api_client, mfa_token, "999999").status_code == 401
    assert _verify(api_client, mfa_token, codes[0]).status_code == 200

    device_key = TOTPDevice.objects.get(user=customer).key
    secrets = [secret, device_key, confirm_code, "999999", mfa_token, *codes]
    trail = " ".join(str(row) for row in AuditEvent.objects.values_list("changes", "target_label", "actor_label"))
    for value in secrets:
        assert value not in trail
        assert value not in caplog.text
