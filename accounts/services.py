"""
Provides every write to users and their tokens: views, admin actions and management commands all
call these, so each rule is written once.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts import lockout
from accounts.account_numbers import is_account_number
from accounts.models import EMAIL_TAKEN, EndedSession, Role, User
from accounts.selectors import email_is_taken, user_get_for_session
from accounts.set_password_links import set_password_link_tokens
from accounts.tokens import (
    SESSION_CLAIM,
    TOKEN_VERSION_CLAIM,
    MfaToken,
    TokenPair,
    issue_token_pair,
    longest_token_lifetime,
)
from audit.models import Action, Outcome
from audit.services import SYSTEM_ACTOR, audit_record, field_changes
from bankapi.errors import (
    AccountLockedError,
    ConflictError,
    InvalidCredentialsError,
    NotAuthenticatedError,
)
from ledger.services import account_open

# What a taken account number is called: a customer of the Flask service's clients brings their own.
ACCOUNT_NUMBER_TAKEN = "An account with this account number already exists."


class InvalidRefreshTokenError(Exception):
    """The refresh token given to logout is malformed, forged or someone else's."""


class IncorrectPasswordError(Exception):
    """The current password given for a password change is wrong."""


class InvalidSetPasswordLinkError(Exception):
    """The set-password link was used already, has expired, or was made for an earlier state of the user."""


# The fields of a user that staff may change (customers.services.customer_update, the admin site's
# form), which are also the ones the event of a new user's creation records.
EDITABLE_FIELDS = ("email", "first_name", "last_name", "phone", "date_of_birth", "status", "role")


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    email: str | None,
    password: str | None = None,
    role: str = Role.CUSTOMER,
    first_name: str = "",
    last_name: str = "",
    phone: str | None = None,
    date_of_birth: date | None = None,
    self_registration: bool = False,
    account_number: str | None = None,
    recorded_fields: Mapping[str, Any] | None = None,
) -> User:
    """
    Create a user with a new account number (and, for a customer, the current account of that
    number, empty). Every way in calls this: a registration
    (`self_registration`, the new customer's own act, audited as `register`), the staff API and the
    admin site (`actor` the member of staff) and management commands (`actor` None: the system),
    audited as `customer_created`. Both events record the new user's fields. Without a password the
    user cannot log in until one is set. A taken email (case-insensitive) is a conflict, also when
    a concurrent creation takes it between the check and the insert.

    A customer of the Flask service's clients (legacy.services) brings their own `account_number`
    (12 digits), kept when it is free and a conflict when it is taken (also when a concurrent
    creation takes it first), and may come without an email: only a customer bringing their
    account number may. `recorded_fields` are details of the new user kept outside the user row
    (legacy.models.CustomerDetails), recorded in the creation event with the others.
    """
    if role not in Role.values:
        raise ValueError(f"role must be one of {sorted(Role.values)}")
    if self_registration and (actor is not None or role != Role.CUSTOMER):
        raise ValueError("a registration creates a customer, who is its own actor")
    if account_number is not None and (role != Role.CUSTOMER or not is_account_number(account_number)):
        raise ValueError("only a customer brings an account number, of 12 digits")
    if email is None and account_number is None:
        raise ValueError("a user without an email must bring the account number of an earlier system")
    if email is not None and email_is_taken(email):
        raise ConflictError(EMAIL_TAKEN)
    if account_number is not None and User.objects.filter(account_number=account_number).exists():
        raise ConflictError(ACCOUNT_NUMBER_TAKEN)
    fields = {"first_name": first_name, "last_name": last_name, "phone": phone, "date_of_birth": date_of_birth}
    try:
        with transaction.atomic():
            if account_number is None:
                user = User.objects.create_user(email=email, password=password, role=role, **fields)
            else:
                user = _user_create_with_account_number(
                    account_number=account_number, email=email, password=password, role=role, **fields
                )
    except IntegrityError as exc:  # a unique constraint (lower(email), account_number) decided a race
        if account_number is not None and User.objects.filter(account_number=account_number).exists():
            raise ConflictError(ACCOUNT_NUMBER_TAKEN) from exc
        raise ConflictError(EMAIL_TAKEN) from exc
    after = {field: getattr(user, field) for field in EDITABLE_FIELDS if getattr(user, field) not in (None, "")}
    after.update({field: value for field, value in (recorded_fields or {}).items() if value not in (None, "")})
    if role == Role.CUSTOMER:
        account_open(holder=user)
    if self_registration:
        actor = user
    audit_record(
        action=Action.REGISTER if self_registration else Action.CUSTOMER_CREATED,
        actor=actor,
        actor_label=None if actor is not None else SYSTEM_ACTOR,
        target=user,
        changes=field_changes(dict.fromkeys(after), after),
    )
    return user


