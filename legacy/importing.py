"""
Provides the import of customers from the Flask service (`manage.py import_customers`).

An import runs in two steps. `import_plan` reads every row of the source (the Flask table's CSV
export, or the table itself), validates it, and sorts it by what this database already holds: to
import, already imported (the same data), a conflict (the same account number, other data), or
invalid (with its line and the reason). `import_write` then writes the customers to import in bulk
in one transaction, with their ledger accounts and the run's one `customers_imported` audit event,
so that a run keeps everything or nothing. No password is hashed: a bcrypt hash is stored as the
Flask service made it and verified by accounts.hashers.LegacyBCryptPasswordHasher, which Django
replaces with BCryptSHA256 on the customer's first successful login.
"""

import csv
import functools
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import phonenumbers
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.bulk import explicit_timestamps, unusable_password
from accounts.models import Role, Status, User
from accounts.validators import normalize_name, validate_name
from audit.models import Action
from audit.services import SYSTEM_ACTOR, audit_record
from ledger.services import accounts_open_in_bulk
from legacy.models import ADDRESS_MAX_LENGTH, BRANCH_CODE_MAX_LENGTH, AccountType, CustomerDetails

# The Flask table's columns, in its own order (app/models.py there).
COLUMNS = (
    "account_number",
    "first_name",
    "last_name",
    "age",
    "gender",
    "phone_number",
    "address",
    "bank_account_type",
    "date_of_account_opening",
    "branch_code",
    "password_hash",
    "created_at",
    "last_login",
    "login_attempts",
    "last_failed_attempt",
)
# Read, and deliberately dropped: age and gender (data minimisation), and the Flask service's own
# failed-login counter (this service counts failed logins itself, accounts.lockout).
NOT_CARRIED_OVER = ("age", "gender", "login_attempts", "last_failed_attempt")
NULL = "NULL"  # what the export writes for a missing value (psql \copy ... NULL 'NULL')
DEFAULT_PHONE_REGION = "US"
BATCH_SIZE = 5000  # rows per INSERT, and account numbers per lookup
SHOWN_VALUE_LENGTH = 24  # how much of a bad value a message repeats

ACCOUNT_NUMBER = re.compile(r"[0-9]{12}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
)
# A bcrypt hash as the Flask service's bcrypt made it (and the PHP and OpenBSD variants):
# version, cost 4 to 31, then 22 characters of salt and 31 of checksum in bcrypt's base64.
BCRYPT_HASH = re.compile(r"\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}")
# Above this cost a bcrypt check takes seconds (cost 12, the Flask service's, about 0.25 s).
SLOW_BCRYPT_COST = 16
LEGACY_HASHER_PREFIX = "bcrypt$"  # accounts.hashers.LegacyBCryptPasswordHasher.algorithm
# Unicode's control characters (category Cc) but tab and line breaks: an address may have several lines.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
ACCOUNT_TYPES = frozenset(AccountType.values)
NAME_CACHE_SIZE = 65_536  # names repeat (first names above all): each distinct one is checked once


class SourceError(Exception):
    """The source cannot be read at all (no such file, no such table, not the Flask export)."""


class ImportAborted(Exception):
    """Nothing was written: the database refused the write (e.g. a number taken meanwhile)."""


@dataclass(frozen=True)
class Customer:
    """A valid row: what this service keeps of one Flask customer."""

    line: int
    account_number: str
    first_name: str
    last_name: str
    phone: str | None
    address: str
    branch_code: str
    account_type: str
    opened_on: date | None
    password: str | None  # "bcrypt$<hash as given>", None when the row has no usable hash
    created_at: datetime | None
    last_login: datetime | None
    password_warning: str | None = None  # what the operator should know about the row's hash


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass(frozen=True)
class Conflict:
    line: int
    account_number: str
    reason: str


@dataclass
class ImportPlan:
    """What a run would do; `import_write` does it."""

    source: str  # "file customers.csv" or "table public.customers": never a URL or a password
    unit: str  # how rows are numbered in messages: "line" (the file's, header = 1) or "row"
    rows_read: int = 0
    to_import: list[Customer] = field(default_factory=list)
    already_imported: list[Customer] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    invalid: list[RowProblem] = field(default_factory=list)

    @property
    def without_password(self) -> list[Customer]:
        """The customers to import who cannot log in until a password is set."""
        return [customer for customer in self.to_import if customer.password is None]

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "imported": len(self.to_import),
            "already_imported": len(self.already_imported),
            "conflicts": len(self.conflicts),
            "invalid": len(self.invalid),
            "without_usable_password": len(self.without_password),
        }


