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


def warm_up(application: Callable[[dict, Callable], Iterable[bytes]]) -> None:
    """Serve WARM_UP_REQUESTS through `application`, quietly, leaving no connection open."""
    host = next((host.lstrip(".") for host in settings.ALLOWED_HOSTS if host != "*"), "localhost")
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)  # the 401 of the warm-up read is expected
    try:
        for path, authorization in WARM_UP_REQUESTS:
            response = application(_environ(path, host, authorization), lambda *args: None)
            try:
                b"".join(response)
            finally:
                getattr(response, "close", lambda: None)()
    finally:
        request_log.setLevel(level)
        connections.close_all()


def _environ(path: str, host: str, authorization: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "HTTP_AUTHORIZATION": authorization,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
