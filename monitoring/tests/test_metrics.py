"""
/metrics: django-prometheus' request, database and cache metrics plus the service's own bankapi_*
counters, in the Prometheus text format, behind a bearer token when METRICS_TOKEN is set.

Counters live in each test process's registry and xdist runs several processes, so every test
compares a value before and after what it does, within the test.
"""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, totp_code
from conftest import assert_problem, wait_for_fresh_rate_window

LOGIN = "/api/v1/auth/login"
WRONG = "not the password at all"
OUTCOMES = ("success", "failure", "refused_locked")
TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def _open_metrics(settings) -> None:
    """/metrics without a token unless a test sets one, whatever METRICS_TOKEN the environment has."""
    settings.METRICS_TOKEN = ""


def scrape(client) -> dict[tuple[str, frozenset], float]:
    """GET /metrics and parse it: {(sample name, labels): value}."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.content
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def registry_value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def login_outcomes() -> dict[str, float]:
    return {outcome: registry_value("bankapi_logins_total", outcome=outcome) for outcome in OUTCOMES}


def login_outcomes_since(before: dict[str, float]) -> dict[str, float]:
    return {outcome: count - before[outcome] for outcome, count in login_outcomes().items()}


def login(client, user, password: str):
    return client.post(LOGIN, {"account_number": user.account_number, "password": password}, format="json")


def assert_not_authenticated(response) -> None:
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith('Bearer realm="metrics"')


# The exposition ----------------------------------------------------------------------------------


def test_metrics_is_prometheus_text_format(client):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert {"bankapi_logins", "bankapi_lockouts", "bankapi_rate_limited_requests"} <= names


def test_login_outcomes_are_exported_at_zero_before_any_login(client):
    samples = scrape(client)

    for outcome in OUTCOMES:
        assert ("bankapi_logins_total", frozenset({("outcome", outcome)})) in samples


def test_metrics_counts_requests_by_view_transport_and_method(client):
    labels = {"view": "health", "transport": "http", "method": "GET"}
    before = value(scrape(client), "django_http_requests_total_by_view_transport_method_total", **labels)

    client.get("/health")

    after = value(scrape(client), "django_http_requests_total_by_view_transport_method_total", **labels)
    assert after - before == 1


def test_metrics_counts_responses_by_status_view_and_method(client):
    labels = {"status": "405", "view": "health", "method": "POST"}
    before = value(scrape(client), "django_http_responses_total_by_status_view_method_total", **labels)

    client.post("/health")

    after = value(scrape(client), "django_http_responses_total_by_status_view_method_total", **labels)
    assert after - before == 1


def test_metrics_times_requests_by_view_and_method(client):
    labels = {"view": "health", "method": "GET"}
    before = scrape(client)

    client.get("/health")

    after = scrape(client)
    count = "django_http_requests_latency_seconds_by_view_method_count"
    infinite_bucket = "django_http_requests_latency_seconds_by_view_method_bucket"
    assert value(after, count, **labels) - value(before, count, **labels) == 1
    assert value(after, infinite_bucket, le="+Inf", **labels) - value(before, infinite_bucket, le="+Inf", **labels) == 1


@pytest.mark.django_db
def test_metrics_counts_and_times_database_queries(client):
    labels = {"alias": "default", "vendor": "postgresql"}
    before = scrape(client)

    assert client.get("/db_check").status_code == 200  # runs SELECT 1

    after = scrape(client)
    executed = value(after, "django_db_execute_total", **labels) - value(before, "django_db_execute_total", **labels)
    timed = value(after, "django_db_query_duration_seconds_count", **labels) - value(
        before, "django_db_query_duration_seconds_count", **labels
    )
    assert executed >= 1
    assert timed == executed


@pytest.mark.django_db
def test_metrics_counts_cache_reads_and_hits(client):
    before = scrape(client)

    assert client.get("/db_check").status_code == 200  # sets a probe key, then reads it back

    after = scrape(client)
    for name in ("django_cache_get_total", "django_cache_get_hits_total"):
        assert value(after, name, backend="redis") - value(before, name, backend="redis") == 1, name


def test_metrics_times_every_cache_operation_by_name(api_client, customer):
    operations = ("rate_limit_count", "add", "incr", "delete")
    before = {op: registry_value("bankapi_cache_operation_seconds_count", operation=op) for op in operations}

    api_client.post("/api/v1/auth/login", {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json")

    after = {op: registry_value("bankapi_cache_operation_seconds_count", operation=op) for op in operations}
    # The rate limit counts the request in its bucket; the lockout takes a slot, then clears it.
    assert after["rate_limit_count"] - before["rate_limit_count"] == 1
    assert after["add"] - before["add"] >= 1
    assert after["incr"] - before["incr"] >= 1
    assert after["delete"] - before["delete"] >= 1


# Logins, lockouts and rate limits ----------------------------------------------------------------


def test_successful_login_counts_one_success(api_client, customer):
    before = login_outcomes()

    assert login(api_client, customer, DEFAULT_PASSWORD).status_code == 200

    assert login_outcomes_since(before) == {"success": 1, "failure": 0, "refused_locked": 0}


def test_wrong_password_counts_one_failure(api_client, customer):
    before = login_outcomes()

    assert login(api_client, customer, WRONG).status_code == 401

    assert login_outcomes_since(before) == {"success": 0, "failure": 1, "refused_locked": 0}


def test_admin_site_login_counts_as_a_success(admin_user):
    before = login_outcomes()

    response = Client().post(
        f"/{settings.ADMIN_URL}login/",
        {"username": admin_user.email, "password": DEFAULT_PASSWORD, "otp_token": totp_code(admin_user)},
    )

    assert response.status_code == 302
    assert login_outcomes_since(before) == {"success": 1, "failure": 0, "refused_locked": 0}


def test_failure_that_reaches_the_limit_counts_one_lockout(api_client, customer):
    before = registry_value("bankapi_lockouts_total")

    statuses = [login(api_client, customer, WRONG).status_code for _ in range(settings.LOCKOUT_FAILURES)]

    assert statuses == [401] * settings.LOCKOUT_FAILURES
    assert registry_value("bankapi_lockouts_total") - before == 1


def test_failures_below_the_limit_count_no_lockout(api_client, customer):
    before = registry_value("bankapi_lockouts_total")

    for _ in range(settings.LOCKOUT_FAILURES - 1):
        login(api_client, customer, WRONG)

    assert registry_value("bankapi_lockouts_total") == before


def test_attempt_refused_by_django_axes_counts_as_refused_locked(api_client, customer):
    # django-axes runs first and refuses an identity it has recorded LOCKOUT_FAILURES failures for.
    for _ in range(settings.LOCKOUT_FAILURES):
        login(api_client, customer, WRONG)
    before = login_outcomes()
    lockouts_before = registry_value("bankapi_lockouts_total")

    response = login(api_client, customer, DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert login_outcomes_since(before) == {"success": 0, "failure": 0, "refused_locked": 1}
    assert registry_value("bankapi_lockouts_total") == lockouts_before


def test_attempt_refused_by_the_lockout_counter_counts_as_refused_locked(api_client, customer):
    for _ in range(settings.LOCKOUT_FAILURES):
        login(api_client, customer, WRONG)
    AccessAttempt.objects.all().delete()  # only the counter in the cache still holds the lock
    before = login_outcomes()

    response = login(api_client, customer, DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert login_outcomes_since(before) == {"success": 0, "failure": 0, "refused_locked": 1}


def test_rate_limited_login_counts_in_the_login_group(api_client, customer, settings):
    settings.RATE_LOGIN = "1/m"
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)
    before = registry_value("bankapi_rate_limited_requests_total", group="login")
    assert login(api_client, customer, DEFAULT_PASSWORD).status_code == 200

    response = login(api_client, customer, DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert registry_value("bankapi_rate_limited_requests_total", group="login") - before == 1


def test_login_within_the_rate_limit_counts_no_rate_limited_request(api_client, customer, settings):
    settings.RATE_LOGIN = "2/m"
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)
    before = registry_value("bankapi_rate_limited_requests_total", group="login")

    assert login(api_client, customer, DEFAULT_PASSWORD).status_code == 200

    assert registry_value("bankapi_rate_limited_requests_total", group="login") == before


# METRICS_TOKEN and methods -----------------------------------------------------------------------


def test_metrics_without_a_token_is_401_when_a_token_is_set(client, settings):
    settings.METRICS_TOKEN = TOKEN

    response = client.get("/metrics")

    assert_not_authenticated(response)
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_metrics_with_a_wrong_token_is_401(client, settings):
    settings.METRICS_TOKEN = TOKEN

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x")

    assert_not_authenticated(response)
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics", error="invalid_token"'


def test_metrics_with_the_token_in_another_scheme_is_401(client, settings):
    settings.METRICS_TOKEN = TOKEN

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}")

    assert_not_authenticated(response)


def test_metrics_with_a_non_ascii_token_is_401(client, settings):
    settings.METRICS_TOKEN = TOKEN

    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t\u00f6ken")

    assert_not_authenticated(response)


def test_metrics_with_the_right_token_is_200(client, settings):
    settings.METRICS_TOKEN = TOKEN

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"


def test_post_to_metrics_is_405_problem_with_allow(client):
    response = client.post("/metrics")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"


# Several gunicorn workers ------------------------------------------------------------------------


@pytest.mark.live_server
def test_multiprocess_dir_sums_counters_across_gunicorn_workers(live_server_factory, tmp_path, production_hashers):
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    server = live_server_factory(workers=3, PROMETHEUS_MULTIPROC_DIR=str(multiproc_dir), METRICS_TOKEN="")
    customer = UserFactory()
    logins = 12

    for _ in range(logins):
        response = server.post(LOGIN, {"account_number": customer.account_number, "password": DEFAULT_PASSWORD})
        assert response.status_code == 200, response.text
    scraped = server.get("/metrics")

    assert scraped.status_code == 200
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(scraped.text)
        for sample in family.samples
    }
    assert value(samples, "bankapi_logins_total", outcome="success") == logins
    # Only the multiprocess collector is in the registry: no per-process collectors.
    assert not any(name.startswith("process_") for name, _ in samples)
