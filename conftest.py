"""
Fixtures shared by every app's tests.

Everything runs against real PostgreSQL and Redis. Each test process has its own cache key prefix
(see bankapi/settings/test.py), whose keys are deleted before every test, so counters never leak
between tests. `live_server_factory` starts real gunicorn processes for the claims that are about several
processes.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, admin_site_login, api_login
from deploy.processes import Server, free_port, start_gunicorn

PROJECT_DIR = Path(__file__).resolve().parent

# The browser tests' chromium, page and screenshot fixtures, and their --admin-screenshots option.
pytest_plugins = ["bankapi.tests.browser"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """
    The `long_running` tests first: xdist hands out files in this order, so one worker starts them
    at once and the other workers share out the rest, rather than all waiting on them at the end.
    """
    items.sort(key=lambda item: item.get_closest_marker("long_running") is None)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.delete_pattern("*")  # this process's keys only (its KEY_PREFIX)
    yield


@pytest.fixture
def production_hashers(settings) -> None:
    """Hash with BCryptSHA256 as production does (the test settings default to a fast hasher)."""
    settings.PASSWORD_HASHERS = settings.PRODUCTION_PASSWORD_HASHERS


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def admin_user(db):
    return UserFactory(role="admin")


@pytest.fixture
def auditor(db):
    return UserFactory(role="auditor")


def login(client: APIClient, user, password: str = DEFAULT_PASSWORD) -> dict:
    """The API login of `user` (with the TOTP step when they have MFA): the token pair's body."""
    return api_login(lambda path, body: client.post(path, body, format="json"), user, password)


PROBLEM_FIELDS = {"type", "title", "status", "detail", "code", "request_id"}


def assert_problem(response, status: int, code: str) -> dict:
    """
    The response (Django's test client's or a `requests` one) is problem details with this status
    and code; returns the body.
    """
    assert response.status_code == status, response.content
    assert response.headers["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert PROBLEM_FIELDS <= set(body), body
    assert body["type"] == f"/problems/{code}"
    assert body["code"] == code
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def assert_validation_error(response, field: str) -> None:
    """400 `validation_error` problem details naming `field` among its errors."""
    body = assert_problem(response, 400, "validation_error")
    assert field in body["errors"], body


def token_client(user) -> APIClient:
    """An API client carrying `user`'s access token, obtained through the real login (`.tokens`)."""
    client = APIClient()
    tokens = login(client, user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    client.tokens = tokens
    return client


@pytest.fixture
def auth_client(customer) -> APIClient:
    return token_client(customer)


@pytest.fixture
def admin_client(admin_user) -> APIClient:
    return token_client(admin_user)


@pytest.fixture
def auditor_client(auditor) -> APIClient:
    return token_client(auditor)


# The audit trail's own tests read the trail, which a login writes to, and count the queries of a
# request, which the token's user lookup would add to: their clients skip the login.


@pytest.fixture
def quiet_admin_client(admin_user) -> APIClient:
    """An API client authenticated as the admin without a login (no event, no token)."""
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


@pytest.fixture
def quiet_auditor_client(auditor) -> APIClient:
    """An API client authenticated as the auditor without a login (no event, no token)."""
    client = APIClient()
    client.force_authenticate(auditor)
    return client


@pytest.fixture
def admin_site(admin_user) -> Client:
    """A browser session of the admin on the admin site."""
    return admin_site_login(Client(), admin_user)


# Live servers ------------------------------------------------------------------------------------


class LiveServer(Server):
    def post(self, path: str, json: dict, **kwargs) -> requests.Response:
        return requests.post(self.url + path, json=json, timeout=60, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=60, **kwargs)


def this_runs_database_url() -> str:
    """The URL of the database this test run uses (the test database, not the development one)."""
    database = connection.settings_dict
    credentials = quote(database["USER"] or "")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"])
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{database['NAME']}"


def manage(*args: str, stdin: str | None = None, **variables: str) -> subprocess.CompletedProcess:
    """Run `manage.py` as an operator would (a subprocess), with the test settings and database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankapi.settings.test",
        "DATABASE_URL": this_runs_database_url(),
        "TEST_CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        **variables,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def live_server_environment(**overrides: str) -> dict[str, str]:
    """Production settings, pointed at this test run's database and Redis."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankapi.settings.production",
        "SECRET_KEY": "live-server-secret-key",
        "JWT_SECRET_KEY": settings.JWT_SECRET_KEY,
        "DATABASE_URL": this_runs_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_KEY_PREFIX": f"live-{uuid.uuid4().hex}",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    env.update(overrides)
    return env


@pytest.fixture
def live_server_factory(transactional_db, tmp_path) -> Iterator[Callable[..., LiveServer]]:
    """Start gunicorn (production settings) against the test database; stopped after the test."""
    servers: list[LiveServer] = []

    def start(workers: int = 3, **env_overrides: str) -> LiveServer:
        """gunicorn as production runs it (deploy.processes); `env_overrides` may set any variable."""
        port = free_port()
        started = start_gunicorn(
            live_server_environment(),
            port=port,
            workers=workers,
            log_path=tmp_path / f"gunicorn-{port}.log",
            GUNICORN_TIMEOUT="60",
            **env_overrides,
        )
        server = LiveServer(**vars(started))
        servers.append(server)
        server.wait_until_healthy()
        return server

    yield start

    for server in servers:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
    for server in servers:
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def wait_for_fresh_rate_window(key: str, period_seconds: int, margin_seconds: float = 5.0) -> None:
    """
    The rate limits count in fixed windows whose edges depend on the key. A burst that straddles
    an edge is counted in two windows, so a test of an exact count waits until it is clear of one.
    """
    from bankapi.ratelimits import window_end

    last_second = window_end(key, period_seconds)  # the last whole second counted in this window
    if last_second + 1 - time.time() < margin_seconds:
        time.sleep(max(0.0, last_second + 1 - time.time()) + 0.05)
