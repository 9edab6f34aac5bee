"""
Development settings: `make run` uses these.

DEBUG defaults to on here (and only here), which is what allows throwaway secrets to be generated
when none are set. Without DATABASE_URL the database is a SQLite file; without REDIS_URL the cache
is in-process, so the lockout and the rate limits hold within this one process only.
"""

import os
import secrets
import sys

from .base import *  # noqa: F403
from .base import REDIS_URL, env, require_secrets

DEBUG = env.bool("DEBUG", default=True)
# runserver's request lines carry each response's X-Request-ID (bankapi.logging.ServerLogRequestIds).
WSGI_APPLICATION = "bankapi.wsgi.development_application"

if DEBUG:
    SECRET_KEY = SECRET_KEY or secrets.token_urlsafe(50)  # noqa: F405
    JWT_SECRET_KEY = JWT_SECRET_KEY or secrets.token_urlsafe(48)  # noqa: F405
    SIMPLE_JWT["SIGNING_KEY"] = JWT_SECRET_KEY  # noqa: F405
else:
    require_secrets(secret_key=SECRET_KEY, jwt_secret_key=JWT_SECRET_KEY)  # noqa: F405

# runserver's autoreloader imports settings in two processes; say it once, from the one that serves.
if not REDIS_URL and "runserver" in sys.argv and (os.environ.get("RUN_MAIN") or "--noreload" in sys.argv):
    print(
        "bankapi: REDIS_URL is not set; using an in-process cache. "
        "Lockout and rate limits hold within this one process only.",
        file=sys.stderr,
    )
