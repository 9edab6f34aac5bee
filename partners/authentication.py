"""
Provides partner authentication: `Authorization: Api-Key <key>`, checked against the database on
every request, so that a revoked key is refused at once.
"""

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

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


class HasPartnerKey(BasePermission):
    """The request was authenticated by a usable partner key."""

    def has_permission(self, request: Request, view: object) -> bool:
        return isinstance(request.auth, PartnerKey)
