"""
The operators' management commands: create_staff, unlock, check_health and demo_admin. Each does
its job, or prints a clear one-line error and exits non-zero without changing anything.

Commands run in process through call_command, and in a subprocess where the exit status, standard
input or a different environment (a dead Redis) matters; subprocesses use the test database, so
those tests commit their rows (`transactional_db`).
"""

import json
import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, totp_code
from audit.models import Action, AuditEvent
from conftest import manage, this_runs_database_url

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
LOGIN = "/api/v1/auth/login"
ADMIN_LOGIN = f"/{django_settings.ADMIN_URL}login/"
STDIN_PASSWORD = "a fresh staff passphrase 42"
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"
GENERATED_PASSWORD_LINE = re.compile(r"^password \(shown once\): (\S+)$", re.MULTILINE)


def run_command(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def login(api_client, password: str, **identifier: str):
    return api_client.post(LOGIN, {**identifier, "password": password}, format="json")


def assert_one_line_error(result: subprocess.CompletedProcess, *, mentions: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert mentions in lines[0]
    assert "Traceback" not in result.stderr


# create_staff ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_staff_prints_a_generated_password_once():
    output = run_command("create_staff", "boss@example.com", "--role", "admin")

    match = GENERATED_PASSWORD_LINE.search(output)
    assert match, output
    password = match.group(1)
    assert output.count(password) == 1
    assert len(password) >= 12


@pytest.mark.django_db
def test_create_staff_generates_a_different_password_each_time():
    first = GENERATED_PASSWORD_LINE.search(run_command("create_staff", "one@example.com", "--role", "admin"))
    second = GENERATED_PASSWORD_LINE.search(run_command("create_staff", "two@example.com", "--role", "admin"))

    assert first.group(1) != second.group(1)


@pytest.mark.django_db
def test_created_admin_logs_in_through_the_api_with_the_generated_password(api_client):
    output = run_command("create_staff", "boss@example.com", "--role", "admin")
    password = GENERATED_PASSWORD_LINE.search(output).group(1)

    response = login(api_client, password, email="boss@example.com")

    assert response.status_code == 200, response.content
    assert response.json()["role"] == "admin"


@pytest.mark.django_db
def test_create_staff_reports_the_account_number(api_client):
    output = run_command("create_staff", "boss@example.com", "--role", "admin")

    user = User.objects.get(email="boss@example.com")
    assert user.account_number in output


@pytest.mark.django_db
def test_create_staff_creates_an_auditor(api_client):
    output = run_command("create_staff", "reader@example.com", "--role", "auditor")
    password = GENERATED_PASSWORD_LINE.search(output).group(1)

    user = User.objects.get(email="reader@example.com")
    assert user.role == "auditor"
    assert login(api_client, password, email="reader@example.com").json()["role"] == "auditor"


@pytest.mark.django_db
def test_created_admin_may_use_the_admin_site_and_an_auditor_may_not():
    run_command("create_staff", "boss@example.com", "--role", "admin")
    run_command("create_staff", "reader@example.com", "--role", "auditor")

    assert User.objects.get(email="boss@example.com").is_staff
    assert not User.objects.get(email="reader@example.com").is_staff


def test_create_staff_reads_the_password_from_stdin(transactional_db, api_client):
    result = manage(
        "create_staff", "boss@example.com", "--role", "admin", "--password-stdin", stdin=STDIN_PASSWORD + "\n"
    )

    assert result.returncode == 0, result.stderr
    assert STDIN_PASSWORD not in result.stdout + result.stderr
    response = login(api_client, STDIN_PASSWORD, email="boss@example.com")
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "admin"


def test_create_staff_rejects_a_role_that_is_not_staff(transactional_db):
    result = manage("create_staff", "boss@example.com", "--role", "customer")

    assert result.returncode != 0
    assert "invalid choice: 'customer'" in result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr
    assert not User.objects.exists()


@pytest.mark.django_db
def test_create_staff_rejects_a_role_that_is_not_staff_in_process():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("create_staff", "boss@example.com", "--role", "superuser", stdout=StringIO())

    assert not User.objects.exists()


def test_create_staff_rejects_a_bad_email(transactional_db):
    result = manage("create_staff", "not-an-email", "--role", "admin")

    assert_one_line_error(result, mentions="invalid email address")
    assert not User.objects.exists()


def test_create_staff_rejects_a_taken_email_whatever_its_case(transactional_db):
    UserFactory(email="Boss@Example.com")

    result = manage("create_staff", "BOSS@example.COM", "--role", "admin")

    assert_one_line_error(result, mentions="already exists")
    assert User.objects.count() == 1
    assert User.objects.get().role == "customer"


def test_create_staff_rejects_a_weak_password_from_stdin(transactional_db):
    result = manage("create_staff", "boss@example.com", "--role", "admin", "--password-stdin", stdin="password\n")

    assert_one_line_error(result, mentions="password rejected")
    assert "password\n" not in result.stdout
    assert not User.objects.exists()


def test_create_staff_rejects_an_empty_password_from_stdin(transactional_db):
    result = manage("create_staff", "boss@example.com", "--role", "admin", "--password-stdin", stdin="")

    assert_one_line_error(result, mentions="password rejected")
    assert not User.objects.exists()


# unlock ------------------------------------------------------------------------------------------


def lock_out(api_client, settings, **identifier: str) -> None:
    """Fail LOCKOUT_FAILURES logins through the API, then check the right password is refused."""
    for _ in range(settings.LOCKOUT_FAILURES):
        assert login(api_client, "not the password at all", **identifier).status_code == 401


@pytest.fixture
def locked_customer(db, api_client, settings):
    customer = UserFactory()
    lock_out(api_client, settings, email=customer.email)
    response = login(api_client, DEFAULT_PASSWORD, email=customer.email)
    assert response.status_code == 429
    assert response.json()["code"] == "account_locked"
    return customer


def test_unlock_by_email_lets_the_right_password_in_again(api_client, locked_customer):
    output = run_command("unlock", locked_customer.email)

    assert "unlocked" in output
    assert login(api_client, DEFAULT_PASSWORD, email=locked_customer.email).status_code == 200


def test_unlock_by_account_number_lets_the_right_password_in_again(api_client, locked_customer):
    run_command("unlock", locked_customer.account_number)

    response = login(api_client, DEFAULT_PASSWORD, account_number=locked_customer.account_number)
    assert response.status_code == 200


def test_unlock_by_account_number_also_unlocks_logins_by_email(api_client, locked_customer):
    run_command("unlock", locked_customer.account_number)

    assert login(api_client, DEFAULT_PASSWORD, email=locked_customer.email).status_code == 200


def test_unlock_by_email_is_case_insensitive(api_client, locked_customer):
    run_command("unlock", locked_customer.email.upper())

    assert login(api_client, DEFAULT_PASSWORD, email=locked_customer.email).status_code == 200


def test_unlock_gives_a_full_set_of_attempts_again(api_client, locked_customer, settings):
    run_command("unlock", locked_customer.email)

    for _ in range(settings.LOCKOUT_FAILURES - 1):
        assert login(api_client, "not the password at all", email=locked_customer.email).status_code == 401
    assert login(api_client, DEFAULT_PASSWORD, email=locked_customer.email).status_code == 200


@pytest.mark.django_db
def test_unlock_clears_the_lock_of_an_unknown_email(api_client, settings):
    lock_out(api_client, settings, email="nobody@example.com")
    assert login(api_client, "not the password at all", email="nobody@example.com").status_code == 429

    run_command("unlock", "nobody@example.com")

    assert login(api_client, "not the password at all", email="nobody@example.com").status_code == 401


def test_unlock_names_the_account_by_number_and_email_not_by_an_internal_key(locked_customer):
    output = run_command("unlock", locked_customer.email)

    assert output.strip() == f"unlocked account {locked_customer.account_number} ({locked_customer.email})"
    assert "acct:" not in output


@pytest.mark.django_db
def test_unlock_of_an_unknown_email_shows_it_as_typed(api_client, settings):
    lock_out(api_client, settings, email="nobody@example.com")

    output = run_command("unlock", "Nobody@Example.com")

    assert output.strip() == "unlocked Nobody@Example.com (no account has it)"


@pytest.mark.django_db
def test_unlock_of_other_typed_text_never_shows_it_or_its_hash(settings):
    typed = "my password in the wrong box"
    browser = Client()
    for _ in range(settings.LOCKOUT_FAILURES):
        browser.post(ADMIN_LOGIN, {"username": typed, "password": "wrong"})
    assert AccessAttempt.objects.get().failures_since_start == settings.LOCKOUT_FAILURES

    output = run_command("unlock", "--any-text", typed)

    assert output.strip() == "unlocked the text given (no account has it)"
    assert "hash:" not in output


@pytest.mark.django_db
def test_unlock_says_so_when_the_account_was_not_locked(customer):
    output = run_command("unlock", customer.account_number)

    assert output.strip() == f"account {customer.account_number} ({customer.email}) was not locked; nothing to unlock"


@pytest.mark.django_db
def test_unlock_says_failed_attempts_below_the_limit_are_forgotten(api_client, customer):
    login(api_client, "not the password at all", email=customer.email)

    output = run_command("unlock", customer.email)

    assert "was not locked; its failed login attempts are forgotten" in output
    assert not output.startswith("unlocked")


def test_unlock_refuses_when_the_lockout_is_in_another_process_cache(transactional_db, api_client, settings):
    """
    Under `make run` (no REDIS_URL) the lock lives in the server's in-process cache: a separate
    command cannot reach it, so it must say so and change nothing, not report an unlock.
    """
    customer = UserFactory()
    lock_out(api_client, settings, email=customer.email)

    result = manage("unlock", customer.email, DJANGO_SETTINGS_MODULE="bankapi.settings.local", REDIS_URL="")

    assert_one_line_error(result, mentions="cannot reach the lockout: the cache is in-process")
    assert "Unlock action of the admin site's customer list" in result.stderr
    assert result.stdout == ""
    assert not AuditEvent.objects.filter(action=Action.UNLOCK).exists()
    assert AccessAttempt.objects.filter(username=f"acct:{customer.account_number}").exists()
    assert login(api_client, DEFAULT_PASSWORD, email=customer.email).status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize("identifier", ["garbage", "12345", "1234567890123", "abc@", ""])
def test_unlock_refuses_what_is_neither_an_email_nor_an_account_number(identifier):
    with pytest.raises(CommandError, match="not an email or a 12-digit account number"):
        call_command("unlock", identifier, stdout=StringIO())


def test_unlock_of_garbage_exits_non_zero_with_one_line():
    result = manage("unlock", "garbage")

    assert_one_line_error(result, mentions="not an email or a 12-digit account number")


# check_health ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_check_health_succeeds_when_everything_answers():
    output = run_command("check_health")

    assert json.loads(output) == {"checks": {"database": "ok", "cache": "ok"}}


def test_check_health_exits_zero_in_a_subprocess_when_everything_answers(transactional_db):
    result = manage("check_health")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"checks": {"database": "ok", "cache": "ok"}}


def test_check_health_exits_one_when_redis_is_down(transactional_db):
    result = manage("check_health", REDIS_URL=DEAD_REDIS_URL)

    assert result.returncode == 1
    assert json.loads(result.stdout) == {"checks": {"database": "ok", "cache": "unavailable"}}
    assert result.stderr == "cache: cannot connect to Redis at 127.0.0.1:1 (connection refused)\n"


def test_check_health_exits_one_when_the_database_is_down(transactional_db):
    dead_database = this_runs_database_url().rsplit("/", 1)
    host_and_port = dead_database[0].rsplit(":", 1)[0]

    result = manage("check_health", DATABASE_URL=f"{host_and_port}:1/{dead_database[1]}")

    assert result.returncode == 1
    assert json.loads(result.stdout) == {"checks": {"database": "unavailable", "cache": "ok"}}
    host = host_and_port.rpartition("@")[2]
    assert result.stderr == f"database: cannot connect to {host}:1 (connection refused)\n"


def test_check_health_says_why_in_one_line_per_failure_and_never_prints_a_password(transactional_db):
    password = "s3cret-pw-of-the-day"
    database = connection.settings_dict
    port = database["PORT"] or 5432

    result = manage(
        "check_health",
        DATABASE_URL=f"postgres://{database['USER']}:{password}@127.0.0.1:{port}/no_such_db",
        REDIS_URL=f"redis://:{password}@127.0.0.1:1/0",
    )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f'database: cannot connect to 127.0.0.1:{port} (database "no_such_db" does not exist)',
        "cache: cannot connect to Redis at 127.0.0.1:1 (connection refused)",
    ]
    assert password not in result.stdout + result.stderr


