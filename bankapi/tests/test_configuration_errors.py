"""
A setting the service cannot use stops it with one clear line naming the variable, never a traceback
and never a secret: for every management command (manage.py) and for gunicorn's start (bankapi/wsgi.py
under gunicorn.conf.py), as the README promises; so does a database a command cannot reach. Each
case runs in its own process, since settings are read once at start-up.
"""

import os
import subprocess

import pytest
from django.core.exceptions import ImproperlyConfigured

from bankapi.configuration import Env
from bankapi.ratelimits import Rate
from conftest import PROJECT_DIR, manage
from deploy.processes import GUNICORN_COMMAND, free_port

DATABASE_PASSWORD = "s3cret-database-pw"
LONG_JWT_SECRET_KEY = "a-jwt-secret-key-of-more-than-32-bytes"


def assert_one_line_naming(result: subprocess.CompletedProcess, variable: str, *, stream: str = "stderr") -> str:
    output = getattr(result, stream)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert variable in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", f"mysqlx://bank:{DATABASE_PASSWORD}@db.example/bank"),
        ("DATABASE_URL", "garbage"),
        ("DATABASE_URL", f"postgres://bank:{DATABASE_PASSWORD}@db.example:port/bank"),
        ("LOCKOUT_FAILURES", "abc"),
        ("RATE_LOGIN", "bad"),
        ("TRUSTED_PROXY_NETWORKS", "10.0.0.0/8,bad"),
        ("DEBUG", "ture"),
        ("LOG_LEVEL", "loud"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(variable, value):
    result = manage("check", **{variable: value})

    line = assert_one_line_naming(result, variable)
    assert line.startswith("Error: ")
    assert result.returncode == 1
    assert DATABASE_PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["unlock", "someone@example.com"],
        ["check_health"],
        ["create_staff", "boss@example.com", "--role", "admin"],
        ["demo_admin"],
        ["seed_customers", "1"],
        ["flushexpiredtokens"],
    ],
)
def test_every_command_reports_a_bad_setting_in_one_line(command):
    result = manage(*command, RATE_USER="1/fortnight")

    assert_one_line_naming(result, "RATE_USER")


@pytest.mark.parametrize(
    "command",
    [["migrate"], ["unlock", "someone@example.com"], ["create_staff", "boss@example.com", "--role", "admin"]],
)
def test_a_command_that_cannot_reach_the_database_says_so_in_one_line(command):
    result = manage(*command, DATABASE_URL=f"postgres://bank:{DATABASE_PASSWORD}@127.0.0.1:1/bank")

    line = assert_one_line_naming(result, "database")
    assert line == "Error: database: cannot connect to 127.0.0.1:1 (connection refused)"
    assert DATABASE_PASSWORD not in result.stdout + result.stderr


def test_production_settings_without_secret_key_are_one_line():
    result = manage(
        "check", DJANGO_SETTINGS_MODULE="bankapi.settings.production", SECRET_KEY="", JWT_SECRET_KEY=LONG_JWT_SECRET_KEY
    )

    assert assert_one_line_naming(result, "SECRET_KEY") == "Error: SECRET_KEY must be set when DEBUG is off."


def test_production_settings_with_a_short_jwt_secret_key_are_one_line():
    result = manage(
        "check", DJANGO_SETTINGS_MODULE="bankapi.settings.production", SECRET_KEY="x" * 50, JWT_SECRET_KEY="short"
    )

    assert_one_line_naming(result, "JWT_SECRET_KEY")
    assert "short" not in result.stderr.replace("JWT_SECRET_KEY must be set", "")


def test_a_settings_module_that_does_not_exist_is_one_line():
    result = manage("check", DJANGO_SETTINGS_MODULE="bankapi.settings.nowhere")

    assert_one_line_naming(result, "DJANGO_SETTINGS_MODULE")


def test_traceback_option_shows_the_traceback():
    result = manage("check", "--traceback", RATE_LOGIN="bad")

    assert result.returncode != 0
    assert "Traceback" in result.stderr


# gunicorn ----------------------------------------------------------------------------------------


def gunicorn(**variables: str) -> subprocess.CompletedProcess:
    """Start gunicorn as production does (production settings, preload_app); it should stop at once."""
    environment = {
        **{name: value for name, value in os.environ.items() if name not in {"SECRET_KEY", "DATABASE_URL"}},
        "DJANGO_SETTINGS_MODULE": "bankapi.settings.production",
        "JWT_SECRET_KEY": LONG_JWT_SECRET_KEY,
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "GUNICORN_WORKERS": "1",
        **variables,
    }
    return subprocess.run(  # noqa: S603
        GUNICORN_COMMAND, cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=60
    )


def test_gunicorn_without_secret_key_stops_with_one_line():
    result = gunicorn()

    line = assert_one_line_naming(result, "SECRET_KEY must be set when DEBUG is off.")
    assert "[ERROR]" in line  # gunicorn's error log
    assert result.stdout == ""


def test_gunicorn_with_a_bad_database_url_stops_with_one_line_and_no_password():
    result = gunicorn(SECRET_KEY="x" * 50, DATABASE_URL=f"mysqlx://bank:{DATABASE_PASSWORD}@db.example/bank")

    assert_one_line_naming(result, "DATABASE_URL")
    assert DATABASE_PASSWORD not in result.stderr


def test_gunicorn_with_a_bad_worker_count_stops_with_one_line():
    result = gunicorn(SECRET_KEY="x" * 50, GUNICORN_WORKERS="many")

    assert (
        assert_one_line_naming(result, "GUNICORN_WORKERS")
        == "Error: GUNICORN_WORKERS must be a whole number, got 'many'"
    )


# The settings' checks agree with what the service reads ------------------------------------------


@pytest.mark.parametrize(
    "rate", ["20/m", "300/5m", " 1/s", "7/d", "10/h", "0/m", "20", "20/x", "m/20", "20/m/", "-1/m", ""]
)
def test_the_settings_accept_exactly_the_rates_the_rate_limits_read(rate, monkeypatch):
    monkeypatch.setenv("SOME_RATE", rate)
    try:
        Rate.parse(rate)
        rate_limits_read_it = True
    except ValueError:
        rate_limits_read_it = False

    if rate_limits_read_it:
        assert Env().rate("SOME_RATE") == rate
    else:
        with pytest.raises(ImproperlyConfigured, match="SOME_RATE"):
            Env().rate("SOME_RATE")


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("Yes", True), ("1", True), ("false", False), ("off", False), ("", False)]
)
def test_booleans_read_the_usual_words(value, expected, monkeypatch):
    monkeypatch.setenv("SOME_FLAG", value)

    assert Env().bool("SOME_FLAG", default=not expected) is expected


def test_an_unset_boolean_is_its_default(monkeypatch):
    monkeypatch.delenv("SOME_FLAG", raising=False)

    assert Env().bool("SOME_FLAG", default=True) is True