def _user_create_with_account_number(
    *, account_number: str, email: str | None, password: str | None, **fields: Any
) -> User:
    """A user with the account number given (the manager's create_user issues a new one)."""
    user = User(account_number=account_number, email=User.objects.normalize_email(email) if email else None, **fields)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


def _check_credentials(*, request: HttpRequest, identifier: str, password: str) -> User | None:
    """
    Check a password through Django's authentication: django-axes first, then the lockout counter
    and the hash (accounts.backends). Raises AccountLockedError when a lock refused the attempt.
    `request` must be Django's request, which both annotate.
    """
    user = authenticate(request, username=identifier, password=password)
    if user is not None or not lockout.refused_by_lock(request):
        return user
    retry_after = getattr(request, "lockout_retry_after", None)
    if retry_after is None:  # django-axes refused it: ask the counter how long the lock has left
        key = lockout.login_identity(request, identifier).key
        retry_after = lockout.seconds_until_unlocked(key) or lockout.lockout_seconds()
    raise AccountLockedError(retry_after=retry_after)


@dataclass(frozen=True)
class MfaChallenge:
    """The password was right and the user has MFA: `mfa_token` and a code complete the login (mfa.services)."""

    mfa_token: str


def user_login(*, request: HttpRequest, identifier: str, password: str) -> tuple[User, TokenPair | MfaChallenge]:
    """
    Authenticate by email or account number and issue a token pair; for a user with MFA, only the
    short-lived token of the second step (`POST /api/v1/auth/mfa/verify`), and the login is not
    yet a success (no event, no reset of the failure count: the code's check does both).
    """
    user = _check_credentials(request=request, identifier=identifier, password=password)
    if user is None:
        raise InvalidCredentialsError()
    if user.has_mfa:
        return user, MfaChallenge(mfa_token=str(MfaToken.for_login(user)))
    # What Django's login() does for a session: django-axes resets its record, last_login is set.
    user_logged_in.send(sender=User, request=request, user=user)
    return user, issue_token_pair(user)


class _UnusableRefreshToken(Exception):
    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _decode_refresh(raw_refresh: str) -> dict:
    """The verified payload of a refresh token (signature, expiry, issuer, audience, type, session)."""
    try:
        payload = token_backend.decode(raw_refresh, verify=True)
    except TokenBackendExpiredToken as exc:
        raise _UnusableRefreshToken("Token is expired.", expired=True) from exc
    except TokenBackendError as exc:
        raise _UnusableRefreshToken("Token is invalid.") from exc
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh" or not {"jti", "exp", SESSION_CLAIM} <= payload.keys():
        raise _UnusableRefreshToken("Token is not a refresh token.")
    try:
        payload[SESSION_CLAIM] = uuid.UUID(str(payload[SESSION_CLAIM]))
    except ValueError as exc:
        raise _UnusableRefreshToken("Token is invalid.") from exc
    return payload


