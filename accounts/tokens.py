"""
Provides the JWT access and refresh tokens, built on djangorestframework-simplejwt.

Claims: `sub` (public UUID), `role`, `ver`, `sid`, `jti`, `iat`, `exp`, `iss`, `aud`, `token_type`.
`ver` is the user's token version: a password change, a role change, a freeze or a close bumps it,
and every token carrying an older value stops working at once (access and refresh alike). `sid`
names the login session: the refresh token, its rotations and the access tokens issued with them
share it, so that logout can end that one session (accounts.models.EndedSession) and no other.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, Token
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import User

TOKEN_VERSION_CLAIM = "ver"  # noqa: S105 - a claim name, not a secret
ROLE_CLAIM = "role"
SESSION_CLAIM = "sid"


def access_lifetime_for(user: User) -> timedelta:
    minutes = settings.JWT_STAFF_ACCESS_MINUTES if user.is_staff_role else settings.JWT_ACCESS_MINUTES
    return timedelta(minutes=minutes)


def longest_token_lifetime() -> timedelta:
    """How long after it was issued any token can still be valid: how long an ended session is remembered."""
    minutes = max(settings.JWT_REFRESH_MINUTES, settings.JWT_ACCESS_MINUTES, settings.JWT_STAFF_ACCESS_MINUTES)
    return timedelta(minutes=minutes)


def _add_user_claims(token: Token, user: User, session_id: uuid.UUID) -> None:
    token[ROLE_CLAIM] = user.role
    token[TOKEN_VERSION_CLAIM] = user.token_version
    token[SESSION_CLAIM] = str(session_id)


class BankAccessToken(AccessToken):
    """An access token; staff roles get the shorter staff lifetime."""

    @classmethod
    def for_session(cls, user: User, session_id: uuid.UUID) -> "BankAccessToken":
        token = cls.for_user(user)
        _add_user_claims(token, user, session_id)
        token.set_exp(from_time=token.current_time, lifetime=access_lifetime_for(user))
        return token


class BankRefreshToken(Token):
    """
    A refresh token, listed as outstanding so it can be blacklisted. The token itself is not
    stored (simplejwt's RefreshToken would keep it in plain text): its `jti` is enough to revoke it.
    Rotation and revocation are accounts.services' work, not the token class's.
    """

    token_type = "refresh"  # noqa: S105 - a token type, not a secret
    lifetime = api_settings.REFRESH_TOKEN_LIFETIME

    @classmethod
    def for_session(cls, user: User, session_id: uuid.UUID) -> "BankRefreshToken":
        token = cls.for_user(user)
        _add_user_claims(token, user, session_id)
        OutstandingToken.objects.create(
            user=user,
            jti=token[api_settings.JTI_CLAIM],
            token="",
            created_at=token.current_time,
            expires_at=datetime_from_epoch(token["exp"]),
        )
        return token


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int
    role: str


def issue_token_pair(user: User, *, session_id: uuid.UUID | None = None) -> TokenPair:
    """A new pair: for a new session (a login), or for the session of the refresh token it rotates."""
    session_id = session_id or uuid.uuid4()
    access = BankAccessToken.for_session(user, session_id)
    refresh = BankRefreshToken.for_session(user, session_id)
    return TokenPair(
        access=str(access),
        refresh=str(refresh),
        expires_in=int(access_lifetime_for(user).total_seconds()),
        role=user.role,
    )


class MfaToken(Token):
    """
    Proof that a user with MFA gave the right password, good for `POST /api/v1/auth/mfa/verify`
    only (its own `token_type`, which neither bearer authentication nor the refresh endpoint
    takes, and which they do not give). Short-lived (MFA_TOKEN_SECONDS); mfa.services makes it
    single use. It carries `ver`, so a password change or an MFA reset refuses the pending ones.
    """

    token_type = "mfa"  # noqa: S105 - a token type, not a secret
    lifetime = timedelta(seconds=settings.MFA_TOKEN_SECONDS)

    @classmethod
    def for_login(cls, user: User) -> "MfaToken":
        token = cls.for_user(user)
        token[TOKEN_VERSION_CLAIM] = user.token_version
        return token
