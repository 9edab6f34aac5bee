"""
`manage.py seed_customers N`: adds exactly N valid customers (the same rules the API enforces),
again without collisions on a second run, retries a batch whose account number is already taken,
and refuses bad input with a one-line error, a non-zero exit and nothing created.
"""

import random
import re
from collections import Counter
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.validators import validate_email
from django.db import connection
from django.utils import timezone

from accounts.account_numbers import generate_account_number, passes_luhn
from accounts.models import Role, Status, User
from accounts.tests.factories import UserFactory
from accounts.validators import validate_date_of_birth, validate_name, validate_phone
from conftest import manage
from customers.management.commands import seed_customers

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
N = 500
SUMMARY = re.compile(r"^created (\d+) customers in \d+\.\d s\b")


class TerminalIO(StringIO):
    def isatty(self) -> bool:
        return True


def seed(*args: str, stdout: StringIO | None = None) -> str:
    out = stdout if stdout is not None else StringIO()
    call_command("seed_customers", *args, stdout=out)
    return out.getvalue()


def assert_valid_customer(user: User) -> None:
    assert re.fullmatch(r"[0-9]{12}", user.account_number), user.account_number
    assert passes_luhn(user.account_number), user.account_number
    validate_email(user.email)
    assert user.email == user.email.lower()
    assert user.email.rsplit("@", 1)[1].endswith(("example.com", "example.org", "example.net", "bank.example"))
    validate_name(user.first_name)
    validate_name(user.last_name)
    validate_phone(user.phone)
    validate_date_of_birth(user.date_of_birth)
    age_days = (timezone.now().date() - user.date_of_birth).days
    assert 18 * 365 <= age_days <= 91 * 365
    assert user.role == Role.CUSTOMER
    assert user.status in Status.values
    assert not user.has_usable_password()
    assert user.password.startswith("!")
    assert timezone.now() - timedelta(days=5 * 365) <= user.created_at <= timezone.now()


def test_creates_exactly_n_valid_customers(db):
    output = seed(str(N))

    match = SUMMARY.match(output.strip())
    assert match, output
    assert int(match.group(1)) == N
    assert output.count("\n") == 1  # not a terminal: one line at the end, no progress bar
    users = list(User.objects.all())
    assert len(users) == N
    for user in users:
        assert_valid_customer(user)
    assert len({user.email.lower() for user in users}) == N
    assert len({user.account_number for user in users}) == N


def test_statuses_and_creation_times_are_realistic(db):
    seed("2000")

    statuses = Counter(User.objects.values_list("status", flat=True))
    assert set(statuses) <= set(Status.values)
    assert statuses[Status.ACTIVE] > 0.9 * 2000
    assert statuses[Status.FROZEN] > 0  # about 2%: 40 expected, 0 has probability ~1e-18
    assert statuses[Status.CLOSED] > 0  # about 1%: 20 expected, 0 has probability ~2e-9
    created = sorted(User.objects.values_list("created_at", flat=True))
    assert created[-1] - created[0] > timedelta(days=365)  # spread over years, not stamped now()
    assert len(set(created)) > 1990
    assert User.objects.values("first_name").distinct().count() > 200
    assert User.objects.values("last_name").distinct().count() > 200


def test_search_name_is_generated_by_the_database(db):
    seed("200")

    rows = User.objects.values_list("first_name", "last_name", "search_name")
    assert len(rows) == 200
    for first_name, last_name, search_name in rows:
        assert search_name == f"{first_name} {last_name}".lower()


def test_a_second_run_adds_n_more_without_collisions(db):
    existing = UserFactory(email="ada@example.com")
    seed(str(N))
    first_run = set(User.objects.values_list("account_number", flat=True))

    seed(str(N))

    assert User.objects.count() == 2 * N + 1
    assert User.objects.get(pk=existing.pk).email == "ada@example.com"
    numbers = list(User.objects.values_list("account_number", flat=True))
    assert len(set(numbers)) == 2 * N + 1
    assert first_run <= set(numbers)
    emails = [email.lower() for email in User.objects.values_list("email", flat=True)]
    assert len(set(emails)) == 2 * N + 1