# demo_admin --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_admin_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_admin", stdout=StringIO())

    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_admin_creates_an_admin_when_debug_is_on(settings, api_client):
    settings.DEBUG = True

    output = run_command("demo_admin")

    password = re.search(r"password:\s+(\S+)", output).group(1)
    response = login(api_client, password, email="demo.admin@example.com")
    assert response.status_code == 200
    assert response.json()["mfa_required"] is True  # it has MFA, as staff must


@pytest.mark.django_db
def test_demo_admin_prints_its_totp_secret_with_which_it_signs_in_to_the_admin_site(settings):
    settings.DEBUG = True
    output = run_command("demo_admin")
    password = re.search(r"password:\s+(\S+)", output).group(1)
    secret = re.search(r"TOTP secret:\s+([A-Z2-7]+)", output).group(1)
    uri = re.search(r"otpauth URI:\s+(\S+)", output).group(1)
    admin = User.objects.get(email="demo.admin@example.com")
    assert f"secret={secret}" in uri

    client = Client()
    client.post(ADMIN_LOGIN, {"username": admin.email, "password": password, "otp_token": totp_code(admin)})

    assert client.get(f"/{django_settings.ADMIN_URL}").status_code == 200
    again = run_command("demo_admin")
    assert f"TOTP secret:    {secret}" in again  # the same device, printed again


