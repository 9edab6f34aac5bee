"""
Provides partner authentication: `Authorization: Api-Key <key>`, checked against the keys this
process holds (partners.key_check), which a change to any key makes every process read again, so
that a revoked key is refused at once; or a partner app's OAuth access token from the client
credentials grant (oauth/), whose scope oauth.authentication checks.
"""

from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from bankapi.errors import RateLimitedError
from bankapi.ratelimits import enforce_rate_limit
from oauth.authentication import is_app_token
from partners import key_check
from partners.models import PartnerKey

API_KEY_KEYWORD = KeyParser.keyword  # "Api-Key"
INVALID_KEY = "The API key is not valid."


class PartnerKeyAuthentication(BaseAuthentication):
    """
    A partner key in `Authorization: Api-Key <key>`; any other header is not this scheme's (None).
    The request is the key's, not a user's: `request.user` stays None and `request.auth` is the
    PartnerKey, so no user-facing permission or the per-user rate limit ever counts it as a user.
    Only the partner endpoints list this class, which is what keeps a key good for nothing else.
    """

    keyword = API_KEY_KEYWORD

    def authenticate(self, request: Request) -> tuple[None, PartnerKey] | None:
        scheme, _, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        key = key.strip()
        if not key:
            raise AuthenticationFailed(INVALID_KEY)
        return None, usable_key(request, key)

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def usable_key(request: Request, key: str) -> PartnerKey:
    """
    The usable key that `key` is, counted against its rate limit (RATE_PARTNER; only a usable key is
    counted), or AuthenticationFailed. The count's round trip also tells whether the keys this
    process holds are still current; when they are not, the key is read again before it is trusted.
    """
    prefix = key_check.prefix_of(key)
    known, partner_key = key_check.cached_key(prefix)
    if not known:
        partner_key = key_check.load_key(prefix)
    if not _matches(partner_key, key):
        raise AuthenticationFailed(INVALID_KEY)
    try:
        generation = enforce_rate_limit(
            request,
            group="partner",
            rate=settings.RATE_PARTNER,
            key=partner_rate_key(partner_key),
            read_key=key_check.GENERATION_KEY,
        )
    except RateLimitedError:
        # Before telling a partner to slow down, make sure the key is still one.
        if not _matches(key_check.load_key(prefix), key):
            raise AuthenticationFailed(INVALID_KEY) from None
        raise
    if not key_check.still_current(generation):
        partner_key = key_check.load_key(prefix)
        if not _matches(partner_key, key):
            raise AuthenticationFailed(INVALID_KEY)
    return partner_key


def _matches(partner_key: PartnerKey | None, key: str) -> bool:
    return partner_key is not None and not partner_key.has_expired and partner_key.is_valid(key)


def partner_rate_key(partner_key: PartnerKey) -> str:
    """The bucket of a key: its public prefix (unique, and no secret)."""
    return f"partner:{partner_key.prefix}"


class IsPartner(BasePermission):
    """
    A usable partner key, or an OAuth token an app holds for itself (client credentials), which
    OAuthTokenAuthentication let through only with the scope the view declares
    (`account-verification`). A customer's OAuth token is not a partner's.
    """

    def has_permission(self, request: Request, view: object) -> bool:
        return isinstance(request.auth, PartnerKey) or is_app_token(request.auth)


def partner_name(auth: object) -> str:
    """Who the partner is, for the audit trail: the key's name, or the OAuth app's."""
    if isinstance(auth, PartnerKey):
        return auth.name
    return auth.application.name or auth.application.client_id
