"""
The liveness shortcut (monitoring.liveness) and the warm-up (bankapi.warmup): what gunicorn serves
through bankapi.wsgi. The shortcut must answer exactly what Django answers, and the warm-up (run in
gunicorn's master before it forks) must open no connection the workers would inherit.
"""

import json

import pytest
import redis.connection
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.db.backends.signals import connection_created

from bankapi.warmup import call_wsgi, warm_up, wsgi_environ
from monitoring.liveness import LivenessShortcut


def call(application, *, method: str = "GET", host: str = "testserver", **headers: str):
    return call_wsgi(application, wsgi_environ("/health", method=method, host=host, **headers))


@pytest.fixture
def shortcut() -> LivenessShortcut:
    return LivenessShortcut(WSGIHandler())


def without_request_id(headers: dict) -> dict:
    return {name: value for name, value in headers.items() if name != "X-Request-ID"}


def test_probes_after_the_first_get_exactly_djangos_answer(shortcut):
    djangos = call(WSGIHandler())
    first = call(shortcut)
    later = call(shortcut)

    assert first[0] == later[0] == djangos[0] == "200 OK"
    assert without_request_id(first[1]) == without_request_id(later[1]) == without_request_id(djangos[1])
    assert first[2] == later[2] == djangos[2]
    assert json.loads(later[2]) == {"status": "ok"}
    assert shortcut.answers


def test_every_probe_gets_a_request_id_of_its_own(shortcut):
    call(shortcut)

    ids = {call(shortcut)[1]["X-Request-ID"] for _ in range(3)}

    assert len(ids) == 3


def test_a_sane_client_request_id_is_echoed(shortcut):
    call(shortcut)

    _, headers, _ = call(shortcut, x_request_id="probe-42")

    assert headers["X-Request-ID"] == "probe-42"


def test_an_insane_client_request_id_is_replaced(shortcut):
    call(shortcut)

    _, headers, _ = call(shortcut, x_request_id="no spaces allowed")

    assert headers["X-Request-ID"] != "no spaces allowed"


def test_a_host_django_refuses_is_refused_every_time_and_never_kept(shortcut):
    for _ in range(2):
        status, headers, body = call(shortcut, host="evil.example")
        assert status.startswith("400 ")
        assert headers["Content-Type"] == "application/problem+json"

    assert shortcut.answers == {}


def test_other_methods_still_get_djangos_answer(shortcut):
    call(shortcut)

    status, headers, body = call(shortcut, method="POST")

    assert status.startswith("405 ")
    assert headers["Allow"] == "GET"
    assert json.loads(body)["code"] == "method_not_allowed"


@pytest.mark.django_db(transaction=True)
def test_warm_up_opens_no_database_connection_and_sends_nothing_to_redis(monkeypatch):
    connection.close()
    opened, sent = [], []
    send = redis.connection.AbstractConnection.send_packed_command
    monkeypatch.setattr(
        redis.connection.AbstractConnection,
        "send_packed_command",
        lambda self, *args, **kwargs: sent.append(args) or send(self, *args, **kwargs),
    )

    def on_connection_created(sender, **kwargs):
        opened.append(sender)

    connection_created.connect(on_connection_created)
    try:
        warm_up(WSGIHandler())
    finally:
        connection_created.disconnect(on_connection_created)

    assert (opened, sent) == ([], [])