Progress = Callable[[str, int, int | None], None]


# Reading ------------------------------------------------------------------------------------------


def csv_rows(path: Path, *, progress: Progress | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """
    The data rows of the Flask CSV export as (line, {column: value}), `line` being the file's line
    on which the row starts (the header is line 1). A row with the wrong number of fields comes as
    {"__fields__": count}, for the validation to report.
    """
    try:
        raw = path.open("rb")
    except FileNotFoundError as error:
        raise SourceError(f"{path}: no such file") from error
    except IsADirectoryError as error:
        raise SourceError(f"{path} is a directory, not a CSV file") from error
    except OSError as error:
        raise SourceError(f"{path} cannot be read: {error.strerror}") from error
    size = path.stat().st_size
    with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text, skipinitialspace=True)
        line = 1
        try:
            header = next(reader, None)
            if header is None:
                raise SourceError(f"{path} is empty: the first line must be the header ({', '.join(COLUMNS)})")
            columns = _check_header([name.strip() for name in header])
            for values in reader:
                start, line = line + 1, reader.line_num
                if not values:
                    continue  # a blank line
                if len(values) != len(columns):
                    yield start, {"__fields__": len(values)}
                else:
                    yield start, dict(zip(columns, values, strict=True))
                if progress is not None and start % 1000 == 0:
                    progress("reading", raw.tell(), size)
        except UnicodeDecodeError as error:
            raise SourceError(f"{path} is not UTF-8 text (after line {line})") from error
        except csv.Error as error:
            raise SourceError(f"{path}, line {reader.line_num}: not valid CSV ({error})") from error


def _check_header(columns: list[str]) -> list[str]:
    missing = [name for name in COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in COLUMNS]
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown {', '.join(repr(_shown(name)) for name in unknown)}")
    if duplicated:
        problems.append(f"repeated {', '.join(duplicated)}")
    if problems:
        raise SourceError(
            f"line 1 is not the Flask export's header ({'; '.join(problems)}); expected: {', '.join(COLUMNS)}"
        )
    return columns


def table_rows(url: str, table: str, *, progress: Progress | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """
    The rows of the Flask service's customer table in PostgreSQL, in account number order, as
    (row, {column: value}) with `row` counted from 1. Read through a server-side cursor in a
    read-only transaction, so memory stays flat and the source is never changed.
    """
    import psycopg
    from psycopg import sql

    parts = table.split(".")
    if not 1 <= len(parts) <= 2 or not all(parts):
        raise SourceError(f"--table must be NAME or SCHEMA.NAME, got {_shown(table)!r}")
    name = sql.Identifier(*parts)
    try:
        connection = psycopg.connect(url, connect_timeout=10, application_name="import_customers")
    except psycopg.Error as error:
        raise SourceError(f"cannot connect to the source database: {_first_line(error)}") from error
    except Exception as error:  # a malformed URL is psycopg's ProgrammingError or a ValueError
        raise SourceError(f"--from-db is not a usable PostgreSQL URL: {_first_line(error)}") from error
    with connection:
        connection.read_only = True
        try:
            with connection.cursor() as probe:
                probe.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(name))
                present = {column.name for column in probe.description or ()}
                missing = [column for column in COLUMNS if column not in present]
                if missing:
                    raise SourceError(f"table {table} lacks the Flask table's columns: {', '.join(missing)}")
                probe.execute(sql.SQL("SELECT count(*) FROM {}").format(name))
                total = probe.fetchone()[0]
            query = sql.SQL("SELECT {} FROM {} ORDER BY account_number").format(
                sql.SQL(", ").join(sql.Identifier(column) for column in COLUMNS), name
            )
            with connection.cursor(name="import_customers") as cursor:
                cursor.itersize = BATCH_SIZE
                cursor.execute(query)
                for number, values in enumerate(cursor, start=1):
                    yield number, dict(zip(COLUMNS, values, strict=True))
                    if progress is not None and number % 1000 == 0:
                        progress("reading", number, total)
        except psycopg.errors.UndefinedTable as error:
            raise SourceError(f"table {table} does not exist in the source database") from error
        except psycopg.errors.InsufficientPrivilege as error:
            raise SourceError(f"the source database refuses to let this role read table {table}") from error
        except psycopg.Error as error:
            raise SourceError(f"reading table {table} failed: {_first_line(error)}") from error


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


# Validating ---------------------------------------------------------------------------------------


class InvalidRow(Exception):
    """One row's reason for being invalid."""


