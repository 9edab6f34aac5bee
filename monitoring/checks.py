"""
Provides one check per backing service, shared by /db_check and `manage.py check_health`.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connections

logger = logging.getLogger(__name__)

OK = "ok"
UNAVAILABLE = "unavailable"


class CacheDidNotKeepValueError(Exception):
    """The cache answered, but a value just written was not read back."""

    def __init__(self) -> None:
        super().__init__("a value written was not read back")


def database_failure() -> Exception | None:
    """Why the database does not answer `SELECT 1`, or None when it does."""
    try:
        connection = connections["default"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means unavailable
        connections["default"].close()
        return exc
    return None


def cache_failure() -> Exception | None:
    """Why the cache does not keep a value, or None when it does."""
    probe_key = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(probe_key, "1", timeout=5)
        answered = cache.get(probe_key) == "1"
        cache.delete(probe_key)
    except Exception as exc:  # noqa: BLE001 - as above
        return exc
    return None if answered else CacheDidNotKeepValueError()


def check_failures() -> dict[str, Exception | None]:
    """Each dependency's failure, or None: `check_health` explains them to the operator."""
    return {"database": database_failure(), "cache": cache_failure()}


def result_of(name: str, failure: Exception | None) -> str:
    if failure is None:
        return OK
    # The HTTP checks' answer says only "unavailable"; the reason's class goes to the log.
    logger.warning("%s check failed: %s", name, type(failure).__name__)
    return UNAVAILABLE


def check_database() -> str:
    return result_of("database", database_failure())


def check_cache() -> str:
    return result_of("cache", cache_failure())


def run_checks() -> dict[str, str]:
    return {"database": check_database(), "cache": check_cache()}
