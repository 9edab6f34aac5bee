"""
Says in an operator's terms why a dependency failed: where it was looked for and the driver's reason
without its boilerplate ("database: cannot connect to 127.0.0.1:5433 (connection refused)"), never a
password from a URL or the settings. For `check_health`, and for any `manage.py` command that cannot
reach the database (bankapi.configuration).
"""

import re
from urllib.parse import urlsplit

import redis.exceptions
from django.conf import settings
from django.db import connections

from monitoring.checks import CacheDidNotKeepValueError

# psycopg: 'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
_AFTER_LAST_FAILED = re.compile(r".*failed:\s*(?:FATAL:\s*)?(?P<reason>.+)", re.DOTALL)
# redis-py: 'Error 111 connecting to 127.0.0.1:1. Connection refused.'
_REDIS_CONNECTING = re.compile(r"Error -?\d+ connecting to \S+?\.\s+(?P<reason>.+)")
_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")
# psycopg's messages when it never got a session.
_CONNECTING = ("connection failed", "failed to resolve host", "connection timeout")
_CONNECTION_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, ConnectionError, TimeoutError)


def explain(name: str, failure: Exception) -> str:
    """One line: the dependency, where it was looked for, and why it failed."""
    where, secrets = database_location() if name == "database" else cache_location()
    if isinstance(failure, CacheDidNotKeepValueError):
        return f"{name}: {where} answered, but {failure}"
    reason = plain_reason(failure, secrets)
    cause = innermost(failure)
    if isinstance(cause, _CONNECTION_ERRORS) or str(cause).lower().startswith(_CONNECTING):
        return f"{name}: cannot connect to {where} ({reason})"
    return f"{name}: error at {where} ({reason})"


def database_location() -> tuple[str, list[str]]:
    database = connections["default"].settings_dict
    secrets = [database.get("PASSWORD") or ""]
    if not database.get("HOST") and "sqlite" in database["ENGINE"]:
        return f"the SQLite database {database['NAME']}", secrets
    return f"{database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}", secrets


def cache_location() -> tuple[str, list[str]]:
    location = settings.CACHES["default"].get("LOCATION", "")
    url = urlsplit(location if isinstance(location, str) else location[0])
    if url.scheme == "unix":
        return f"Redis at {url.path}", [url.password or ""]
    return f"Redis at {url.hostname or 'localhost'}:{url.port or 6379}", [url.password or ""]


def innermost(error: BaseException) -> BaseException:
    while error.__cause__ is not None:
        error = error.__cause__
    return error


def plain_reason(error: Exception, secrets: list[str]) -> str:
    """The driver's reason, without its boilerplate or a secret: 'connection refused'."""
    lines = str(innermost(error)).strip().splitlines()
    message = lines[0].strip() if lines else type(innermost(error)).__name__
    for pattern in (_REDIS_CONNECTING, _AFTER_LAST_FAILED):
        match = pattern.fullmatch(message)
        if match:
            message = match.group("reason")
            break
    message = _ERRNO.sub("", message).strip().rstrip(".")
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    if message.lower().startswith("timeout connecting"):
        message = "timed out"
    return message[:1].lower() + message[1:] if message[:2] != message[:2].upper() else message
