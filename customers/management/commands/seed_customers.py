"""
`manage.py seed_customers N [--batch-size 5000]`

Adds N realistic fake customers in bulk, for demos and benchmarks. Names come from pools drawn
from Faker once (a few locales) and combined at random, so a large run does not call Faker per row.
Emails are the name plus a suffix unique to this run (a random run id and a counter), on the
reserved example domains. Account numbers are issued like any other (random, Luhn check digit);
a number already taken in the database makes that batch retry with fresh numbers inside a savepoint.

Seeded customers have an unusable password (nothing is hashed): they cannot log in until staff set
one. No signal is sent and no audit event is written: this is fixture data, not a staff action.
"""

import random
import time
import unicodedata
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction
from django.utils import timezone
from faker import Faker

from accounts.account_numbers import generate_account_number
from accounts.bulk import explicit_timestamps, unusable_password
from accounts.models import Role, Status, User
from accounts.validators import normalize_name, validate_name
from ledger.services import accounts_open_in_bulk

DEFAULT_BATCH_SIZE = 5000
MAX_BATCH_SIZE = 50_000
NAME_POOL_SIZE = 2000
BATCH_ATTEMPTS = 10
# Roughly what a retail bank's book looks like: nearly everyone active, a few frozen, a few closed.
STATUS_WEIGHTS = ((Status.ACTIVE.value, 97), (Status.FROZEN.value, 2), (Status.CLOSED.value, 1))
CREATED_OVER_DAYS = 3 * 365
MIN_AGE_YEARS, MAX_AGE_YEARS = 18, 90
# RFC 2606 reserved domains: no seeded address can ever reach a real mailbox.
EMAIL_DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com", "bank.example"]
# Faker locale -> (country code, leading national digits, national digits): mobile-looking E.164
# numbers of the customer's country.
LOCALE_PHONE_PLANS = {
    "en_GB": ("44", "7", 10),
    "en_US": ("1", "", 10),
    "de_DE": ("49", "15", 11),
    "fr_FR": ("33", "6", 9),
    "es_ES": ("34", "6", 9),
    "it_IT": ("39", "3", 10),
    "nl_NL": ("31", "6", 9),
    "pl_PL": ("48", "5", 9),
}
PROGRESS_BAR_WIDTH = 30
# Letters that Unicode does not decompose into an ASCII base letter plus marks.
TRANSLITERATIONS = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "Ae",
        "œ": "oe",
        "Œ": "Oe",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise CommandError(f"N must be a positive integer, got {value!r}")
    return number


def email_local_part(name: str) -> str:
    """The ASCII letters of a name, lower-cased: 'Zoë O'Brien-Łukasz' -> 'zoeobrienlukasz'."""
    ascii_name = unicodedata.normalize("NFKD", name.translate(TRANSLITERATIONS)).encode("ascii", "ignore").decode()
    return "".join(char for char in ascii_name.lower() if char.isalnum())


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    encoded = ""
    while True:
        number, remainder = divmod(number, 36)
        encoded = digits[remainder] + encoded
        if number == 0:
            return encoded


