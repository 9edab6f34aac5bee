"""
What one authenticated read costs: statements sent to PostgreSQL and round trips to Redis.

The request goes through Django's WSGI handler as gunicorn calls it (request signals, a persistent
connection with its health check), not through the test client, which skips both. Statements are
counted at psycopg's cursor, below Django, so that a health check issued on the raw connection
counts too; round trips are counted at redis-py's socket writes (a pipeline is one write).
"""

from collections.abc import Iterator

import psycopg
import pytest
import redis.connection
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from accounts.tests.factories import UserFactory
from bankapi.warmup import call_wsgi, wsgi_environ
from conftest import login


@pytest.fixture
def persistent_connection(transactional_db) -> Iterator[None]:
    """A connection kept across requests and health-checked before each one, as in production."""
    saved = {name: connection.settings_dict[name] for name in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    connection.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
    connection.close()
    yield
    connection.settings_dict.update(saved)
    connection.close()


class Counter:
    def __init__(self) -> None:
        self.sql_statements = 0
        self.redis_round_trips = 0


@pytest.fixture
def counter(monkeypatch) -> Counter:
    counts = Counter()
    execute = psycopg.ClientCursor.execute
    send = redis.connection.AbstractConnection.send_packed_command

    def counting_execute(self, *args, **kwargs):
        counts.sql_statements += 1
        return execute(self, *args, **kwargs)

    def counting_send(self, *args, **kwargs):
        counts.redis_round_trips += 1
        return send(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.ClientCursor, "execute", counting_execute)
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting_send)
    return counts


def serve(handler: WSGIHandler, path: str, token: str) -> tuple[str, bytes]:
    status, _, body = call_wsgi(handler, wsgi_environ(path, authorization=f"Bearer {token}"))
    return status, body


def test_a_profile_read_is_one_sql_statement_and_one_redis_round_trip(
    persistent_connection, customer, api_client, counter
):
    token = login(api_client, customer)["access"]
    handler = WSGIHandler()
    serve(handler, "/api/v1/profile", token)  # opens the persistent connection
    counter.sql_statements = counter.redis_round_trips = 0

    status, body = serve(handler, "/api/v1/profile", token)

    assert status == "200 OK"
    assert customer.account_number.encode() in body
    assert (counter.sql_statements, counter.redis_round_trips) == (1, 1)


def test_an_admin_with_mfa_reads_the_profile_at_the_same_cost(persistent_connection, admin_user, api_client, counter):
    token = login(api_client, admin_user)["access"]
    handler = WSGIHandler()
    serve(handler, "/api/v1/profile", token)
    counter.sql_statements = counter.redis_round_trips = 0

    status, _ = serve(handler, "/api/v1/profile", token)

    assert status == "200 OK"
    assert (counter.sql_statements, counter.redis_round_trips) == (1, 1)


def test_confining_staff_without_mfa_costs_no_query(persistent_connection, api_client, counter):
    auditor = UserFactory(role="auditor", mfa=False)
    token = login(api_client, auditor)["access"]
    handler = WSGIHandler()
    serve(handler, "/api/v1/profile", token)
    counter.sql_statements = counter.redis_round_trips = 0

    status, body = serve(handler, "/api/v1/profile", token)

    assert status == "403 Forbidden"
    assert b"mfa_enrollment_required" in body
    assert counter.sql_statements == 1  # the user's row, read for the token anyway


def test_a_health_check_touches_neither_the_database_nor_redis(persistent_connection, counter):
    handler = WSGIHandler()

    status, _ = serve(handler, "/health", token="")

    assert status == "200 OK"
    assert (counter.sql_statements, counter.redis_round_trips) == (0, 0)


def test_a_connection_the_server_terminated_is_replaced_before_the_request_uses_it(
    persistent_connection, customer, api_client
):
    token = login(api_client, customer)["access"]
    handler = WSGIHandler()
    serve(handler, "/api/v1/profile", token)
    backend_pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params() | {"autocommit": True}) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", [backend_pid])  # waits until it has gone

    status, _ = serve(handler, "/api/v1/profile", token)

    assert status == "200 OK"
    assert connection.connection.info.backend_pid != backend_pid
