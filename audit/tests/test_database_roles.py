"""
The application's database role (contract, "Database roles"; bankapi/database_roles.py): `migrate`,
run as the schema's owner with DATABASE_APP_ROLE set, grants that role what the service needs and
nothing it could change the schema or the audit trail with; the whole service then works as it.

Everything that claims what the role can or cannot do connects as that role, with its own password,
as the application would. The role starts with too much (every privilege on every table and CREATE
on the schema, as a single-role setup leaves it) so that the grant's trimming is what the tests
see. Roles are cluster-wide and several test processes share the server: each role is named for
this process and dropped at the end.
"""

import os
import re
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import psycopg
import pytest
import requests
from django.core.management.base import CommandError
from django.db import connection

from accounts.models import User
from accounts.tests.factories import code_from_otpauth_uri
from bankapi.database_roles import grant_application_role
from conftest import PROJECT_DIR, live_server_environment, manage, this_runs_database_url

AUDIT_TABLE = "audit_auditevent"  # spelt out in the SQL below
# What the app role may only read and add to: the audit trail and the ledger's journal.
APPEND_ONLY_TABLES = {AUDIT_TABLE, "ledger_journaltransaction", "ledger_entry"}
AUDIT_TRIGGERS = {"audit_event_no_update_or_delete", "audit_event_no_truncate"}
DATA_PRIVILEGES = {"SELECT", "INSERT", "UPDATE", "DELETE"}
TABLE_PRIVILEGES = [*sorted(DATA_PRIVILEGES), "TRUNCATE", "REFERENCES", "TRIGGER"]
PASSWORD = "a long enough passphrase 7"


@dataclass(frozen=True)
class Role:
    name: str
    password: str

    @property
    def url(self) -> str:
        """This test run's database, reached as this role."""
        database = connection.settings_dict
        host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
        return f"postgres://{self.name}:{quote(self.password)}@{host}:{port}/{database['NAME']}"


def as_owner(*statements: str, params: tuple = ()) -> list[tuple]:
    """Statements run as the role the test database belongs to (the one migrate runs as)."""
    with psycopg.connect(this_runs_database_url(), autocommit=True) as owner:
        rows: list[tuple] = []
        for statement in statements:
            cursor = owner.execute(statement, params or None)
            rows = cursor.fetchall() if cursor.description else []
        return rows


def create_role(prefix: str) -> Role:
    role = Role(name=f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}", password=secrets.token_hex(16))
    as_owner(f"CREATE ROLE {role.name} LOGIN PASSWORD '{role.password}'")
    return role


def drop_role(role: Role) -> None:
    as_owner(f"DROP OWNED BY {role.name}", f"DROP ROLE {role.name}")


@pytest.fixture(scope="module")
def app_role(django_db_setup, django_db_blocker) -> Iterator[Role]:
    """The application's role, given too much, then granted by `migrate` as the deployment does."""
    with django_db_blocker.unblock():
        role = create_role("bankapi_app")
        try:
            as_owner(
                f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role.name}",
                f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role.name}",
                f"GRANT CREATE ON SCHEMA public TO {role.name}",
            )
            result = manage("migrate", "--noinput", DATABASE_APP_ROLE=role.name)
            assert result.returncode == 0, result.stderr
            assert f'Granted role "{role.name}"' in result.stdout
            yield role
        finally:
            drop_role(role)


@pytest.fixture
def other_role(django_db_setup, django_db_blocker) -> Iterator[Role]:
    """
    A role of the test's own. Tests name it before `db`, so that it is dropped after the test's
    transaction (which may hold grants to it) is rolled back.
    """
    with django_db_blocker.unblock():
        role = create_role("bankapi_other")
    try:
        yield role
    finally:
        with django_db_blocker.unblock():
            drop_role(role)


