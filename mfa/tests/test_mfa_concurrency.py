"""
A code works once also when it arrives in several requests at the same moment: simultaneous
verifies against gunicorn with three worker processes sharing PostgreSQL and Redis, with the
production settings and password hasher.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts.tests.factories import DEFAULT_PASSWORD, RECOVERY_CODES, UserFactory, totp_code

LOGIN = "/api/v1/auth/login"
VERIFY = "/api/v1/auth/mfa/verify"
# Fewer than LOCKOUT_FAILURES, so that every attempt gets its code checked (none is refused unchecked).
SIMULTANEOUS = 4
pytestmark = [pytest.mark.live_server, pytest.mark.usefixtures("production_hashers")]


def _mfa_tokens(server, user, count: int) -> list[str]:
    tokens = []
    for _ in range(count):
        response = server.post(LOGIN, {"account_number": user.account_number, "password": DEFAULT_PASSWORD})
        assert response.status_code == 200, response.content
        tokens.append(response.json()["mfa_token"])
    return tokens


def _simultaneous_verifies(url: str, bodies: list[dict]) -> Counter:
    barrier = threading.Barrier(len(bodies))

    def send(body: dict) -> requests.Response:
        barrier.wait()
        return requests.post(url, json=body, timeout=120)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        responses = list(pool.map(send, bodies))
    return Counter((r.status_code, r.json().get("code")) for r in responses)


@pytest.mark.parametrize("code_of", [totp_code, lambda user: RECOVERY_CODES[0]], ids=["totp", "recovery"])
def test_simultaneous_verifies_with_one_code_let_exactly_one_in(live_server_factory, code_of):
    user = UserFactory(mfa=True)
    server = live_server_factory(workers=3)
    code = code_of(user)
    bodies = [{"mfa_token": token, "code": code} for token in _mfa_tokens(server, user, SIMULTANEOUS)]

    outcomes = _simultaneous_verifies(server.url + VERIFY, bodies)

    assert outcomes == {(200, None): 1, (401, "invalid_otp"): SIMULTANEOUS - 1}


def test_simultaneous_verifies_with_one_mfa_token_let_exactly_one_in(live_server_factory):
    user = UserFactory(mfa=True)
    server = live_server_factory(workers=3)
    [mfa_token] = _mfa_tokens(server, user, 1)
    codes = [totp_code(user), *RECOVERY_CODES[: SIMULTANEOUS - 1]]  # each code right and unused

    outcomes = _simultaneous_verifies(server.url + VERIFY, [{"mfa_token": mfa_token, "code": code} for code in codes])

    assert outcomes == {(200, None): 1, (401, "not_authenticated"): SIMULTANEOUS - 1}
