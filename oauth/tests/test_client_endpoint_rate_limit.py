"""
The token, revocation and introspection endpoints may check a client secret (a bcrypt hash) on
each request, so each client IP gets RATE_OAUTH_CLIENT requests a window across the three, and the
limit, like the API's, fails closed without Redis.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import assert_problem, wait_for_fresh_rate_window
from monitoring.tests.test_health import DEAD_REDIS_URL
from oauth.tests.conftest import INTROSPECT, REVOKE, TOKEN, basic_auth

CLIENT_CREDENTIALS = {"grant_type": "client_credentials", "scope": "account-verification"}


@pytest.fixture
def fresh_window(settings):
    settings.RATE_OAUTH_CLIENT = "3/m"
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)


def test_token_requests_over_the_per_ip_limit_are_429_with_retry_after(client, partner_app, fresh_window):
    answers = [client.post(TOKEN, CLIENT_CREDENTIALS, **basic_auth(partner_app)) for _ in range(4)]

    assert [answer.status_code for answer in answers[:3]] == [200, 200, 200]
    assert_problem(answers[3], 429, "rate_limited")
    assert int(answers[3]["Retry-After"]) >= 1


def test_revocation_and_introspection_count_in_the_token_endpoints_bucket(client, partner_app, fresh_window):
    token = client.post(TOKEN, CLIENT_CREDENTIALS, **basic_auth(partner_app)).json()["access_token"]
    assert client.post(INTROSPECT, {"token": token}, **basic_auth(partner_app)).json()["active"] is True
    assert client.post(REVOKE, {"token": token}, **basic_auth(partner_app)).status_code == 200

    assert_problem(client.post(INTROSPECT, {"token": token}, **basic_auth(partner_app)), 429, "rate_limited")


def test_the_metadata_and_the_api_are_not_counted(client, partner_app, fresh_window):
    for _ in range(5):
        assert client.get("/.well-known/oauth-authorization-server").status_code == 200

    assert client.post(TOKEN, CLIENT_CREDENTIALS, **basic_auth(partner_app)).status_code == 200


@pytest.mark.live_server
def test_forty_simultaneous_token_requests_from_one_ip_admit_exactly_the_limit(live_server_factory):
    server = live_server_factory(workers=3, RATE_OAUTH_CLIENT="10/m")
    wait_for_fresh_rate_window("ip:127.0.0.1", 60)
    barrier = threading.Barrier(40)

    def send(_: int) -> requests.Response:
        barrier.wait()
        return requests.post(server.url + TOKEN, data={"grant_type": "client_credentials"}, timeout=120)

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(send, range(40)))

    assert Counter(answer.status_code for answer in answers) == {401: 10, 429: 30}
    assert {answer.json().get("code") for answer in answers if answer.status_code == 429} == {"rate_limited"}


@pytest.mark.live_server
def test_without_redis_the_token_endpoint_fails_closed(live_server_factory):
    server = live_server_factory(workers=1, REDIS_URL=DEAD_REDIS_URL)

    answer = requests.post(server.url + TOKEN, data=CLIENT_CREDENTIALS, timeout=30)

    assert_problem(answer, 503, "service_unavailable")
