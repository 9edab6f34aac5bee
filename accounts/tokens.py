"""
Provides the JWT access and refresh tokens, built on djangorestframework-simplejwt.

Claims: `sub` (public UUID), `role`, `ver`, `jti`, `iat`, `exp`, `iss`, `aud`, `token_type`.
`ver` is the user's token version: a password change or a close bumps it, and every token
carrying an older value stops working at once (access and refresh alike).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import User

TOKEN_VERSION_CLAIM = "ver"  # noqa: S105 - a claim name, not a secret
ROLE_CLAIM = "role"


def access_lifetime_for(user: User) -> timedelta:
    minutes = settings.JWT_STAFF_ACCESS_MINUTES if user.is_staff_role else settings.JWT_ACCESS_MINUTES
    return timedelta(minutes=minutes)


def _add_user_claims(token: Token, user: User) -> None:
    token[ROLE_CLAIM] = user.role
    token[TOKEN_VERSION_CLAIM] = user.token_version


class BankAccessToken(AccessToken):
    """An access token; staff roles get the shorter staff lifetime."""

    @classmethod
    def for_user(cls, user: User) -> "BankAccessToken":
        token = super().for_user(user)
        _add_user_claims(token, user)
        token.set_exp(from_time=token.current_time, lifetime=access_lifetime_for(user))
        return token


class BankRefreshToken(RefreshToken):
    """
    A refresh token, listed as outstanding so it can be blacklisted. The token itself is not
    stored (simplejwt would keep it in plain text): its `jti` is enough to revoke it.
    """

    @classmethod
    def for_user(cls, user: User) -> "BankRefreshToken":
        token = Token.for_user.__func__(cls, user)  # skip BlacklistMixin's copy of the token
        _add_user_claims(token, user)
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


def issue_token_pair(user: User) -> TokenPair:
    access = BankAccessToken.for_user(user)
    refresh = BankRefreshToken.for_user(user)
    return TokenPair(
        access=str(access),
        refresh=str(refresh),
        expires_in=int(access_lifetime_for(user).total_seconds()),
        role=user.role,
    )
