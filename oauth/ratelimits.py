"""
Provides the per-app rate limit of a client-credentials token on the partner endpoint
(RATE_PARTNER, the partner keys' rate), counted like every other limit (bankapi.ratelimits).
"""

from django.conf import settings
from oauth2_provider.models import AccessToken
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from bankapi.ratelimits import enforce_rate_limit
from oauth.authentication import is_app_token


def app_rate_key(access_token: AccessToken) -> str:
    """The bucket of an app: its client id (public, unique), whichever of its tokens is used."""
    return f"partner:app:{access_token.application.client_id}"


class OAuthAppRateThrottle(BaseThrottle):
    """Limits each app's client-credentials calls to RATE_PARTNER, as partners.authentication limits each key."""

    def allow_request(self, request: Request, view: object) -> bool:
        if is_app_token(request.auth):
            enforce_rate_limit(request, group="partner", rate=settings.RATE_PARTNER, key=app_rate_key(request.auth))
        return True
