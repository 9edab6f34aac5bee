"""
Provides the service's error hierarchy and renders every error as RFC 9457 problem details.

Each problem type is defined once, as a class (see `BankAPIError`): its HTTP status, stable
machine-readable `code`, title, usual detail and when it happens. One function, `problem_body`,
shapes every error body, whichever layer the error comes from: DRF views
(`problem_exception_handler`), Django's own handlers (`handler404` and friends), the CSRF failure
view, django-axes' lockout callable, `ProblemDetailsMiddleware` for anything else (through
`problem_response` or `problem_for_error`), and the OpenAPI examples (`bankapi.schema`).
"""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from redis.exceptions import RedisError
from rest_framework import exceptions as drf_exceptions

from bankapi.logging import current_request_id

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

_PROBLEM_TYPES: dict[str, type["BankAPIError"]] = {}  # by code, filled as the classes are defined
_STATUS_DEFAULTS: dict[int, type["BankAPIError"]] = {}  # the problem a bare status stands for


class BankAPIError(drf_exceptions.APIException):
    """
    Base class of the errors this service answers with, and the one definition of each problem type.

    A class that sets its own `default_code` is a problem type: `status_code`, `default_code`,
    `title`, `default_detail` and `when` (the sentence the OpenAPI document gives it) are all there
    is to know about it, and everything else reads them: the renderer, the defaults for an error that
    arrives as a bare status, and `bankapi.schema`. A class without a code of its own (e.g.
    `RetryLaterError`) only shares behaviour. Two flags, read from the class's own body (never
    inherited, so a subclass does not claim its parent's place):

    - `status_default`: an error response that says only its status (Django's error views, DRF's
      other exceptions, a third-party middleware) is rendered as this problem. One per status.
    - `documented_by_default`: `bankapi.schema.problem_responses` names this problem when an
      operation gives only the status.

    A code defined twice, or a second default for a status, fails at import.
    """

    status_code = HTTPStatus.INTERNAL_SERVER_ERROR
    default_code = "internal_error"
    title = "Internal error"
    default_detail = "An unexpected error occurred."
    when = "anything unexpected (logged in full server-side with the request id)"
    status_default = True
    documented_by_default = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _register(cls)

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail=detail or self.default_detail, code=self.default_code)

    def headers(self) -> dict[str, str]:
        return {}

    def extensions(self) -> dict[str, Any]:
        """Members of this problem type's own (RFC 9457 section 3.2), added to the body."""
        return {}


def _register(problem: type[BankAPIError]) -> None:
    own = vars(problem)
    status_default = own.get("status_default", False)
    documented_by_default = own.get("documented_by_default", False)
    if "default_code" not in own:
        if status_default or documented_by_default:
            raise TypeError(f"{problem.__name__} defines no problem code of its own, so it cannot be a default")
    else:
        code, status = problem.default_code, int(problem.status_code)
        missing = [name for name in ("title", "default_detail", "when") if name not in own]
        if missing:
            raise TypeError(f"problem class {problem.__name__} must define its own {', '.join(missing)}")
        if code in _PROBLEM_TYPES:
            first = _PROBLEM_TYPES[code].__name__
            raise TypeError(f"problem code {code!r} is defined twice: {first}, {problem.__name__}")
        if status_default and status in _STATUS_DEFAULTS:
            first = _STATUS_DEFAULTS[status].__name__
            raise TypeError(f"status {status} has two defaults: {first}, {problem.__name__}")
        _PROBLEM_TYPES[code] = problem
        if status_default:
            _STATUS_DEFAULTS[status] = problem
    problem.status_default = status_default
    problem.documented_by_default = documented_by_default


_register(BankAPIError)


class BadRequestError(BankAPIError):
    status_code = HTTPStatus.BAD_REQUEST
    default_code = "bad_request"
    title = "Bad request"
    default_detail = "The request could not be understood."
    when = "the request could not be understood (e.g. a `Host` this service does not serve)"
    status_default = True


class ValidationFailedError(BankAPIError):
    """DRF's `ValidationError`, as problem details: `errors` maps each invalid field to its messages."""

    status_code = HTTPStatus.BAD_REQUEST
    default_code = "validation_error"
    title = "Invalid request"
    default_detail = "One or more fields are invalid."
    when = "a field is missing, malformed, out of range, or unknown; `errors` maps each field to its messages"
    documented_by_default = True

    def __init__(self, errors: Mapping[str, Any], detail: str | None = None) -> None:
        super().__init__(detail)
        self.errors = errors

    def extensions(self) -> dict[str, Any]:
        return {"errors": self.errors}


