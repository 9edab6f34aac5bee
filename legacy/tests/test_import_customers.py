"""
`manage.py import_customers FILE`: what an import keeps of each Flask customer, what it refuses, and
that a run is safe to repeat (docs/migration.md).
"""

from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from conftest import manage
from ledger.models import Account
from legacy.importing import ImportAborted, csv_rows, import_plan, import_write
from legacy.models import CustomerDetails
from legacy.tests.flask_export import CHEAP_HASH, flask_row, write_export

pytestmark = pytest.mark.django_db


def run_import(*args: str) -> tuple[str, str]:
    """The command through call_command: (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    call_command("import_customers", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def import_events():
    return AuditEvent.objects.filter(action="customers_imported")


def registered_customer(account_number: str) -> User:
    """A customer who registered with this service (no Flask details) and was issued `account_number`."""
    with mock.patch("accounts.managers.generate_account_number", return_value=account_number):
        return UserFactory()


@pytest.fixture
def export(tmp_path):
    """Writes a Flask export of the rows given and returns its path as a string."""

    def write(*rows: dict, name: str = "customers.csv") -> str:
        return str(write_export(tmp_path / name, list(rows)))

    return write


# What is kept -------------------------------------------------------------------------------------


def test_import_keeps_number_names_address_branch_type_opening_day_and_times(export):
    run_import(export(flask_row(7, first_name="Zoë", last_name="O'Brien-Łukasz", bank_account_type="CHECKING")))

    user = User.objects.get(account_number="100000000007")
    assert (user.first_name, user.last_name) == ("Zoë", "O'Brien-Łukasz")
    assert user.email is None and user.date_of_birth is None
    assert (user.role, user.status) == ("customer", "active")
    assert user.created_at == datetime(2019, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)  # no zone: UTC
    assert user.last_login == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    details = CustomerDetails.objects.get(user=user)
    assert details.address == "1 Main Street, Springfield"
    assert details.branch_code == "BR001"
    assert details.account_type == "checking"
    assert details.opened_on == date(2019, 3, 14)


def test_phone_is_normalised_to_e164_in_the_region_given(export):
    path = export(flask_row(1, phone_number="(212) 555-0101"), flask_row(2, phone_number="020 7946 0018"))

    with pytest.raises(CommandError):
        run_import(path)  # a London number is not a valid US one
    run_import(path, "--phone-region", "GB", "--skip-invalid")

    assert User.objects.get(account_number="100000000002").phone == "+442079460018"


def test_phone_with_its_country_code_is_kept_whatever_the_region(export):
    run_import(export(flask_row(1, phone_number="+44 20 7946 0018")))

    assert User.objects.get().phone == "+442079460018"


def test_time_with_a_zone_is_kept_as_that_instant(export):
    run_import(export(flask_row(1, created_at="2020-01-02 03:04:05+02:00")))

    assert User.objects.get().created_at == datetime(2020, 1, 2, 1, 4, 5, tzinfo=UTC)


def test_missing_optional_values_are_left_empty(export):
    run_import(
        export(flask_row(1, phone_number=None, address=None, branch_code=None, bank_account_type=None, last_login=None))
    )

    user = User.objects.get()
    assert user.phone is None and user.last_login is None
    assert (user.legacy_details.address, user.legacy_details.branch_code, user.legacy_details.account_type) == (
        "",
        "",
        "",
    )


def test_each_customer_gets_a_current_account_with_the_same_number(export, settings):
    run_import(export(flask_row(1), flask_row(2)))

    accounts = Account.objects.filter(number__in=["100000000001", "100000000002"])
    assert sorted(account.holder.account_number for account in accounts) == ["100000000001", "100000000002"]
    assert {account.currency for account in accounts} == {settings.DEFAULT_CURRENCY}


def test_bcrypt_hash_is_stored_as_given_under_the_legacy_hasher(export):
    run_import(export(flask_row(1)))

    assert User.objects.get().password == "bcrypt$" + CHEAP_HASH


def test_age_gender_and_login_attempt_counters_are_not_carried_over_and_the_report_says_so(export):
    out, _ = run_import(export(flask_row(1)))

    assert "age and gender" in out and "data minimisation" in out
    assert "login_attempts and last_failed_attempt" in out
    user_row = User.objects.filter(account_number="100000000001").values().get()
    assert "42" not in {str(value) for value in user_row.values()}
    assert "female" not in {str(value) for value in user_row.values()}


# Passwords ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "plaintext-password", "$2b$03$" + "a" * 53, "$2b$12$tooshort"])
def test_row_without_a_usable_hash_imports_a_customer_who_cannot_log_in_and_is_counted(export, value):
    out, _ = run_import(export(flask_row(1, password_hash=value), flask_row(2)))

    assert not User.objects.get(account_number="100000000001").has_usable_password()
    assert User.objects.get(account_number="100000000002").has_usable_password()
    assert "without a usable password:               1" in out
    assert import_events().get().changes["without_usable_password"] == 1


def test_unusable_hash_is_reported_by_line_without_repeating_it(export):
    _, err = run_import(export(flask_row(1), flask_row(2, password_hash="plaintext-password")))

    assert "line 3: password_hash is not a bcrypt hash" in err
    assert "plaintext-password" not in err


def test_hash_of_a_slow_cost_is_kept_with_a_warning(export):
    slow = "$2b$20$" + CHEAP_HASH[7:]  # well-formed; never checked here (it would take minutes)

    out, err = run_import(export(flask_row(1, password_hash=slow)))

    assert User.objects.get().password == "bcrypt$" + slow
    assert "line 2: password_hash has bcrypt cost 20: checking it at a login takes about 64 s" in err
    assert "without a usable password:               0" in out


def test_no_hash_is_ever_printed(export):
    out, err = run_import(export(flask_row(1), flask_row(1)), "--skip-invalid")

    assert CHEAP_HASH not in out + err
    assert CHEAP_HASH[7:29] not in out + err  # not even its salt


# Invalid rows -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("phone_number", "(555) 0100", "phone_number '(555) 0100' is not a valid phone number for region US"),
        ("date_of_account_opening", "2019-02-30", "date_of_account_opening '2019-02-30' is not a date (YYYY-MM-DD)"),
        ("date_of_account_opening", "14/03/2019", "date_of_account_opening '14/03/2019' is not a date (YYYY-MM-DD)"),
        ("account_number", "12345", "account_number '12345' is not 12 digits"),
        ("account_number", "10000000000A", "account_number '10000000000A' is not 12 digits"),
        ("created_at", "yesterday", "created_at 'yesterday' is not a date and time"),
        ("bank_account_type", "crypto", "bank_account_type 'crypto' is not one of savings, checking, business"),
        ("first_name", "R2D2", "first_name 'R2D2' is not a valid name: may contain only letters"),
        ("last_name", None, "last_name is missing"),
        ("branch_code", "B" * 11, "branch_code is 11 characters long, more than 10"),
    ],
)
def test_bad_row_on_line_n_aborts_the_run_with_line_n_and_the_reason_and_writes_nothing(export, column, value, reason):
    path = export(flask_row(1), flask_row(2), flask_row(3, **{column: value}), flask_row(4))

    err = StringIO()

    with pytest.raises(CommandError, match="1 invalid row"):
        call_command("import_customers", path, stdout=StringIO(), stderr=err)

    assert f"line 4: {reason}" in err.getvalue()
    assert not User.objects.filter(account_number__startswith="1000000000").exists()
    assert not CustomerDetails.objects.exists()
    assert not import_events().exists()


def test_line_numbers_count_lines_of_the_file_when_an_address_spans_two(export):
    path = export(flask_row(1, address="1 Main Street\nSpringfield"), flask_row(2, phone_number="nope"))
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_customers", path, stdout=StringIO(), stderr=err)

    assert err.getvalue().startswith("line 4: phone_number 'nope'")


def test_skip_invalid_imports_the_other_rows_and_lists_each_invalid_line(export):
    path = export(flask_row(1, phone_number="x"), flask_row(2), flask_row(3, account_number="1"), flask_row(4))

    out, err = run_import(path, "--skip-invalid")

    assert err.splitlines() == [
        "line 2: phone_number 'x' is not a valid phone number for region US",
        "line 4: account_number '1' is not 12 digits",
    ]
    assert sorted(User.objects.values_list("account_number", flat=True)) == ["100000000002", "100000000004"]
    assert "invalid (skipped):                       2" in out


def test_a_number_repeated_in_the_file_makes_its_second_row_invalid(export):
    path = export(flask_row(1), flask_row(1, first_name="Other"))
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_customers", path, stdout=StringIO(), stderr=err)

    assert "line 3: account_number 100000000001 already appears on line 2" in err.getvalue()


def test_row_with_too_few_fields_is_invalid(export, tmp_path):
    path = export(flask_row(1))
    with open(path, "a") as file:
        file.write("100000000009,Ada\n")
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_customers", path, stdout=StringIO(), stderr=err)

    assert "line 3: has 2 fields; the header has 15" in err.getvalue()


def test_file_that_is_not_the_flask_export_is_refused_before_any_row(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("email,password\nada@example.com,secret\n")

    with pytest.raises(CommandError, match=r"line 1 is not the Flask export's header \(missing account_number"):
        run_import(str(path))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run_import(str(tmp_path / "absent.csv"))


def test_file_and_from_db_together_are_refused(export):
    with pytest.raises(CommandError, match="either FILE or --from-db"):
        run_import(export(flask_row(1)), "--from-db", "postgres://localhost/x", "--table", "t")


def test_unknown_phone_region_is_refused(export):
    with pytest.raises(CommandError, match="--phone-region 'XX'"):
        run_import(export(flask_row(1)), "--phone-region", "XX")


# Dry run, re-runs, conflicts ----------------------------------------------------------------------


def test_dry_run_validates_everything_and_writes_nothing_not_even_an_audit_event(export):
    out, _ = run_import(export(flask_row(1), flask_row(2)), "--dry-run")

    assert "nothing was written" in out
    assert "to import:                               2" in out
    assert not User.objects.exists()
    assert not Account.objects.exists()
    assert not import_events().exists()


def test_dry_run_with_an_invalid_row_fails_as_the_import_would(export):
    with pytest.raises(CommandError, match="1 invalid row"):
        run_import(export(flask_row(1, phone_number="x")), "--dry-run")


def test_rerun_skips_customers_already_imported_and_changes_nothing(export):
    path = export(flask_row(1), flask_row(2, password_hash=None))
    run_import(path)
    before = list(User.objects.order_by("account_number").values())

    out, err = run_import(path)

    assert "already imported (skipped):              2" in out
    assert "imported:                                0" in out
    assert err == ""
    assert list(User.objects.order_by("account_number").values()) == before
    assert import_events().count() == 1  # the second run wrote nothing, so no event


def test_rerun_imports_only_the_new_rows(export):
    run_import(export(flask_row(1)))

    out, _ = run_import(export(flask_row(1), flask_row(2), name="later.csv"))

    assert "imported:                                1" in out
    assert User.objects.count() == 2
    assert import_events().count() == 2


def test_same_number_with_other_data_is_a_conflict_left_untouched(export):
    run_import(export(flask_row(1), flask_row(2)))

    out, err = run_import(
        export(flask_row(1, address="2 Elm Street"), flask_row(2, password_hash=CHEAP_HASH[:-1] + "x"), name="b.csv")
    )

    assert "line 2: account number 100000000001 is already taken and differs in address" in err
    assert "line 3: account number 100000000002 is already taken and differs in password_hash" in err
    assert "conflicts (not touched):                 2" in out
    assert User.objects.get(account_number="100000000001").legacy_details.address == "1 Main Street, Springfield"


def test_conflicts_do_not_change_the_exit_status(export):
    registered_customer("100000000001")

    run_import(export(flask_row(1), flask_row(2)))  # no CommandError: exit status 0

    assert User.objects.filter(account_number="100000000002").exists()


def test_number_of_a_customer_who_was_not_imported_is_a_conflict(export):
    registered_customer("100000000001")

    _, err = run_import(export(flask_row(1)))

    assert (
        "account number 100000000001 is already taken and the number belongs to a customer who was not imported" in err
    )
    assert User.objects.get(account_number="100000000001").email.endswith("@example.com")


def test_login_and_rehash_since_the_import_is_not_a_conflict(export):
    path = export(flask_row(1))
    run_import(path)
    user = User.objects.get()
    user.set_password("a new password of theirs")
    user.last_login = datetime(2025, 1, 1, tzinfo=UTC)
    user.save()

    out, err = run_import(path)

    assert "already imported (skipped):              1" in out and err == ""


# The audit trail and the write --------------------------------------------------------------------


def test_import_writes_one_customers_imported_event_holding_the_counts(export):
    run_import(export(flask_row(1), flask_row(2, phone_number="x"), flask_row(3, password_hash=None)), "--skip-invalid")

    event = import_events().get()
    assert event.actor is None and event.actor_label == "system"
    assert event.changes == {
        "source": "file customers.csv",
        "rows_read": 3,
        "imported": 2,
        "already_imported": 0,
        "conflicts": 0,
        "invalid": 1,
        "without_usable_password": 1,
    }


def test_number_taken_while_the_import_runs_aborts_it_and_writes_nothing(export):
    plan = import_plan(csv_rows(Path(export(flask_row(1), flask_row(2)))), source="test")
    registered_customer("100000000002")  # a registration that got in between

    with pytest.raises(ImportAborted, match="nothing was written"):
        import_write(plan)

    assert not User.objects.filter(account_number="100000000001").exists()
    assert not import_events().exists()


@pytest.mark.django_db(transaction=True)
def test_operator_runs_it_as_a_command_exit_status_1_and_no_traceback_on_a_bad_row(export):
    path = export(flask_row(1), flask_row(2, date_of_account_opening="2019-13-01"))

    aborted = manage("import_customers", path)
    imported = manage("import_customers", path, "--skip-invalid")

    assert aborted.returncode == 1
    assert "line 3: date_of_account_opening '2019-13-01' is not a date" in aborted.stderr
    assert "Traceback" not in aborted.stderr
    assert imported.returncode == 0, imported.stderr
    assert "imported:                                1" in imported.stdout
    assert list(User.objects.values_list("account_number", flat=True)) == ["100000000001"]


def test_file_that_is_not_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "latin1.csv"
    write_export(path, [flask_row(1, first_name="Zoë")])
    path.write_bytes(path.read_bytes().replace("ë".encode(), "ë".encode("latin-1")))

    with pytest.raises(CommandError, match="is not UTF-8 text"):
        run_import(str(path))


def test_empty_file_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")

    with pytest.raises(CommandError, match="is empty: the first line must be the header"):
        run_import(str(path))


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(export):
    path = export(flask_row(1))
    terminal = Terminal()

    call_command("import_customers", path, "--dry-run", stdout=terminal, stderr=StringIO())
    plain, _ = run_import(path, "--dry-run")

    assert "\rchecking  [" in terminal.getvalue()
    assert "\r" not in plain
