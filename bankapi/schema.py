"""
Provides the OpenAPI pieces every view shares: the bearer scheme, the problem details body, and
helpers that declare an operation's error responses in one line.

    @extend_schema(
        request=LoginSerializer,
        responses={200: TokenPairSerializer, **problem_responses(400, (401, "invalid_credentials"), 413, 415)},
    )

Each status becomes an `application/problem+json` response whose description names its codes and
whose examples show each code's body. `problem_responses` always adds 500 `internal_error`.
`postprocess_response_headers` (a drf-spectacular hook) documents the headers every response
carries (`X-Request-ID`, `Cache-Control`) and `Retry-After` on every 429.
"""

from collections.abc import Mapping
from typing import Any, NamedTuple

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from bankapi.errors import PROBLEM_CONTENT_TYPE

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


class ProblemType(NamedTuple):
    status: int
    title: str
    detail: str  # the usual `detail`, for the example body
    when: str  # for the response's description


# Every problem code the contract names (and `bad_request`), as bankapi.errors renders it.
PROBLEMS: dict[str, ProblemType] = {
    "validation_error": ProblemType(
        400,
        "Invalid request",
        "One or more fields are invalid.",
        "a field is missing, malformed, out of range, or unknown; `errors` maps each field to its messages",
    ),
    "malformed_json": ProblemType(400, "Malformed JSON", "The request body is not valid JSON.", "the body is not JSON"),
    "bad_request": ProblemType(
        400,
        "Bad request",
        "The request could not be understood.",
        "the request could not be understood (e.g. a `Host` this service does not serve)",
    ),
    "idempotency_key_required": ProblemType(
        400,
        "Idempotency key required",
        "This request needs an Idempotency-Key header.",
        "a money-moving POST without `Idempotency-Key`",
    ),
    "invalid_credentials": ProblemType(
        401,
        "Invalid credentials",
        "The credentials are not valid.",
        "the login failed (the same body for an unknown identifier, a wrong password, a frozen or closed user)",
    ),
    "not_authenticated": ProblemType(
        401,
        "Not authenticated",
        "Authentication credentials were missing or are not valid.",
        "no token, or a bad one (expired, wrong signature, `alg: none`, revoked, of the wrong type)",
    ),
    "invalid_otp": ProblemType(
        401, "Invalid one-time code", "The code is not valid.", "a wrong, expired or reused MFA code"
    ),
    "permission_denied": ProblemType(
        403,
        "Permission denied",
        "You do not have permission to perform this action.",
        "authenticated, but the caller's role may not do this",
    ),
    "mfa_enrollment_required": ProblemType(
        403,
        "MFA enrollment required",
        "Enroll in multi-factor authentication first.",
        "staff without MFA, on anything but enrollment",
    ),
    "insufficient_scope": ProblemType(
        403,
        "Insufficient scope",
        "The token does not carry the scope this request needs.",
        "an OAuth token without the needed scope",
    ),
    "not_found": ProblemType(
        404, "Not found", "The requested resource was not found.", "no such resource, or one the caller may not see"
    ),
    "method_not_allowed": ProblemType(
        405,
        "Method not allowed",
        "The method is not allowed for this resource.",
        "the method is not allowed here; `Allow` lists those that are",
    ),
    "conflict": ProblemType(
        409,
        "Conflict",
        "The request conflicts with the current state of the resource.",
        "the request conflicts with the current state of the resource",
    ),
    "precondition_failed": ProblemType(
        412,
        "Precondition failed",
        "If-Match does not match the current ETag of the resource.",
        "`If-Match` does not match the current `ETag`",
    ),
    "payload_too_large": ProblemType(
        413, "Payload too large", "The request body is larger than 64 KiB.", "the body is larger than 64 KiB"
    ),
    "unsupported_media_type": ProblemType(
        415,
        "Unsupported media type",
        "Requests with a body must send Content-Type: application/json.",
        "a body sent without `Content-Type: application/json`",
    ),
    "insufficient_funds": ProblemType(
        422,
        "Insufficient funds",
        "The source account does not hold enough money.",
        "the source account does not hold enough money",
    ),
    "account_not_active": ProblemType(
        422, "Account not active", "The source account is not active.", "the source account is frozen or closed"
    ),
    "invalid_destination": ProblemType(
        422,
        "Invalid destination",
        "The destination account is unknown or closed.",
        "the destination account is unknown or closed",
    ),
    "idempotency_key_reused": ProblemType(
        422,
        "Idempotency key reused",
        "This Idempotency-Key was used with a different request.",
        "the same `Idempotency-Key` with a different body",
    ),
    "account_locked": ProblemType(
        429,
        "Account locked",
        "Too many failed logins for this account. Try again later.",
        "too many consecutive failed logins for this account; `Retry-After` says when to try again",
    ),
    "rate_limited": ProblemType(
        429,
        "Too many requests",
        "Request rate over the limit. Try again later.",
        "the request rate is over the limit; `Retry-After` says when to try again",
    ),
    "internal_error": ProblemType(
        500,
        "Internal error",
        "An unexpected error occurred.",
        "anything unexpected (logged in full server-side with the request id)",
    ),
    "service_unavailable": ProblemType(
        503,
        "Service unavailable",
        "A service this request depends on is unavailable. Try again later.",
        "a dependency (the database or the shared cache) is down",
    ),
}

# The codes a status stands for when an operation does not name them.
DEFAULT_CODES: dict[int, tuple[str, ...]] = {
    400: ("validation_error", "malformed_json"),
    401: ("not_authenticated",),
    403: ("permission_denied",),
    404: ("not_found",),
    405: ("method_not_allowed",),
    409: ("conflict",),
    412: ("precondition_failed",),
    413: ("payload_too_large",),
    415: ("unsupported_media_type",),
    429: ("rate_limited",),
    500: ("internal_error",),
    503: ("service_unavailable",),
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


def problem_example_body(code: str, **members: Any) -> dict[str, Any]:
    """The body the service answers with `code`, as an example value."""
    problem = PROBLEMS[code]
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "code": code,
    }
    if code == "validation_error":
        body["errors"] = EXAMPLE_ERRORS
    body.update(members)
    body["request_id"] = EXAMPLE_REQUEST_ID
    return body


def problem_response(
    status: int,
    *codes: str,
    serializer: type[serializers.Serializer] = ProblemSerializer,
    example_members: Mapping[str, Any] | None = None,
) -> OpenApiResponse:
    """
    One problem details response: `codes` (default: the usual ones for `status`) are named in its
    description and each shown as an example. `serializer` and `example_members` describe extension
    members of a problem type's own (e.g. `checks`).
    """
    codes = codes or DEFAULT_CODES.get(status, ())
    if not codes:
        raise ValueError(f"name the problem codes of status {status}")
    for code in codes:
        if code not in PROBLEMS:
            raise ValueError(f"unknown problem code {code!r}")
        if PROBLEMS[code].status != status:
            raise ValueError(f"problem code {code!r} has status {PROBLEMS[code].status}, not {status}")
    description = "Problem details; `code` is one of:\n\n" + "\n".join(
        f"- `{code}`: {PROBLEMS[code].when}." for code in codes
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
        responses[(status, PROBLEM_CONTENT_TYPE)] = problem_response(status, *codes)
    if (500, PROBLEM_CONTENT_TYPE) not in responses:
        responses[(500, PROBLEM_CONTENT_TYPE)] = problem_response(500)
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
