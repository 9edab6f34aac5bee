"""
The application's own database role, granted after every `migrate`.

The audit trail's triggers (audit/migrations/0002_append_only.py) bind every role but the table's
owner, who can `ALTER TABLE … DISABLE TRIGGER USER` or drop them, and a superuser. So the schema is
owned by the role that runs the migrations, and the application connects as another one
(DATABASE_APP_ROLE) that owns nothing and holds only what the running service uses: reading and
writing its tables, only reading and adding to the audit trail, its sequences, and USAGE on the
schema. Nothing that changes the schema: no CREATE on it, no TRUNCATE, TRIGGER or REFERENCES.

The grant runs after every migrate (a post_migrate receiver), so a table a migration adds is granted
at once, without ALTER DEFAULT PRIVILEGES (which only follow the role that set them). It first
revokes what the role was given directly, so that a role given too much (an earlier single-role
setup, a hand-made GRANT ALL) is trimmed, and then asks PostgreSQL what the role can actually do,
also through PUBLIC and the roles it belongs to, refusing anything beyond that. Without
DATABASE_APP_ROLE, or on SQLite, it does nothing.
"""

from collections.abc import Iterable

from django.apps import AppConfig
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections, transaction
from psycopg import sql

DATA_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
# The audit trail and the ledger's journal can only be read and added to (their triggers refuse
# changes for every role anyway).
APPEND_ONLY_PRIVILEGES = ("SELECT", "INSERT")
SEQUENCE_PRIVILEGES = ("USAGE", "SELECT")
# Everything a role can hold on a table or a sequence; what is checked for being too much.
TABLE_PRIVILEGES = (*DATA_PRIVILEGES, "TRUNCATE", "REFERENCES", "TRIGGER")
ALL_SEQUENCE_PRIVILEGES = (*SEQUENCE_PRIVILEGES, "UPDATE")
# Those a role can also hold on single columns (has_any_column_privilege counts both kinds).
COLUMN_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "REFERENCES")
TABLE_KINDS = ("r", "p", "v", "m", "f")


def append_only_tables() -> set[str]:
    from audit.models import AuditEvent
    from ledger.models import Entry, JournalTransaction

    return {AuditEvent._meta.db_table, JournalTransaction._meta.db_table, Entry._meta.db_table}


def grant_after_migrate(*, using: str, verbosity: int = 1, stdout=None, **kwargs) -> None:
    """post_migrate receiver (connected once, in bankapi/apps.py)."""
    role = settings.DATABASE_APP_ROLE
    if not role or connections[using].vendor != "postgresql":
        return
    tables = grant_application_role(using=using, role=role)
    if verbosity >= 1 and stdout is not None:
        stdout.write(
            f'Granted role "{role}" the application\'s privileges on {tables} tables '
            f"(only SELECT and INSERT on the audit trail and the ledger's journal)."
        )


