"""
Provides the health URLs: /health (the process is up) and /db_check (its dependencies answer).

They are DRF views so that they appear in the OpenAPI schema, but anonymous, unthrottled and GET
only, and they answer JSON whatever the request's `Accept` or `?format=` say.
"""

from django.http import HttpResponse, JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from bankapi import schema
from bankapi.errors import PROBLEM_CONTENT_TYPE, problem_response
from monitoring.checks import OK, UNAVAILABLE, run_checks

OPERATIONS_TAG = "operations"


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[OK], help_text="Always `ok`: the process is up.")


class ChecksSerializer(serializers.Serializer):
    """The result of each dependency's check."""

    database = serializers.ChoiceField(choices=[OK, UNAVAILABLE])
    cache = serializers.ChoiceField(choices=[OK, UNAVAILABLE])


class DbCheckSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[OK], help_text="`ok`: every dependency answered.")
    checks = ChecksSerializer()


class DbCheckProblemSerializer(schema.ProblemSerializer):
    """Problem details of a failed /db_check: `checks` names the failed dependency (never why)."""

    checks = ChecksSerializer()


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Always JSON, as a load balancer or an orchestrator expects, whatever `Accept` says."""

    def select_parser(self, request: Request, parsers: list) -> None:
        return None  # GET only: no body to parse

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class HealthCheckView(APIView):
    """Anyone may ask; nothing is authenticated, throttled or parsed. Other methods get 405 with `Allow: GET`."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation
    http_method_names = ["get"]


class HealthView(HealthCheckView):
    @extend_schema(
        summary="Liveness",
        description="200 while the process is up. Touches no dependency, so a liveness probe never restarts "
        "the app for someone else's outage.",
        tags=[OPERATIONS_TAG],
        auth=[],
        responses={200: HealthSerializer, **schema.problem_responses((400, "bad_request"))},
    )
    def get(self, request: Request) -> JsonResponse:
        return JsonResponse({"status": "ok"})


class DbCheckView(HealthCheckView):
    @extend_schema(
        summary="Readiness",
        description="200 when the database and the cache answer; else 503 problem details whose `checks` name "
        "the failed one (and never say why: the reason goes to the log only).",
        tags=[OPERATIONS_TAG],
        auth=[],
        responses={
            200: DbCheckSerializer,
            **schema.problem_responses((400, "bad_request")),
            (503, PROBLEM_CONTENT_TYPE): schema.problem_openapi_response(
                503,
                serializer=DbCheckProblemSerializer,
                example_members={"detail": "Unavailable: cache.", "checks": {"database": OK, "cache": UNAVAILABLE}},
            ),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        checks = run_checks()
        if all(result == OK for result in checks.values()):
            return JsonResponse({"status": "ok", "checks": checks})
        failed = ", ".join(name for name, result in checks.items() if result != OK)
        return problem_response(
            status=503, code="service_unavailable", detail=f"Unavailable: {failed}.", extensions={"checks": checks}
        )


health = HealthView.as_view()
db_check = DbCheckView.as_view()