def test_a_taken_account_number_retries_the_batch_with_fresh_numbers(db, monkeypatch):
    taken = UserFactory()
    calls = []

    def first_one_taken() -> str:
        calls.append(1)
        return taken.account_number if len(calls) == 1 else generate_account_number()

    monkeypatch.setattr(seed_customers, "generate_account_number", first_one_taken)

    seed("50", "--batch-size", "20")

    assert User.objects.count() == 51
    assert User.objects.filter(account_number=taken.account_number).get() == taken
    assert len(calls) == 50 + 20  # the first batch of 20 was renumbered once
    for user in User.objects.exclude(pk=taken.pk):
        assert_valid_customer(user)


def test_a_number_issued_twice_in_one_run_is_used_once(db, monkeypatch):
    repeated = generate_account_number()
    calls = []

    def repeats_first() -> str:
        calls.append(1)
        return repeated if len(calls) <= 3 else generate_account_number()

    monkeypatch.setattr(seed_customers, "generate_account_number", repeats_first)

    seed("30", "--batch-size", "7")

    numbers = list(User.objects.values_list("account_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 30
    assert numbers.count(repeated) == 1
    assert len(calls) == 30 + 2  # the repeats were skipped before the INSERT, no batch was retried


def test_on_a_terminal_a_progress_bar_is_updated_per_batch(db):
    output = seed("250", "--batch-size", "100", stdout=TerminalIO())

    updates = output.split("\r")[1:]
    assert len(updates) == 3, output  # 100, 200, 250
    assert "100/250" in updates[0]
    assert "250/250 (100%)" in updates[-1]
    assert SUMMARY.match(output.rsplit("\n", 2)[-2]), output
    assert User.objects.count() == 250


@pytest.mark.parametrize("args", [["0"], ["-5"], ["abc"], ["1.5"], [""], ["10", "--batch-size", "0"]])
def test_bad_input_is_refused_and_creates_nothing(db, args):
    UserFactory()

    with pytest.raises(CommandError, match=r"must be (a positive integer|an integer from 1)"):
        seed(*args)

    assert User.objects.count() == 1


def test_missing_n_is_refused(db):
    with pytest.raises(CommandError, match="N"):
        seed()
    assert not User.objects.exists()


@pytest.mark.parametrize("value", ["0", "-5", "abc"])
def test_bad_input_exits_non_zero_with_a_one_line_error(transactional_db, value):
    result = manage("seed_customers", value)

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [f"CommandError: N must be a positive integer, got '{value}'"], result.stderr
    assert result.stdout == ""
    assert not User.objects.exists()


def test_subprocess_run_prints_one_summary_line(transactional_db):
    result = manage("seed_customers", "40")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and SUMMARY.match(lines[0]), result.stdout
    assert "\r" not in result.stdout
    assert User.objects.filter(role=Role.CUSTOMER).count() == 40


def test_seeded_emails_are_unique_case_insensitively_even_against_existing_ones(db):
    seed("100")
    # The database's own rule is the judge: lower(email) is unique.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT lower(email)) FROM accounts_user")
        total, distinct = cursor.fetchone()
    assert total == distinct == 100


def test_the_email_local_part_is_ascii_even_for_accented_names():
    assert seed_customers.email_local_part("Zoë O'Brien-Łukasz") == "zoeobrienlukasz"
    assert seed_customers.email_local_part("Jürgen Groß") == "jurgengross"


def test_every_name_in_the_pools_is_valid_and_gives_a_valid_email():
    factory = seed_customers.CustomerFactory(random.Random(7))
    assert len(factory.name_pools) >= 5
    for first_names, last_names, _plan in factory.name_pools:
        assert len(first_names) > 100 and len(last_names) > 100
        for name, local in first_names + last_names:
            validate_name(name)
            validate_email(f"{local}.{local}.x1@example.com")
