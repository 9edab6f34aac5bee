"""
/health says the process is up and touches no dependency; /db_check says whether the database and
the cache answer, naming the one that does not (503, no error text). With Redis down, the login,
registration and token refresh endpoints fail closed with 503 `service_unavailable`.

The outage cases run real gunicorn processes (production settings) pointed at a closed port.
"""

import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, registration_body
from conftest import assert_problem, live_server_environment

DEAD_REDIS_URL = "redis://127.0.0.1:1/0"
HEALTHY = {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def dead_database_url() -> str:
    """The test database's URL with the port replaced by one nothing listens on."""
    url = live_server_environment()["DATABASE_URL"]
    prefix, _, name = url.rpartition("/")
    return f"{prefix.rsplit(':', 1)[0]}:1/{name}"


def register_body(email: str) -> dict:
    return registration_body(email=email)


def assert_db_check_unavailable(response, checks: dict) -> None:
    """503 naming the failed check; as every 5xx, problem details, with `checks` as an extension member."""
    body = assert_problem(response, 503, "service_unavailable")
    assert body.get("checks") == checks, body
    assert set(body) == {"type", "title", "status", "detail", "code", "request_id", "checks"}


# In process --------------------------------------------------------------------------------------


def test_health_is_ok_without_touching_the_database(client):
    # No `db` fixture: any query would raise, and the view would answer 500.
    response = client.get("/health")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_db_check_reports_every_dependency_ok(client):
    response = client.get("/db_check")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == HEALTHY


@pytest.mark.django_db
def test_db_check_leaves_no_probe_key_in_the_cache(client):
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    before = set(redis.keys("*"))

    client.get("/db_check")

    assert set(redis.keys("*")) == before


@pytest.mark.django_db
def test_health_responses_are_not_cached(client):
    assert client.get("/health")["Cache-Control"] == "no-store"
    assert client.get("/db_check")["Cache-Control"] == "no-store"


# Live servers with a dependency down -------------------------------------------------------------


@pytest.mark.live_server
def test_db_check_names_the_database_when_it_is_down_and_health_stays_up(live_server_factory):
    server = live_server_factory(workers=1, DATABASE_URL=dead_database_url())

    db_check = server.get("/db_check")
    health = server.get("/health")

    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert_db_check_unavailable(db_check, {"database": "unavailable", "cache": "ok"})


@pytest.mark.live_server
def test_db_check_names_the_cache_when_redis_is_down_and_health_stays_up(live_server_factory):
    server = live_server_factory(workers=1, REDIS_URL=DEAD_REDIS_URL)

    db_check = server.get("/db_check")
    health = server.get("/health")

    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert_db_check_unavailable(db_check, {"database": "ok", "cache": "unavailable"})


@pytest.mark.live_server
def test_login_register_and_refresh_fail_closed_when_redis_is_down(live_server_factory, api_client):
    customer = UserFactory()
    refresh = api_client.post(
        "/api/v1/auth/login", {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json"
    ).json()["refresh"]
    server = live_server_factory(workers=1, REDIS_URL=DEAD_REDIS_URL)

    login = server.post("/api/v1/auth/login", json={"email": customer.email, "password": DEFAULT_PASSWORD})
    wrong_login = server.post("/api/v1/auth/login", json={"email": customer.email, "password": "wrong password 1"})
    register = server.post("/api/v1/auth/register", json=register_body("new.customer@example.com"))
    token_refresh = server.post("/api/v1/auth/token/refresh", json={"refresh": refresh})

    for response in (login, wrong_login, register, token_refresh):
        assert_problem(response, 503, "service_unavailable")


@pytest.mark.live_server
def test_redis_outage_responses_reveal_no_error_text(live_server_factory):
    server = live_server_factory(workers=1, REDIS_URL=DEAD_REDIS_URL)

    responses = [
        server.get("/db_check"),
        server.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "wrong password 1"}),
    ]

    for response in responses:
        for marker in ("Error", "Traceback", "redis", "Redis", "127.0.0.1", "Connection refused"):
            assert marker not in response.text, response.text
