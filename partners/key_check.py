"""
Provides the check of a partner key that costs no database query on a warm process.

Each process keeps the keys it has read (by prefix, `None` for a prefix no usable key has) and
verifies a presented key against its stored hash in memory (the library's own `is_valid`). What
keeps that safe is a generation number in the shared cache, bumped by every change to a key
(`partner_keys_changed`: issue, revocation, an edit in the admin site). The per-key rate limit,
which every call pays anyway, reads the number in the same Redis round trip (one Lua script); a
process that finds it changed forgets every key and reads this one again from the database. So a
revoked key is refused by every process on its next request, as it was when each request read the
database.

The number is bumped twice: inside the change's transaction (when Redis cannot be reached, the change
fails and is rolled back, rather than leave keys cached that should not be) and again once it has
committed (a process that read the row between the first bump and the commit saw it unchanged). Only
if Redis answers the first and fails the second, within that moment, can a process keep a stale key;
so what a process holds is also forgotten after CACHE_SECONDS whatever happens. While Redis is down
no partner call is served at all (the rate limit fails closed with 503).
"""

import logging
import time

from django.core.cache import cache, caches
from django.db import transaction
from django_redis import get_redis_connection
from django_redis.cache import RedisCache
from redis.exceptions import RedisError

from bankapi.errors import ServiceUnavailableError
from partners.models import PartnerKey

logger = logging.getLogger(__name__)

GENERATION_KEY = "partner-keys:generation"
CACHE_SECONDS = 60
MAX_CACHED = 10_000  # prefixes, usable or not: a flood of made-up prefixes cannot grow a process without bound

_keys: dict[str, PartnerKey | None] = {}
_generation: object = None
_loaded_at = 0.0


def prefix_of(key: str) -> str:
    """The public part of a key (`prefix.secret`), which finds its row."""
    return key.partition(".")[0]


def cached_key(prefix: str) -> tuple[bool, PartnerKey | None]:
    """(whether this process knows the prefix, the usable key it has, or None), without any I/O."""
    if time.monotonic() - _loaded_at > CACHE_SECONDS:
        forget()
    if prefix in _keys:
        return True, _keys[prefix]
    return False, None


def load_key(prefix: str) -> PartnerKey | None:
    """
    The usable key of `prefix` from the database, remembered under the generation read before it
    (so a change committed after the read bumps the number past what this process holds).
    """
    generation = _read_generation()
    partner_key = PartnerKey.objects.get_usable_keys().filter(prefix=prefix).first()
    still_current(generation)
    if len(_keys) >= MAX_CACHED:
        _keys.clear()
    _keys[prefix] = partner_key
    return partner_key


def still_current(generation: object) -> bool:
    """Whether what this process holds was read under `generation`; if not, it is forgotten."""
    global _generation, _loaded_at
    if generation == _generation and _keys:
        return True
    forget()
    _generation, _loaded_at = generation, time.monotonic()
    return False


def forget() -> None:
    global _generation
    _keys.clear()
    _generation = None


def partner_keys_changed() -> None:
    """
    Tell every process to read keys again: now (failing the caller's transaction if the cache
    cannot be reached) and again when the transaction commits. Every write of a PartnerKey calls it.
    """
    _bump_generation()
    transaction.on_commit(_bump_generation_after_commit)


def _bump_generation() -> None:
    try:
        if isinstance(caches["default"], RedisCache):
            get_redis_connection("default").incr(cache.make_key(GENERATION_KEY))
        elif not cache.add(GENERATION_KEY, 1, timeout=None):  # make run's in-process cache
            cache.incr(GENERATION_KEY)
    except (RedisError, ConnectionError) as exc:
        raise ServiceUnavailableError() from exc
    forget()


def _bump_generation_after_commit() -> None:
    try:
        _bump_generation()
    except ServiceUnavailableError:  # the bump inside the transaction went through; see the module's docstring
        logger.warning("partner keys changed, but the cache could not be told after the commit")


def _read_generation() -> object:
    try:
        if isinstance(caches["default"], RedisCache):
            return get_redis_connection("default").get(cache.make_key(GENERATION_KEY))
        return cache.get(GENERATION_KEY)
    except (RedisError, ConnectionError) as exc:
        raise ServiceUnavailableError() from exc
