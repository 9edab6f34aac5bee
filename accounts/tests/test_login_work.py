"""
A failed login costs the same password-hashing work whoever it names, so its answer's timing does
not tell an attacker which accounts exist, are frozen or were imported with an older, cheaper bcrypt
hash (bench/login_timing.py measures the times on a live server). The work is counted, not timed:
every bcrypt run goes through `bcrypt.hashpw`, and one at cost N is 2**N units.
"""

import bcrypt
import pytest
from django.contrib.auth.hashers import BCryptSHA256PasswordHasher, get_hasher

from accounts.models import Status, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = "/api/v1/auth/login"
WRONG_PASSWORD = "not the password at all"  # noqa: S105
CHEAP_PREFERRED_ROUNDS = 6
PRODUCTION_HASHERS = [
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "accounts.hashers.LegacyBCryptPasswordHasher",
]

pytestmark = pytest.mark.django_db


class CheaperBCryptSHA256PasswordHasher(BCryptSHA256PasswordHasher):
    """The production hasher at a lower cost, so that counting its work is quick."""

    rounds = CHEAP_PREFERRED_ROUNDS


@pytest.fixture
def bcrypt_work(monkeypatch) -> list[int]:
    """The cost of every bcrypt run from now on (calls go through to bcrypt)."""
    costs: list[int] = []
    hashpw = bcrypt.hashpw

    def counting_hashpw(password: bytes, salt: bytes) -> bytes:
        hashed = hashpw(password, salt)  # a salt bcrypt refuses raises here, before any work counts
        costs.append(int(salt[4:6]))
        return hashed

    monkeypatch.setattr(bcrypt, "hashpw", counting_hashpw)
    return costs


@pytest.fixture
def cheap_preferred_hasher(settings) -> None:
    """The production hashers, the preferred one at CHEAP_PREFERRED_ROUNDS."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CheaperBCryptSHA256PasswordHasher", *PRODUCTION_HASHERS[1:]]


def units(costs: list[int]) -> int:
    return sum(2**cost for cost in costs)


def imported_customer(password: str, cost: int, *, status: str = Status.ACTIVE) -> User:
    """A customer as import_customers leaves one: no email, the Flask service's bcrypt hash."""
    customer = UserFactory(email=None, password=None, status=status)
    customer.password = "bcrypt$" + bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=cost)).decode()
    customer.save(update_fields=["password"])
    return customer


def login(client, password: str, *, email: str | None = None, account_number: str | None = None):
    body = {"email": email} if email else {"account_number": account_number}
    return client.post(LOGIN, {**body, "password": password}, format="json")


def test_wrong_password_against_a_cheaper_imported_hash_does_the_work_of_a_check_of_ours(
    api_client, settings, bcrypt_work
):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    customer = imported_customer(DEFAULT_PASSWORD, cost=8)
    bcrypt_work.clear()

    response = login(api_client, WRONG_PASSWORD, account_number=customer.account_number)

    assert response.status_code == 401
    assert units(bcrypt_work) == 2 ** get_hasher().rounds == 2**12


def test_the_top_up_of_an_imported_hash_follows_the_preferred_hashers_cost(
    api_client, cheap_preferred_hasher, bcrypt_work
):
    customer = imported_customer(DEFAULT_PASSWORD, cost=4)
    bcrypt_work.clear()

    login(api_client, WRONG_PASSWORD, account_number=customer.account_number)

    assert units(bcrypt_work) == 2**CHEAP_PREFERRED_ROUNDS


def test_an_imported_hash_costlier_than_ours_is_checked_once_without_a_top_up(
    api_client, cheap_preferred_hasher, bcrypt_work
):
    customer = imported_customer(DEFAULT_PASSWORD, cost=CHEAP_PREFERRED_ROUNDS + 2)
    bcrypt_work.clear()

    login(api_client, WRONG_PASSWORD, account_number=customer.account_number)

    assert bcrypt_work == [CHEAP_PREFERRED_ROUNDS + 2]


def test_right_password_against_a_cheaper_imported_hash_logs_in_and_rehashes_without_a_top_up(
    api_client, cheap_preferred_hasher, bcrypt_work
):
    customer = imported_customer(DEFAULT_PASSWORD, cost=4)
    bcrypt_work.clear()

    response = login(api_client, DEFAULT_PASSWORD, account_number=customer.account_number)

    assert response.status_code == 200, response.content
    assert bcrypt_work == [4, CHEAP_PREFERRED_ROUNDS]  # the check, then the new hash
    customer.refresh_from_db()
    assert customer.password.startswith("bcrypt_sha256$")
    assert customer.check_password(DEFAULT_PASSWORD)


def _known_account() -> dict:
    return {"email": UserFactory().email, "password": WRONG_PASSWORD}


def _frozen_account_wrong_password() -> dict:
    return {"email": UserFactory(status=Status.FROZEN).email, "password": WRONG_PASSWORD}


def _frozen_account_right_password() -> dict:
    return {"email": UserFactory(status=Status.FROZEN).email, "password": DEFAULT_PASSWORD}


def _imported_account() -> dict:
    return {"account_number": imported_customer(DEFAULT_PASSWORD, cost=4).account_number, "password": WRONG_PASSWORD}


def _imported_account_with_a_corrupt_hash() -> dict:
    customer = UserFactory(email=None, password=None)
    customer.password = "bcrypt$not-a-bcrypt-hash"
    customer.save(update_fields=["password"])
    return {"account_number": customer.account_number, "password": WRONG_PASSWORD}


def _account_without_a_usable_password() -> dict:
    return {"account_number": UserFactory(password=None).account_number, "password": WRONG_PASSWORD}


def _unknown_email() -> dict:
    return {"email": "nobody@example.com", "password": WRONG_PASSWORD}


def _unknown_account_number() -> dict:
    return {"account_number": "123456789012", "password": WRONG_PASSWORD}


@pytest.mark.parametrize(
    "attempt",
    [
        _known_account,
        _frozen_account_wrong_password,
        _frozen_account_right_password,
        _imported_account,
        _imported_account_with_a_corrupt_hash,
        _account_without_a_usable_password,
        _unknown_email,
        _unknown_account_number,
    ],
    ids=lambda attempt: attempt.__name__.strip("_").replace("_", " "),
)
def test_every_failed_login_does_the_work_of_one_check_at_the_preferred_cost(
    api_client, cheap_preferred_hasher, bcrypt_work, attempt
):
    body = attempt()
    bcrypt_work.clear()

    response = api_client.post(LOGIN, body, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert units(bcrypt_work) == 2**CHEAP_PREFERRED_ROUNDS
