"""
Provides the per-key rate limit of the partner endpoints (RATE_PARTNER), counted like every other
limit (bankapi.ratelimits: one Redis round trip, across all processes).
"""

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from bankapi.ratelimits import enforce_rate_limit
from partners.models import PartnerKey


def partner_rate_key(partner_key: PartnerKey) -> str:
    """The bucket of a key: its public prefix (unique, and no secret)."""
    return f"partner:{partner_key.prefix}"


class PartnerKeyRateThrottle(BaseThrottle):
    """Limits each partner key to RATE_PARTNER. Runs after authentication, so only a usable key is counted."""

    def allow_request(self, request: Request, view: object) -> bool:
        if isinstance(request.auth, PartnerKey):
            enforce_rate_limit(request, group="partner", rate=settings.RATE_PARTNER, key=partner_rate_key(request.auth))
        return True
