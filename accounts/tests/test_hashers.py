"""
Password hashing: BCrypt with a SHA-256 prehash for every new password, and plain bcrypt hashes
imported from the earlier service verified as they are and upgraded on the first successful login.
"""

import bcrypt
import pytest
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password

from accounts.hashers import LegacyBCryptPasswordHasher
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = "/api/v1/auth/login"
REGISTER = "/api/v1/auth/register"
LONG_PREFIX = "correct horse battery staple " * 3  # 87 bytes, past bcrypt's 72
assert len(LONG_PREFIX.encode()) > 72

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_hashers")]


def legacy_hash(raw: bytes, rounds: int = 4) -> str:
    """A hash as the earlier service stored it, with Django's algorithm prefix."""
    return "bcrypt$" + bcrypt.hashpw(raw, bcrypt.gensalt(rounds=rounds)).decode()


def legacy_customer(encoded: str) -> User:
    customer = UserFactory(email=None, password=None)
    customer.password = encoded
    customer.save(update_fields=["password"])
    return customer


def login(client, user, password: str):
    return client.post(LOGIN, {"account_number": user.account_number, "password": password}, format="json")


# BCrypt with SHA-256 prehash ----------------------------------------------------------------------


def test_new_password_is_hashed_with_bcrypt_sha256():
    encoded = make_password(DEFAULT_PASSWORD)

    assert encoded.startswith("bcrypt_sha256$$2b$")
    assert identify_hasher(encoded).algorithm == "bcrypt_sha256"
    assert check_password(DEFAULT_PASSWORD, encoded)


def test_created_user_password_is_hashed_with_bcrypt_sha256():
    user = UserFactory()

    assert user.password.startswith("bcrypt_sha256$")
    assert DEFAULT_PASSWORD not in user.password
    assert user.check_password(DEFAULT_PASSWORD)


def test_registered_password_is_hashed_with_bcrypt_sha256(api_client):
    password = "quiet meadow lantern river"
    response = api_client.post(
        REGISTER,
        {
            "email": "ada@example.com",
            "password": password,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "phone": "+447700900123",
            "date_of_birth": "1990-12-10",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    user = User.objects.get(account_number=response.json()["account_number"])
    assert user.password.startswith("bcrypt_sha256$")
    assert password not in user.password


def test_same_password_gets_a_different_salt_each_time():
    assert make_password(DEFAULT_PASSWORD) != make_password(DEFAULT_PASSWORD)


def test_bcrypt_sha256_does_not_truncate_after_72_bytes():
    encoded = make_password(LONG_PREFIX + "A")

    assert check_password(LONG_PREFIX + "A", encoded)
    assert not check_password(LONG_PREFIX + "B", encoded)
    assert not check_password(LONG_PREFIX, encoded)


def test_bcrypt_sha256_does_not_truncate_multibyte_passwords():
    prefix = "é" * 40  # 80 bytes in UTF-8
    encoded = make_password(prefix + "a")

    assert not check_password(prefix + "b", encoded)


def test_login_with_a_password_differing_only_after_72_bytes_fails(api_client):
    customer = UserFactory(password=LONG_PREFIX + "A")

    response = login(api_client, customer, LONG_PREFIX + "B")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_login_with_a_password_over_72_bytes_succeeds(api_client):
    customer = UserFactory(password=LONG_PREFIX + "A")

    assert login(api_client, customer, LONG_PREFIX + "A").status_code == 200


# Legacy plain bcrypt ------------------------------------------------------------------------------


def test_legacy_hasher_verifies_a_raw_2b_hash():
    encoded = legacy_hash(DEFAULT_PASSWORD.encode())

    assert LegacyBCryptPasswordHasher().verify(DEFAULT_PASSWORD, encoded)


def test_legacy_hasher_rejects_a_wrong_password():
    encoded = legacy_hash(DEFAULT_PASSWORD.encode())

    assert not LegacyBCryptPasswordHasher().verify("not the password at all", encoded)


def test_legacy_hash_is_identified_and_checked_by_django():
    encoded = legacy_hash(DEFAULT_PASSWORD.encode())

    assert isinstance(identify_hasher(encoded), LegacyBCryptPasswordHasher)
    assert check_password(DEFAULT_PASSWORD, encoded)
    assert not check_password("not the password at all", encoded)


def test_legacy_hasher_verifies_a_password_over_72_bytes_without_raising():
    password = LONG_PREFIX + "A"
    # The earlier service's bcrypt read only the first 72 bytes.
    encoded = legacy_hash(password.encode()[:72])

    assert LegacyBCryptPasswordHasher().verify(password, encoded)


def test_legacy_hasher_keeps_the_legacy_truncation_at_72_bytes():
    encoded = legacy_hash((LONG_PREFIX + "A").encode()[:72])

    assert LegacyBCryptPasswordHasher().verify(LONG_PREFIX + "B", encoded)
    assert not LegacyBCryptPasswordHasher().verify(LONG_PREFIX[:71], encoded)


def test_legacy_hasher_truncates_multibyte_passwords_by_bytes():
    password = "é" * 40  # 80 bytes; byte 72 is the end of a character
    encoded = legacy_hash(password.encode()[:72])

    assert LegacyBCryptPasswordHasher().verify(password, encoded)


def test_legacy_hasher_verifies_hashes_of_the_usual_cost():
    encoded = legacy_hash(DEFAULT_PASSWORD.encode(), rounds=10)

    assert check_password(DEFAULT_PASSWORD, encoded)


def test_legacy_hasher_is_never_used_for_new_hashes():
    assert get_hasher("default").algorithm == "bcrypt_sha256"
    assert not make_password(DEFAULT_PASSWORD).startswith("bcrypt$")


# Upgrade through the API --------------------------------------------------------------------------


def test_legacy_hash_is_upgraded_to_bcrypt_sha256_after_login(api_client):
    customer = legacy_customer(legacy_hash(DEFAULT_PASSWORD.encode()))

    response = login(api_client, customer, DEFAULT_PASSWORD)

    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.password.startswith("bcrypt_sha256$")
    assert customer.check_password(DEFAULT_PASSWORD)


def test_upgraded_legacy_password_still_logs_in(api_client):
    customer = legacy_customer(legacy_hash(DEFAULT_PASSWORD.encode()))
    login(api_client, customer, DEFAULT_PASSWORD)

    assert login(api_client, customer, DEFAULT_PASSWORD).status_code == 200


def test_legacy_hash_over_72_bytes_logs_in_and_is_upgraded_without_truncation(api_client):
    password = LONG_PREFIX + "A"
    customer = legacy_customer(legacy_hash(password.encode()[:72]))

    response = login(api_client, customer, password)

    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.password.startswith("bcrypt_sha256$")
    assert customer.check_password(password)
    assert not customer.check_password(LONG_PREFIX + "B")


def test_legacy_hash_is_not_upgraded_after_a_failed_login(api_client):
    encoded = legacy_hash(DEFAULT_PASSWORD.encode())
    customer = legacy_customer(encoded)

    response = login(api_client, customer, "not the password at all")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    customer.refresh_from_db()
    assert customer.password == encoded


def test_corrupt_legacy_hash_is_invalid_credentials_not_a_server_error(api_client):
    customer = legacy_customer("bcrypt$not-a-bcrypt-hash")

    response = login(api_client, customer, DEFAULT_PASSWORD)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