def grant_application_role(*, using: str, role: str) -> int:
    """
    Give `role` exactly the application's privileges in this database; return how many tables.
    Raises CommandError, granting nothing, when the role is missing, a superuser, or could change
    the schema (it owns it, runs the migrations, or belongs to the role that does).
    """
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:

        def run(statement: sql.Composable, params: dict | None = None) -> list[tuple]:
            cursor.execute(statement.as_string(connection.connection), params)
            return cursor.fetchall() if cursor.description else []

        refuse_unsafe_role(run, role)
        (schema,) = run(sql.SQL("SELECT current_schema()"))[0]
        tables = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
        append_only = append_only_tables() & set(tables)
        sequences = [
            name
            for (name,) in run(
                sql.SQL(
                    """
                    SELECT DISTINCT sequence.relname
                    FROM pg_class sequence
                    JOIN pg_depend dependency
                        ON dependency.classid = 'pg_class'::regclass AND dependency.objid = sequence.oid
                        AND dependency.refclassid = 'pg_class'::regclass AND dependency.deptype IN ('a', 'i')
                    JOIN pg_class owner_table ON owner_table.oid = dependency.refobjid
                    WHERE sequence.relkind = 'S' AND sequence.relnamespace = current_schema()::regnamespace
                        AND owner_table.relname = ANY(%(tables)s)
                    ORDER BY sequence.relname
                    """
                ),
                {"tables": tables},
            )
        ]
        # Everything in the schema the role was granted directly: the trimming starts from there.
        granted = run(
            sql.SQL(
                """
                SELECT relname, relkind = 'S' FROM pg_class
                WHERE relnamespace = current_schema()::regnamespace AND relacl IS NOT NULL
                    AND EXISTS (SELECT FROM aclexplode(relacl) WHERE grantee = to_regrole(%(role)s))
                """
            ),
            {"role": role},
        )

        role_name, schema_name = sql.Identifier(role), sql.Identifier(schema)
        for name, is_sequence in granted:
            kind = sql.SQL("SEQUENCE" if is_sequence else "TABLE")
            run(sql.SQL("REVOKE ALL ON {} {} FROM {}").format(kind, sql.Identifier(name), role_name))
        run(sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(schema_name, role_name))
        run(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_name, role_name))
        for privileges, names in (
            (DATA_PRIVILEGES, [table for table in tables if table not in append_only]),
            (APPEND_ONLY_PRIVILEGES, sorted(append_only)),
        ):
            if names:
                run(
                    sql.SQL("GRANT {} ON TABLE {} TO {}").format(
                        privilege_list(privileges), sql.SQL(", ").join(map(sql.Identifier, names)), role_name
                    )
                )
        if sequences:
            run(
                sql.SQL("GRANT {} ON SEQUENCE {} TO {}").format(
                    privilege_list(SEQUENCE_PRIVILEGES), sql.SQL(", ").join(map(sql.Identifier, sequences)), role_name
                )
            )

        expected = {
            (table, privilege)
            for table in tables
            for privilege in (APPEND_ONLY_PRIVILEGES if table in append_only else DATA_PRIVILEGES)
        } | {(sequence, privilege) for sequence in sequences for privilege in SEQUENCE_PRIVILEGES}
        refuse_other_privileges(run, role, schema, expected)
    return len(tables)


