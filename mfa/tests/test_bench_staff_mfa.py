"""
The benchmarks' staff (bench/staff_mfa.py) set up MFA after their first login, as staff must, and
their token then reads what their role allows.
"""

import sys
from pathlib import Path

import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "bench"))
import staff_mfa  # noqa: E402

pytestmark = [pytest.mark.live_server, pytest.mark.usefixtures("production_hashers")]


def test_a_benchmarks_admin_enrolls_and_then_lists_customers(live_server_factory):
    admin = UserFactory(role="admin", mfa=False)
    server = live_server_factory(workers=1)
    token = server.post("/api/v1/auth/login", {"email": admin.email, "password": DEFAULT_PASSWORD}).json()["access"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert server.get("/api/v1/customers", headers=bearer).status_code == 403

    staff_mfa.enroll_staff(server.url, token)

    assert server.get("/api/v1/customers", headers=bearer).status_code == 200


def test_a_benchmarks_enrolled_admin_logs_in_again_with_a_kept_recovery_code(live_server_factory):
    admin = UserFactory(role="admin", mfa=False)
    server = live_server_factory(workers=1)
    credentials = {"email": admin.email, "password": DEFAULT_PASSWORD}
    codes = staff_mfa.enroll_staff(server.url, server.post("/api/v1/auth/login", credentials).json()["access"])
    assert len(codes) == 10

    challenge = server.post("/api/v1/auth/login", credentials).json()
    token = staff_mfa.complete_login(server.url, challenge, codes)

    assert len(codes) == 9
    assert server.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"}).status_code == 200
