"""
Provides the writes of the OAuth authorization server: registering apps, signing a customer in on
the authorization pages, recording consent, and withdrawing an app's access.
"""

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

from accounts import services as account_services
from accounts.models import User
from audit.models import Action
from audit.services import SYSTEM_ACTOR, audit_record
from bankapi.errors import InvalidOtpError, NotFoundError
from bankapi.ratelimits import LoginRateThrottle
from mfa.services import second_factor_check
from oauth.models import AppScopes
from oauth.scopes import ALLOWED_CLIENT_TYPES, SCOPES_BY_GRANT
from oauth.selectors import authorizations_of

APP_NAME_MAX_LENGTH = Application._meta.get_field("name").max_length


class OAuthAppError(Exception):
    """An app cannot be registered as asked; the message says why, in one line."""


def check_redirect_uri(uri: str) -> str:
    """
    A redirect URI an app may register: absolute https, or http to a loopback address for a
    native app (RFC 8252 section 7.3); no fragment, no wildcard, no user info. It is then matched
    exactly (only a loopback URI's port may vary, as RFC 8252 asks).
    """
    try:
        parts = urlsplit(uri)
        hostname = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise OAuthAppError(f"redirect URI {uri!r} is not a valid URL") from exc
    if not hostname or parts.fragment or "*" in uri or parts.username or parts.password:
        raise OAuthAppError(f"redirect URI {uri!r} must be an absolute URL without a fragment, wildcard or user info")
    if parts.scheme == "https":
        return uri
    if parts.scheme == "http" and _is_loopback(hostname):
        return uri
    raise OAuthAppError(f"redirect URI {uri!r} must use https (http only to 127.0.0.1 or [::1], for native apps)")


def _is_loopback(hostname: str) -> bool:
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def check_app(
    *, name: str, client_type: str, grant: str, redirect_uris: Iterable[str], scopes: Iterable[str] | None
) -> tuple[str, list[str], list[str]]:
    """The app's cleaned name, redirect URIs and scopes, or OAuthAppError saying what is wrong."""
    name = " ".join(name.split())
    if not name or len(name) > APP_NAME_MAX_LENGTH or not name.isprintable():
        raise OAuthAppError(f"an app needs a printable name of 1 to {APP_NAME_MAX_LENGTH} characters")
    if client_type not in ALLOWED_CLIENT_TYPES:
        raise OAuthAppError(f"client type must be one of: {', '.join(ALLOWED_CLIENT_TYPES)}")
    if grant not in SCOPES_BY_GRANT:
        raise OAuthAppError(f"grant must be one of: {', '.join(SCOPES_BY_GRANT)}")
    uris = [check_redirect_uri(uri) for uri in redirect_uris]
    if grant == Application.GRANT_AUTHORIZATION_CODE and not uris:
        raise OAuthAppError("an authorization-code app needs at least one redirect URI")
    if grant == Application.GRANT_CLIENT_CREDENTIALS:
        if client_type != Application.CLIENT_CONFIDENTIAL:
            raise OAuthAppError("a client-credentials app must be confidential (it authenticates with its secret)")
        if uris:
            raise OAuthAppError("a client-credentials app has no redirect URI")
    grantable = SCOPES_BY_GRANT[grant]
    chosen = sorted(grantable) if scopes is None else sorted(set(scopes))
    if not chosen or not set(chosen) <= grantable:
        raise OAuthAppError(f"a {grant} app may have the scopes: {' '.join(sorted(grantable))}")
    return name, uris, chosen