class MalformedJSONError(BankAPIError):
    status_code = HTTPStatus.BAD_REQUEST
    default_code = "malformed_json"
    title = "Malformed JSON"
    default_detail = "The request body is not valid JSON."
    when = "the body is not JSON"
    documented_by_default = True


class InvalidCredentialsError(BankAPIError):
    status_code = HTTPStatus.UNAUTHORIZED
    default_code = "invalid_credentials"
    title = "Invalid credentials"
    default_detail = "The credentials are not valid."
    when = "the login failed (the same body for an unknown identifier, a wrong password, a frozen or closed user)"


class InvalidOtpError(BankAPIError):
    status_code = HTTPStatus.UNAUTHORIZED
    default_code = "invalid_otp"
    title = "Invalid MFA code"
    default_detail = "The code is wrong, expired or already used."
    when = "a wrong, expired or already used MFA code (TOTP or recovery code)"


class NotAuthenticatedError(BankAPIError):
    status_code = HTTPStatus.UNAUTHORIZED
    default_code = "not_authenticated"
    title = "Not authenticated"
    default_detail = "Authentication credentials were missing or are not valid."
    when = "no token, or a bad one (expired, wrong signature, `alg: none`, revoked, of the wrong type)"
    status_default = True
    documented_by_default = True

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="api"'}


class PermissionDeniedError(BankAPIError):
    status_code = HTTPStatus.FORBIDDEN
    default_code = "permission_denied"
    title = "Permission denied"
    default_detail = "You do not have permission to perform this action."
    when = "authenticated, but the caller's role may not do this"
    status_default = True
    documented_by_default = True


class MfaEnrollmentRequiredError(BankAPIError):
    status_code = HTTPStatus.FORBIDDEN
    default_code = "mfa_enrollment_required"
    title = "MFA enrollment required"
    default_detail = (
        "Staff must set up two-factor authentication first: POST /api/v1/auth/mfa/totp, then "
        "/api/v1/auth/mfa/totp/confirm."
    )
    when = "an admin or auditor without MFA, on anything but enrollment and logout"
    documented_by_default = True  # with permission_denied, wherever an operation declares 403


class InsufficientScopeError(BankAPIError):
    """An OAuth access token (oauth/) that lacks the scope this operation needs (RFC 6750 section 3.1)."""

    status_code = HTTPStatus.FORBIDDEN
    default_code = "insufficient_scope"
    title = "Insufficient scope"
    default_detail = "The access token does not carry the scope this operation needs."
    when = "an OAuth access token without the scope this operation needs (an OAuth token is good for nothing else)"

    def __init__(self, scope: str | None = None, detail: str | None = None) -> None:
        super().__init__(detail)
        self.scope = scope

    def headers(self) -> dict[str, str]:
        challenge = 'Bearer realm="api", error="insufficient_scope"'
        return {"WWW-Authenticate": f'{challenge}, scope="{self.scope}"' if self.scope else challenge}


class NotFoundError(BankAPIError):
    status_code = HTTPStatus.NOT_FOUND
    default_code = "not_found"
    title = "Not found"
    default_detail = "The requested resource was not found."
    when = "no such resource, or one the caller may not see"
    status_default = True
    documented_by_default = True


class MethodNotAllowedError(BankAPIError):
    status_code = HTTPStatus.METHOD_NOT_ALLOWED
    default_code = "method_not_allowed"
    title = "Method not allowed"
    default_detail = "The method is not allowed for this resource."
    when = "the method is not allowed here; `Allow` lists those that are"
    status_default = True
    documented_by_default = True


class NotAcceptableError(BankAPIError):
    status_code = HTTPStatus.NOT_ACCEPTABLE
    default_code = "not_acceptable"
    title = "Not acceptable"
    default_detail = "The requested response format is not available."
    when = "`Accept` (or `?format=`) asks for something other than JSON"
    status_default = True


class ConflictError(BankAPIError):
    status_code = HTTPStatus.CONFLICT
    default_code = "conflict"
    title = "Conflict"
    default_detail = "The request conflicts with the current state of the resource."
    when = "the request conflicts with the current state of the resource"
    status_default = True
    documented_by_default = True


class PreconditionFailedError(BankAPIError):
    status_code = HTTPStatus.PRECONDITION_FAILED
    default_code = "precondition_failed"
    title = "Precondition failed"
    default_detail = "If-Match does not match the current ETag of the resource."
    when = "`If-Match` does not match the current `ETag`"
    status_default = True
    documented_by_default = True