def as_role(role: Role, statement: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(role.url) as session:
        cursor = session.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def append_event_as(role: Role) -> int:
    ((event_id,),) = as_role(
        role,
        "INSERT INTO audit_auditevent (occurred_at, actor_label, action, target_label, outcome, request_id, changes)"
        " VALUES (now(), 'system', 'unlock', '400000000002', 'success', 'req-roles', '{}') RETURNING id",
    )
    return event_id


def audit_triggers() -> dict[str, str]:
    """The audit table's triggers and whether each is enabled ('O': fires in ordinary sessions)."""
    rows = as_owner("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass")
    return {name: enabled for name, enabled in rows if name in AUDIT_TRIGGERS}


def privileges(role: str, table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p FROM unnest(%s::text[]) AS p WHERE has_table_privilege(%s, %s, p)",
            [TABLE_PRIVILEGES, role, table],
        )
        return {row[0] for row in cursor.fetchall()}


# What the role may not do ---------------------------------------------------------------------------

REFUSED = {
    "update": "UPDATE audit_auditevent SET outcome = 'failure'",
    "delete": "DELETE FROM audit_auditevent",
    "truncate": "TRUNCATE audit_auditevent",
    "disable the triggers": "ALTER TABLE audit_auditevent DISABLE TRIGGER USER",
    "drop a trigger": "DROP TRIGGER audit_event_no_update_or_delete ON audit_auditevent",
    "drop the table": "DROP TABLE audit_auditevent CASCADE",
    "add a column": "ALTER TABLE audit_auditevent ADD COLUMN note text",
    "create a trigger": "CREATE TRIGGER audit_event_quiet BEFORE INSERT ON audit_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
    "create a table": "CREATE TABLE audit_shadow (id bigint)",
}


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_the_app_role_cannot_change_or_unguard_the_audit_trail(transactional_db, app_role, statement):
    event_id = append_event_as(app_role)

    with pytest.raises(psycopg.errors.InsufficientPrivilege) as excinfo:
        as_role(app_role, statement)

    # Refused for want of the privilege (or of ownership), before any trigger had to say no.
    assert re.match(r"(permission denied|must be owner)", str(excinfo.value)), excinfo.value
    assert as_owner("SELECT outcome FROM audit_auditevent WHERE id = %s", params=(event_id,)) == [("success",)]
    assert audit_triggers() == dict.fromkeys(AUDIT_TRIGGERS, "O")


@pytest.mark.parametrize("table", ["ledger_entry", "ledger_journaltransaction"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}", "TRUNCATE {table} CASCADE"])
def test_the_app_role_cannot_change_the_ledgers_journal(transactional_db, app_role, table, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
        as_role(app_role, statement.format(table=table))


def test_the_app_role_may_read_and_append_audit_events(transactional_db, app_role):
    event_id = append_event_as(app_role)

    assert as_role(app_role, "SELECT action, target_label FROM audit_auditevent WHERE id = %s", (event_id,)) == [
        ("unlock", "400000000002")
    ]


def test_the_app_role_reads_and_writes_every_other_table_and_holds_nothing_else(db, app_role):
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)

    assert {"django_session", "django_admin_log", "axes_accessattempt", "token_blacklist_outstandingtoken"} <= set(
        tables
    )
    for table in tables:
        expected = {"SELECT", "INSERT"} if table in APPEND_ONLY_TABLES else DATA_PRIVILEGES
        assert privileges(app_role.name, table) == expected, table
    assert privileges(app_role.name, "django_migrations") == set()


def test_migrate_run_as_the_app_role_cannot_undo_the_append_only_migration(transactional_db, app_role):
    result = manage("migrate", "audit", "0001", "--noinput", DATABASE_URL=app_role.url)

    assert result.returncode != 0
    assert re.search(r"permission denied|must be owner", result.stderr), result.stderr
    assert audit_triggers() == dict.fromkeys(AUDIT_TRIGGERS, "O")


# What migrate grants, and what it refuses -----------------------------------------------------------


def test_a_role_given_too_much_is_trimmed_to_the_applications_privileges(other_role, db):
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {other_role.name}")
        cursor.execute(f"GRANT UPDATE (outcome) ON audit_auditevent TO {other_role.name}")
        cursor.execute(f"GRANT CREATE ON SCHEMA public TO {other_role.name}")

    grant_application_role(using="default", role=other_role.name)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_any_column_privilege(%(role)s, %(audit)s, 'UPDATE'),"
            " has_schema_privilege(%(role)s, 'public', 'CREATE'), has_schema_privilege(%(role)s, 'public', 'USAGE')",
            {"role": other_role.name, "audit": AUDIT_TABLE},
        )
        assert cursor.fetchone() == (False, False, True)
    assert privileges(other_role.name, AUDIT_TABLE) == {"SELECT", "INSERT"}
    assert privileges(other_role.name, User._meta.db_table) == DATA_PRIVILEGES
    assert privileges(other_role.name, "django_migrations") == set()


def test_migrate_without_an_app_role_grants_nothing(transactional_db, other_role):
    result = manage("migrate", "--noinput", DATABASE_APP_ROLE="")

    assert result.returncode == 0, result.stderr
    granted = as_owner(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relacl IS NOT NULL"
        " AND EXISTS (SELECT FROM aclexplode(relacl) WHERE grantee = %s::regrole)",
        params=(other_role.name,),
    )
    assert granted == []
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_role(other_role, "SELECT count(*) FROM accounts_user")


def test_migrate_exits_non_zero_naming_an_app_role_that_does_not_exist(transactional_db):
    missing = f"bankapi_missing_{os.getpid()}_{secrets.token_hex(4)}"

    result = manage("migrate", "--noinput", DATABASE_APP_ROLE=missing)

    assert result.returncode == 1
    assert f'CommandError: DATABASE_APP_ROLE names the role "{missing}", which does not exist' in result.stderr
    assert "Traceback" not in result.stderr


def refused(role: str) -> str:
    with pytest.raises(CommandError) as excinfo:
        grant_application_role(using="default", role=role)
    return str(excinfo.value)


def test_a_superuser_is_refused(db):
    role = f"bankapi_super_{os.getpid()}"
    with connection.cursor() as cursor:  # inside the test's transaction: rolled back with it
        cursor.execute(f"CREATE ROLE {role} SUPERUSER")

    assert "is a superuser" in refused(role)


def test_the_role_migrate_runs_as_is_refused(other_role, db):
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {other_role.name}")
        try:
            message = refused(other_role.name)
        finally:
            cursor.execute("RESET ROLE")

    assert "is the role migrate runs as" in message


def test_a_role_that_owns_a_table_of_the_schema_is_refused(other_role, db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bankapi_owned_by_the_app (id bigint)")
        cursor.execute(f"ALTER TABLE bankapi_owned_by_the_app OWNER TO {other_role.name}")

    assert "owns, or is a member of the role that owns, bankapi_owned_by_the_app" in refused(other_role.name)


def test_a_member_of_the_owner_is_refused(other_role, db):
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT {connection.settings_dict['USER']} TO {other_role.name}")

    assert "owns, or is a member of the role that owns" in refused(other_role.name)


def test_a_role_that_can_write_everything_through_another_role_is_refused(other_role, db):
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT pg_write_all_data TO {other_role.name}")

    message = refused(other_role.name)

    assert "DELETE on audit_auditevent" in message
    assert "(pg_write_all_data)" in message


def test_an_app_role_on_sqlite_changes_nothing(tmp_path):
    """`make run`: SQLite has no roles, so the setting (e.g. left in a .env) is ignored."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankapi.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DATABASE_APP_ROLE": "bankapi_app",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "Granted" not in result.stdout


# The whole service, as the app role -------------------------------------------------------------------


@pytest.mark.live_server
def test_the_api_and_the_commands_work_as_the_app_role(live_server_factory, app_role):
    cache_prefix = f"live-{uuid.uuid4().hex}"
    environment = {"DATABASE_URL": app_role.url, "CACHE_KEY_PREFIX": cache_prefix, "LOCKOUT_FAILURES": "2"}
    server = live_server_factory(workers=1, **environment)

    def command(*args: str, stdin: str | None = None) -> str:
        """A management command as an operator runs it beside the service: same settings, same role."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_DIR,
            env=live_server_environment(**environment),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"{args[0]}: {result.stderr}"
        return result.stdout

    def call(method: str, path: str, expected: int, token: str | None = None, **body) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = session.request(method, server.url + path, json=body or None, headers=headers, timeout=60)
        assert response.status_code == expected, f"{method.upper()} {path}: {response.text}\n{server.log()}"
        return response.json() if response.content else {}

    session = requests.Session()

    # A customer's whole life: register, log in, refresh, profile, password change, logout.
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    registered = call(
        "post", "/api/v1/auth/register", 201, email=email, password=PASSWORD, first_name="Ada", last_name="Lovelace",
        phone="+447700900123", date_of_birth="1990-12-10",
    )  # fmt: skip
    tokens = call("post", "/api/v1/auth/login", 200, email=email, password=PASSWORD)
    tokens = call("post", "/api/v1/auth/token/refresh", 200, refresh=tokens["refresh"])
    assert call("get", "/api/v1/profile", 200, tokens["access"])["email"] == email
    assert call("patch", "/api/v1/profile", 200, tokens["access"], first_name="Augusta")["first_name"] == "Augusta"
    new_password = PASSWORD + " changed"
    call(
        "post", "/api/v1/profile/password", 204, tokens["access"], current_password=PASSWORD, new_password=new_password
    )
    tokens = call("post", "/api/v1/auth/login", 200, account_number=registered["account_number"], password=new_password)
    call("post", "/api/v1/auth/logout", 204, tokens["access"], refresh=tokens["refresh"])

    # A lockout (django-axes' records, the lockout event) and the operator's unlock.
    for _ in range(2):
        call("post", "/api/v1/auth/login", 401, email=email, password="not the password at all")
    call("post", "/api/v1/auth/login", 429, email=email, password=new_password)
    command("unlock", email)
    call("post", "/api/v1/auth/login", 200, email=email, password=new_password)

    # Staff: an admin made by the operator's command creates, updates and closes a customer.
    admin_email = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    command("create_staff", admin_email, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    admin = call("post", "/api/v1/auth/login", 200, email=admin_email, password=PASSWORD)["access"]
    # Staff must set up MFA (django-otp's tables) before anything else.
    uri = call("post", "/api/v1/auth/mfa/totp", 200, admin)["otpauth_uri"]
    codes = call("post", "/api/v1/auth/mfa/totp/confirm", 200, admin, code=code_from_otpauth_uri(uri))["recovery_codes"]
    mfa_token = call("post", "/api/v1/auth/login", 200, email=admin_email, password=PASSWORD)["mfa_token"]
    admin = call("post", "/api/v1/auth/mfa/verify", 200, mfa_token=mfa_token, code=codes[0])["access"]
    created = call(
        "post", "/api/v1/customers", 201, admin, email=f"grace-{uuid.uuid4().hex[:8]}@example.com",
        first_name="Grace", last_name="Hopper",
    )  # fmt: skip
    path = f"/api/v1/customers/{created['account_number']}"
    assert call("patch", path, 200, admin, last_name="Murray")["last_name"] == "Murray"

    # Money (the ledger's journal, which the role may only append to, its guards and idempotency keys):
    # cash in, a transfer to the registered customer, a reversal, cash out; then the account is empty
    # and its customer may be closed.
    def move(path: str, expected: int, token: str, key: str, **body) -> dict:
        response = session.post(
            server.url + path,
            json=body,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            timeout=60,
        )
        assert response.status_code == expected, f"POST {path}: {response.text}\n{server.log()}"
        return response.json()

    grace = created["account_number"]
    move(f"/api/v1/accounts/{grace}/deposits", 201, admin, "cash-in", amount="100.00")
    transfer = move(
        "/api/v1/transfers",
        201,
        admin,
        "pay-ada",
        from_account=grace,
        to_account=registered["account_number"],
        amount="40",
    )
    move(f"/api/v1/transfers/{transfer['id']}/reverse", 201, admin, "undo")
    move(f"/api/v1/accounts/{grace}/withdrawals", 201, admin, "cash-out", amount="100.00")
    assert call("get", f"/api/v1/accounts/{grace}/transactions", 200, admin)["results"][0]["balance_after"] == "0.00"
    call("delete", path, 204, admin)

    events = call("get", "/api/v1/audit-events?page_size=200", 200, admin)["results"]
    assert {
        "register", "login_succeeded", "login_failed", "lockout", "unlock", "password_changed", "logout",
        "customer_created", "customer_updated", "customer_closed", "mfa_enrolled",
        "deposit_posted", "transfer_posted", "reversal_posted", "withdrawal_posted",
    } <= {event["action"] for event in events}  # fmt: skip

    # The other operators' commands.
    before = User.objects.count()
    command("seed_customers", "50")
    assert User.objects.count() == before + 50
    command("check_health")
    command("flushexpiredtokens")
    command("verify_ledger")
    command("purge_idempotency_keys")
    command("reset_mfa", admin_email)
