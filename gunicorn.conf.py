"""
gunicorn settings for production (`gunicorn -c gunicorn.conf.py bankapi.wsgi`), all from the
environment so that one image serves every size of host.
https://docs.gunicorn.org/en/stable/settings.html
"""

import json
import multiprocessing
import os
import sys


def whole_number(name: str, value: object) -> int:
    """`value` (from the variable `name`) as an int; a bad value stops gunicorn with one line, not a traceback."""
    try:
        return int(value)  # type: ignore[call-overload]
    except ValueError:
        sys.exit(f"Error: {name} must be a whole number, got {value!r}")


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers, plus threads when GUNICORN_THREADS > 1 (gthread). Each worker holds its own
# PostgreSQL connection per thread (CONN_MAX_AGE keeps them open). One worker per CPU: measured on
# 2 CPUs, 3 or 5 workers served no more authenticated reads than 2, with a worse tail
# (docs/performance.md).
workers = whole_number("GUNICORN_WORKERS", os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
threads = whole_number("GUNICORN_THREADS", os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = whole_number("GUNICORN_TIMEOUT", os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = whole_number("GUNICORN_GRACEFUL_TIMEOUT", os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = whole_number("GUNICORN_KEEPALIVE", os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Import the app once in the master and fork workers from it: a worker that is recycled (below) or
# replaced after a crash starts in milliseconds instead of importing everything again while requests
# queue behind it. Nothing connects at import time (connections open on a worker's first use).
preload_app = True
# Recycle workers now and then so that a slow leak never becomes an outage (a worker here grows by
# about 40 bytes per request). Rarely, and far apart: every recycle leaves the instance a worker
# short for a moment, and with a small jitter the workers of a busy instance reached the limit
# within the same second and all went at once (docs/performance.md).
max_requests = whole_number("GUNICORN_MAX_REQUESTS", os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = whole_number(
    "GUNICORN_MAX_REQUESTS_JITTER", os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "50000")
)

# Only the proxy in front may say the request came over HTTPS (X-Forwarded-Proto): gunicorn honours
# that header from these addresses only, and Django then sees request.is_secure().
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# gunicorn's control socket is one fixed path per user; several instances on one host would fight
# over it, and nothing here uses it.
control_socket_disable = True

# One JSON object per request on stdout, carrying the request id the app answered with.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = json.dumps(
    {
        "time": "%(t)s",
        "logger": "gunicorn.access",
        "request_id": "%({x-request-id}o)s",
        "remote_addr": "%(h)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "status": "%(s)s",
        "bytes": "%(B)s",
        "duration_ms": "%(M)s",
        "user_agent": "%(a)s",
    }
)


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR set, drop a dead worker's live metrics (docs/metrics.md)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
