"""
Provides the error responses of the Flask service's routes: `{"success": false, "message": ...}`
(`application/json`) with the Flask service's status codes, whichever layer raised the error (a
serializer, authentication, a role check, the rate limits, the lockout, a service). Only the
legacy views use it (`LegacyAPIView.get_exception_handler`); every other route keeps problem details.
"""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse
from rest_framework import exceptions as drf_exceptions

from bankapi.errors import (
    AccountLockedError,
    BankAPIError,
    InvalidCredentialsError,
    NotAuthenticatedError,
    RetryLaterError,
    ServiceUnavailableError,
    is_dependency_outage,
)
from bankapi.middleware import keep_error_format
from bankapi.serializers import UNKNOWN_FIELD

logger = logging.getLogger(__name__)

# The Flask service's own messages, where it had one; the rest say what this service decided.
NO_JSON = "Request must contain JSON data"
MALFORMED_JSON = "Bad request: the body is not valid JSON."
UNSUPPORTED_MEDIA_TYPE = "Unsupported media type: send Content-Type: application/json."
AUTHENTICATION_REQUIRED = "Authentication required"
TOKEN_INVALID = "Token is invalid or expired."  # noqa: S105 - a message, not a secret
PERMISSION_DENIED = "You do not have permission to perform this action."
METHOD_NOT_ALLOWED = "Method not allowed"
NOT_ACCEPTABLE = "Not acceptable: this service answers JSON only."
INVALID_CREDENTIALS = "Invalid credentials"
ACCOUNT_LOCKED = "Account is locked due to too many failed attempts. Try again later."
RATE_LIMITED = "Too many requests"
SERVICE_UNAVAILABLE = "Service temporarily unavailable. Try again later."
INTERNAL_ERROR = "Internal server error"
MISSING_FIELDS = "Missing required fields: {}"
UNKNOWN_FIELDS = "Unknown fields: {}"
DRF_REQUIRED = "This field is required."

# Messages that are whole sentences of their own (the Flask service's, for its checks), shown as
# they are; any other field message is prefixed with its field's name.
_WHOLE_MESSAGES: set[str] = set()


def whole_message(message: str) -> str:
    """Register `message` as one shown without its field's name (a Flask message), and return it."""
    _WHOLE_MESSAGES.add(message)
    return message


class LegacyError(drf_exceptions.APIException):
    """An error a legacy view answers with a Flask message and status of its own (404, 400)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(detail=message)
        self.status_code = status


def legacy_response(
    status: int, message: str, *, headers: Mapping[str, str] | None = None, **members: Any
) -> HttpResponse:
    """An error in the Flask shape, kept as it is by ProblemDetailsMiddleware."""
    response = JsonResponse({"success": False, "message": message, **members}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        response["Cache-Control"] = "no-store"
    keep_error_format(response)
    return response


def _plain(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, Mapping):
        return {
            str(name): [str(item) for item in (value if isinstance(value, list) else [value])]
            for name, value in detail.items()
        }
    return {"non_field_errors": [str(item) for item in (detail if isinstance(detail, list) else [detail])]}


def validation_message(errors: Mapping[str, list[str]]) -> str:
    """
    One message for every mistake of a body, in the order the Flask service checked them: missing
    fields first, then its own format checks, then this service's other rules, then unknown fields.
    """
    missing = [name for name, messages in errors.items() if DRF_REQUIRED in messages]
    whole, other, unknown = [], [], []
    for name, messages in errors.items():
        for message in messages:
            if message == DRF_REQUIRED:
                continue
            if message == UNKNOWN_FIELD:
                unknown.append(name)
            elif message in _WHOLE_MESSAGES or name == "non_field_errors":
                whole.append(message)
            else:
                other.append(f"{name}: {message}")
    parts = [MISSING_FIELDS.format(", ".join(missing))] if missing else []
    parts += list(dict.fromkeys(whole)) + other
    if unknown:
        parts.append(UNKNOWN_FIELDS.format(", ".join(unknown)))
    if len(parts) == 1:
        return parts[0]  # exactly the Flask service's message, where it had one
    return " ".join(part if part.endswith((".", "!", "?")) else f"{part}." for part in parts)


def _response_for(exc: Exception) -> HttpResponse | None:
    if isinstance(exc, LegacyError):
        return legacy_response(exc.status_code, str(exc.detail))
    if isinstance(exc, drf_exceptions.ValidationError):
        errors = _plain(exc.detail)
        return legacy_response(400, validation_message(errors), errors=errors)
    if isinstance(exc, drf_exceptions.ParseError):
        return legacy_response(400, MALFORMED_JSON)
    if isinstance(exc, drf_exceptions.UnsupportedMediaType):
        return legacy_response(415, UNSUPPORTED_MEDIA_TYPE)
    if isinstance(exc, drf_exceptions.NotAuthenticated):
        return legacy_response(401, AUTHENTICATION_REQUIRED, headers=NotAuthenticatedError().headers())
    if isinstance(exc, drf_exceptions.AuthenticationFailed):
        return legacy_response(401, TOKEN_INVALID, headers=NotAuthenticatedError().headers())
    if isinstance(exc, InvalidCredentialsError):
        return legacy_response(401, INVALID_CREDENTIALS)
    if isinstance(exc, AccountLockedError):
        return legacy_response(429, ACCOUNT_LOCKED, headers=exc.headers())
    if isinstance(exc, RetryLaterError):
        return legacy_response(429, RATE_LIMITED, headers=exc.headers())
    if isinstance(exc, drf_exceptions.Throttled):
        return legacy_response(429, RATE_LIMITED, headers={"Retry-After": str(max(1, int(exc.wait or 1)))})
    if isinstance(exc, ServiceUnavailableError):
        return legacy_response(503, SERVICE_UNAVAILABLE)
    if isinstance(exc, BankAPIError):  # conflict, MFA enrollment, insufficient scope...: their own words
        return legacy_response(exc.status_code, str(exc.detail), headers=exc.headers())
    if isinstance(exc, drf_exceptions.PermissionDenied | DjangoPermissionDenied):
        return legacy_response(403, PERMISSION_DENIED)
    if isinstance(exc, drf_exceptions.NotFound | Http404):
        return legacy_response(404, "Resource not found")
    if isinstance(exc, drf_exceptions.MethodNotAllowed):
        return legacy_response(405, METHOD_NOT_ALLOWED)
    if isinstance(exc, drf_exceptions.NotAcceptable):
        return legacy_response(406, NOT_ACCEPTABLE)
    if isinstance(exc, drf_exceptions.APIException):
        return legacy_response(exc.status_code, str(exc.detail))
    if is_dependency_outage(exc):
        return legacy_response(503, SERVICE_UNAVAILABLE)
    return None


def legacy_exception_handler(exc: Exception, context: Mapping[str, Any]) -> HttpResponse:
    """The legacy views' EXCEPTION_HANDLER: every exception becomes `{success: false, message}`."""
    response = _response_for(exc)
    if response is None:
        logger.exception("unhandled error in %s", type(context.get("view")).__name__)
        response = legacy_response(500, INTERNAL_ERROR)
    if isinstance(exc, DatabaseError) or response.status_code >= 500:
        from rest_framework.views import set_rollback  # imported late: DRF's views import our settings

        set_rollback()
    return response