def privilege_list(privileges: Iterable[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.SQL(privilege) for privilege in privileges)


def refuse_unsafe_role(run, role: str) -> None:
    """A role that could disable the audit trail's guards (or grant itself a way to) is refused."""
    found = run(
        sql.SQL("SELECT rolsuper, rolcreaterole, rolname = current_user FROM pg_roles WHERE rolname = %(role)s"),
        {"role": role},
    )
    if not found:
        raise CommandError(
            f'DATABASE_APP_ROLE names the role "{role}", which does not exist in this PostgreSQL cluster: '
            f"create it (CREATE ROLE … LOGIN PASSWORD '…'), then run migrate again."
        )
    superuser, create_role, is_current_user = found[0]
    if superuser:
        raise CommandError(
            f'DATABASE_APP_ROLE "{role}" is a superuser, which could disable the audit trail\'s guards: '
            "the application must connect as an ordinary role (NOSUPERUSER)."
        )
    if is_current_user:
        raise CommandError(
            f'DATABASE_APP_ROLE "{role}" is the role migrate runs as, which owns the schema: run migrate as '
            "the schema's owner and let the application connect as another role, which owns nothing."
        )
    if create_role:
        raise CommandError(
            f'DATABASE_APP_ROLE "{role}" has CREATEROLE, with which it could make itself a member of the '
            f"schema's owner: ALTER ROLE … NOCREATEROLE."
        )
    owners = run(
        sql.SQL(
            """
            SELECT 'database ' || datname FROM pg_database
            WHERE datname = current_database() AND pg_has_role(%(role)s, datdba, 'MEMBER')
            UNION ALL
            SELECT 'schema ' || nspname FROM pg_namespace
            WHERE oid = current_schema()::regnamespace AND pg_has_role(%(role)s, nspowner, 'MEMBER')
            UNION ALL
            (SELECT relname FROM pg_class
             WHERE relnamespace = current_schema()::regnamespace AND relkind = ANY(%(kinds)s)
                AND pg_has_role(%(role)s, relowner, 'MEMBER')
             ORDER BY relname)
            """
        ),
        {"role": role, "kinds": [*TABLE_KINDS, "S"]},
    )
    if owners:
        named = ", ".join(name for (name,) in owners[:5]) + (", …" if len(owners) > 5 else "")
        raise CommandError(
            f'DATABASE_APP_ROLE "{role}" owns, or is a member of the role that owns, {named}: an owner can '
            "disable or drop the audit trail's guards. Run migrate as the owner and let the application "
            "connect as a role that owns nothing (REASSIGN OWNED BY … TO the owner; docs/deployment.md)."
        )


def refuse_other_privileges(run, role: str, schema: str, expected: set[tuple[str, str]]) -> None:
    """
    What the role can do, as PostgreSQL decides it (its own grants, PUBLIC's, its roles'), must be
    what was granted: a privilege granted by someone else, or held through another role, is refused.
    """
    held = set(
        run(
            sql.SQL(
                """
                SELECT c.relname, p.privilege
                FROM pg_class c CROSS JOIN unnest(%(table_privileges)s::text[]) AS p(privilege)
                WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = ANY(%(table_kinds)s)
                    AND CASE WHEN p.privilege = ANY(%(column_privileges)s)
                        THEN has_any_column_privilege(%(role)s, c.oid, p.privilege)
                        ELSE has_table_privilege(%(role)s, c.oid, p.privilege) END
                UNION ALL
                SELECT c.relname, p.privilege
                FROM pg_class c CROSS JOIN unnest(%(sequence_privileges)s::text[]) AS p(privilege)
                WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S'
                    AND has_sequence_privilege(%(role)s, c.oid, p.privilege)
                UNION ALL
                SELECT 'schema ' || current_schema(), 'CREATE'
                WHERE has_schema_privilege(%(role)s, current_schema(), 'CREATE')
                """
            ),
            {
                "role": role,
                "table_privileges": list(TABLE_PRIVILEGES),
                "column_privileges": list(COLUMN_PRIVILEGES),
                "sequence_privileges": list(ALL_SEQUENCE_PRIVILEGES),
                "table_kinds": list(TABLE_KINDS),
            },
        )
    )
    extra = sorted(held - expected)
    if extra:
        named = ", ".join(f"{privilege} on {name}" for name, privilege in extra[:8]) + (", …" if len(extra) > 8 else "")
        memberships = [
            name
            for (name,) in run(
                sql.SQL(
                    "SELECT granted.rolname FROM pg_auth_members m JOIN pg_roles granted ON granted.oid = m.roleid "
                    "WHERE m.member = to_regrole(%(role)s) ORDER BY 1"
                ),
                {"role": role},
            )
        ]
        source = f"the roles it belongs to ({', '.join(memberships)}), " if memberships else ""
        raise CommandError(
            f'DATABASE_APP_ROLE "{role}" still holds {named} after the grant: it comes from {source}PUBLIC or '
            "another grantor. Revoke it there (for CREATE on the schema: "
            f'REVOKE CREATE ON SCHEMA "{schema}" FROM PUBLIC), then run migrate again.'
        )
    missing = sorted(expected - held)
    if missing:  # the grant above did not take: say so rather than let the application fail later
        raise CommandError(f'DATABASE_APP_ROLE "{role}" lacks {missing[:8]} after the grant.')


def connect(app_config: AppConfig) -> None:
    from django.db.models.signals import post_migrate

    post_migrate.connect(grant_after_migrate, sender=app_config, dispatch_uid="bankapi.database_roles")