class PayloadTooLargeError(BankAPIError):
    status_code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    title = "Payload too large"
    default_detail = "The request body is larger than 64 KiB."
    when = "the body is larger than 64 KiB"
    status_default = True
    documented_by_default = True


class UnsupportedMediaTypeError(BankAPIError):
    status_code = HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_media_type"
    title = "Unsupported media type"
    default_detail = "Requests with a body must send Content-Type: application/json."
    when = "a body sent without `Content-Type: application/json`"
    status_default = True
    documented_by_default = True


class IdempotencyKeyRequiredError(BankAPIError):
    status_code = HTTPStatus.BAD_REQUEST
    default_code = "idempotency_key_required"
    title = "Idempotency key required"
    default_detail = (
        "Send an Idempotency-Key header (1 to 255 printable ASCII characters) with every request that moves money."
    )
    when = "a money-moving POST without a valid `Idempotency-Key` header"


class LedgerRefusalError(BankAPIError):
    """A money movement the ledger refuses: nothing was posted."""

    status_code = HTTPStatus.UNPROCESSABLE_ENTITY


class InsufficientFundsError(LedgerRefusalError):
    default_code = "insufficient_funds"
    title = "Insufficient funds"
    default_detail = "The account does not hold enough money for this movement."
    when = "the account to be debited does not hold enough money"


class AccountNotActiveError(LedgerRefusalError):
    default_code = "account_not_active"
    title = "Account not active"
    default_detail = "The account is frozen or closed and cannot be debited."
    when = "the account to be debited is frozen or closed (a closed account cannot be credited either)"


class InvalidDestinationError(LedgerRefusalError):
    default_code = "invalid_destination"
    title = "Invalid destination"
    default_detail = "The destination account does not exist, is closed, or holds another currency."
    when = "the destination account does not exist, is closed, or holds another currency"


class IdempotencyKeyReusedError(LedgerRefusalError):
    default_code = "idempotency_key_reused"
    title = "Idempotency key reused"
    default_detail = "This Idempotency-Key was already used with a different request."
    when = "the `Idempotency-Key` was already used by this caller with a different request body"


class RetryLaterError(BankAPIError):
    """An error that tells the client when to try again (`Retry-After`, in seconds)."""

    status_code = HTTPStatus.TOO_MANY_REQUESTS

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class AccountLockedError(RetryLaterError):
    default_code = "account_locked"
    title = "Account locked"
    default_detail = "Too many failed logins for this account. Try again later."
    when = "too many consecutive failed logins for this account; `Retry-After` says when to try again"


class RateLimitedError(RetryLaterError):
    default_code = "rate_limited"
    title = "Too many requests"
    default_detail = "Request rate over the limit. Try again later."
    when = "the request rate is over the limit; `Retry-After` says when to try again"
    status_default = True
    documented_by_default = True


class ServiceUnavailableError(BankAPIError):
    status_code = HTTPStatus.SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    title = "Service unavailable"
    default_detail = "A service this request depends on is unavailable. Try again later."
    when = "a dependency (the database or the shared cache) is down"
    status_default = True
    documented_by_default = True


def problem_types() -> tuple[type[BankAPIError], ...]:
    """Every problem type, in the order the classes are defined."""
    return tuple(_PROBLEM_TYPES.values())


def problem_type(code: str) -> type[BankAPIError]:
    """The class that defines problem `code`."""
    try:
        return _PROBLEM_TYPES[code]
    except KeyError:
        raise ValueError(f"no problem class defines code {code!r}") from None


def problem_type_uri(code: str) -> str:
    """The `type` member of a problem with this code (a URI reference relative to the API, as the README documents)."""
    return f"/problems/{code}"


def problem_body(
    *, status: int, code: str, title: str, detail: str, extensions: Mapping[str, Any] | None, request_id: str | None
) -> dict[str, Any]:
    """The one shape of a problem details body: RFC 9457's members, our `code`, then `request_id`."""
    body: dict[str, Any] = {
        "type": problem_type_uri(code),
        "title": title,
        "status": int(status),
        "detail": detail,
        "code": code,
    }
    body.update(extensions or {})
    body["request_id"] = request_id
    return body


def _response(body: dict[str, Any], headers: Mapping[str, str] | None) -> HttpResponse:
    response = JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    if body["status"] == HTTPStatus.TOO_MANY_REQUESTS:
        response["Cache-Control"] = "no-store"
    return response