def _shown(value: Any) -> str:
    """A value as a message may repeat it: printable, and cut short."""
    text = "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in str(value))
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[: SHOWN_VALUE_LENGTH - 1] + "…"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in ("", NULL))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value)


def _account_number(value: Any) -> str:
    if _missing(value):
        raise InvalidRow("account_number is missing")
    number = _text(value)
    if not ACCOUNT_NUMBER.fullmatch(number):
        raise InvalidRow(f"account_number {_shown(number)!r} is not 12 digits")
    return number


def _name(column: str, value: Any) -> str:
    if _missing(value):
        raise InvalidRow(f"{column} is missing")
    name, problem = _checked_name(_text(value))
    if problem is not None:
        raise InvalidRow(f"{column} {_shown(name)!r} is not a valid name: {problem}")
    return name


@functools.lru_cache(maxsize=NAME_CACHE_SIZE)
def _checked_name(text: str) -> tuple[str, str | None]:
    """The name as the project keeps names (accounts.validators), and what is wrong with it, if anything."""
    name = normalize_name(text)
    try:
        validate_name(name)
    except ValidationError as error:
        message = error.messages[0].rstrip(".")
        return name, message[0].lower() + message[1:]
    return name, None


def _phone(value: Any, region: str) -> str | None:
    if _missing(value):
        return None
    text = _text(value)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    # Valid for the region itself (the common case, and the cheaper check), or for another country.
    if number is None or not (
        phonenumbers.is_valid_number_for_region(number, region) or phonenumbers.is_valid_number(number)
    ):
        raise InvalidRow(f"phone_number {_shown(text)!r} is not a valid phone number for region {region}")
    if number.extension:
        raise InvalidRow(f"phone_number {_shown(text)!r} has an extension, which an E.164 number cannot hold")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _free_text(column: str, value: Any, max_length: int) -> str:
    if _missing(value):
        return ""
    text = _text(value)
    if len(text) > max_length:
        raise InvalidRow(f"{column} is {len(text)} characters long, more than {max_length}")
    if CONTROL_CHARACTERS.search(text):
        raise InvalidRow(f"{column} contains control characters")
    return text


def _account_type(value: Any) -> str:
    if _missing(value):
        return ""
    text = _text(value)
    if text.lower() not in ACCOUNT_TYPES:
        raise InvalidRow(f"bank_account_type {_shown(text)!r} is not one of {', '.join(AccountType.values)}")
    return text.lower()


def _date(column: str, value: Any, now: datetime) -> date | None:
    if _missing(value):
        return None
    if isinstance(value, datetime):  # a timestamp column where a date was expected
        raise InvalidRow(f"{column} {_shown(value)!r} is a time, not a date")
    if isinstance(value, date):
        parsed = value
    else:
        text = _text(value)
        try:
            parsed = date.fromisoformat(text) if DATE.fullmatch(text) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise InvalidRow(f"{column} {_shown(text)!r} is not a date (YYYY-MM-DD)")
    if parsed > now.date():
        raise InvalidRow(f"{column} {parsed.isoformat()!r} is in the future")
    return parsed


def _datetime(column: str, value: Any, now: datetime) -> datetime | None:
    if _missing(value):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        raise InvalidRow(f"{column} {_shown(value)!r} is a date without a time")
    else:
        text = _text(value)
        try:
            parsed = datetime.fromisoformat(text) if DATETIME.fullmatch(text) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise InvalidRow(f"{column} {_shown(text)!r} is not a date and time (YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM])")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # the Flask service wrote datetime.utcnow()
    if parsed > now:
        raise InvalidRow(f"{column} {parsed.isoformat()!r} is in the future")
    return parsed


def _password(value: Any) -> tuple[str | None, str | None]:
    """
    The password to store ("bcrypt$" and the hash as given) or None, and a warning: why a given
    hash was not usable, or that its cost makes each login check slow (it is kept all the same: the
    first login replaces it, and the lockout bounds how many checks an attacker can cause).
    """
    if _missing(value):
        return None, None
    text = _text(value)
    if not BCRYPT_HASH.fullmatch(text):
        return None, (
            "password_hash is not a bcrypt hash ($2a$, $2b$ or $2y$, cost 4 to 31); "
            "the customer is imported without a usable password"
        )
    cost = int(text[4:6])
    if cost > SLOW_BCRYPT_COST:
        seconds = 2 ** (cost - 12) / 4  # cost 12 takes about a quarter of a second
        return LEGACY_HASHER_PREFIX + text, (
            f"password_hash has bcrypt cost {cost}: checking it at a login takes about {seconds:,.0f} s "
            "of CPU until the first successful login re-hashes it; imported as it is"
        )
    return LEGACY_HASHER_PREFIX + text, None


