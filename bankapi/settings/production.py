"""
Production settings: DEBUG off, secrets required, HTTPS enforced, persistent connections.

The app runs behind a TLS-terminating proxy; set TRUSTED_PROXY_COUNT to the number of proxies
that append to X-Forwarded-For, and the proxy must set X-Forwarded-Proto.
"""

from .base import *  # noqa: F403
from .base import env, require_secrets

DEBUG = False
require_secrets(secret_key=SECRET_KEY, jwt_secret_key=JWT_SECRET_KEY)  # noqa: F405

# Keep PostgreSQL sessions open across requests: opening one per request makes an authenticated
# read several times slower. CONN_HEALTH_CHECKS (base) drops a connection that died.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405

# HTTPS
# https://docs.djangoproject.com/en/5.2/topics/security/#ssl-https
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The preload directive only allows submitting the domain to browsers' preload lists; a bank wants that.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