class CustomerFactory:
    """Builds unsaved customers from precomputed pools; each instance has its own run id."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.run_id = uuid.uuid4().hex[:10]
        self.counter = 0
        self.issued_numbers: set[str] = set()
        self.name_pools = self._name_pools()
        self.now = timezone.now()
        self.today = self.now.date()

    def _name_pools(self) -> list[tuple[list[tuple[str, str]], list[tuple[str, str]], tuple[str, str, int]]]:
        """
        Per locale, so that a customer's first and last names (and phone number) come from one
        country: (first names, last names, phone plan).
        """
        per_locale = max(1, NAME_POOL_SIZE // len(LOCALE_PHONE_PLANS))
        pools = []
        for locale, phone_plan in LOCALE_PHONE_PLANS.items():
            faker = Faker(locale)
            faker.seed_instance(self.rng.getrandbits(64))
            pools.append(
                (self._pool(faker.first_name, per_locale), self._pool(faker.last_name, per_locale), phone_plan)
            )
        return pools

    @staticmethod
    def _pool(draw: Callable[[], str], size: int) -> list[tuple[str, str]]:
        """Up to `size` distinct (name, email part) pairs that pass the API's own name rules."""
        names: dict[str, str] = {}
        for _ in range(size * 20):
            if len(names) >= size:
                break
            name = normalize_name(draw())
            try:
                validate_name(name)
            except ValidationError:
                continue
            local = email_local_part(name)
            if local:
                names.setdefault(name, local)
        return list(names.items())

    def account_number(self) -> str:
        while True:
            number = generate_account_number()
            if number not in self.issued_numbers:
                self.issued_numbers.add(number)
                return number

    def phone(self, plan: tuple[str, str, int]) -> str:
        country, prefix, length = plan
        if country == "1":  # NANP: area code and exchange must not start with 0 or 1
            prefix = f"{self.rng.randint(2, 9)}{self.rng.randint(0, 99):02d}{self.rng.randint(2, 9)}"
        rest = length - len(prefix)
        return f"+{country}{prefix}{self.rng.randrange(10**rest):0{rest}d}"

    def date_of_birth(self) -> date:
        oldest = self.today - timedelta(days=MAX_AGE_YEARS * 365 + 20)  # still 90 at most
        youngest = self.today - timedelta(days=MIN_AGE_YEARS * 366 + 5)  # already 18
        return oldest + timedelta(days=self.rng.randrange((youngest - oldest).days))

    def created_at(self) -> datetime:
        return self.now - timedelta(seconds=self.rng.random() * CREATED_OVER_DAYS * 86400)

    def build(self, count: int) -> list[User]:
        statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
        chosen_statuses = self.rng.choices(statuses, weights=weights, k=count)
        users = []
        for status in chosen_statuses:
            first_names, last_names, phone_plan = self.rng.choice(self.name_pools)
            first, first_local = self.rng.choice(first_names)
            last, last_local = self.rng.choice(last_names)
            self.counter += 1
            created = self.created_at()
            users.append(
                User(
                    account_number=self.account_number(),
                    email=f"{first_local}.{last_local}.{self.run_id}{base36(self.counter)}@{self.rng.choice(EMAIL_DOMAINS)}",
                    first_name=first,
                    last_name=last,
                    phone=self.phone(phone_plan),
                    date_of_birth=self.date_of_birth(),
                    role=Role.CUSTOMER,
                    status=status,
                    password=unusable_password(),
                    created_at=created,
                    updated_at=created,
                )
            )
        return users

    def renumber(self, users: list[User]) -> None:
        for user in users:
            self.issued_numbers.discard(user.account_number)
            user.account_number = self.account_number()


class Command(BaseCommand):
    help = "Add N realistic fake customers in bulk (unusable passwords), for demos and benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", metavar="N", help="how many customers to add (a positive integer)")
        parser.add_argument(
            "--batch-size",
            default=str(DEFAULT_BATCH_SIZE),
            help=f"rows per INSERT and transaction (default {DEFAULT_BATCH_SIZE}, at most {MAX_BATCH_SIZE})",
        )

    def handle(self, *args: object, count: str, batch_size: str, **options: object) -> None:
        total = positive_int(count)
        try:
            batch = int(batch_size)
        except ValueError:
            batch = 0
        if not 1 <= batch <= MAX_BATCH_SIZE:
            raise CommandError(f"--batch-size must be an integer from 1 to {MAX_BATCH_SIZE}, got {batch_size!r}")

        started = time.monotonic()
        factory = CustomerFactory(random.Random())  # noqa: S311 (fake data, not secrets)
        interactive = self.stdout.isatty()
        created = 0
        with explicit_timestamps():
            while created < total:
                size = min(batch, total - created)
                self._insert_batch(factory, factory.build(size))
                created += size
                if interactive:
                    self._progress(created, total, started)
        elapsed = time.monotonic() - started
        if interactive:
            self.stdout.write("")
        self.stdout.write(f"created {created} customers in {elapsed:.1f} s ({created / max(elapsed, 1e-9):,.0f}/s)")

    def _insert_batch(self, factory: CustomerFactory, users: list[User]) -> None:
        """One transaction per batch; a taken account number retries the batch in a savepoint."""
        with transaction.atomic():
            for attempt in range(BATCH_ATTEMPTS):
                try:
                    with transaction.atomic():
                        User.objects.bulk_create(users, batch_size=len(users))
                        accounts_open_in_bulk(holders=users)
                    return
                except IntegrityError as exc:
                    if attempt == BATCH_ATTEMPTS - 1:
                        raise CommandError(f"could not insert a batch after {BATCH_ATTEMPTS} attempts: {exc}") from exc
                    factory.renumber(users)

    def _progress(self, done: int, total: int, started: float) -> None:
        filled = PROGRESS_BAR_WIDTH * done // total
        elapsed = time.monotonic() - started
        rate = done / elapsed if elapsed > 0 else 0.0
        bar = "#" * filled + "." * (PROGRESS_BAR_WIDTH - filled)
        self.stdout.write(f"\r[{bar}] {done:,}/{total:,} ({100 * done // total}%) {rate:,.0f}/s", ending="")
        self.stdout.flush()