def tokens_refresh(*, raw_refresh: str) -> TokenPair:
    """
    Rotate a refresh token: it is blacklisted and a new pair of the same session is issued. The
    blacklist row is the arbiter, so of several concurrent uses of one token exactly one succeeds.
    The others, arriving within JWT_REFRESH_RACE_SECONDS of that use, lost a race (two tabs, an
    app's parallel calls): they get 401 and the winner's pair keeps working. A use after that
    window is a replay of a token that leaked: every token of the user is revoked, as OAuth's
    refresh-token rotation advises, and the reuse is audited.
    """
    unusable = NotAuthenticatedError("Refresh token is invalid, expired or revoked.")
    try:
        payload = _decode_refresh(raw_refresh)
    except _UnusableRefreshToken as exc:
        raise unusable from exc
    user = user_get_for_session(str(payload.get(api_settings.USER_ID_CLAIM, "")), str(payload[SESSION_CLAIM]))
    if user is None or not user.is_active or payload.get(TOKEN_VERSION_CLAIM) != user.token_version:
        raise unusable
    with transaction.atomic():
        used_at = _blacklist(payload, user=user)
        if used_at is None:
            return issue_token_pair(user, session_id=payload[SESSION_CLAIM])
    if timezone.now() - used_at <= timedelta(seconds=settings.JWT_REFRESH_RACE_SECONDS):
        raise unusable
    with transaction.atomic():
        audit_record(action=Action.TOKEN_REUSE_DETECTED, target=user, outcome=Outcome.REFUSED)
        user_revoke_tokens(user=user, actor=None)
    raise unusable


def user_logout(*, user: User, raw_refresh: str) -> None:
    """
    End the session of the given refresh token: that token, its rotations and the access tokens
    issued with them stop working at once; the user's other sessions go on. Ending a session that
    has already ended, or giving an expired token, succeeds: the token is unusable either way.
    """
    try:
        payload = _decode_refresh(raw_refresh)
    except _UnusableRefreshToken as exc:
        if exc.expired:
            return
        raise InvalidRefreshTokenError(str(exc)) from exc
    if payload.get(api_settings.USER_ID_CLAIM) != str(user.public_id):
        raise InvalidRefreshTokenError("Token does not belong to the authenticated user.")
    with transaction.atomic():
        _blacklist(payload, user=user)
        _, ended_now = EndedSession.objects.get_or_create(
            sid=payload[SESSION_CLAIM],
            defaults={"user": user, "expires_at": timezone.now() + longest_token_lifetime()},
        )
        if ended_now:
            audit_record(action=Action.LOGOUT, actor=user, target=user)


def _blacklist(payload: dict, *, user: User) -> datetime | None:
    """
    Blacklist the token with this payload. Returns None when this call blacklisted it, else when it
    was blacklisted (waiting, on a concurrent first use, until that transaction has committed).
    """
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=payload[api_settings.JTI_CLAIM],
        defaults={"user": user, "token": "", "expires_at": datetime_from_epoch(payload["exp"])},
    )
    blacklisted, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    return None if created else blacklisted.blacklisted_at


def user_change_password(*, request: HttpRequest, user: User, current_password: str, new_password: str) -> None:
    """
    Change the password after checking the current one through the same authentication path as a
    login (so guesses count towards the lockout), and revoke every token issued before.
    """
    if _check_credentials(request=request, identifier=user.account_number, password=current_password) is None:
        raise IncorrectPasswordError()
    user_set_own_password(user=user, password=new_password)


@transaction.atomic
def user_set_own_password(*, user: User, password: str) -> None:
    """
    A password the user chose, having shown who they are (the current password, a set-password
    link): set, every token issued before revoked, audited as `password_changed` by the user.
    """
    user_set_password(user=user, password=password)
    audit_record(action=Action.PASSWORD_CHANGED, actor=user, target=user)


@transaction.atomic
def user_set_password(*, user: User, password: str, actor: User | None = None) -> None:
    """Set a new password and revoke every token issued before it."""
    user.set_password(password)
    user.save(update_fields=["password", "updated_at"])
    user_revoke_tokens(user=user, actor=actor or user)


