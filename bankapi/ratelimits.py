"""
Provides the rate limits: fixed windows counted in the shared cache.

Counting a request costs one round trip to Redis: the increment and the window's expiry run
together in one small Lua script (EVALSHA; atomic, one command, one reply). django-ratelimit, which
counted here before, needed two on every request after a window's first (an ADD that fails, then an
INCR), and on this machine a Redis round trip costs about as much as the rest of an authenticated
read (docs/performance.md). Windows keep django-ratelimit's shape and rate strings (`20/m`,
`300/5m`): each key's window edges are staggered by a hash of the key, so that all users' windows do
not reset in the same second.

The limits fail closed: when the cache cannot be reached, the request is refused with 503 rather
than let through unlimited.
"""

import time
import zlib
from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache, caches
from django_redis import get_redis_connection
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis import Redis
from redis.commands.core import Script
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from bankapi.client_ip import client_ip
from bankapi.errors import RateLimitedError, ServiceUnavailableError
from bankapi.setting_values import Rate
from bankapi.signals import request_rate_limited
from monitoring.cache import cache_operation_seconds

# A window's key outlives the window a little, so a clock a second apart on another host still finds it.
_EXPIRY_MARGIN_SECONDS = 5
_count_timer = cache_operation_seconds.labels(operation="rate_limit_count")


def window_end(key: str, period: int, now: float | None = None) -> int:
    """The last whole second counted in `key`'s current window of `period` seconds."""
    second = int(time.time() if now is None else now)
    if period == 1:
        return second
    end = second - second % period + zlib.crc32(key.encode()) % period
    return end + period if end < second else end


def count_request(*, group: str, key: str, period: int, read_key: str | None = None) -> tuple[int, int, object]:
    """
    Count one request for `key` in `group`'s current window: (requests counted so far, seconds left,
    the value of the cache key `read_key` if one is named, read in the same round trip, else None).
    """
    now = time.time()
    last_second = window_end(key, period, now)
    cache_key = cache.make_key(f"rl:{group}:{key}:{last_second}")
    expires_at = last_second + 1 + _EXPIRY_MARGIN_SECONDS
    value = None
    with _count_timer.time():
        if isinstance(caches["default"], RedisCache):
            client = get_redis_connection("default")
            if read_key is None:
                count = _count_script(client)(keys=[cache_key], args=[expires_at], client=client)
            else:
                keys = [cache_key, cache.make_key(read_key)]
                count, value = _count_and_read_script(client)(keys=keys, args=[expires_at], client=client)
        else:  # the in-process cache of `make run`
            count = 1 if cache.add(cache_key, 1, timeout=expires_at - now) else cache.incr(cache_key)
            value = None if read_key is None else cache.get(read_key)
    return count, max(1, last_second + 1 - int(now)), value


# INCR, and on a window's first request EXPIREAT: each window has a key of its own, stamped with its end.
_COUNT_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
    redis.call('EXPIREAT', KEYS[1], ARGV[1])
end
return count
"""
# The same, and the value of a second key (a generation number that tells processes their cache is stale).
_COUNT_IN_WINDOW_AND_READ = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
    redis.call('EXPIREAT', KEYS[1], ARGV[1])
end
return {count, redis.call('GET', KEYS[2])}
"""


@memoize
def _count_script(client: Redis) -> Script:
    return client.register_script(_COUNT_IN_WINDOW)


@memoize
def _count_and_read_script(client: Redis) -> Script:
    return client.register_script(_COUNT_IN_WINDOW_AND_READ)


def enforce_rate_limit(request: Request, *, group: str, rate: str, key: str, read_key: str | None = None) -> object:
    """
    Count this request in `group`'s bucket for `key`; raise if it is over `rate`. Returns the value
    of the cache key `read_key`, read in the same round trip (None when not named or not set).
    """
    parsed = Rate.parse(rate)
    try:
        count, seconds_left, value = count_request(group=group, key=key, period=parsed.period, read_key=read_key)
    except (RedisError, ConnectionInterrupted, ConnectionError) as exc:
        raise ServiceUnavailableError() from exc
    if count > parsed.limit:
        request_rate_limited.send(sender=enforce_rate_limit, request=request, group=group)
        raise RateLimitedError(retry_after=seconds_left)
    return value


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
