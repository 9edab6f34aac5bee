"""
Provides the service's error hierarchy and renders every error as RFC 9457 problem details.

Each error class carries a stable machine-readable `code` and an HTTP status. One function,
`problem_response`, builds every error body, whichever layer the error comes from: DRF views
(`problem_exception_handler`), Django's own handlers (`handler404` and friends), the CSRF failure
view, django-axes' lockout callable, and `ProblemDetailsMiddleware` for anything else.
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


class BankAPIError(drf_exceptions.APIException):
    """Base class of the errors this service raises on purpose."""

    status_code = HTTPStatus.INTERNAL_SERVER_ERROR
    default_code = "internal_error"
    title = "Internal error"
    default_detail = "An unexpected error occurred."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail=detail or self.default_detail, code=self.default_code)

    def headers(self) -> dict[str, str]:
        return {}


class MalformedJSONError(BankAPIError):
    status_code = HTTPStatus.BAD_REQUEST
    default_code = "malformed_json"
    title = "Malformed JSON"
    default_detail = "The request body is not valid JSON."


class InvalidCredentialsError(BankAPIError):
    status_code = HTTPStatus.UNAUTHORIZED
    default_code = "invalid_credentials"
    title = "Invalid credentials"
    default_detail = "The credentials are not valid."


class NotAuthenticatedError(BankAPIError):
    status_code = HTTPStatus.UNAUTHORIZED
    default_code = "not_authenticated"
    title = "Not authenticated"
    default_detail = "Authentication credentials were missing or are not valid."

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="api"'}


class PermissionDeniedError(BankAPIError):
    status_code = HTTPStatus.FORBIDDEN
    default_code = "permission_denied"
    title = "Permission denied"
    default_detail = "You do not have permission to perform this action."


class NotFoundError(BankAPIError):
    status_code = HTTPStatus.NOT_FOUND
    default_code = "not_found"
    title = "Not found"
    default_detail = "The requested resource was not found."


class ConflictError(BankAPIError):
    status_code = HTTPStatus.CONFLICT
    default_code = "conflict"
    title = "Conflict"
    default_detail = "The request conflicts with the current state of the resource."


class PreconditionFailedError(BankAPIError):
    status_code = HTTPStatus.PRECONDITION_FAILED
    default_code = "precondition_failed"
    title = "Precondition failed"
    default_detail = "If-Match does not match the current ETag of the resource."


class PayloadTooLargeError(BankAPIError):
    status_code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    title = "Payload too large"
    default_detail = "The request body is larger than 64 KiB."


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


class RateLimitedError(RetryLaterError):
    default_code = "rate_limited"
    title = "Too many requests"
    default_detail = "Request rate over the limit. Try again later."


class ServiceUnavailableError(BankAPIError):
    status_code = HTTPStatus.SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    title = "Service unavailable"
    default_detail = "A service this request depends on is unavailable. Try again later."


# Errors that DRF and Django raise, mapped onto our codes. Order matters: subclasses first.
_STATUS_DEFAULTS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "Bad request", "The request could not be understood."),
    401: ("not_authenticated", NotAuthenticatedError.title, NotAuthenticatedError.default_detail),
    403: ("permission_denied", PermissionDeniedError.title, PermissionDeniedError.default_detail),
    404: ("not_found", NotFoundError.title, NotFoundError.default_detail),
    405: ("method_not_allowed", "Method not allowed", "The method is not allowed for this resource."),
    406: ("not_acceptable", "Not acceptable", "The requested response format is not available."),
    412: ("precondition_failed", PreconditionFailedError.title, PreconditionFailedError.default_detail),
    413: ("payload_too_large", PayloadTooLargeError.title, PayloadTooLargeError.default_detail),
    415: (
        "unsupported_media_type",
        "Unsupported media type",
        "Requests with a body must send Content-Type: application/json.",
    ),
    429: ("rate_limited", RateLimitedError.title, RateLimitedError.default_detail),
    500: ("internal_error", BankAPIError.title, BankAPIError.default_detail),
    503: ("service_unavailable", ServiceUnavailableError.title, ServiceUnavailableError.default_detail),
}


def problem_response(
    *,
    status: int,
    code: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    errors: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """
    Build an `application/problem+json` response; the one place an error body is shaped.
    `extensions` adds members of the problem type's own (RFC 9457 section 3.2), e.g. `checks`.
    """
    default_code, default_title, default_detail = _STATUS_DEFAULTS.get(
        status, (f"http_{status}", HTTPStatus(status).phrase, HTTPStatus(status).description)
    )
    code = code or default_code
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title or default_title,
        "status": status,
        "detail": detail or default_detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extensions or {})
    body["request_id"] = current_request_id()
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        response["Cache-Control"] = "no-store"
    return response


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


def problem_for_error(error: BankAPIError) -> HttpResponse:
    """The problem response of one of our own errors, for code outside DRF's views."""
    return problem_response(
        status=error.status_code,
        code=error.default_code,
        title=error.title,
        detail=str(error.detail),
        headers=error.headers(),
    )


def _problem_for_exception(exc: Exception) -> HttpResponse | None:
    if isinstance(exc, BankAPIError):
        return problem_for_error(exc)
    if isinstance(exc, drf_exceptions.ValidationError):
        return problem_response(
            status=400,
            code="validation_error",
            title="Invalid request",
            detail="One or more fields are invalid.",
            errors=_flatten_validation_errors(exc.detail),
        )
    if isinstance(exc, drf_exceptions.ParseError):
        return problem_response(
            status=400, code="malformed_json", title=MalformedJSONError.title, detail=MalformedJSONError.default_detail
        )
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        return _problem_for_exception(NotAuthenticatedError())
    if isinstance(exc, drf_exceptions.PermissionDenied | DjangoPermissionDenied):
        return _problem_for_exception(PermissionDeniedError())
    if isinstance(exc, drf_exceptions.NotFound | Http404):
        return _problem_for_exception(NotFoundError())
    if isinstance(exc, drf_exceptions.Throttled):
        return _problem_for_exception(RateLimitedError(retry_after=exc.wait or 1))
    if isinstance(exc, drf_exceptions.APIException):
        return problem_response(status=exc.status_code)
    if isinstance(exc, RedisError | OperationalError | InterfaceError):
        # A dependency is down: say so, without the driver's message.
        logger.error("dependency unavailable: %s", type(exc).__name__)
        return _problem_for_exception(ServiceUnavailableError())
    return None


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
