"""
Imported customers log in by account number with the password they had in the Flask service: the
bcrypt hash it made is verified as it is, then replaced with BCryptSHA256 (production hashers).
"""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from legacy.tests.flask_export import flask_hash, flask_row, write_export

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_hashers")]

LOGIN = "/api/v1/auth/login"


def login(client, account_number: str, password: str):
    return client.post(LOGIN, {"account_number": account_number, "password": password}, format="json")


def import_rows(tmp_path, *rows: dict) -> None:
    call_command("import_customers", str(write_export(tmp_path / "customers.csv", list(rows))), stdout=StringIO())


def test_each_customer_logs_in_with_the_original_password_which_is_then_rehashed_with_bcrypt_sha256(
    api_client, tmp_path
):
    passwords = {"100000000001": "tulip harbour 1987", "100000000002": "Ünïcode pässwörd ✓"}
    import_rows(
        tmp_path,
        *(
            flask_row(1 + i, account_number=n, password_hash=flask_hash(p, rounds=12))
            for i, (n, p) in enumerate(passwords.items())
        ),
    )

    for number, password in passwords.items():
        first = login(api_client, number, password)
        assert first.status_code == 200, first.content
        assert first.json()["role"] == "customer"
        stored = User.objects.get(account_number=number).password
        assert stored.startswith("bcrypt_sha256$")
        assert login(api_client, number, password).status_code == 200


@pytest.mark.parametrize("prefix", ["$2a$", "$2y$"])
def test_hashes_of_other_bcrypt_versions_are_verified_too(api_client, tmp_path, prefix):
    import_rows(tmp_path, flask_row(1, password_hash=flask_hash("tulip harbour 1987", prefix=prefix)))

    assert User.objects.get().password.startswith(f"bcrypt${prefix}")
    assert login(api_client, "100000000001", "tulip harbour 1987").status_code == 200
    assert User.objects.get().password.startswith("bcrypt_sha256$")


def test_wrong_password_is_refused_and_the_imported_hash_is_kept(api_client, tmp_path):
    import_rows(tmp_path, flask_row(1, password_hash=flask_hash("tulip harbour 1987")))
    stored = User.objects.get().password

    assert login(api_client, "100000000001", "tulip harbour 1988").status_code == 401
    assert User.objects.get().password == stored


def test_customer_imported_without_a_usable_hash_cannot_log_in(api_client, tmp_path):
    import_rows(tmp_path, flask_row(1, password_hash=None))

    assert login(api_client, "100000000001", "").status_code in (400, 401)
    assert login(api_client, "100000000001", "anything at all").status_code == 401
