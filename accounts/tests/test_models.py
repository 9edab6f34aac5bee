"""
The user model, its account numbers and the rules PostgreSQL itself enforces on them.
"""

import re

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.account_numbers import generate_account_number, is_account_number, luhn_check_digit, passes_luhn
from accounts.models import User
from accounts.serializers import ProfileSerializer
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def reference_luhn_valid(number: str) -> bool:
    """An independent Luhn check (not the code under test)."""
    digits = [int(char) for char in number]
    odd = digits[-1::-2]
    even = [sum(divmod(2 * digit, 10)) for digit in digits[-2::-2]]
    return (sum(odd) + sum(even)) % 10 == 0


# Account numbers ----------------------------------------------------------------------------------


def test_generated_account_number_is_twelve_ascii_digits():
    for _ in range(200):
        assert re.fullmatch(r"[0-9]{12}", generate_account_number())


def test_generated_account_number_ends_in_its_luhn_check_digit():
    for _ in range(200):
        number = generate_account_number()
        assert reference_luhn_valid(number), number
        assert luhn_check_digit(number[:-1]) == number[-1]


def test_generated_account_numbers_are_distinct():
    numbers = [generate_account_number() for _ in range(5000)]

    assert len(set(numbers)) == len(numbers)


def test_generated_account_numbers_are_not_sequential():
    numbers = [int(generate_account_number()) for _ in range(50)]
    steps = {later - earlier for earlier, later in zip(numbers, numbers[1:], strict=False)}

    assert len(steps) > 40
    assert numbers != sorted(numbers)


def test_generated_account_numbers_use_every_digit_in_every_position():
    numbers = [generate_account_number() for _ in range(2000)]

    for position in range(1, 11):  # the random payload after the first digit
        assert {number[position] for number in numbers} == set("0123456789"), position


@pytest.mark.parametrize(
    ("payload", "check_digit"),
    [
        ("7992739871", "3"),
        ("4992739871", "6"),
        ("411111111111111", "1"),
        ("37828224631000", "5"),
        ("555555555555444", "4"),
        ("0", "0"),
        ("1", "8"),
        ("00000000000", "0"),
        ("12345678901", "5"),
    ],
)
def test_luhn_check_digit_known_vectors(payload, check_digit):
    assert luhn_check_digit(payload) == check_digit
    assert reference_luhn_valid(payload + check_digit)


@pytest.mark.parametrize("number", ["79927398713", "4111111111111111", "378282246310005", "123456789015"])
def test_passes_luhn_accepts_valid_numbers(number):
    assert passes_luhn(number)


@pytest.mark.parametrize("number", ["79927398710", "4111111111111112", "123456789013", "", "12345678901a"])
def test_passes_luhn_rejects_invalid_numbers(number):
    assert not passes_luhn(number)


def test_account_number_shape_check_accepts_a_non_luhn_imported_number():
    assert not reference_luhn_valid("123456789013")
    assert is_account_number("123456789013")


@pytest.mark.parametrize(
    "value",
    ["12345678901", "1234567890123", "12345678901a", "１２３４５６７８９０１２", "١٢٣٤٥٦٧٨٩٠١٢", " 123456789012", ""],
    ids=["eleven", "thirteen", "letter", "fullwidth", "arabic-indic", "leading-space", "empty"],
)
def test_account_number_shape_check_rejects_anything_but_twelve_ascii_digits(value):
    assert not is_account_number(value)


def test_account_number_shape_check_rejects_a_trailing_newline():
    assert not is_account_number("123456789012\n")


# The user model -----------------------------------------------------------------------------------


def test_created_user_gets_a_valid_account_number():
    user = UserFactory()

    assert re.fullmatch(r"[0-9]{12}", user.account_number)
    assert reference_luhn_valid(user.account_number)


def test_account_number_collision_is_retried_with_another(monkeypatch):
    existing = UserFactory()
    fresh = generate_account_number()
    while fresh == existing.account_number:
        fresh = generate_account_number()
    issued = iter([existing.account_number, fresh])
    monkeypatch.setattr("accounts.managers.generate_account_number", lambda: next(issued))

    user = UserFactory()

    assert user.account_number == fresh
    assert User.objects.count() == 2


