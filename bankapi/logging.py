"""
Carries the current request id to every log line written while serving that request.
"""

import logging
import re
import threading
from collections.abc import Callable, Iterable
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# The development server (runserver) writes its request line after the response has gone, outside
# every middleware: the id the response carried waits here, per serving thread, for that line.
_answered = threading.local()
SERVER_LOGGER = "django.server"
# The query string of a request line ("GET /path?token=... HTTP/1.1"), which may carry a secret.
_QUERY_OF_REQUEST_LINE = re.compile(r"^(\S+ [^?\s]*)\?\S*")

StartResponse = Callable[..., object]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]


def current_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(request_id: str | None) -> object:
    """Bind the id for the current request; returns a token for `unbind_request_id`."""
    return _request_id.set(request_id)


def unbind_request_id(token: object) -> None:
    _request_id.reset(token)  # type: ignore[arg-type]


def take_answered_request_id() -> str | None:
    """The `X-Request-ID` of the response this thread last sent, once (see ServerLogRequestIds)."""
    request_id = getattr(_answered, "request_id", None)
    _answered.request_id = None
    return request_id


class ServerLogRequestIds:
    """
    WSGI middleware for the development server (local settings' WSGI_APPLICATION): keeps the
    `X-Request-ID` each response carries (whichever layer answered: Django's middleware or the
    liveness shortcut) for the server's request line. Not in production: gunicorn's access log
    reads the header itself (gunicorn.conf.py).
    """

    def __init__(self, application: WSGIApp) -> None:
        self.application = application

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        _answered.request_id = None

        def keep_request_id(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
            _answered.request_id = next((value for name, value in headers if name.lower() == "x-request-id"), None)
            return start_response(status, headers, exc_info)

        return self.application(environ, keep_request_id)


class RequestIdFilter(logging.Filter):
    """
    Adds `request_id` to every record: the id bound for the current request, or the one on the
    request Django attaches to its own request log lines (written after the middleware has
    returned), or for the development server's request line the id its response carried; None
    outside a request. Django's records also get the request's path, without the query string, and
    the development server's request line loses its query string too (in production, gunicorn's
    access log has the path only).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        request_id = current_request_id() or getattr(request, "request_id", None)
        if request_id is None and record.name == SERVER_LOGGER:
            # Its `request` is the connection's socket; a second filter pass keeps the first answer.
            request_id = getattr(record, "request_id", None) or take_answered_request_id()
        if record.name == SERVER_LOGGER and isinstance(record.args, tuple) and record.args:
            line = record.args[0]  # '"%s" %s %s' of the request line ("GET /path?query HTTP/1.1"), status, size
            if isinstance(line, str):
                record.args = (_QUERY_OF_REQUEST_LINE.sub(r"\1", line, count=1), *record.args[1:])
        record.request_id = request_id
        if request is not None and hasattr(request, "path"):
            record.path = request.path
            record.method = request.method
        return True
