"""
With these settings, tests run faster: a cheap password hasher (tests that check hashing, login
and lockout switch the production hasher back on), and each pytest-xdist worker gets its own
Redis database so workers never see each other's counters.

Tests run against real PostgreSQL and Redis; both URLs default to this machine's services.
"""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
JWT_SECRET_KEY = "test-jwt-secret-key-0123456789abcdef"  # noqa: S105
SIMPLE_JWT["SIGNING_KEY"] = JWT_SECRET_KEY  # noqa: F405

DATABASES = {  # noqa: F405
    "default": {
        **env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/bankapi"),
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 3},
    }
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("The test suite runs against PostgreSQL; point DATABASE_URL at one.")

_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
TEST_REDIS_DB = 1 + int(_worker.removeprefix("gw") or 0) % 15
REDIS_URL = urlunsplit(
    urlsplit(env.str("REDIS_URL", default="redis://127.0.0.1:6379/0"))._replace(path=f"/{TEST_REDIS_DB}")
)
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "bankapi-test",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 1.0,
            "SOCKET_TIMEOUT": 1.0,
        },
    }
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    *PASSWORD_HASHERS,  # noqa: F405
]
PRODUCTION_PASSWORD_HASHERS = PASSWORD_HASHERS[1:]

LOGGING["root"]["level"] = "WARNING"  # noqa: F405
