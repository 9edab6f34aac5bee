"""
Carries the current request id to every log line written while serving that request.
"""

import logging
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(request_id: str | None) -> object:
    """Bind the id for the current request; returns a token for `unbind_request_id`."""
    return _request_id.set(request_id)


def unbind_request_id(token: object) -> None:
    _request_id.reset(token)  # type: ignore[arg-type]


class RequestIdFilter(logging.Filter):
    """
    Adds `request_id` to every record: the id bound for the current request, or the one on the
    request Django attaches to its own request log lines (written after the middleware has
    returned); None outside a request. Django's records also get the request's path, without the
    query string.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = current_request_id() or getattr(request, "request_id", None)
        if request is not None and hasattr(request, "path"):
            record.path = request.path
            record.method = request.method
        return True