DEMO_PASSWORD_LINE = re.compile(r"password:\s+(\S+)  \(new")


@pytest.mark.django_db
def test_demo_admin_keeps_its_password_on_the_next_run_and_says_so(settings, api_client):
    settings.DEBUG = True
    first = DEMO_PASSWORD_LINE.search(run_command("demo_admin")).group(1)

    output = run_command("demo_admin")

    assert "unchanged since it was printed; `python manage.py demo_admin --reset` makes a new one" in output
    assert not DEMO_PASSWORD_LINE.search(output)
    assert login(api_client, first, email="demo.admin@example.com").status_code == 200


@pytest.mark.django_db
def test_demo_admin_reset_prints_a_new_password_and_the_old_one_stops_working(settings, api_client):
    settings.DEBUG = True
    first = DEMO_PASSWORD_LINE.search(run_command("demo_admin")).group(1)

    output = run_command("demo_admin", "--reset")

    second = DEMO_PASSWORD_LINE.search(output).group(1)
    assert second != first
    assert "the previous one no longer works" in output
    assert login(api_client, second, email="demo.admin@example.com").status_code == 200
    assert login(api_client, first, email="demo.admin@example.com").status_code == 401


# Usage errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        (["unlock"], "required: identifier"),
        (["create_staff", "boss@example.com"], "required: --role"),
        (["seed_customers"], "required: N"),
        (["check_health", "extra"], "unrecognized arguments: extra"),
        (["demo_admin", "--bogus"], "unrecognized arguments: --bogus"),
        (["flushexpiredtokens", "now"], "unrecognized arguments: now"),
    ],
)
def test_a_command_line_argparse_refuses_is_one_line_pointing_to_help(command, mentions):
    result = manage(*command)

    assert_one_line_error(result, mentions=mentions)
    assert f"`manage.py {command[0]} --help` shows the usage" in result.stderr
    assert "usage:" not in result.stderr
