"""
Provides the health URLs: /health (the process is up) and /db_check (its dependencies answer).
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from bankapi.errors import problem_response
from monitoring.checks import OK, run_checks


@csrf_exempt  # no state changes here; lets a POST get its 405 rather than a CSRF 403
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Touches no dependency, so a liveness probe never restarts the app for someone else's outage."""
    return JsonResponse({"status": "ok"})


@csrf_exempt  # no state changes here; lets a POST get its 405 rather than a CSRF 403
@require_GET
def db_check(request: HttpRequest) -> HttpResponse:
    """
    Readiness: 200 when the database and the cache answer; else 503 problem details whose `checks`
    name the failed one (and never say why: the reason goes to the log only).
    """
    checks = run_checks()
    if all(result == OK for result in checks.values()):
        return JsonResponse({"status": "ok", "checks": checks})
    failed = ", ".join(name for name, result in checks.items() if result != OK)
    return problem_response(
        status=503, code="service_unavailable", detail=f"Unavailable: {failed}.", extensions={"checks": checks}
    )
