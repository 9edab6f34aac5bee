#!/usr/bin/env python3
"""
Benchmark of `manage.py import_customers` (not a test: run it by hand).

    .venv/bin/python bench/import_customers.py                  # 100,000 rows
    .venv/bin/python bench/import_customers.py --rows 20000 --keep

Writes a Flask CSV export of N customers (unique account numbers, names and valid US phones from
small pools, a few bcrypt hashes of cost 12 computed once and shared, as the import never hashes),
creates the database `bankapi_importbench` afresh and migrates it, then times three runs of the
command, each as a subprocess (local settings with DEBUG off, standard output not a terminal): the dry run, the
import, and the same import again (everything already imported). It prints each run's wall time
and rows/s, checks the counts, and drops the database unless --keep. PostgreSQL is the server of
--server (default postgres://postgres@127.0.0.1:5432).
"""

import argparse
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import phonenumbers
import psycopg

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench.scratch_database import database_url, drop_database, recreate_database  # noqa: E402

# The Flask export's header, as the contract gives it (docs/migration.md).
COLUMNS = (
    "account_number,first_name,last_name,age,gender,phone_number,address,bank_account_type,"
    "date_of_account_opening,branch_code,password_hash,created_at,last_login,login_attempts,last_failed_attempt"
).split(",")

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
IMPORTED = re.compile(r"^  (?:imported|to import):\s+([0-9,]+)$", re.MULTILINE)
FIRST_NAMES = ["Ada", "Grace", "Alan", "Zoë", "José", "Ngozi", "Wei", "Priya", "Olav", "Siobhán", "Anne-Marie"]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "O'Brien", "García", "Okafor", "Zhang", "Patel", "Østergaard"]
ACCOUNT_TYPES = ["savings", "checking", "business", "Savings"]
AREA_CODES = ["212", "415", "617", "312", "206", "303", "512", "702", "808", "907"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="customers in the export (default 100000)")
    parser.add_argument("--db-name", default="bankapi_importbench", help="database (default bankapi_importbench)")
    parser.add_argument("--server", default=DEFAULT_SERVER, help=f"PostgreSQL server URL (default {DEFAULT_SERVER})")
    parser.add_argument("--keep", action="store_true", help="leave the database in place at the end")
    return parser.parse_args()


def phone_pool(rng: random.Random, size: int = 2000) -> list[str]:
    """Phone numbers as the Flask service kept them, each valid for region US."""
    pool: list[str] = []
    while len(pool) < size:
        raw = f"({rng.choice(AREA_CODES)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(raw, "US")):
            pool.append(raw)
    return pool


def write_export(path: Path, rows: int, rng: random.Random) -> None:
    hashes = [bcrypt.hashpw(f"password {i}".encode(), bcrypt.gensalt(rounds=12)).decode() for i in range(4)]
    phones = phone_pool(rng)
    numbers = rng.sample(range(10**11, 10**12), rows)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(",".join(COLUMNS) + "\n")
        for number in numbers:
            created = start + timedelta(seconds=rng.randrange(9 * 365 * 86400), microseconds=rng.randrange(10**6))
            last_login = created + timedelta(days=rng.randrange(300)) if rng.random() < 0.8 else None
            values = [
                f"{number:012d}",
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                str(rng.randint(18, 90)),
                rng.choice(["female", "male", "other"]),
                rng.choice(phones),
                f'"{rng.randint(1, 999)} Main Street, Springfield"',
                rng.choice(ACCOUNT_TYPES),
                created.date().isoformat(),
                f"BR{rng.randint(1, 999):03d}",
                rng.choice(hashes),
                created.strftime("%Y-%m-%d %H:%M:%S.%f"),
                last_login.strftime("%Y-%m-%d %H:%M:%S") if last_login else "NULL",
                str(rng.randint(0, 4)),
                "NULL",
            ]
            file.write(",".join(values) + "\n")


def manage(env: dict[str, str], *args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return elapsed, result


def main() -> None:
    args = parse_args()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankapi.settings.local",
        "DATABASE_URL": database_url(args.server, args.db_name),
        # DEBUG off, as in production (with DEBUG on, Django keeps the text of every query it runs).
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "LOG_LEVEL": "WARNING",
    }
    rng = random.Random(12)  # noqa: S311 - fake data
    with tempfile.TemporaryDirectory() as directory:
        export = Path(directory) / "customers.csv"
        started = time.monotonic()
        write_export(export, args.rows, rng)
        print(f"wrote {args.rows:,} rows ({export.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - started:.1f} s")
        recreate_database(args.server, args.db_name)
        try:
            manage(env, "migrate", "--verbosity", "0")
            print("| run | wall time (incl. Django start-up) | rows/s |\n|---|---:|---:|")
            for label, extra in (("dry run", ["--dry-run"]), ("import", []), ("re-run (all already imported)", [])):
                elapsed, result = manage(env, "import_customers", str(export), *extra)
                print(f"| {label} | {elapsed:.1f} s | {args.rows / elapsed:,.0f} |")
                imported = IMPORTED.search(result.stdout)
                expected = 0 if label.startswith("re-run") else args.rows
                counted = int(imported.group(1).replace(",", "")) if imported else None
                assert counted == expected, result.stdout
            with psycopg.connect(env["DATABASE_URL"]) as check:
                users = check.execute("SELECT count(*) FROM accounts_user").fetchone()[0]
                accounts = check.execute("SELECT count(*) FROM ledger_account WHERE holder_id IS NOT NULL").fetchone()[
                    0
                ]
                events = check.execute(
                    "SELECT count(*) FROM audit_auditevent WHERE action = 'customers_imported'"
                ).fetchone()[0]
            print(f"customers: {users:,}, their accounts: {accounts:,}, customers_imported events: {events}")
            assert users == accounts == args.rows and events == 1
        finally:
            if not args.keep:
                drop_database(args.server, args.db_name)


if __name__ == "__main__":
    main()
