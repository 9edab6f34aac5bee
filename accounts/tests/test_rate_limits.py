"""
Rate limits: counted per client IP (login, register, refresh) or per user (every authenticated
endpoint) in the shared cache; over the limit is 429 `rate_limited` with Retry-After; with the cache
down they fail closed with 503.
"""

import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import login, wait_for_fresh_rate_window

LOGIN = "/api/v1/auth/login"
REGISTER = "/api/v1/auth/register"
REFRESH = "/api/v1/auth/token/refresh"
PROFILE = "/api/v1/profile"
pytestmark = pytest.mark.django_db


def _login_attempt(client, n: int, **meta):
    return client.post(LOGIN, {"email": f"nobody{n}@example.com", "password": "wrong password"}, format="json", **meta)


def _register_body(n: int) -> dict:
    return {
        "email": f"new{n}@example.com",
        "password": DEFAULT_PASSWORD,
        "first_name": "Grace",
        "last_name": "Hopper",
        "phone": "+14155550100",
        "date_of_birth": "1980-01-01",
    }


def test_login_over_the_limit_is_rate_limited_with_retry_after(api_client, settings):
    settings.RATE_LOGIN = "3/m"
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)

    statuses = [_login_attempt(api_client, n).status_code for n in range(3)]
    response = _login_attempt(api_client, 3)

    assert statuses == [401, 401, 401]
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Cache-Control"] == "no-store"


def test_invalid_login_bodies_count_towards_the_limit(api_client, settings):
    settings.RATE_LOGIN = "2/m"
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)
    api_client.post(LOGIN, {"password": "x"}, format="json")
    api_client.post(LOGIN, b"{not json", content_type="application/json")

    assert _login_attempt(api_client, 0).status_code == 429


def test_register_over_the_limit_is_rate_limited(api_client, settings):
    settings.RATE_REGISTER = "2/h"
    wait_for_fresh_rate_window("ip:127.0.0.1", 3600)

    statuses = [api_client.post(REGISTER, _register_body(n), format="json").status_code for n in range(3)]

    assert statuses == [201, 201, 429]


def test_refresh_over_the_limit_is_rate_limited(api_client, settings):
    settings.RATE_LOGIN = "2/m"
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)

    statuses = [api_client.post(REFRESH, {"refresh": "x"}, format="json").status_code for _ in range(3)]

    assert statuses == [401, 401, 429]


def test_authenticated_requests_are_limited_per_user(api_client, settings):
    first, second = UserFactory(), UserFactory()
    first_tokens, second_tokens = login(api_client, first), login(api_client, second)
    settings.RATE_USER = "2/m"
    wait_for_fresh_rate_window(f"user:{first.public_id}", 60)
    wait_for_fresh_rate_window(f"user:{second.public_id}", 60)
    as_first = {"HTTP_AUTHORIZATION": f"Bearer {first_tokens['access']}"}

    statuses = [api_client.get(PROFILE, **as_first).status_code for _ in range(3)]
    other_user = api_client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {second_tokens['access']}")

    assert statuses == [200, 200, 429]
    assert other_user.status_code == 200


def test_forged_forwarded_for_does_not_change_the_bucket_without_trusted_proxies(api_client, settings):
    settings.RATE_LOGIN = "2/m"
    settings.TRUSTED_PROXY_COUNT = 0
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)

    statuses = [_login_attempt(api_client, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)]

    assert statuses == [401, 401, 429]


def test_forwarded_for_from_a_trusted_proxy_separates_clients(api_client, settings):
    settings.RATE_LOGIN = "2/m"
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(3):
        wait_for_fresh_rate_window(f"ip:203.0.113.{n}", 60)

    statuses = [_login_attempt(api_client, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)]

    assert statuses == [401, 401, 401]


def test_client_forged_prefix_before_the_proxy_entry_is_ignored(api_client, settings):
    settings.RATE_LOGIN = "2/m"
    settings.TRUSTED_PROXY_COUNT = 1
    wait_for_fresh_rate_window("ip:198.51.100.7", 60)

    statuses = [
        _login_attempt(api_client, n, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 198.51.100.7").status_code for n in range(3)
    ]

    assert statuses == [401, 401, 429]


@pytest.mark.parametrize(
    "path, body",
    [
        (LOGIN, {"email": "a@example.com", "password": "whatever it is"}),
        (REGISTER, _register_body(0)),
        (REFRESH, {"refresh": "x"}),
    ],
    ids=["login", "register", "refresh"],
)
def test_unreachable_cache_fails_closed_with_service_unavailable(api_client, settings, path, body):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }

    response = api_client.post(path, body, format="json")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "service_unavailable"
    assert "redis" not in response.content.decode().lower()
