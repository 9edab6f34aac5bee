"""
Production settings: DEBUG off, secrets required, HTTPS enforced, persistent connections.

The app runs behind a TLS-terminating proxy; set TRUSTED_PROXY_COUNT to the number of proxies
that append to X-Forwarded-For, the proxy must set X-Forwarded-Proto, and gunicorn's
FORWARDED_ALLOW_IPS must name the proxy.
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
# No SECURE_PROXY_SSL_HEADER: Django would believe X-Forwarded-Proto from anyone who reaches it.
# gunicorn decides instead (gunicorn.conf.py): it honours the header only from FORWARDED_ALLOW_IPS,
# the proxy in front, and then Django sees the request as secure.
# Probes and Prometheus reach each instance directly over the private network, not through the
# TLS proxy: those paths answer over plain HTTP instead of redirecting.
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^db_check$", r"^metrics$"]
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The preload directive only allows submitting the domain to browsers' preload lists; a bank wants that.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