def problem_response(
    *,
    status: int,
    code: str | None = None,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """
    The `application/problem+json` response of problem `code` or, without one, of an error known
    only by its status: that status's default problem (a status no class claims is `http_<status>`
    with HTTP's own phrase). `extensions` adds members of the problem type's own, e.g. `checks`.
    """
    problem = problem_type(code) if code else _STATUS_DEFAULTS.get(status)
    if problem is None:
        code, title, default_detail = f"http_{status}", HTTPStatus(status).phrase, HTTPStatus(status).description
    elif problem.status_code != status:
        raise ValueError(f"problem code {problem.default_code!r} has status {problem.status_code}, not {status}")
    else:
        code, title, default_detail = problem.default_code, problem.title, problem.default_detail
    body = problem_body(
        status=status,
        code=code,
        title=title,
        detail=detail or default_detail,
        extensions=extensions,
        request_id=current_request_id(),
    )
    return _response(body, headers)


def problem_for_error(error: BankAPIError) -> HttpResponse:
    """The problem response of one of our own errors, for code outside DRF's views."""
    body = problem_body(
        status=error.status_code,
        code=error.default_code,
        title=error.title,
        detail=str(error.detail),
        extensions=error.extensions(),
        request_id=current_request_id(),
    )
    return _response(body, error.headers())


def is_problem(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)


def _flatten_validation_errors(detail: Any) -> dict[str, Any]:
    """Turn DRF's nested ErrorDetail structure into plain strings keyed by field."""

    def plain(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(key): plain(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        return str(value)

    if isinstance(detail, Mapping):
        return plain(detail)
    if isinstance(detail, list | tuple):
        return {"non_field_errors": plain(detail)}
    return {"non_field_errors": [str(detail)]}


def _problem_for_exception(exc: Exception) -> HttpResponse | None:
    if isinstance(exc, BankAPIError):
        return problem_for_error(exc)
    if isinstance(exc, drf_exceptions.ValidationError):
        return problem_for_error(ValidationFailedError(_flatten_validation_errors(exc.detail)))
    if isinstance(exc, drf_exceptions.ParseError):
        return problem_for_error(MalformedJSONError())
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        return problem_for_error(NotAuthenticatedError())
    if isinstance(exc, drf_exceptions.PermissionDenied | DjangoPermissionDenied):
        return problem_for_error(PermissionDeniedError())
    if isinstance(exc, drf_exceptions.NotFound | Http404):
        return problem_for_error(NotFoundError())
    if isinstance(exc, drf_exceptions.Throttled):
        return problem_for_error(RateLimitedError(retry_after=exc.wait or 1))
    if isinstance(exc, drf_exceptions.APIException):
        return problem_response(status=exc.status_code)
    return dependency_unavailable_response(exc)


def is_dependency_outage(exc: Exception) -> bool:
    """
    Whether `exc` says Redis or the database cannot be reached: an answer of 503, which a client can
    retry, where a 500 would claim a bug. An outage is logged by its type alone, since a driver's
    message names hosts and ports. The Flask routes' handler (legacy.errors) asks it too.
    """
    if not isinstance(exc, RedisError | OperationalError | InterfaceError):
        return False
    logger.error("dependency unavailable: %s", type(exc).__name__)
    return True


def dependency_unavailable_response(exc: Exception) -> HttpResponse | None:
    """
    503 problem details for an outage (`is_dependency_outage`), else None. Used by DRF's handler
    and, for Django views outside DRF (the OAuth server, the admin site's views), by
    ProblemDetailsMiddleware.
    """
    return problem_for_error(ServiceUnavailableError()) if is_dependency_outage(exc) else None


def problem_exception_handler(exc: Exception, context: Mapping[str, Any]) -> HttpResponse:
    """DRF's EXCEPTION_HANDLER: every exception raised in a DRF view becomes problem details."""
    response = _problem_for_exception(exc)
    if response is None:
        logger.exception("unhandled error in %s", type(context.get("view")).__name__)
        response = problem_response(status=500)
    if isinstance(exc, DatabaseError) or response.status_code >= 500:
        from rest_framework.views import set_rollback  # imported late: DRF's views import our settings

        set_rollback()
    return response


# Django's error views (wired in bankapi.urls) and the CSRF failure view.
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response(status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response(status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response(status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return problem_response(status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return problem_response(status=403, detail="CSRF verification failed.")
