"""
Provides every write of the second factor: TOTP enrollment and its recovery codes, the check of a
code at a login (the API's second step, the admin site's form), and the operator's reset.

Devices are django-otp's: one TOTPDevice per user (unconfirmed while enrolling), and one
StaticDevice whose StaticTokens are the recovery codes. `User.mfa_enrolled_at` says whether the
user has a confirmed TOTP device; only these services write it, in the transaction that changes
the devices, so that the per-request read of the user (accounts.selectors.user_get_for_session)
knows without a query of its own.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import user_logged_in
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings

from accounts import lockout
from accounts.models import User
from accounts.services import user_revoke_tokens
from accounts.signals import account_locked
from accounts.tokens import TOKEN_VERSION_CLAIM, MfaToken, TokenPair, issue_token_pair
from audit.models import Action, Outcome
from audit.services import SYSTEM_ACTOR, audit_record, field_changes
from bankapi.errors import ConflictError, InvalidOtpError, NotAuthenticatedError, ServiceUnavailableError

ALREADY_ENROLLED = (
    "Two-factor authentication is already set up for this account. To set it up again (a lost phone), "
    "an operator resets it first (manage.py reset_mfa)."
)
NOT_STARTED = "No enrollment is in progress: start one with POST /api/v1/auth/mfa/totp."
# What the audit trail records of a wrong code: why it failed, never the code.
WRONG_CODE_REASON = "invalid_otp"

_TOTP_CODE = re.compile(r"[0-9]{6}")
# StaticToken.random_token(): 8 characters of lower-case base32.
_RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")


@dataclass(frozen=True)
class TotpEnrollment:
    """What an authenticator app needs: the otpauth URI, and the same as a QR code (SVG)."""

    otpauth_uri: str
    qr_svg: str


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")


def _lock_user(user: User) -> User:
    """The user's row, locked: enrollments, confirmations and resets of one user run one at a time."""
    return User.objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def totp_enrollment_start(*, user: User) -> TotpEnrollment:
    """
    Start setting up a TOTP authenticator: a new unconfirmed device, replacing any earlier
    unconfirmed one (an abandoned attempt). A user who already has MFA gets a conflict: removing
    it is an operator's act (mfa_reset), so a stolen access token cannot swap the second factor.
    """
    locked = _lock_user(user)
    if locked.has_mfa:
        raise ConflictError(ALREADY_ENROLLED)
    TOTPDevice.objects.filter(user=locked, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=locked, name="authenticator", confirmed=False)
    uri = device.config_url
    return TotpEnrollment(otpauth_uri=uri, qr_svg=_qr_svg(uri))


