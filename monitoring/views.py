"""
Provides the health URLs: /health (the process is up) and /db_check (its dependencies answer).
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from monitoring.checks import OK, run_checks


@csrf_exempt  # no state changes here; lets a POST get its 405 rather than a CSRF 403
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Touches no dependency, so a liveness probe never restarts the app for someone else's outage."""
    return JsonResponse({"status": "ok"})


@csrf_exempt  # no state changes here; lets a POST get its 405 rather than a CSRF 403
@require_GET
def db_check(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database and the cache answer, else 503 naming the failed check."""
    checks = run_checks()
    healthy = all(result == OK for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )
