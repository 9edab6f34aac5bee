"""
Production settings refuse to start without real secrets, pass Django's deployment checklist once
they have them, and keep database connections open across requests. Each case runs in its own
Python process, since settings are read once at start-up.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
SECRET_KEY = secrets.token_urlsafe(50)
JWT_SECRET_KEY = secrets.token_urlsafe(40)
SHORT_JWT_SECRET_KEY = "short-jwt-secret-31-bytes-long!"
SETUP = "import django; django.setup()"
# Variables the settings read that could leak in from the environment the tests run in.
SETTINGS_VARIABLES = ("SECRET_KEY", "JWT_SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "CONN_MAX_AGE")


def run_python(code: str, settings_module: str, **variables: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE=settings_module, **variables)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def run_production(code: str = SETUP, **variables: str) -> subprocess.CompletedProcess:
    return run_python(code, "bankapi.settings.production", **variables)


def assert_refused(result: subprocess.CompletedProcess, *, mentions: str) -> None:
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert mentions in result.stderr


# Secrets -----------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_secret_key():
    result = run_production(JWT_SECRET_KEY=JWT_SECRET_KEY)

    assert_refused(result, mentions="SECRET_KEY must be set")
    assert JWT_SECRET_KEY not in result.stdout + result.stderr


def test_production_refuses_to_start_with_an_empty_secret_key():
    result = run_production(SECRET_KEY="", JWT_SECRET_KEY=JWT_SECRET_KEY)

    assert_refused(result, mentions="SECRET_KEY must be set")


def test_production_refuses_to_start_without_jwt_secret_key():
    result = run_production(SECRET_KEY=SECRET_KEY)

    assert_refused(result, mentions="JWT_SECRET_KEY")
    assert SECRET_KEY not in result.stdout + result.stderr


def test_production_refuses_to_start_with_a_jwt_secret_key_under_32_bytes():
    assert len(SHORT_JWT_SECRET_KEY.encode()) == 31  # one byte short

    result = run_production(SECRET_KEY=SECRET_KEY, JWT_SECRET_KEY=SHORT_JWT_SECRET_KEY)

    assert_refused(result, mentions="JWT_SECRET_KEY")
    assert SHORT_JWT_SECRET_KEY not in result.stdout + result.stderr
    assert SECRET_KEY not in result.stdout + result.stderr


def test_production_counts_jwt_secret_length_in_bytes():
    # 16 two-byte characters: 16 characters but 32 bytes.
    result = run_production(SECRET_KEY=SECRET_KEY, JWT_SECRET_KEY="é" * 16)

    assert result.returncode == 0, result.stderr


def test_production_starts_with_both_secrets():
    result = run_production(SECRET_KEY=SECRET_KEY, JWT_SECRET_KEY=JWT_SECRET_KEY)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_production_signs_tokens_with_the_configured_jwt_secret():
    code = (
        SETUP
        + "; from django.conf import settings; print(settings.SIMPLE_JWT['SIGNING_KEY'] == settings.JWT_SECRET_KEY)"
    )

    result = run_production(code, SECRET_KEY=SECRET_KEY, JWT_SECRET_KEY=JWT_SECRET_KEY)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_production_ignores_debug_from_the_environment():
    code = SETUP + "; from django.conf import settings; print(settings.DEBUG)"

    result = run_production(code, SECRET_KEY=SECRET_KEY, JWT_SECRET_KEY=JWT_SECRET_KEY, DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_local_settings_with_debug_off_refuse_to_start_without_secrets():
    result = run_python(SETUP, "bankapi.settings.local", DEBUG="false")

    assert_refused(result, mentions="SECRET_KEY must be set")


def test_local_settings_with_debug_off_refuse_a_short_jwt_secret():
    result = run_python(
        SETUP, "bankapi.settings.local", DEBUG="false", SECRET_KEY=SECRET_KEY, JWT_SECRET_KEY=SHORT_JWT_SECRET_KEY
    )

    assert_refused(result, mentions="JWT_SECRET_KEY")
    assert SHORT_JWT_SECRET_KEY not in result.stdout + result.stderr


def test_local_settings_with_debug_on_generate_throwaway_secrets():
    code = SETUP + (
        "; from django.conf import settings;"
        " print(len(settings.SECRET_KEY) >= 50, len(settings.JWT_SECRET_KEY.encode()) >= 32)"
    )

    result = run_python(code, "bankapi.settings.local", DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True"


# Deployment checklist ----------------------------------------------------------------------------


def test_production_passes_check_deploy_with_nothing_reported():
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="bankapi.settings.production", SECRET_KEY=SECRET_KEY, JWT_SECRET_KEY=JWT_SECRET_KEY
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


# Database connections ----------------------------------------------------------------------------

CONNECTION_SETTINGS = (
    SETUP + "; from django.conf import settings; d = settings.DATABASES['default'];"
    " print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
)


def test_production_keeps_database_connections_open():
    result = run_production(
        CONNECTION_SETTINGS,
        SECRET_KEY=SECRET_KEY,
        JWT_SECRET_KEY=JWT_SECRET_KEY,
        DATABASE_URL="postgres://bank@127.0.0.1:5432/bank",
    )

    assert result.returncode == 0, result.stderr
    max_age, health_checks = result.stdout.split()
    assert int(max_age) > 0
    assert health_checks == "True"


def test_production_connection_age_is_configurable():
    result = run_production(
        CONNECTION_SETTINGS,
        SECRET_KEY=SECRET_KEY,
        JWT_SECRET_KEY=JWT_SECRET_KEY,
        DATABASE_URL="postgres://bank@127.0.0.1:5432/bank",
        CONN_MAX_AGE="300",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "300"
