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


def check_database() -> str:
    try:
        connection = connections["default"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means unavailable; the reason goes to the log only
        logger.warning("database check failed: %s", type(exc).__name__)
        connections["default"].close()
        return UNAVAILABLE
    return OK


def check_cache() -> str:
    probe_key = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(probe_key, "1", timeout=5)
        answered = cache.get(probe_key) == "1"
        cache.delete(probe_key)
    except Exception as exc:  # noqa: BLE001 - as above
        logger.warning("cache check failed: %s", type(exc).__name__)
        return UNAVAILABLE
    return OK if answered else UNAVAILABLE


def run_checks() -> dict[str, str]:
    return {"database": check_database(), "cache": check_cache()}