@transaction.atomic
def oauth_app_create(
    *,
    name: str,
    client_type: str,
    grant: str,
    redirect_uris: Iterable[str] = (),
    scopes: Iterable[str] | None = None,
    actor: User | None = None,
) -> tuple[Application, str | None]:
    """
    Register a third-party app (admins in the admin site, operators with create_oauth_app). Only
    the grants and client types this server offers, exact redirect URIs, and scopes its grant can
    carry (all of them when `scopes` is None). Returns the app and, for a confidential one, its
    client secret: the row keeps only a hash, so this is the only copy there will ever be.
    Audited as `oauth_app_registered` (the admin, or "system" for a command).
    """
    name, uris, chosen = check_app(
        name=name, client_type=client_type, grant=grant, redirect_uris=redirect_uris, scopes=scopes
    )
    secret = generate_client_secret() if client_type == Application.CLIENT_CONFIDENTIAL else None
    application = Application(
        name=name,
        client_type=client_type,
        authorization_grant_type=grant,
        redirect_uris=" ".join(uris),
        client_secret=secret or "",
        hash_client_secret=True,
        skip_authorization=False,
    )
    application.save()
    AppScopes.objects.create(application=application, scopes=" ".join(chosen))
    audit_record(
        action=Action.OAUTH_APP_REGISTERED,
        actor=actor,
        actor_label=None if actor is not None else SYSTEM_ACTOR,
        target_label=name,
        changes={
            field: {"before": None, "after": value}
            for field, value in {
                "client_id": application.client_id,
                "client_type": client_type,
                "grant": grant,
                "redirect_uris": " ".join(uris),
                "scopes": " ".join(chosen),
            }.items()
        },
    )
    return application, secret


class SignInRefused(Exception):
    """The sign-in form's answer is no: `field` (None for the form as a whole) and the message to show."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


WRONG_CREDENTIALS = (
    "Enter the email or account number and the password of your account. The email's case does not matter."
)
CODE_NEEDED = "Enter the code your authenticator app shows (or one of your recovery codes)."
WRONG_CODE = "That code is wrong, expired or already used."


def sign_in_check(*, request: HttpRequest, identifier: str, password: str, otp_token: str = "") -> User:
    """
    The authorization pages' sign-in, through the API login's own checks, not a copy: the attempt
    counts in the API login's per-IP bucket (LoginRateThrottle: RATE_LOGIN; 429 `rate_limited`);
    the password is checked by the login's credential check, accounts.services._check_credentials
    (django-axes, the per-account lockout, the hash; failures audited as for the API; 429
    `account_locked`), which this wraps so that the API login, the password change and this page
    share one rule; and for a user with MFA the code goes through mfa.services.second_factor_check,
    as the API's second step does (a wrong code counts toward the lockout). Raises SignInRefused
    for wrong credentials, a missing or wrong code; BankAPIError for a lock, the rate limit or a
    dependency down.
    """
    LoginRateThrottle().allow_request(request, None)
    user = account_services._check_credentials(request=request, identifier=identifier, password=password)
    if user is None:
        raise SignInRefused(None, WRONG_CREDENTIALS)
    if user.has_mfa:
        code = otp_token.strip()
        if not code:  # the password was right; the backend gave its lockout slot back
            raise SignInRefused("otp_token", CODE_NEEDED)
        try:
            second_factor_check(request=request, user=user, code=code)
        except InvalidOtpError as exc:
            raise SignInRefused("otp_token", WRONG_CODE) from exc
    return user


def authorization_record_consent(*, user: User, application: Application, scopes: str) -> None:
    """A customer approved `application` for `scopes` on the consent page: audited as `oauth_app_authorized`."""
    audit_record(
        action=Action.OAUTH_APP_AUTHORIZED,
        actor=user,
        target=user,
        changes={
            "app": {"before": None, "after": application.name or application.client_id},
            "scopes": {"before": None, "after": scopes},
        },
    )


@transaction.atomic
def authorization_revoke(*, user: User, application_id: int) -> None:
    """
    Withdraw an app's access to `user`: every access token, refresh token and unused code of the
    app for this customer stops working at once. Only an app the customer has authorized (with a
    live token) can be revoked; anything else is 404, as someone else's would be. Audited as
    `oauth_authorization_revoked`.
    """
    authorization = next((found for found in authorizations_of(user) if found.id == application_id), None)
    if authorization is None:
        raise NotFoundError()
    now = timezone.now()
    RefreshToken.objects.filter(user=user, application_id=application_id, revoked__isnull=True).update(
        revoked=now, updated=now
    )
    AccessToken.objects.filter(user=user, application_id=application_id).delete()
    Grant.objects.filter(user=user, application_id=application_id).delete()
    audit_record(
        action=Action.OAUTH_AUTHORIZATION_REVOKED,
        actor=user,
        target=user,
        changes={
            "app": {"before": authorization.app, "after": None},
            "scopes": {"before": " ".join(authorization.scopes), "after": None},
        },
    )
