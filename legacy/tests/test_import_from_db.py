"""
`manage.py import_customers --from-db URL --table NAME`: the Flask service's table read straight
from its PostgreSQL database (a real second database, created for these tests and dropped after).
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from io import StringIO
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from psycopg import sql

from accounts.models import User
from audit.models import AuditEvent
from conftest import this_runs_database_url
from legacy.tests.flask_export import CHEAP_HASH, flask_row

pytestmark = pytest.mark.django_db

# The Flask service's table as its SQLAlchemy model (app/models.py there) creates it.
FLASK_TABLE = """
CREATE TABLE {} (
    account_number VARCHAR(12) PRIMARY KEY,
    first_name VARCHAR(50) NOT NULL,
    last_name VARCHAR(50) NOT NULL,
    age INTEGER NOT NULL,
    gender VARCHAR(10) NOT NULL,
    phone_number VARCHAR(15) NOT NULL,
    address VARCHAR(200) NOT NULL,
    bank_account_type VARCHAR(50) NOT NULL,
    date_of_account_opening DATE NOT NULL,
    branch_code VARCHAR(10) NOT NULL,
    password_hash VARCHAR(128) NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE,
    last_login TIMESTAMP WITHOUT TIME ZONE,
    login_attempts INTEGER,
    last_failed_attempt TIMESTAMP WITHOUT TIME ZONE
)
"""


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def flask_database() -> Iterator[str]:
    """A uniquely named PostgreSQL database on the test server, holding the Flask table; its URL."""
    server = with_database(this_runs_database_url(), "postgres")
    name = f"flask_import_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(server, name)
    try:
        with psycopg.connect(url, autocommit=True) as source:
            source.execute("CREATE SCHEMA flask")
            source.execute(sql.SQL(FLASK_TABLE).format(sql.Identifier("flask", "Customer Table")))
            rows = [
                flask_row(
                    1,
                    created_at=datetime(2019, 3, 14, 9, 26, 53),  # noqa: DTZ001 - the Flask table has no zones
                    date_of_account_opening=date(2019, 3, 14),
                ),
                flask_row(2, bank_account_type="business", last_login=None),
                flask_row(3, phone_number="12"),
            ]
            columns = list(rows[0])
            with source.cursor() as cursor:
                cursor.executemany(
                    sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                        sql.Identifier("flask", "Customer Table"),
                        sql.SQL(", ").join(map(sql.Identifier, columns)),
                        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
                    ),
                    [[row[column] for column in columns] for row in rows],
                )
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run_import(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_customers", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_customers_are_imported_from_the_flask_table_in_postgresql(flask_database):
    out, err = run_import("--from-db", flask_database, "--table", "flask.Customer Table", "--skip-invalid")

    assert err.splitlines() == ["row 3: phone_number '12' is not a valid phone number for region US"]
    assert "imported:                                2" in out
    first = User.objects.get(account_number="100000000001")
    assert first.created_at == datetime(2019, 3, 14, 9, 26, 53, tzinfo=UTC)  # a timestamp without zone: UTC
    assert first.password == "bcrypt$" + CHEAP_HASH
    assert first.legacy_details.opened_on == date(2019, 3, 14)
    assert first.legacy_details.account_type == "savings"
    assert User.objects.get(account_number="100000000002").legacy_details.account_type == "business"
    assert AuditEvent.objects.get(action="customers_imported").changes["source"] == "table flask.Customer Table"


def test_the_database_url_is_never_in_the_report_or_the_audit_trail(flask_database):
    out, err = run_import("--from-db", flask_database, "--table", "flask.Customer Table", "--skip-invalid")

    assert flask_database not in out + err
    assert flask_database not in str(AuditEvent.objects.get(action="customers_imported").changes)


def test_rerun_from_the_table_is_idempotent(flask_database):
    args = ("--from-db", flask_database, "--table", "flask.Customer Table", "--skip-invalid")
    run_import(*args)

    out, _ = run_import(*args)

    assert "already imported (skipped):              2" in out
    assert User.objects.count() == 2


def test_missing_table_is_a_clear_error(flask_database):
    with pytest.raises(CommandError, match="table flask.absent does not exist in the source database"):
        run_import("--from-db", flask_database, "--table", "flask.absent")


def test_unreachable_database_is_a_clear_error():
    with pytest.raises(CommandError, match="cannot connect to the source database"):
        run_import("--from-db", "postgres://postgres@127.0.0.1:1/flask", "--table", "customers")


def test_from_db_needs_a_table():
    with pytest.raises(CommandError, match="--from-db needs --table NAME"):
        run_import("--from-db", "postgres://postgres@127.0.0.1:1/flask")