@transaction.atomic
def totp_enrollment_confirm(*, user: User, code: str) -> list[str]:
    """
    Confirm the device being set up with a current code from it. Returns the new recovery codes,
    which are shown this once; from now on a login needs a code after the password. Audited as
    `mfa_enrolled` (without the codes). A wrong code is InvalidOtpError and changes nothing.
    """
    locked = _lock_user(user)
    if locked.has_mfa:
        raise ConflictError(ALREADY_ENROLLED)
    device = TOTPDevice.objects.filter(user=locked, confirmed=False).order_by("-id").first()
    if device is None:
        raise ConflictError(NOT_STARTED)
    if not _totp_verified(device, code):
        raise InvalidOtpError()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(locked)
    locked.mfa_enrolled_at = timezone.now()
    locked.save(update_fields=["mfa_enrolled_at", "updated_at"])
    user.mfa_enrolled_at = locked.mfa_enrolled_at
    audit_record(
        action=Action.MFA_ENROLLED,
        actor=locked,
        target=locked,
        changes={**field_changes({"mfa": False}, {"mfa": True}), "recovery_codes": len(codes)},
    )
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    """A fresh set of recovery codes, replacing any earlier set."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _totp_verified(device: TOTPDevice, code: str) -> bool:
    """
    Whether `code` is a current TOTP code of `device` not used before: django-otp accepts a step
    only above `last_t`, the step of the last code it accepted, so a code works once.
    """
    code = code.replace(" ", "")
    return bool(_TOTP_CODE.fullmatch(code)) and device.verify_token(code)


def _recovery_code_verified(device: StaticDevice, code: str) -> bool:
    """Whether `code` is one of the unused recovery codes of `device`, which it then uses up."""
    code = code.replace(" ", "").replace("-", "").lower()
    return bool(_RECOVERY_CODE.fullmatch(code)) and device.verify_token(code)


def _verify_code_locked(user: User, code: str) -> Device | None:
    """
    The device that accepts `code` (a TOTP code or a recovery code), or None. Call inside a
    transaction: the devices' rows are locked first (select_for_update), so of concurrent checks of
    one code exactly one finds it unused.
    """
    totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("id").first()
    recovery = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("id").first()
    if totp is not None and _totp_verified(totp, code):
        return totp
    if recovery is not None and _recovery_code_verified(recovery, code):
        return recovery
    return None


def second_factor_check(
    *, request: HttpRequest | None, user: User, code: str, claim: Callable[[], bool] | None = None
) -> Device:
    """
    Check the second factor of `user`, whose password was right: a TOTP code or a recovery code.
    It goes through the account's lockout as a password does: a slot first (AccountLockedError
    when locked, so even a right code gets 429), a wrong code counted as a failed login (audited
    `login_failed` with the reason, never the code; the failure that fills the last slot locks),
    a right one resetting the count. `claim`, called under the devices' lock once the code is
    found right, may refuse the login (False: NotAuthenticatedError, the code stays unused); the
    API's verify uses it to spend its single-use mfa_token.
    """
    key = lockout.lockout_key(user.account_number, account_number=user.account_number)
    slot = lockout.acquire_slot(key)
    try:
        with transaction.atomic():
            device = _verify_code_locked(user, code)
            if device is not None and claim is not None and not claim():
                transaction.set_rollback(True)  # the code stays unused
                raise _Unclaimed()
    except _Unclaimed as exc:
        lockout.release(slot)
        raise NotAuthenticatedError(MFA_TOKEN_UNUSABLE) from exc
    except BaseException:
        lockout.release(slot)
        raise
    if device is None:
        just_locked = lockout.record_failure(slot)
        audit_record(
            action=Action.LOGIN_FAILED,
            target=user,
            outcome=Outcome.FAILURE,
            changes={"reason": WRONG_CODE_REASON},
        )
        if just_locked:
            account_locked.send(sender=second_factor_check, request=request, key=key, user=user)
        raise InvalidOtpError()
    lockout.record_success(slot)
    return device


class _Unclaimed(Exception):
    pass


MFA_TOKEN_UNUSABLE = "The mfa_token is invalid, expired or used; log in again."  # noqa: S105 - a message


def _used_mfa_token_key(jti: str) -> str:
    return f"mfa:used-token:{jti}"


def mfa_login_complete(*, request: HttpRequest, raw_mfa_token: str, code: str) -> tuple[User, TokenPair]:
    """
    The second step of a login with MFA: the `mfa_token` of the password step and a code give the
    usual token pair. The token is single use (spent, in the shared cache, only by a right code,
    so a mistyped code can be corrected with it until it expires), and refused once the user's
    tokens were revoked (a password change, an MFA reset) or the user is no longer active.
    """
    unusable = NotAuthenticatedError(MFA_TOKEN_UNUSABLE)
    try:
        token = MfaToken(raw_mfa_token)
    except TokenError as exc:
        raise unusable from exc
    user = User.objects.filter(public_id=str(token.get(api_settings.USER_ID_CLAIM, ""))).first()
    if user is None or not user.is_active or not user.has_mfa or token.get(TOKEN_VERSION_CLAIM) != user.token_version:
        raise unusable
    used_key = _used_mfa_token_key(str(token[api_settings.JTI_CLAIM]))
    try:
        if cache.get(used_key) is not None:
            raise unusable
    except lockout.CACHE_ERRORS as exc:
        raise ServiceUnavailableError() from exc

    def claim() -> bool:
        try:
            return bool(cache.add(used_key, 1, timeout=settings.MFA_TOKEN_SECONDS + 60))
        except lockout.CACHE_ERRORS as exc:
            raise ServiceUnavailableError() from exc

    second_factor_check(request=request, user=user, code=code, claim=claim)
    with transaction.atomic():
        # What Django's login() does for a session: django-axes resets its record, the login is audited.
        user_logged_in.send(sender=User, request=request, user=user)
        pair = issue_token_pair(user)
    return user, pair


@transaction.atomic
def mfa_reset(*, user: User, actor: User | None = None) -> bool:
    """
    Remove the user's second factor (a lost phone): their TOTP devices and recovery codes go, the
    next login needs only the password (staff must then enroll again before anything else), and
    every token of theirs is revoked. Audited as `mfa_reset` (by `system` for an operator's
    command) whether or not there was anything to remove. Returns whether the user had MFA.
    """
    locked = _lock_user(user)
    had_mfa = locked.has_mfa
    TOTPDevice.objects.filter(user=locked).delete()
    StaticDevice.objects.filter(user=locked).delete()
    locked.mfa_enrolled_at = None
    locked.save(update_fields=["mfa_enrolled_at", "updated_at"])
    audit_record(
        action=Action.MFA_RESET,
        actor=actor,
        actor_label=None if actor is not None else SYSTEM_ACTOR,
        target=locked,
        changes=field_changes({"mfa": had_mfa}, {"mfa": False}),
    )
    user_revoke_tokens(user=locked, actor=actor)
    user.mfa_enrolled_at, user.token_version = None, locked.token_version
    return had_mfa