def customer_from_row(line: int, row: dict[str, Any], *, region: str, now: datetime) -> Customer:
    """The customer a row describes; raises InvalidRow with the first reason it is not valid."""
    if "__fields__" in row:
        raise InvalidRow(f"has {row['__fields__']} fields; the header has {len(COLUMNS)}")
    password, password_warning = _password(row["password_hash"])
    return Customer(
        line=line,
        account_number=_account_number(row["account_number"]),
        first_name=_name("first_name", row["first_name"]),
        last_name=_name("last_name", row["last_name"]),
        phone=_phone(row["phone_number"], region),
        address=_free_text("address", row["address"], ADDRESS_MAX_LENGTH),
        branch_code=_free_text("branch_code", row["branch_code"], BRANCH_CODE_MAX_LENGTH),
        account_type=_account_type(row["bank_account_type"]),
        opened_on=_date("date_of_account_opening", row["date_of_account_opening"], now),
        password=password,
        created_at=_datetime("created_at", row["created_at"], now),
        last_login=_datetime("last_login", row["last_login"], now),
        password_warning=password_warning,
    )


def phone_region_check(region: str) -> str:
    """The region code in capitals, if phonenumbers knows it."""
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise SourceError(f"--phone-region {_shown(region)!r} is not a region code phonenumbers knows (e.g. US, GB)")
    return code


# Planning -----------------------------------------------------------------------------------------


EXISTING_FIELDS = (
    "account_number",
    "first_name",
    "last_name",
    "phone",
    "password",
    "created_at",
    "last_login",
    "legacy_details__user",
    "legacy_details__address",
    "legacy_details__branch_code",
    "legacy_details__account_type",
    "legacy_details__opened_on",
)


def import_plan(
    rows: Iterable[tuple[int, dict[str, Any]]],
    *,
    source: str,
    unit: str = "line",
    region: str = DEFAULT_PHONE_REGION,
    progress: Progress | None = None,
) -> ImportPlan:
    """
    Validate every row and sort it against the database (reads only): to import, already imported,
    conflict or invalid. An account number met twice in the source makes its second row invalid.
    """
    plan = ImportPlan(source=source, unit=unit)
    now = timezone.now()
    valid: list[Customer] = []
    first_seen: dict[str, int] = {}
    for line, row in rows:
        plan.rows_read += 1
        try:
            customer = customer_from_row(line, row, region=region, now=now)
        except InvalidRow as reason:
            plan.invalid.append(RowProblem(line, str(reason)))
            continue
        earlier = first_seen.setdefault(customer.account_number, line)
        if earlier != line:
            plan.invalid.append(
                RowProblem(line, f"account_number {customer.account_number} already appears on {unit} {earlier}")
            )
            continue
        valid.append(customer)

    for start in range(0, len(valid), BATCH_SIZE):
        batch = valid[start : start + BATCH_SIZE]
        existing = {
            found["account_number"]: found
            for found in User.objects.filter(account_number__in=[customer.account_number for customer in batch])
            .values(*EXISTING_FIELDS)
            .iterator(chunk_size=BATCH_SIZE)
        }
        for customer in batch:
            found = existing.get(customer.account_number)
            if found is None:
                plan.to_import.append(customer)
                continue
            differences = _differences(customer, found)
            if differences is None:
                plan.already_imported.append(customer)
            else:
                plan.conflicts.append(Conflict(customer.line, customer.account_number, differences))
        if progress is not None:
            progress("checking", start + len(batch), len(valid))
    return plan


def _differences(customer: Customer, found: dict[str, Any]) -> str | None:
    """
    None when the customer in the database is this row as imported before; else what differs.
    What this service changes in ordinary use is not a difference: a password re-hashed on the
    first login (or changed since), and a later last login.
    """
    if found["legacy_details__user"] is None:
        return "the number belongs to a customer who was not imported from the Flask service"
    differing = [
        column
        for column, ours, theirs in (
            ("first_name", found["first_name"], customer.first_name),
            ("last_name", found["last_name"], customer.last_name),
            ("phone_number", found["phone"], customer.phone),
            ("address", found["legacy_details__address"], customer.address),
            ("branch_code", found["legacy_details__branch_code"], customer.branch_code),
            ("bank_account_type", found["legacy_details__account_type"], customer.account_type),
            ("date_of_account_opening", found["legacy_details__opened_on"], customer.opened_on),
        )
        if ours != theirs
    ]
    if customer.created_at is not None and found["created_at"] != customer.created_at:
        differing.append("created_at")
    if customer.last_login is not None and (found["last_login"] is None or found["last_login"] < customer.last_login):
        differing.append("last_login")
    stored = found["password"]
    if stored.startswith(LEGACY_HASHER_PREFIX):  # still the hash imported: is it this one?
        if stored != customer.password:
            differing.append("password_hash")
    elif stored.startswith(UNUSABLE_PASSWORD_PREFIX) and customer.password is not None:
        differing.append("password_hash")
    if not differing:
        return None
    return f"differs in {', '.join(differing)}"


