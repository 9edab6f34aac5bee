"""
Provides the service's own Prometheus counters and the /metrics view.

django-prometheus already counts and times requests (by view, method and status), database queries
and cache reads; this module adds what only the service knows: how logins end, when identities
lock, and which rate limits refuse requests. Its receivers are connected once, when
`MonitoringConfig.ready()` imports it. See docs/metrics.md for every metric and for running under
several gunicorn workers.
"""

import hmac
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, Counter

from accounts import lockout
from accounts.signals import account_locked
from bankapi.errors import NotAuthenticatedError, problem_for_error, problem_response
from bankapi.signals import request_rate_limited

LOGIN_SUCCESS = "success"
LOGIN_FAILURE = "failure"
LOGIN_REFUSED_LOCKED = "refused_locked"

logins_total = Counter(
    "bankapi_logins",
    "Logins by outcome: success, failure (a password was checked and was wrong), "
    "refused_locked (refused unchecked because the identity is locked).",
    ["outcome"],
)
lockouts_total = Counter(
    "bankapi_lockouts",
    "Identities locked after LOCKOUT_FAILURES consecutive failed logins.",
)
rate_limited_requests_total = Counter(
    "bankapi_rate_limited_requests",
    "Requests refused with 429 by a rate limit, by the limit's group.",
    ["group"],
)

# Exported at 0 from the start, so rate() and alerts work before the first event.
for _outcome in (LOGIN_SUCCESS, LOGIN_FAILURE, LOGIN_REFUSED_LOCKED):
    logins_total.labels(outcome=_outcome)


@receiver(user_logged_in, dispatch_uid="monitoring.metrics.count_login_success")
def count_login_success(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    logins_total.labels(outcome=LOGIN_SUCCESS).inc()


@receiver(user_login_failed, dispatch_uid="monitoring.metrics.count_login_failure")
def count_login_failure(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    outcome = LOGIN_REFUSED_LOCKED if lockout.refused_by_lock(request) else LOGIN_FAILURE
    logins_total.labels(outcome=outcome).inc()


@receiver(account_locked, dispatch_uid="monitoring.metrics.count_lockout")
def count_lockout(sender: Any, **kwargs: Any) -> None:
    lockouts_total.inc()


@receiver(request_rate_limited, dispatch_uid="monitoring.metrics.count_rate_limited")
def count_rate_limited(sender: Any, group: str, **kwargs: Any) -> None:
    rate_limited_requests_total.labels(group=group).inc()


# The /metrics view -------------------------------------------------------------------------------

_ALLOWED_METHODS = ("GET",)
_REALM = 'Bearer realm="metrics"'


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _not_authenticated(*, invalid_token: bool) -> HttpResponse:
    response = problem_for_error(NotAuthenticatedError("A valid metrics bearer token is required."))
    response["WWW-Authenticate"] = f'{_REALM}, error="invalid_token"' if invalid_token else _REALM
    return response


@csrf_exempt  # no state changes here; lets a POST get its 405 rather than a CSRF 403
def metrics_view(request: HttpRequest) -> HttpResponse:
    """
    The Prometheus text exposition of this process's registry (or, with PROMETHEUS_MULTIPROC_DIR
    set, of every worker's). When METRICS_TOKEN is set, only `Authorization: Bearer <token>` gets it.
    """
    if request.method not in _ALLOWED_METHODS:
        return problem_response(status=405, headers={"Allow": ", ".join(_ALLOWED_METHODS)})
    expected = settings.METRICS_TOKEN
    if expected:
        offered = _bearer_token(request)
        if offered is None:
            return _not_authenticated(invalid_token=False)
        # Bytes, so a non-ASCII header compares (in constant time) instead of raising TypeError.
        if not hmac.compare_digest(offered.encode(), expected.encode()):
            return _not_authenticated(invalid_token=True)
    response = ExportToDjangoView(request)
    # django-prometheus labels the body with prometheus_client's CONTENT_TYPE_LATEST, which is now
    # "version=1.0.0"; the body it renders (generate_latest, legacy name escaping) is the 0.0.4
    # text format, which every Prometheus version accepts.
    response["Content-Type"] = CONTENT_TYPE_PLAIN_0_0_4
    return response
