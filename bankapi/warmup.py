"""
Provides the warm-up that a freshly loaded application runs before it serves anyone.

Django imports the URLconf, the views and much of what they use on the first request, and a
process's first authenticated read took over half a second (the first `/health`, 0.2 s). gunicorn
loads the application once in its master (`preload_app`) and forks every worker from it, so warming
the master up once spares every worker, including each one that replaces a recycled worker, from
paying that with real requests queued behind it. The warm-up requests touch neither the database nor
the cache: a liveness probe, and an authenticated read with a token that fails its signature check.
"""

import io
import logging
import sys
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connections

WARM_UP_REQUESTS = [
    ("/health", ""),
    ("/api/v1/profile", "Bearer warm.up.token"),
    ("/api/v1/customers", "Bearer warm.up.token"),
]


WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def warm_up(application: WSGIApp) -> None:
    """Serve WARM_UP_REQUESTS through `application`, quietly, leaving no connection open."""
    host = next((host.lstrip(".") for host in settings.ALLOWED_HOSTS if host != "*"), "localhost")
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)  # the 401 of the warm-up read is expected
    try:
        for path, authorization in WARM_UP_REQUESTS:
            call_wsgi(application, wsgi_environ(path, host=host, scheme="https", authorization=authorization))
    finally:
        request_log.setLevel(level)
        connections.close_all()


def wsgi_environ(
    path: str, *, method: str = "GET", host: str = "testserver", scheme: str = "http", **headers: str
) -> dict:
    """The environ a WSGI server would pass for a bodiless request; `headers` as `x_request_id="…"`."""
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "443" if scheme == "https" else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }


def call_wsgi(application: WSGIApp, environ: dict) -> tuple[str, dict[str, str], bytes]:
    """Call `application` as a WSGI server would: its status, headers and whole body, the response closed."""
    answered: list[tuple[str, list[tuple[str, str]]]] = []
    response = application(environ, lambda status, headers, exc_info=None: answered.append((status, headers)))
    try:
        body = b"".join(response)
    finally:
        getattr(response, "close", lambda: None)()
    status, headers = answered[-1]
    return status, dict(headers), body
