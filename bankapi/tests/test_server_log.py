"""
The development server's request lines (logger django.server, written after the response has gone
and every middleware has returned) carry the id the response carried in `X-Request-ID`, as every
other log line of the request does.
"""

import json
import logging
import os
import signal
import subprocess
import sys
import time

import requests

from bankapi.logging import RequestIdFilter, ServerLogRequestIds
from conftest import PROJECT_DIR
from deploy.processes import free_port, wait_until_healthy


def server_line(message: str) -> logging.LogRecord:
    return logging.LogRecord("django.server", logging.INFO, __file__, 1, message, None, None)


def test_runserver_request_lines_carry_the_response_request_id(tmp_path):
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankapi.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "LOG_LEVEL": "INFO",
    }
    log_path = tmp_path / "runserver.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
            cwd=PROJECT_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, process=server, timeout=60)  # the first /health goes through Django
        no_proxy = {"http": "", "https": ""}
        shortcut = requests.get(f"{url}/health", headers={"X-Request-ID": "probe-id-1"}, proxies=no_proxy, timeout=10)
        through_django = requests.get(f"{url}/api/v1/profile", proxies=no_proxy, timeout=10)
        expected = {("/health", "probe-id-1"), ("/api/v1/profile", through_django.headers["X-Request-ID"])}
        deadline = time.monotonic() + 10  # a request line is written just after its response has gone
        while not expected <= _request_lines(log_path) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)

    assert shortcut.headers["X-Request-ID"] == "probe-id-1"
    assert expected <= _request_lines(log_path)
    assert all(request_id for _, request_id in _request_lines(log_path))


def _request_lines(log_path) -> set[tuple[str, str | None]]:
    """(path, request id) of each django.server line written so far."""
    found = set()
    for text in log_path.read_text().splitlines():
        try:
            line = json.loads(text)
        except ValueError:  # not a JSON line, or one still being written
            continue
        if line.get("logger") == "django.server":
            found.add((line["message"].split()[1], line["request_id"]))
    return found


def test_a_response_without_an_id_leaves_none_for_the_next_line():
    """Static files under runserver skip the middleware: their line must not borrow an earlier id."""

    def with_id(environ, start_response):
        start_response("200 OK", [("X-Request-ID", "earlier-id")])
        return [b""]

    def without_id(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/css")])
        return [b""]

    ServerLogRequestIds(with_id)({}, lambda *args: None)
    first = server_line('"GET /a HTTP/1.1" 200 0')
    RequestIdFilter().filter(first)
    ServerLogRequestIds(without_id)({}, lambda *args: None)
    second = server_line('"GET /static/b.css HTTP/1.1" 200 0')
    RequestIdFilter().filter(second)
    third = server_line('"GET /static/c.css HTTP/1.1" 200 0')  # served without our application at all
    RequestIdFilter().filter(third)

    assert (first.request_id, second.request_id, third.request_id) == ("earlier-id", None, None)


def test_a_second_filter_pass_keeps_the_id():
    ServerLogRequestIds(lambda environ, start_response: start_response("200 OK", [("X-Request-ID", "kept")]) or [])(
        {}, lambda *args: None
    )
    record = server_line('"GET /a HTTP/1.1" 200 0')

    RequestIdFilter().filter(record)
    RequestIdFilter().filter(record)

    assert record.request_id == "kept"
