"""
POST /api/v1/auth/register: anyone opens a customer account and gets the profile back.
"""

import re
from datetime import date, datetime

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory, registration_body
from conftest import assert_validation_error

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
PASSWORD = "quiet meadow lantern river"
PROFILE_KEYS = {
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
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

pytestmark = pytest.mark.django_db


def registration(**overrides) -> dict:
    return registration_body(**{"password": PASSWORD, **overrides})


def passes_luhn(number: str) -> bool:
    """An independent Luhn check (not the code under test)."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def years_ago(years: int, *, days: int = 0) -> str:
    today = timezone.now().date()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February in a non-leap year
        birthday = today.replace(year=today.year - years, day=28)
    return date.fromordinal(birthday.toordinal() + days).isoformat()


# Success ------------------------------------------------------------------------------------------


def test_registration_returns_the_exact_profile(api_client):
    response = api_client.post(REGISTER, registration(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == PROFILE_KEYS
    assert body["email"] == "ada@example.com"
    assert body["first_name"] == "Ada"
    assert body["last_name"] == "Lovelace"
    assert body["phone"] == "+447700900123"
    assert body["date_of_birth"] == "1990-12-10"
    assert body["role"] == "customer"
    assert body["status"] == "active"


def test_registration_issues_a_twelve_digit_luhn_valid_account_number(api_client):
    body = api_client.post(REGISTER, registration(), format="json").json()

    assert re.fullmatch(r"[0-9]{12}", body["account_number"])
    assert passes_luhn(body["account_number"])


def test_registration_timestamps_are_rfc3339_utc(api_client):
    before = timezone.now()
    body = api_client.post(REGISTER, registration(), format="json").json()
    after = timezone.now()

    for field in ("created_at", "updated_at"):
        assert RFC3339_UTC.match(body[field]), body[field]
        moment = datetime.fromisoformat(body[field].replace("Z", "+00:00"))
        assert before <= moment <= after


def test_registration_stores_a_customer_matching_the_response(api_client):
    body = api_client.post(REGISTER, registration(), format="json").json()

    user = User.objects.get(account_number=body["account_number"])
    assert user.email == "ada@example.com"
    assert user.role == "customer"
    assert user.status == "active"
    assert user.date_of_birth == date(1990, 12, 10)
    assert user.check_password(PASSWORD)


def test_registration_response_never_contains_the_password(api_client):
    response = api_client.post(REGISTER, registration(), format="json")

    assert response.status_code == 201
    assert "password" not in response.json()
    assert PASSWORD.encode() not in response.content
    assert b"md5$" not in response.content
    assert b"bcrypt" not in response.content


def test_registration_response_is_not_cached(api_client):
    response = api_client.post(REGISTER, registration(), format="json")

    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"


def test_registered_password_logs_in(api_client):
    api_client.post(REGISTER, registration(), format="json")

    response = api_client.post(LOGIN, {"email": "ada@example.com", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json()["role"] == "customer"


def test_two_registrations_get_different_account_numbers(api_client):
    first = api_client.post(REGISTER, registration(email="one@example.com"), format="json")
    second = api_client.post(REGISTER, registration(email="two@example.com"), format="json")

    assert first.status_code == second.status_code == 201
    assert first.json()["account_number"] != second.json()["account_number"]


def test_email_domain_is_lower_cased(api_client):
    response = api_client.post(REGISTER, registration(email="Ada@EXAMPLE.COM"), format="json")

    assert response.status_code == 201
    assert response.json()["email"].endswith("@example.com")


def test_email_of_254_characters_is_accepted(api_client):
    email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
    assert len(email) == 254

    response = api_client.post(REGISTER, registration(email=email), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["email"] == email


# Conflicts ----------------------------------------------------------------------------------------


def test_taken_email_is_conflict(api_client):
    UserFactory(email="ada@example.com")

    response = api_client.post(REGISTER, registration(email="ada@example.com"), format="json")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "conflict"


@pytest.mark.parametrize("email", ["ADA@EXAMPLE.COM", "Ada@example.com", "ada@Example.Com"])
def test_taken_email_is_conflict_case_insensitively(api_client, email):
    api_client.post(REGISTER, registration(email="ada@example.com"), format="json")

    response = api_client.post(REGISTER, registration(email=email), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert User.objects.count() == 1


# Validation: shape --------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["email", "password", "first_name", "last_name", "phone", "date_of_birth"])
def test_missing_required_field_is_validation_error(api_client, field):
    body = registration()
    del body[field]

    response = api_client.post(REGISTER, body, format="json")

    assert_validation_error(response, field)
    assert not User.objects.exists()


@pytest.mark.parametrize("field", ["email", "password", "first_name", "last_name", "phone", "date_of_birth"])
def test_null_required_field_is_validation_error(api_client, field):
    response = api_client.post(REGISTER, registration(**{field: None}), format="json")

    assert_validation_error(response, field)


def test_body_that_is_a_json_list_is_validation_error(api_client):
    response = api_client.post(REGISTER, [registration()], format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role", "admin"),
        ("is_staff", True),
        ("is_superuser", True),
        ("account_number", "400012345678"),
        ("balance", "1000000.00"),
        ("status", "active"),
        ("id", 1),
    ],
)
def test_unknown_field_is_rejected_and_nothing_is_created(api_client, field, value):
    response = api_client.post(REGISTER, registration(**{field: value}), format="json")

    assert_validation_error(response, field)
    assert not User.objects.exists()


# Validation: email --------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["not-an-email", "ada@", "@example.com", "ada example@example.com", ""])
def test_bad_email_is_validation_error(api_client, email):
    response = api_client.post(REGISTER, registration(email=email), format="json")

    assert_validation_error(response, "email")


def test_email_over_254_characters_is_validation_error(api_client):
    email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".com"
    assert len(email) == 255

    response = api_client.post(REGISTER, registration(email=email), format="json")

    assert_validation_error(response, "email")
    assert not User.objects.exists()


# Validation: password -----------------------------------------------------------------------------


def test_password_shorter_than_12_characters_is_validation_error(api_client):
    response = api_client.post(REGISTER, registration(password="quiet meado"), format="json")

    assert_validation_error(response, "password")
    assert not User.objects.exists()


def test_password_of_12_characters_is_accepted(api_client):
    response = api_client.post(REGISTER, registration(password="quiet meadow"), format="json")

    assert response.status_code == 201, response.content


def test_password_of_128_characters_is_accepted(api_client):
    response = api_client.post(REGISTER, registration(password="quiet meadow " * 9 + "lanter" + "n" * 5), format="json")

    assert response.status_code == 201, response.content


def test_password_longer_than_128_characters_is_validation_error(api_client):
    password = "quiet meadow " * 9 + "lanter" + "n" * 6
    assert len(password) == 129

    response = api_client.post(REGISTER, registration(password=password), format="json")

    assert_validation_error(response, "password")
    assert not User.objects.exists()


@pytest.mark.parametrize("password", ["password1234", "qwerty123456", "qazwsxedcrfv", "PASSWORD1234"])
def test_common_password_is_validation_error(api_client, password):
    response = api_client.post(REGISTER, registration(password=password), format="json")

    assert_validation_error(response, "password")


def test_all_numeric_password_is_validation_error(api_client):
    response = api_client.post(REGISTER, registration(password="93847261058374"), format="json")

    assert_validation_error(response, "password")


def test_password_similar_to_the_email_is_validation_error(api_client):
    response = api_client.post(
        REGISTER,
        registration(email="zanzibarquokka@example.com", password="zanzibarquokka"),
        format="json",
    )

    assert_validation_error(response, "password")


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_password_similar_to_a_name_is_validation_error(api_client, field):
    response = api_client.post(
        REGISTER,
        registration(**{field: "Featherstonehaugh", "password": "featherstonehaugh"}),
        format="json",
    )

    assert_validation_error(response, "password")


def test_password_is_kept_exactly_as_typed(api_client):
    password = "  quiet meadow lantern  "
    api_client.post(REGISTER, registration(password=password), format="json")

    response = api_client.post(LOGIN, {"email": "ada@example.com", "password": password}, format="json")

    assert response.status_code == 200


# Validation: names --------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["first_name", "last_name"])
@pytest.mark.parametrize(
    "name",
    ["Ada2", "R2-D2", "Ada\x07", "Ada\nLovelace", "Ada\tLovelace", "Ada\x00", "Ada\u200b", "Ada!", "<b>Ada</b>"],
    ids=["digit", "digits", "bell", "newline", "tab", "nul", "zero-width-space", "punctuation", "markup"],
)
def test_name_with_digits_or_control_characters_is_validation_error(api_client, field, name):
    response = api_client.post(REGISTER, registration(**{field: name}), format="json")

    assert_validation_error(response, field)
    assert not User.objects.exists()


@pytest.mark.parametrize("field", ["first_name", "last_name"])
@pytest.mark.parametrize("name", ["", "   ", "'", "-", "' -"], ids=["empty", "spaces", "apostrophe", "hyphen", "marks"])
def test_name_without_letters_is_validation_error(api_client, field, name):
    response = api_client.post(REGISTER, registration(**{field: name}), format="json")

    assert_validation_error(response, field)


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_name_over_100_characters_is_validation_error(api_client, field):
    response = api_client.post(REGISTER, registration(**{field: "A" * 101}), format="json")

    assert_validation_error(response, field)


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_name_of_100_characters_is_accepted(api_client, field):
    response = api_client.post(REGISTER, registration(**{field: "A" * 100}), format="json")

    assert response.status_code == 201, response.content
    assert response.json()[field] == "A" * 100


def test_name_is_nfkc_normalised(api_client):
    response = api_client.post(REGISTER, registration(first_name="Ａｄａ", last_name="Ｌｏｖｅｌａｃｅ"), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["first_name"] == "Ada"
    assert response.json()["last_name"] == "Lovelace"
    user = User.objects.get()
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")


def test_decomposed_accent_is_composed_by_nfkc(api_client):
    response = api_client.post(REGISTER, registration(first_name="Zoe\u0308"), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["first_name"] == "Zo\u00eb"


def test_name_that_nfkc_normalises_to_over_100_characters_is_validation_error(api_client):
    # U+FDFA is one character that NFKC expands to 18 letters and spaces.
    response = api_client.post(REGISTER, registration(first_name="\ufdfa" * 6), format="json")

    assert_validation_error(response, "first_name")


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [
        ("Seán", "O'Brien"),
        ("Jean-Luc", "Picard"),
        ("José María", "García-Márquez"),
        ("Zoë", "Ødegård"),
        ("Ηλίας", "Łukasz"),
        ("प्रिया", "'t Hooft"),
    ],
)
def test_name_with_apostrophe_hyphen_space_and_accents_is_accepted(api_client, first_name, last_name):
    response = api_client.post(REGISTER, registration(first_name=first_name, last_name=last_name), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["first_name"] == first_name
    assert response.json()["last_name"] == last_name


@pytest.mark.parametrize("name", ["\u0301Ada", "''", "- -"], ids=["leading-combining-mark", "apostrophes", "hyphens"])
def test_name_without_a_letter_to_start_or_at_all_is_rejected(api_client, name):
    response = api_client.post(REGISTER, registration(first_name=name), format="json")

    assert_validation_error(response, "first_name")


def test_name_surrounding_spaces_are_trimmed(api_client):
    response = api_client.post(REGISTER, registration(first_name="  Ada  "), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["first_name"] == "Ada"


# Validation: phone --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "07700900123",
        "447700900123",
        "+44 7700 900123",
        "+44-7700-900123",
        "+0447700900123",
        "+4477009001234567",
        "+12345",
        "+44770090012a",
        "+４４７７００９００１２３",
        "",
    ],
    ids=[
        "national",
        "no-plus",
        "spaces",
        "hyphens",
        "leading-zero",
        "sixteen-digits",
        "too-short",
        "letter",
        "fullwidth-digits",
        "empty",
    ],
)
def test_phone_not_in_e164_is_validation_error(api_client, phone):
    response = api_client.post(REGISTER, registration(phone=phone), format="json")

    assert_validation_error(response, "phone")
    assert not User.objects.exists()


def test_phone_of_fifteen_digits_is_accepted(api_client):
    response = api_client.post(REGISTER, registration(phone="+123456789012345"), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+123456789012345"


# Validation: date of birth ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "date_of_birth",
    [
        "1990-02-30",
        "1990-13-01",
        "1990-00-10",
        "1991-02-29",
        "10/12/1990",
        "1990-12-10T00:00:00Z",
        "yesterday",
        19901210,
    ],
    ids=["feb-30", "month-13", "month-0", "not-leap", "us-format", "datetime", "word", "number"],
)
def test_impossible_or_malformed_date_of_birth_is_validation_error(api_client, date_of_birth):
    response = api_client.post(REGISTER, registration(date_of_birth=date_of_birth), format="json")

    assert_validation_error(response, "date_of_birth")
    assert not User.objects.exists()


def test_leap_day_date_of_birth_is_accepted(api_client):
    response = api_client.post(REGISTER, registration(date_of_birth="1992-02-29"), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["date_of_birth"] == "1992-02-29"


def test_under_18_is_validation_error(api_client):
    response = api_client.post(REGISTER, registration(date_of_birth=years_ago(18, days=1)), format="json")

    assert_validation_error(response, "date_of_birth")
    assert not User.objects.exists()


def test_eighteenth_birthday_today_is_accepted(api_client):
    response = api_client.post(REGISTER, registration(date_of_birth=years_ago(18)), format="json")

    assert response.status_code == 201, response.content


def test_date_of_birth_in_the_future_is_validation_error(api_client):
    response = api_client.post(REGISTER, registration(date_of_birth=years_ago(-1)), format="json")

    assert_validation_error(response, "date_of_birth")


def test_over_120_is_validation_error(api_client):
    response = api_client.post(REGISTER, registration(date_of_birth=years_ago(121)), format="json")

    assert_validation_error(response, "date_of_birth")
    assert not User.objects.exists()


def test_age_120_is_accepted(api_client):
    response = api_client.post(REGISTER, registration(date_of_birth=years_ago(121, days=1)), format="json")

    assert response.status_code == 201, response.content