def test_email_is_unique_case_insensitively_in_the_database():
    UserFactory(email="ada@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(account_number=generate_account_number(), email="ADA@example.com")


def test_email_uniqueness_is_enforced_even_by_raw_sql():
    UserFactory(email="ada@example.com")
    template = User.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user (password, public_id, account_number, email, first_name, last_name,"
            " role, status, token_version, created_at, updated_at)"
            " SELECT password, gen_random_uuid(), %s, 'Ada@Example.COM', first_name, last_name,"
            " role, status, 0, now(), now() FROM accounts_user WHERE id = %s",
            [generate_account_number(), template.pk],
        )


def test_several_users_may_have_no_email():
    users = [UserFactory(email=None) for _ in range(3)]

    assert User.objects.filter(email__isnull=True).count() == 3
    assert len({user.account_number for user in users}) == 3


def test_account_number_is_unique_in_the_database():
    existing = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(account_number=existing.account_number, email="other@example.com")


def test_raw_sql_update_of_account_number_is_rejected_by_postgresql():
    user = UserFactory()

    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET account_number = %s WHERE id = %s", [generate_account_number(), user.pk]
        )

    user.refresh_from_db()
    assert User.objects.filter(pk=user.pk, account_number=user.account_number).exists()


def test_orm_update_of_account_number_is_rejected_by_postgresql():
    user = UserFactory()
    original = user.account_number

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(account_number=generate_account_number())

    user.refresh_from_db()
    assert user.account_number == original


def test_saving_a_changed_account_number_is_rejected_by_postgresql():
    user = UserFactory()
    original = user.account_number
    user.account_number = generate_account_number()

    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()

    assert User.objects.get(pk=user.pk).account_number == original


def test_saving_other_fields_keeps_working_despite_the_trigger():
    user = UserFactory()

    user.first_name = "Grace"
    user.save()  # writes every column, account_number included, unchanged

    assert User.objects.get(pk=user.pk).first_name == "Grace"


@pytest.mark.parametrize(
    "account_number",
    ["12345", "12345678901", "12345678901a", "１２３４５６７８９０１２", "", "1234 5678901"],
    ids=["five", "eleven", "letter", "fullwidth", "empty", "space"],
)
def test_database_rejects_an_account_number_that_is_not_twelve_digits(account_number):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(account_number=account_number, email="ada@example.com")

    assert not User.objects.exists()


def test_database_accepts_a_twelve_digit_account_number_without_luhn():
    User.objects.create(account_number="123456789013", email=None)

    assert User.objects.filter(account_number="123456789013").exists()


@pytest.mark.parametrize(("field", "value"), [("role", "superuser"), ("status", "deleted")])
def test_database_rejects_an_unknown_role_or_status(field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(account_number=generate_account_number(), **{field: value})


def test_database_id_never_appears_in_the_profile():
    user = UserFactory()

    data = ProfileSerializer(user).data

    assert set(data) == {
        "account_number",
        "email",
        "first_name",
        "last_name",
        "phone",
        "date_of_birth",
        "role",
        "status",
        "created_at",
        "updated_at",
    }
    assert "id" not in data and "pk" not in data
    assert user.pk not in data.values()


def test_database_id_never_appears_in_the_profile_endpoint(auth_client, customer):
    body = auth_client.get("/api/v1/profile").json()

    assert "id" not in body and "pk" not in body
    assert customer.pk not in body.values()
    assert str(customer.public_id) not in body.values()


def test_user_identifies_by_account_number():
    user = UserFactory()

    assert User.USERNAME_FIELD == "account_number"
    assert User.objects.get_by_natural_key(user.account_number) == user


def test_only_active_users_are_active():
    assert UserFactory(status="active").is_active
    assert not UserFactory(status="frozen").is_active
    assert not UserFactory(status="closed").is_active
