"""
Provides the OpenAPI pieces every view shares: the bearer scheme, the problem details body, and
helpers that declare an operation's error responses in one line.

    @extend_schema(
        request=LoginSerializer,
        responses={200: TokenPairSerializer, **problem_responses(400, (401, "invalid_credentials"), 413, 415)},
    )

Each status becomes an `application/problem+json` response whose description names its codes and
whose examples show each code's body, all read from the problem classes in `bankapi.errors`.
`problem_responses` always adds 500 `internal_error`.
`postprocess_response_headers` (a drf-spectacular hook) documents the headers every response
carries (`X-Request-ID`, `Cache-Control`) and `Retry-After` on every 429.
"""

from collections.abc import Mapping
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from bankapi.errors import PROBLEM_CONTENT_TYPE, ValidationFailedError, problem_body, problem_type, problem_types

BEARER_SCHEME = "bearerAuth"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """`accounts.authentication.BearerTokenAuthentication`: a JWT access token in `Authorization`."""

    target_class = "accounts.authentication.BearerTokenAuthentication"
    match_subclasses = True
    priority = 1  # ahead of drf-spectacular's own extension for simplejwt
    name = BEARER_SCHEME

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": (
                "The access token from `POST /api/v1/auth/login` or `/api/v1/auth/token/refresh`, sent as "
                "`Authorization: Bearer <access token>` (never in a query string). A refresh token is not "
                "accepted here."
            ),
        }


EXAMPLE_REQUEST_ID = "0b4f0c4e-5a8e-4d5b-9a57-3f5b2c1d9e77"
EXAMPLE_ERRORS = {"email": ["Enter a valid email address."]}


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem details body (`application/problem+json`), the shape of every 4xx and 5xx."""

    type = serializers.CharField(help_text="The problem type, `/problems/<code>`.")
    title = serializers.CharField(help_text="A short, human-readable summary of the problem type.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="A human-readable explanation of this occurrence.")
    code = serializers.CharField(help_text="The stable, machine-readable problem code, e.g. `validation_error`.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Only on `validation_error`: each invalid field (or `non_field_errors`) with its messages.",
    )
    request_id = serializers.CharField(help_text="The request's id, as in the `X-Request-ID` response header.")


def usual_codes(status: int) -> tuple[str, ...]:
    """The codes an operation that names only `status` documents: its classes `documented_by_default`."""
    return tuple(
        problem.default_code
        for problem in problem_types()
        if problem.status_code == status and problem.documented_by_default
    )


def problem_example_body(code: str, **members: Any) -> dict[str, Any]:
    """The body the service answers with `code`, as an example value."""
    problem = problem_type(code)
    extensions = {"errors": EXAMPLE_ERRORS} if issubclass(problem, ValidationFailedError) else {}
    return problem_body(
        status=problem.status_code,
        code=code,
        title=problem.title,
        detail=problem.default_detail,
        extensions={**extensions, **members},
        request_id=EXAMPLE_REQUEST_ID,
    )


def problem_openapi_response(
    status: int,
    *codes: str,
    serializer: type[serializers.Serializer] = ProblemSerializer,
    example_members: Mapping[str, Any] | None = None,
) -> OpenApiResponse:
    """
    One problem details response: `codes` (default: `usual_codes(status)`) are named in its
    description and each shown as an example. `serializer` and `example_members` describe extension
    members of a problem type's own (e.g. `checks`). A code no class defines, or one of another
    status, is refused.
    """
    codes = codes or usual_codes(status)
    if not codes:
        raise ValueError(f"name the problem codes of status {status}")
    problems = [problem_type(code) for code in codes]
    for problem in problems:
        if problem.status_code != status:
            raise ValueError(f"problem code {problem.default_code!r} has status {problem.status_code}, not {status}")
    description = "Problem details; `code` is one of:\n\n" + "\n".join(
        f"- `{problem.default_code}`: {problem.when}." for problem in problems
    )
    examples = [
        OpenApiExample(code, value=problem_example_body(code, **(example_members or {})), response_only=True)
        for code in codes
    ]
    return OpenApiResponse(serializer, description=description, examples=examples)


def problem_responses(*specs: int | tuple) -> dict[tuple[int, str], OpenApiResponse]:
    """
    The error responses of an operation, for `extend_schema(responses={...})`. Each spec is a status
    (its usual codes) or a tuple `(status, code, ...)`; 500 `internal_error` is always added.

        problem_responses(400, (401, "invalid_credentials"), (429, "account_locked", "rate_limited"), 503)
    """
    responses: dict[tuple[int, str], OpenApiResponse] = {}
    for spec in specs:
        status, *codes = spec if isinstance(spec, tuple) else (spec,)
        responses[(status, PROBLEM_CONTENT_TYPE)] = problem_openapi_response(status, *codes)
    if (500, PROBLEM_CONTENT_TYPE) not in responses:
        responses[(500, PROBLEM_CONTENT_TYPE)] = problem_openapi_response(500)
    return responses


# Headers, documented once in components.headers and referenced from each response.
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": (
            "The request's id: the client's own `X-Request-ID` if it sent a sane one "
            "(1 to 128 characters of `[A-Za-z0-9._-]`), else a new UUID. Log lines of the request carry it too."
        ),
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"},
        "required": True,
    },
    "Cache-Control": {
        "description": "`no-store`: nothing this service answers is meant for a shared cache.",
        "schema": {"type": "string", "example": "no-store"},
        "required": True,
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
        "required": True,
    },
    "Allow": {
        "description": "The methods this resource allows.",
        "schema": {"type": "string", "example": "GET"},
        "required": True,
    },
}


def postprocess_response_headers(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """
    drf-spectacular hook: the headers of every response, `Retry-After` / `Allow` where they apply, and
    each operation's responses in order of status.
    """
    used: set[str] = set()
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                names = ["X-Request-ID", "Cache-Control"]
                if status == "429":
                    names.append("Retry-After")
                if status == "405":
                    names.append("Allow")
                headers = response.setdefault("headers", {})
                for name in names:
                    headers.setdefault(name, {"$ref": f"#/components/headers/{name}"})
                used.update(names)
            operation["responses"] = dict(sorted(operation.get("responses", {}).items()))
    if used:
        components = result.setdefault("components", {})
        components.setdefault("headers", {}).update({name: RESPONSE_HEADERS[name] for name in sorted(used)})
    return result