# Writing ------------------------------------------------------------------------------------------


def import_write(plan: ImportPlan, *, progress: Progress | None = None) -> int:
    """
    Insert the plan's customers to import (users, their Flask details, their current accounts) and
    the run's `customers_imported` event, all in one transaction; returns how many were imported.
    A run with nothing to import writes nothing, not even the event. A number that someone else
    takes while this runs rolls everything back (ImportAborted).
    """
    customers = plan.to_import
    if not customers:
        return 0
    now = timezone.now()
    try:
        with transaction.atomic(), explicit_timestamps():
            for start in range(0, len(customers), BATCH_SIZE):
                batch = customers[start : start + BATCH_SIZE]
                users = [
                    User(
                        account_number=customer.account_number,
                        email=None,
                        first_name=customer.first_name,
                        last_name=customer.last_name,
                        phone=customer.phone,
                        role=Role.CUSTOMER,
                        status=Status.ACTIVE,
                        password=customer.password or unusable_password(),
                        created_at=customer.created_at or now,
                        updated_at=now,
                        last_login=customer.last_login,
                    )
                    for customer in batch
                ]
                _insert_users(users)
                _insert_details(
                    [
                        CustomerDetails(
                            user_id=user.pk,
                            address=customer.address,
                            branch_code=customer.branch_code,
                            account_type=customer.account_type,
                            opened_on=customer.opened_on,
                        )
                        for user, customer in zip(users, batch, strict=True)
                    ]
                )
                accounts_open_in_bulk(holders=users)
                if progress is not None:
                    progress("writing", start + len(batch), len(customers))
            audit_record(
                action=Action.CUSTOMERS_IMPORTED,
                actor_label=SYSTEM_ACTOR,
                changes={"source": plan.source, **plan.counts()},
            )
    except IntegrityError as error:
        raise ImportAborted(
            "the database refused the import, so nothing was written: an account number was taken "
            "while it ran (a registration, or another import at the same time). Run it again; the "
            f"number will be reported as a conflict. ({_first_line(error)})"
        ) from error
    return len(customers)


def _insert_users(users: list[User]) -> None:
    """Insert a batch of new users (see _copy) and set their ids."""
    if connection.vendor != "postgresql":
        User.objects.bulk_create(users, batch_size=BATCH_SIZE)
        return
    _copy(User, users)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT account_number, id FROM {connection.ops.quote_name(User._meta.db_table)} "  # noqa: S608  # nosec B608 - a model's table name; the numbers go as a parameter
            "WHERE account_number = ANY(%s)",
            [[user.account_number for user in users]],
        )
        ids = dict(cursor.fetchall())
    for user in users:
        user.pk = ids[user.account_number]
        user._state.adding = False
        user._state.db = connection.alias


def _insert_details(details: list[CustomerDetails]) -> None:
    if connection.vendor != "postgresql":
        CustomerDetails.objects.bulk_create(details, batch_size=BATCH_SIZE)
        return
    _copy(CustomerDetails, details)


def _copy(model: type, objects: list) -> None:
    """
    Insert unsaved instances of `model` with PostgreSQL's COPY: about twice as fast as
    bulk_create's INSERT for the import's tables (docs/migration.md, How fast). The values go as
    they are on the instances, which holds for these models' plain fields (text, numbers, dates and
    times, a UUID, a user id); a generated column (`search_name`) and an auto-incremented id are
    the database's to fill in. Elsewhere (SQLite for `make run`) the callers use bulk_create.
    """
    from psycopg import sql

    fields = [
        field for field in model._meta.concrete_fields if field is not model._meta.auto_field and not field.generated
    ]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(sql.Identifier(field.column) for field in fields)
    )
    # Django's error wrapper around it, so that a taken number is an IntegrityError here too.
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for instance in objects:
            copy.write_row([getattr(instance, field.attname) for field in fields])
