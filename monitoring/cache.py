"""
Provides cache backends that time every operation for /metrics.

django-prometheus' cache wrappers only count reads; the lockout and the rate limits mostly add,
increment and delete, so every operation is timed here, by name, in
`bankapi_cache_operation_seconds{operation}`.
"""

from collections.abc import Callable
from typing import Any

from django_prometheus.cache.backends.locmem import LocMemCache
from django_prometheus.cache.backends.redis import RedisCache
from prometheus_client import Histogram

cache_operation_seconds = Histogram(
    "bankapi_cache_operation_seconds",
    "Time taken by cache operations (lockout counters, rate-limit buckets, health probes), by operation.",
    ["operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)

TIMED_OPERATIONS = ("get", "set", "add", "incr", "decr", "delete", "touch", "get_many", "set_many", "delete_many")


def _timed(operation: str) -> Callable[..., Any]:
    def timed_operation(self: Any, *args: Any, **kwargs: Any) -> Any:
        with cache_operation_seconds.labels(operation=operation).time():
            return getattr(super(TimedCacheMixin, self), operation)(*args, **kwargs)

    timed_operation.__name__ = operation
    return timed_operation


class TimedCacheMixin:
    """Times each operation in TIMED_OPERATIONS, whether it succeeds or raises."""


for _operation in TIMED_OPERATIONS:
    setattr(TimedCacheMixin, _operation, _timed(_operation))


class TimedRedisCache(TimedCacheMixin, RedisCache):
    """django-redis (through django-prometheus' read counters), every operation timed."""


class TimedLocMemCache(TimedCacheMixin, LocMemCache):
    """The in-process cache of `make run`, every operation timed."""
