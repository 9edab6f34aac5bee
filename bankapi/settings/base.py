"""
Settings shared by every environment, with secure defaults.

Every value comes from the environment (or a `.env` file beside manage.py) through django-environ;
the environment-specific modules (local, production, test) only change what differs.
https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import logging
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS

from bankapi.configuration import Env, unsupported_database_scheme
from ledger.currencies import MINOR_UNITS

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# A value the settings cannot use stops them loading with an error naming the variable, which
# manage.py and the WSGI start print as one line (bankapi/configuration.py).
env = Env()
Env.read_env(BASE_DIR / ".env", overwrite=False)

# GENERAL
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True
ROOT_URLCONF = "bankapi.urls"
WSGI_APPLICATION = "bankapi.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Canonical paths have no trailing slash; a slash-terminated path is a 404, not a redirect.
APPEND_SLASH = False

# SECRETS
# ------------------------------------------------------------------------------
# Required whenever DEBUG is off; the local settings generate throwaway ones for development.
SECRET_KEY = env.str("SECRET_KEY", default="")
JWT_SECRET_KEY = env.str("JWT_SECRET_KEY", default="")


def require_secrets(*, secret_key: str, jwt_secret_key: str) -> None:
    """Refuse to start without real secrets, so a deployment can never sign with a default."""
    if not secret_key:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if len(jwt_secret_key.encode()) < 32:
        raise ImproperlyConfigured("JWT_SECRET_KEY must be set to at least 32 bytes when DEBUG is off.")


# DATABASES
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
# django-prometheus' wrappers of the same backends time every query for /metrics; ours adds a health
# check without a round trip (bankapi/db_backends/postgresql/base.py).
DATABASE_ENGINES = {
    "django.db.backends.postgresql": "bankapi.db_backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}


def database_from_environment() -> dict:
    """DATABASE_URL, else PostgreSQL by parts (DB_NAME set), else a SQLite file beside manage.py."""
    if env.str("DATABASE_URL", default=""):
        database = env.db("DATABASE_URL")
    elif env.str("DB_NAME", default=""):
        database = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env.str("DB_NAME"),
            "USER": env.str("DB_USER", default=""),
            "PASSWORD": env.str("DB_PASSWORD", default=""),
            "HOST": env.str("DB_HOST", default=""),
            "PORT": env.str("DB_PORT", default=""),
        }
    else:
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "db.sqlite3")}
    if database["ENGINE"] not in DATABASE_ENGINES:
        raise unsupported_database_scheme(var="DATABASE_URL", url=env.str("DATABASE_URL"))
    database["ENGINE"] = DATABASE_ENGINES[database["ENGINE"]]
    if database["ENGINE"] == DATABASE_ENGINES["django.db.backends.postgresql"]:
        # Fail fast when the server is unreachable instead of hanging a worker.
        database.setdefault("OPTIONS", {}).setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=3))
    # Reuse connections across requests; health checks replace a connection that died
    # (e.g. after a PostgreSQL restart) before the request uses it.
    database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    database["CONN_HEALTH_CHECKS"] = True
    database["ATOMIC_REQUESTS"] = False
    return database


DATABASES = {"default": database_from_environment()}
# The role the application connects as, when it is not the one that runs the migrations: `migrate`
# grants it exactly what the running service needs (bankapi/database_roles.py). Unset: no grants.
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")

# CACHES
# ------------------------------------------------------------------------------
# The shared cache holds the lockout counters and the rate-limit buckets, so it must be Redis in
# any deployment with more than one process. Without REDIS_URL, an in-process cache is used
# (development only: limits then hold within that one process).
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="bankapi")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "monitoring.cache.TimedRedisCache",  # django-redis, every operation timed
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=1.0),
                "SOCKET_TIMEOUT": env.float("REDIS_TIMEOUT", default=1.0),
                # Never swallow errors: the lockout and the limits fail closed when Redis is down.
                "IGNORE_EXCEPTIONS": False,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "monitoring.cache.TimedLocMemCache",
            "LOCATION": "bankapi",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

# APPS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "bankapi.apps.BankAdminConfig",  # django.contrib.admin with bankapi.admin_site.BankAdminSite
    # Ahead of django.contrib.auth, simplejwt and django-axes: its management commands of the same
    # name replace theirs (createsuperuser and changepassword refuse and point to create_staff and
    # set_password_link; flushexpiredtokens also forgets ended sessions; axes' resets refuse and
    # point to `unlock`).
    "accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "corsheaders",
    "csp",
    "audit",
    "customers",
    "monitoring",
    "rest_framework_api_key",  # the key model partners.PartnerKey extends (its own APIKey table stays empty)
    "partners",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes
    "mfa",
    "oauth2_provider",
    "oauth",
    "ledger",
    "legacy",
]

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# django-axes first (refuses identities it has recorded as locked), then our backend, which
# resolves an email or account number and guards the password check with the atomic counter.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.AccountBackend",
]
# BCrypt with a SHA-256 prehash (no 72-byte truncation) for every new hash; plain bcrypt only to
# verify hashes imported from the earlier service, which Django re-hashes on the first login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "accounts.hashers.LegacyBCryptPasswordHasher",
]
# A one-time set-password link (accounts.set_password_links: made by an admin for a new user) works
# for this many seconds, unless it is used, or the user signs in or changes password, before.
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=12)
PASSWORD_MAX_LENGTH = 128
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name", "account_number")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": PASSWORD_MAX_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# MIDDLEWARE
# ------------------------------------------------------------------------------
# Each one runs on every request, so each earns its place by measurement (docs/performance.md).
# Sessions, the logged-in user and messages serve the admin site only; the API is token-authenticated.
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Outermost, so that every response carries the request id, the CSP and no-store, whichever
    # middleware below answers it (CORS preflights, the body-size limit, a redirect, axes' lockout).
    "bankapi.middleware.RequestIdMiddleware",
    "bankapi.middleware.SecurityHeadersMiddleware",  # CSP and no-store, computed once
    "bankapi.middleware.ProblemDetailsMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "bankapi.middleware.RequestBodyLimitMiddleware",
    "bankapi.middleware.AdminSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "bankapi.middleware.AdminAuthenticationMiddleware",
    "bankapi.middleware.AdminOTPMiddleware",  # the admin site needs a session verified by a TOTP code
    "bankapi.middleware.AdminMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "monitoring.middleware.PrometheusAfterMiddleware",  # django-prometheus, labelled children cached
    # django-axes wants to be last: it turns a lockout flagged during the view into a response.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's own templates (bankapi is no app): admin overrides such as the favicon's link.
        "DIRS": [BASE_DIR / "bankapi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The project's own static files (bankapi is no app): the favicon.
STATICFILES_DIRS = [BASE_DIR / "bankapi" / "static"]

ADMIN_URL = env.str("ADMIN_URL", default="admin/")

# REQUEST LIMITS
# ------------------------------------------------------------------------------
# Bodies over 64 KiB are refused with 413 (see RequestBodyLimitMiddleware).
REQUEST_BODY_MAX_BYTES = 64 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES

# SECURITY
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "bankapi.errors.csrf_failure"

# Content Security Policy (django-csp). The API serves JSON only: nothing may load or frame it.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}
# The admin site and the API docs are pages for browsers, and get only what they need: their own
# scripts, styles (Django's admin and Swagger UI set inline style attributes), fonts and images.
CONTENT_SECURITY_POLICY_BROWSER_PAGES = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# CORS (django-cors-headers): closed unless origins are listed. Tokens travel in the Authorization
# header, never in cookies, so credentials are not allowed cross-origin.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "if-match", "idempotency-key", "x-request-id"]
CORS_EXPOSE_HEADERS = ["etag", "retry-after", "x-request-id", "idempotent-replayed"]
CORS_URLS_REGEX = r"^/api/.*$"
# How many proxies in front of the app append to X-Forwarded-For. 0: trust only REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# The addresses of those proxies (CIDRs): X-Forwarded-For is believed only from them, so that a
# client reaching an instance directly cannot choose its own address (and rate-limit bucket).
TRUSTED_PROXY_NETWORKS = env.networks("TRUSTED_PROXY_NETWORKS", default=["127.0.0.0/8", "::1/128"])

# DJANGO REST FRAMEWORK
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # An OAuth access token (oauth/) first: it claims only tokens that are not JWTs, at the cost of a
    # string test for a JWT; a JWT goes on to our own bearer authentication.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oauth.authentication.OAuthTokenAuthentication",
        "accounts.authentication.BearerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["bankapi.ratelimits.AuthenticatedUserRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["bankapi.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "bankapi.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}

# TOKENS (djangorestframework-simplejwt)
# ------------------------------------------------------------------------------
# https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html
JWT_ACCESS_MINUTES = env.int("JWT_ACCESS_MINUTES", default=60)
JWT_STAFF_ACCESS_MINUTES = env.int("JWT_STAFF_ACCESS_MINUTES", default=15)
JWT_REFRESH_MINUTES = env.int("JWT_REFRESH_MINUTES", default=1440)
# Of simultaneous refreshes with one token, the losers arriving within this many seconds of the
# winner's use get 401 and revoke nothing (two tabs, an app's parallel calls, a retry after a lost
# response); a use after it is a replay of a leaked token and revokes every token of the user.
JWT_REFRESH_RACE_SECONDS = env.int("JWT_REFRESH_RACE_SECONDS", default=10)
JWT_ISSUER = env.str("JWT_ISSUER", default="bankapi")
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default="bankapi-clients")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=JWT_ACCESS_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(minutes=JWT_REFRESH_MINUTES),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SECRET_KEY,
    "AUDIENCE": JWT_AUDIENCE,
    "ISSUER": JWT_ISSUER,
    "LEEWAY": 0,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "public_id",
    "USER_ID_CLAIM": "sub",
    "TOKEN_TYPE_CLAIM": "token_type",
    "JTI_CLAIM": "jti",
    "AUTH_TOKEN_CLASSES": ("accounts.tokens.BankAccessToken",),
    "CHECK_USER_IS_ACTIVE": True,
}

# MFA (django-otp: TOTP devices, and static devices for recovery codes)
# ------------------------------------------------------------------------------
# https://django-otp-official.readthedocs.io/en/stable/overview.html
# How long the `mfa_token` of a password step may be exchanged at /api/v1/auth/mfa/verify.
MFA_TOKEN_SECONDS = env.int("MFA_TOKEN_SECONDS", default=300)
MFA_RECOVERY_CODES = 10
# The name an authenticator app shows beside the account (the otpauth URI's issuer).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Bank API")
# Wrong codes count toward the account's lockout (accounts.lockout), as wrong passwords do; apart
# from it a right code always succeeds, so django-otp's own growing delays are off.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# THIRD-PARTY APPS (django-oauth-toolkit, under /oauth/; see docs/oauth.md)
# ------------------------------------------------------------------------------
# https://django-oauth-toolkit.readthedocs.io/en/latest/settings.html
OAUTH_ACCESS_TOKEN_MINUTES = env.int("OAUTH_ACCESS_TOKEN_MINUTES", default=60)
OAUTH_REFRESH_TOKEN_DAYS = env.int("OAUTH_REFRESH_TOKEN_DAYS", default=30)
# Named, though it is the default, because oauth.AppScopes refers to it (a swappable model: its
# migration reads the setting).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    # Only the authorization code (PKCE S256) with refresh, and client credentials, exist at all
    # (oauth/server.py); the scopes are ours, and each app gets only those it was registered with.
    "OAUTH2_SERVER_CLASS": "oauth.server.BankOAuth2Server",
    "SCOPES_BACKEND_CLASS": "oauth.scopes.AppScopesBackend",
    # Each scope with what the consent page tells the customer it allows (oauth/scopes.py says
    # which grant may carry it).
    "SCOPES": {
        "profile:read": "Read your profile: account number, name, email, phone, date of birth and status",
        "account-verification": "Confirm payees' names (confirmation of payee, for partners)",
    },
    "DEFAULT_SCOPES": [],
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": OAUTH_ACCESS_TOKEN_MINUTES * 60,
    "REFRESH_TOKEN_EXPIRE_SECONDS": OAUTH_REFRESH_TOKEN_DAYS * 24 * 60 * 60,
    # Refresh tokens rotate; a used one replayed revokes its whole family (RFC 9700 section 4.14.2).
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    # Ask the customer every time: no silent re-approval.
    "REQUEST_APPROVAL_PROMPT": "force",
    # Redirect URIs match exactly. http is allowed for loopback addresses only (RFC 8252 native
    # apps), which oauth.services checks when an app is registered.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    "ALLOW_URI_WILDCARDS": False,
    # RFC 9700 (OAuth 2.0 Security Best Current Practice), every gate on: no implicit or password
    # grant, no plain PKCE, no token in a query string, `iss` in authorization responses, tokens
    # kept only as SHA-256 checksums, and the deploy checks fail on an insecure setting.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    # The RFC 8414 metadata document says what the server does (see oauth.views.ServerMetadataView).
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token", "client_credentials"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post", "none"],
}

# LOCKOUT (django-axes plus the atomic counter in accounts.lockout)
# ------------------------------------------------------------------------------
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
LOCKOUT_FAILURES = env.int("LOCKOUT_FAILURES", default=5)
LOCKOUT_MINUTES = env.int("LOCKOUT_MINUTES", default=30)
AXES_ENABLED = True
AXES_FAILURE_LIMIT = LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.axes_lockout_key"
AXES_CLIENT_IP_CALLABLE = "bankapi.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.axes_lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
# Axes' access log of successful logins forces a session (and a cookie) onto every API login; the
# attempts and lockouts it records are the part the operators need.
AXES_DISABLE_ACCESS_LOG = True
# Masked in the request data axes keeps with each attempt (the password always is): the admin login
# form's user name (often a password typed in the wrong box), its CSRF token and a one-time code.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken", "otp_token"]

# RATE LIMITS (bankapi.ratelimits: fixed windows counted in the shared cache, one round trip each)
# ------------------------------------------------------------------------------
# Rate strings as django-ratelimit reads them: `COUNT/[N]UNIT`, UNIT one of s, m, h, d.
RATE_LOGIN = env.rate("RATE_LOGIN", default="20/m")
RATE_REGISTER = env.rate("RATE_REGISTER", default="10/h")
RATE_USER = env.rate("RATE_USER", default="300/m")
RATE_PARTNER = env.rate("RATE_PARTNER", default="60/m")
# The authorization server's token, revocation and introspection endpoints, per client IP.
RATE_OAUTH_CLIENT = env.rate("RATE_OAUTH_CLIENT", default="60/m")

# LEDGER (ledger/: accounts, movements, idempotency keys)
# ------------------------------------------------------------------------------
# The currency of new accounts: an ISO 4217 code whose minor units the ledger knows.
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="EUR")
if DEFAULT_CURRENCY not in MINOR_UNITS:
    raise ImproperlyConfigured(f"DEFAULT_CURRENCY must be one of {', '.join(sorted(MINOR_UNITS))}.")
# How long an outcome stays replayable under its Idempotency-Key (the contract: at least 24 hours),
# and how long a duplicate waits for the first request with its key before it is 409 `conflict`.
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
IDEMPOTENCY_WAIT_SECONDS = env.int("IDEMPOTENCY_WAIT_SECONDS", default=10)

# MIGRATION FROM THE FLASK SERVICE (legacy/: import_customers, the legacy routes)
# ------------------------------------------------------------------------------
# Serve the Flask service's routes (POST /register, POST /login, GET /profile, GET and POST /,
# PUT and DELETE /<account_number>) while its clients move to /api/v1. Off: every one is 404.
LEGACY_API_ENABLED = env.bool("LEGACY_API_ENABLED", default=False)

# OPENAPI SCHEMA (drf-spectacular): /api/schema and /api/docs
# ------------------------------------------------------------------------------
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "Bank API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "The bank's REST API: customers register, log in and manage their profile; staff run the "
        "customer base. JSON in and out; every error is RFC 9457 `application/problem+json` with a "
        "stable `code`; every response carries `X-Request-ID`. Authenticated operations take "
        "`Authorization: Bearer <access token>` (from `POST /api/v1/auth/login`). Roles, lockout, "
        "rate limits and the rules the contract leaves open are described in the project's README.md."
    ),
    # Swagger UI's assets come from drf-spectacular-sidecar, served as our own static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Request bodies get components of their own (write-only fields, no read-only ones).
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs are public, and never look at a token.
    "SERVE_AUTHENTICATION": [],
    # Tags come from the first path segment after /api/v1 (e.g. "customers").
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # One name per choice set, whichever fields use it.
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "accounts.models.Role",
        "StatusEnum": "accounts.models.Status",
        "HealthStatusEnum": ["ok"],
        "CheckResultEnum": ["ok", "unavailable"],
    },
    "PREPROCESSING_HOOKS": ["legacy.schema.preprocess_legacy_routes"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "oauth.schema.postprocess_oauth_server",
        "bankapi.schema.postprocess_response_headers",
        "bankapi.schema.postprocess_problem_codes",
        "bankapi.schema.postprocess_pagination_links",
        "bankapi.schema.postprocess_links",
    ],
}

# METRICS (django-prometheus)
# ------------------------------------------------------------------------------
# When set, /metrics requires `Authorization: Bearer <METRICS_TOKEN>`.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# LOGGING: one JSON object per line, each carrying the request id.
# ------------------------------------------------------------------------------
LOG_LEVEL = env.log_level("LOG_LEVEL", default="INFO")
# Found by bankapi/tests/test_secrets_never_logged.py at LOG_LEVEL=DEBUG: oauthlib logs the tokens it
# issues (client credentials, refresh), the authorization codes it grants and the refresh tokens it
# checks; django-oauth-toolkit the redirect URL that carries the authorization code; Django's template
# engine, for each variable a page leaves unset, the repr of the page's whole context (on the consent
# page, the authorization request's values).
SECRETS_AT_DEBUG = ("oauthlib", "oauth2_provider", "django.template")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "bankapi.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            # Django attaches the request to its own log records; its repr includes the query
            # string, which may carry something secret, so only the path is logged (RequestIdFilter).
            "reserved_attrs": [*RESERVED_ATTRS, "request"],
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default config gives its logger a plain-text handler too; one JSON line is enough.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # Axes logs every attempt at INFO/WARNING; its record lives in the database instead.
        "axes": {"level": "ERROR"},
        # Loggers whose DEBUG lines hold secrets never log below INFO, whatever LOG_LEVEL says.
        **{name: {"level": max(LOG_LEVEL, "INFO", key=logging.getLevelName)} for name in SECRETS_AT_DEBUG},
    },
}

# Lockout is per account by contract; per-IP abuse is the rate limits' job (RATE_LOGIN), so axes'
# advice to add the IP address to its lockout parameters does not apply.
# django-oauth-toolkit's W008 flags `http` among the redirect URI schemes; it is there for loopback
# redirect URIs only (RFC 8252), which oauth.services enforces when an app is registered.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "oauth2_provider.W008"]
