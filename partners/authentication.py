"""
Provides partner authentication: `Authorization: Api-Key <key>`, checked against the database on
every request, so that a revoked key is refused at once; or a partner app's OAuth access token from
the client credentials grant (oauth/), whose scope oauth.authentication checks.
"""

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from oauth.authentication import is_app_token
from partners.models import PartnerKey

API_KEY_KEYWORD = KeyParser.keyword  # "Api-Key"


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
        try:
            partner_key = PartnerKey.objects.get_from_key(key) if key else None
        except PartnerKey.DoesNotExist:
            partner_key = None
        if partner_key is None or partner_key.has_expired:
            raise AuthenticationFailed("The API key is not valid.")
        return None, partner_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


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
