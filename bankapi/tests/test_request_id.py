"""
Every response carries `X-Request-ID`: the client's value when it is sane (1 to 128 characters of
`[A-Za-z0-9._-]`), else a fresh UUID. The same id is the `request_id` of a problem body and of
every log line written while serving that request.
"""

import io
import json
import logging
import uuid

import pytest
from django.conf import settings
from django.test import Client

from bankapi.logging import RequestIdFilter, bind_request_id, current_request_id, unbind_request_id

LOGIN = "/api/v1/auth/login"

pytestmark = pytest.mark.django_db


def is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


# On every response -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status"),
    [
        ("GET", "/health", "", "application/json", 200),
        ("GET", "/db_check", "", "application/json", 200),
        ("GET", "/no/such/place", "", "application/json", 404),
        ("GET", LOGIN, "", "application/json", 405),
        ("POST", LOGIN, "{", "application/json", 400),
        ("POST", LOGIN, "{}", "text/plain", 415),
        ("POST", LOGIN, "x" * (64 * 1024 + 1), "application/json", 413),
        ("GET", "/api/v1/profile", "", "application/json", 401),
    ],
    ids=["health", "db_check", "404", "405", "400", "415", "413", "401"],
)
def test_every_response_carries_a_generated_request_id(method, path, body, content_type, status):
    response = Client().generic(method, path, body, content_type=content_type)

    assert response.status_code == status
    assert is_uuid(response["X-Request-ID"])


def test_each_request_gets_a_different_id():
    client = Client()

    ids = {client.get("/health")["X-Request-ID"] for _ in range(3)}

    assert len(ids) == 3


def test_bad_host_response_carries_a_request_id():
    response = Client(HTTP_HOST="evil.example").get("/health")

    assert response.status_code == 400
    assert is_uuid(response["X-Request-ID"])


def test_successful_api_response_carries_the_request_id(auth_client):
    response = auth_client.get("/api/v1/profile", HTTP_X_REQUEST_ID="profile-read-1")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "profile-read-1"


# Sane ids are echoed -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offered",
    ["abc", "A.b_c-9", "0", "x" * 128, str(uuid.uuid4())],
    ids=["simple", "punctuation", "one-char", "128-chars", "uuid"],
)
def test_sane_client_request_id_is_echoed(offered):
    response = Client().get("/health", HTTP_X_REQUEST_ID=offered)

    assert response["X-Request-ID"] == offered


def test_sane_client_request_id_is_the_request_id_of_a_problem_body():
    response = Client().get("/no/such/place", HTTP_X_REQUEST_ID="trace-404.a_b")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "trace-404.a_b"
    assert response.json()["request_id"] == "trace-404.a_b"


def test_client_request_id_is_the_request_id_of_a_drf_problem_body(api_client):
    response = api_client.post(LOGIN, {}, format="json", HTTP_X_REQUEST_ID="trace-validation")

    assert response.status_code == 400
    assert response.json()["request_id"] == "trace-validation"


def test_client_request_id_is_the_request_id_of_a_payload_too_large_body():
    response = Client().generic(
        "POST", LOGIN, "x" * (64 * 1024 + 1), content_type="application/json", HTTP_X_REQUEST_ID="trace-413"
    )

    assert response.status_code == 413
    assert response.json()["request_id"] == "trace-413"


# Insane ids are replaced -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offered",
    [
        "x" * 129,
        "has space",
        "tab\there",
        "ünïcödé",
        "id;drop",
        "a/b",
        "<script>",
        "abc\n",
        "abc\r\nX-Injected: 1",
        "",
    ],
    ids=[
        "too-long",
        "space",
        "tab",
        "unicode",
        "semicolon",
        "slash",
        "markup",
        "trailing-newline",
        "header-injection",
        "empty",
    ],
)
def test_insane_client_request_id_is_replaced_by_a_uuid(offered):
    response = Client().get("/no/such/place", HTTP_X_REQUEST_ID=offered)

    assert response.status_code == 404
    assert response["X-Request-ID"] != offered
    assert is_uuid(response["X-Request-ID"])
    assert response.json()["request_id"] == response["X-Request-ID"]


