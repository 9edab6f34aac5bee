"""
The legacy routes under real concurrency: bursts of simultaneous Flask-style requests against
gunicorn (three worker processes, production settings, LEGACY_API_ENABLED=1) sharing PostgreSQL
and Redis. One account number is kept once, however many clients ask for it at once; the lockout
checks no more passwords than its limit, and every answer keeps the Flask shape.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from audit.models import AuditEvent
from legacy.models import CustomerDetails

pytestmark = [pytest.mark.live_server, pytest.mark.usefixtures("production_hashers")]

FLASK_NUMBER = "123456789012"


def _burst(url: str, bodies: list[dict]) -> list[requests.Response]:
    """Send every body at once: each thread waits at a barrier, then posts."""
    barrier = threading.Barrier(len(bodies))

    def send(index: int) -> requests.Response:
        barrier.wait()
        return requests.post(url, json=bodies[index], timeout=120)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, range(len(bodies))))


def _outcomes(responses: list[requests.Response]) -> Counter:
    for response in responses:
        assert response.headers["Content-Type"] == "application/json", response.text
        assert response.json()["success"] is (response.status_code < 400)
    return Counter((response.status_code, response.json().get("message")) for response in responses)


def test_simultaneous_registrations_of_one_account_number_keep_it_once(live_server_factory):
    server = live_server_factory(workers=3, LEGACY_API_ENABLED="1", RATE_REGISTER="1000/m")
    bodies = [
        {
            "account_number": FLASK_NUMBER,
            "first_name": "John",
            "last_name": "Doe" + "e" * n,
            "age": 30,
            "gender": "Male",
            "phone_number": "(202) 555-0143",
            "address": f"{n} Main St",
            "bank_account_type": "savings",
            "date_of_account_opening": "2024-01-15",
            "branch_code": "BR001",
            "password": DEFAULT_PASSWORD,
        }
        for n in range(8)
    ]

    outcomes = _outcomes(_burst(server.url + "/register", bodies))

    assert outcomes == {
        (201, "User registered successfully"): 1,
        (409, "User with this account number already exists"): 7,
    }
    user = User.objects.get(account_number=FLASK_NUMBER)
    assert CustomerDetails.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="register").count() == 1


def test_simultaneous_wrong_passwords_check_at_most_the_limit_and_answer_as_flask(live_server_factory):
    customer = UserFactory()
    server = live_server_factory(workers=3, LEGACY_API_ENABLED="1", RATE_LOGIN="1000/m")
    bodies = [{"account_number": customer.account_number, "password": f"wrong password {n}"} for n in range(20)]

    outcomes = _outcomes(_burst(server.url + "/login", bodies))

    locked = "Account is locked due to too many failed attempts. Try again later."
    assert outcomes == {
        (401, "Invalid credentials"): settings.LOCKOUT_FAILURES,
        (429, locked): 20 - settings.LOCKOUT_FAILURES,
    }
    right_password = server.post("/login", {"account_number": customer.account_number, "password": DEFAULT_PASSWORD})
    assert right_password.status_code == 429
    assert right_password.json() == {"success": False, "message": locked}
    assert int(right_password.headers["Retry-After"]) > 0
    assert "no-store" in right_password.headers["Cache-Control"]