@transaction.atomic
def set_password_link_issue(*, actor: User | None, user: User) -> str:
    """
    The token of a one-time link with which `user` sets their own password (see
    accounts.set_password_links), so that whoever adds a user never learns their password. `actor`
    is the admin who asked (None: an operator's command). Audited; the token itself is never kept.
    """
    if not user.is_active:
        raise ConflictError("Only an active user can be given a set-password link.")
    audit_record(
        action=Action.PASSWORD_LINK_ISSUED,
        actor=actor,
        actor_label=None if actor is not None else SYSTEM_ACTOR,
        target=user,
    )
    return set_password_link_tokens.make_token(user)


@transaction.atomic
def set_password_link_redeem(*, user: User, token: str | None, password: str) -> None:
    """
    Set the password of the user a link was made for, as their own act (audited as
    `password_changed`), revoking their tokens. The token is checked again under a lock of the
    user's row, so of two uses of one link at the same moment only one sets a password.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active or not set_password_link_tokens.check_token(locked, token):
        raise InvalidSetPasswordLinkError()
    user_set_own_password(user=locked, password=password)


def user_revoke_tokens(*, user: User, actor: User | None) -> None:
    """
    Make every access and refresh token issued to `user` so far unusable, by bumping the token
    version they carry. Call inside the transaction of the change that calls for it.
    """
    before = user.token_version
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.refresh_from_db(fields=["token_version", "updated_at"])
    audit_record(
        action=Action.TOKEN_REVOKED,
        actor=actor,
        actor_label=None if actor is not None else SYSTEM_ACTOR,
        target=user,
        changes={"token_version": {"before": before, "after": user.token_version}},
    )


@transaction.atomic
def user_update_profile(*, user: User, first_name: str | None, last_name: str | None, phone: str | None) -> User:
    """Change a customer's own names and phone number."""
    requested = {"first_name": first_name, "last_name": last_name, "phone": phone}
    after = {field: value for field, value in requested.items() if value is not None}
    changes = field_changes({field: getattr(user, field) for field in after}, after)
    if changes:
        for field in changes:
            setattr(user, field, after[field])
        user.save(update_fields=[*changes, "updated_at"])
        audit_record(action=Action.CUSTOMER_UPDATED, actor=user, target=user, changes=changes)
    return user


@dataclass(frozen=True)
class LockoutCleared:
    """
    What an unlock found, so that whoever asked can be told what happened: whether the identity
    (`key`) was locked, and whether failed attempts were counted against it (now forgotten).
    """

    key: str
    was_locked: bool
    had_failures: bool


def _axes_locks(key: str) -> bool:
    """
    Whether django-axes' own record locks `key`, as its database handler counts: the failures of
    its attempts within the cool-off. That record also refuses a login, and outlives a cache that
    lost its lock (a restart of a server with an in-process cache).
    """
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(username=key)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    failures = attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
    return failures >= settings.AXES_FAILURE_LIMIT


@transaction.atomic
def lockout_clear(*, identifier: str, actor: User | None = None) -> LockoutCleared:
    """
    Lift the lockout of an account (or of an unknown identifier): the shared counter and
    django-axes' record alike. Audited whether or not anything was locked (someone asked).
    """
    from axes.handlers.proxy import AxesProxyHandler

    identity = lockout.login_identity(None, identifier)
    user, key = identity.user, identity.key
    was_locked = lockout.seconds_until_unlocked(key) is not None or _axes_locks(key)
    attempts = AxesProxyHandler.reset_attempts(username=key)
    audit_record(
        action=Action.UNLOCK,
        actor=actor,
        actor_label=None if actor is not None else SYSTEM_ACTOR,
        target=user,
        target_label=None if user is not None else lockout.kept_identifier(key),
    )
    lockout.clear(key)  # last: the cache cannot roll back with the transaction
    return LockoutCleared(key=key, was_locked=was_locked, had_failures=was_locked or attempts > 0)