# Log lines ---------------------------------------------------------------------------------------


def test_request_id_filter_adds_the_bound_id_to_a_record():
    record = logging.LogRecord("bankapi", logging.WARNING, __file__, 1, "message", None, None)
    token = bind_request_id("bound-id")
    try:
        assert RequestIdFilter().filter(record) is True
    finally:
        unbind_request_id(token)

    assert record.request_id == "bound-id"


def test_request_id_filter_sets_none_outside_a_request():
    record = logging.LogRecord("bankapi", logging.WARNING, __file__, 1, "message", None, None)

    RequestIdFilter().filter(record)

    assert record.request_id is None


def test_unbind_restores_the_previous_id():
    outer = bind_request_id("outer")
    inner = bind_request_id("inner")
    unbind_request_id(inner)
    try:
        assert current_request_id() == "outer"
    finally:
        unbind_request_id(outer)
    assert current_request_id() is None


def test_request_id_is_unbound_after_the_request():
    Client().get("/health", HTTP_X_REQUEST_ID="finished-request")

    assert current_request_id() is None


def test_logging_settings_give_the_console_handler_the_filter_and_the_json_formatter():
    handler_config = settings.LOGGING["handlers"]["console"]
    assert "request_id" in handler_config["filters"]
    assert settings.LOGGING["formatters"][handler_config["formatter"]]["()"] == ("pythonjsonlogger.json.JsonFormatter")


@pytest.fixture
def console_log() -> io.StringIO:
    """The configured JSON console handler (settings.LOGGING), writing into a buffer for the test."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler, logging.StreamHandler) and any(isinstance(f, RequestIdFilter) for f in handler.filters)
    ]
    assert len(handlers) == 1, "settings.LOGGING should configure one console handler with RequestIdFilter"
    handler = handlers[0]
    buffer = io.StringIO()
    original = handler.setStream(buffer)
    yield buffer
    handler.setStream(original)


def log_lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_log_line_written_during_a_request_carries_its_request_id(console_log, caplog):
    caplog.set_level(logging.WARNING)

    Client().get("/no/such/place", HTTP_X_REQUEST_ID="trace-logged-404")

    lines = [line for line in log_lines(console_log) if "/no/such/place" in line["message"]]
    assert lines, console_log.getvalue()
    assert all(line["request_id"] == "trace-logged-404" for line in lines)
    records = [record for record in caplog.records if "/no/such/place" in record.getMessage()]
    assert records
    assert all(record.request_id == "trace-logged-404" for record in records)


def test_generated_request_id_appears_in_the_log_line(console_log):
    response = Client().get("/no/such/place")

    lines = [line for line in log_lines(console_log) if "/no/such/place" in line["message"]]
    assert lines
    assert {line["request_id"] for line in lines} == {response["X-Request-ID"]}


def test_log_line_is_one_json_object_with_the_contract_fields(console_log):
    Client().get("/no/such/place", HTTP_X_REQUEST_ID="trace-json-fields")

    line = next(line for line in log_lines(console_log) if line.get("request_id") == "trace-json-fields")
    assert {"time", "level", "logger", "message", "request_id"} <= set(line)
    assert line["level"] == "WARNING"
    assert line["logger"] == "django.request"


def test_log_line_outside_a_request_has_a_null_request_id(console_log):
    logging.getLogger("bankapi.tests").warning("outside any request")

    line = next(line for line in log_lines(console_log) if line["message"] == "outside any request")
    assert line["request_id"] is None


@pytest.mark.live_server
def test_gunicorn_log_lines_carry_the_request_id(live_server_factory):
    server = live_server_factory(workers=1)

    response = server.get("/no/such/place", headers={"X-Request-ID": "live-trace-1"})

    assert response.headers["X-Request-ID"] == "live-trace-1"
    assert response.json()["request_id"] == "live-trace-1"
    lines = []
    for raw in server.log().splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue  # gunicorn's own start-up lines are not JSON
    ours = [line for line in lines if "/no/such/place" in line.get("message", "")]
    assert ours, server.log()
    assert all(line["request_id"] == "live-trace-1" for line in ours)
