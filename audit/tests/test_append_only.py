"""
The audit trail is append-only in PostgreSQL itself (migration audit/0002): an UPDATE or DELETE of
an event is refused for every role, a TRUNCATE for every role but a superuser, whether it comes
through the ORM or as raw SQL. Rows can still be added.

The test database user is a superuser, so the non-superuser checks run under a role of their own
(`SET ROLE`). Roles are cluster-wide: each gets a unique name and is always dropped.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import Action, AuditEvent, Outcome

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table
INSUFFICIENT_PRIVILEGE = "42501"


@pytest.fixture
def event() -> AuditEvent:
    return AuditEvent.objects.create(
        action=Action.LOGIN_FAILED,
        target_label="400000000002",
        outcome=Outcome.FAILURE,
        ip="203.0.113.9",
        request_id="req-1",
        changes={"field": {"before": 1, "after": 2}},
    )


def assert_refused_by_the_trigger(excinfo: pytest.ExceptionInfo, operation: str) -> None:
    """The database refused with the trigger's own error, not some other failure."""
    cause = excinfo.value.__cause__
    assert getattr(cause, "sqlstate", None) == INSUFFICIENT_PRIVILEGE
    assert f"audit events are append-only: {operation} refused" in str(excinfo.value)


def stored(event: AuditEvent) -> dict:
    return AuditEvent.objects.filter(pk=event.pk).values().get()


@contextmanager
def temporary_role() -> Iterator[str]:
    """A role that is not a superuser and holds every privilege on the audit table; dropped after."""
    role = f"audit_test_{uuid.uuid4().hex}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN NOSUPERUSER')
        try:
            cursor.execute(f'GRANT ALL ON TABLE {TABLE} TO "{role}"')
            yield role
        finally:
            cursor.execute("RESET ROLE")
            cursor.execute(f'REVOKE ALL ON TABLE {TABLE} FROM "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


@pytest.fixture
def plain_role() -> Iterator[str]:
    with temporary_role() as role:
        yield role


def run_as(role: str, sql: str, params: list | None = None) -> list:
    """Run `sql` as `role` in a savepoint (rolled back if it fails), then switch back."""
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(f'SET ROLE "{role}"')
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            cursor.execute("RESET ROLE")


# Raw SQL -----------------------------------------------------------------------------------------


def test_raw_update_is_refused(event):
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET outcome = 'success' WHERE id = %s", [event.pk])

    assert_refused_by_the_trigger(excinfo, "UPDATE")


def test_raw_update_leaves_the_row_unchanged(event):
    before = stored(event)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET target_label = 'someone else', changes = '{}' WHERE id = %s", [event.pk]
        )

    assert stored(event) == before


def test_raw_update_to_the_same_value_is_refused_too(event):
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET outcome = outcome WHERE id = %s", [event.pk])

    assert_refused_by_the_trigger(excinfo, "UPDATE")


def test_raw_delete_is_refused(event):
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])

    assert_refused_by_the_trigger(excinfo, "DELETE")
    assert stored(event)["id"] == event.pk


def test_raw_delete_of_every_row_is_refused(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")

    assert AuditEvent.objects.filter(pk=event.pk).exists()


# The ORM -----------------------------------------------------------------------------------------


def test_queryset_update_is_refused(event):
    before = stored(event)
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(outcome=Outcome.SUCCESS)

    assert_refused_by_the_trigger(excinfo, "UPDATE")
    assert stored(event) == before


def test_saving_a_changed_event_is_refused(event):
    event.action = Action.LOGIN_SUCCEEDED
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        event.save()

    assert_refused_by_the_trigger(excinfo, "UPDATE")
    assert stored(event)["action"] == Action.LOGIN_FAILED


def test_queryset_delete_is_refused(event):
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    assert_refused_by_the_trigger(excinfo, "DELETE")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_instance_delete_is_refused(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


# A role that is not a superuser ------------------------------------------------------------------


def test_the_role_can_read_the_trail(event, plain_role):
    """The control for the tests below: the role's privileges are real, only the triggers say no."""
    assert run_as(plain_role, "SELECT id FROM audit_auditevent WHERE id = %s", [event.pk]) == [(event.pk,)]


def check_deferred_constraints_now() -> None:
    """
    The event's foreign keys are checked at commit (Django makes them DEFERRABLE INITIALLY
    DEFERRED), and PostgreSQL will not TRUNCATE a table with checks still pending. The test runs
    inside a transaction that never commits, so run the checks now: TRUNCATE then reaches the trigger.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_truncate_by_a_role_that_is_not_superuser_is_refused(event, plain_role):
    check_deferred_constraints_now()
    with pytest.raises(DatabaseError) as excinfo:
        run_as(plain_role, "TRUNCATE audit_auditevent")

    assert_refused_by_the_trigger(excinfo, "TRUNCATE")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_truncate_cascade_by_a_role_that_is_not_superuser_is_refused(event, plain_role):
    check_deferred_constraints_now()
    with pytest.raises(DatabaseError) as excinfo:
        run_as(plain_role, "TRUNCATE ONLY audit_auditevent CASCADE")

    assert_refused_by_the_trigger(excinfo, "TRUNCATE")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_update_by_a_role_that_is_not_superuser_is_refused(event, plain_role):
    with pytest.raises(DatabaseError) as excinfo:
        run_as(plain_role, "UPDATE audit_auditevent SET outcome = 'success' WHERE id = %s", [event.pk])

    assert_refused_by_the_trigger(excinfo, "UPDATE")
    assert stored(event)["outcome"] == Outcome.FAILURE


def test_delete_by_a_role_that_is_not_superuser_is_refused(event, plain_role):
    with pytest.raises(DatabaseError) as excinfo:
        run_as(plain_role, "DELETE FROM audit_auditevent WHERE id = %s", [event.pk])

    assert_refused_by_the_trigger(excinfo, "DELETE")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_role_may_still_append(plain_role):
    rows = run_as(
        plain_role,
        "INSERT INTO audit_auditevent (occurred_at, actor_label, action, target_label, outcome, request_id, changes)"
        " VALUES (now(), 'system', 'unlock', '400000000002', 'success', '', '{}') RETURNING id",
    )

    assert AuditEvent.objects.get(pk=rows[0][0]).action == Action.UNLOCK


def test_the_role_is_dropped_afterwards_even_when_the_test_fails():
    with pytest.raises(RuntimeError), temporary_role() as role:
        raise RuntimeError("the test failed")

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", [role])
        assert cursor.fetchone() == (0,)


# Appending still works ---------------------------------------------------------------------------


def test_insert_through_the_orm_still_works(event):
    added = AuditEvent.objects.create(action=Action.UNLOCK, actor_label="system", target_label="400000000002")

    assert list(AuditEvent.objects.order_by("id").values_list("id", flat=True)) == [event.pk, added.pk]


def test_raw_insert_still_works():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent"
            " (occurred_at, actor_label, action, target_label, outcome, request_id, changes)"
            " VALUES (now(), '', 'login_failed', 'ghost@example.com', 'failure', 'req-2', '{}') RETURNING id"
        )
        (new_id,) = cursor.fetchone()

    assert AuditEvent.objects.get(pk=new_id).target_label == "ghost@example.com"


def test_a_refused_change_does_not_stop_later_appends(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    AuditEvent.objects.create(action=Action.LOGOUT, actor_label="400000000002", target_label="400000000002")

    assert AuditEvent.objects.count() == 2
