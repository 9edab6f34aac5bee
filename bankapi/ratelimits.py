"""
Provides the rate limits, counted by django-ratelimit in the shared cache.

The limits fail closed: when the cache cannot be reached, the request is refused with 503
rather than let through unlimited.
"""

from django.conf import settings
from django_ratelimit.core import get_usage
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from bankapi.client_ip import client_ip
from bankapi.errors import RateLimitedError, ServiceUnavailableError
from bankapi.signals import request_rate_limited


def enforce_rate_limit(request: Request, *, group: str, rate: str, key: str) -> None:
    """Count this request in `group`'s bucket for `key`; raise if it is over `rate`."""
    try:
        usage = get_usage(request, group=group, key=lambda _group, _request: key, rate=rate, increment=True)
    except (RedisError, ConnectionInterrupted, ConnectionError) as exc:
        raise ServiceUnavailableError() from exc
    if usage is None:  # RATELIMIT_ENABLE is off
        return
    if usage["limit"] == 0 and usage["count"] == 0:
        # django-ratelimit's sentinel when the cache answered nothing usable (a configured rate has
        # a limit of at least 1). Not `time_left < 0`: that is also what a request gets whose clock
        # ticks over between django-ratelimit's two reads of it in the window's last second.
        raise ServiceUnavailableError()
    if usage["should_limit"]:
        request_rate_limited.send(sender=enforce_rate_limit, request=request, group=group)
        raise RateLimitedError(retry_after=usage["time_left"])


class ClientIPRateThrottle(BaseThrottle):
    """Limits a view per client IP at the rate named by `rate_setting`."""

    group: str = ""
    rate_setting: str = ""

    def allow_request(self, request: Request, view: object) -> bool:
        enforce_rate_limit(
            request, group=self.group, rate=getattr(settings, self.rate_setting), key=f"ip:{client_ip(request)}"
        )
        return True


class LoginRateThrottle(ClientIPRateThrottle):
    group = "login"
    rate_setting = "RATE_LOGIN"


class RegisterRateThrottle(ClientIPRateThrottle):
    group = "register"
    rate_setting = "RATE_REGISTER"


class TokenRefreshRateThrottle(ClientIPRateThrottle):
    """Refresh shares the login rate but has its own bucket."""

    group = "token_refresh"
    rate_setting = "RATE_LOGIN"


class AuthenticatedUserRateThrottle(BaseThrottle):
    """Limits every authenticated request per user (RATE_USER), across all processes."""

    def allow_request(self, request: Request, view: object) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return True
        enforce_rate_limit(request, group="user", rate=settings.RATE_USER, key=f"user:{user.public_id}")
        return True
