"""
With these settings, tests run faster: a cheap password hasher (tests that check hashing, login
and lockout switch the production hasher back on), and every test process gets its own
cache key prefix and database name, so parallel runs never see each other's state.

Tests run against real PostgreSQL and Redis; both URLs default to this machine's services.
"""

import os

from django.core.exceptions import ImproperlyConfigured

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
# pytest-django creates test_<NAME>; the process id keeps two concurrent runs on one server apart.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DATABASES["default"]["ENGINE"] = DATABASE_ENGINES.get(  # noqa: F405
    DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"]
)
if DATABASES["default"]["ENGINE"] != DATABASE_ENGINES["django.db.backends.postgresql"]:  # noqa: F405
    raise ImproperlyConfigured("The test suite runs against PostgreSQL; point DATABASE_URL at one.")

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "monitoring.cache.TimedRedisCache",
        "LOCATION": REDIS_URL,
        # Unique per test process, so parallel runs (xdist workers, or two pytest runs at once)
        # never see or flush each other's counters; a command a test runs (conftest.manage) is
        # given its test's prefix, as an operator's command shares the service's.
        "KEY_PREFIX": env.str("TEST_CACHE_KEY_PREFIX", default=f"bankapi-test-{os.getpid()}"),
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
