#!/usr/bin/env python3
"""
Login timing comparison: does the time a failed login takes tell an attacker anything? (issue 13)

    .venv/bin/python bench/login_timing.py                  # 200 samples per case
    .venv/bin/python bench/login_timing.py --samples 50 --keep

A wrong login answers 401 `invalid_credentials` with the same body whoever it names, but if an
unknown email answered faster than a known one, or an account imported from the Flask service
faster than one of ours, the clock would enumerate accounts. So this script times
`POST /api/v1/auth/login` on a live gunicorn (production settings, 2 workers, PostgreSQL, Redis)
for each case below, one request at a time, the cases in a new random order in every round so that
drift on the machine touches them all alike:

- unknown email; unknown account number (12 digits, no such account);
- a known active account, wrong password (by email: the reference the ratios are given against);
- a frozen account, wrong password, and the same with its right password;
- an account imported from the Flask service (`manage.py import_customers`) whose stored hash is
  plain bcrypt of a cheaper cost than ours (--legacy-cost, default 10), wrong password;
- a customer without a usable password (seeded, never set one), any password.

Every request names an identity of its own (a fresh unknown email or number, or an account used
once), so the lockout counts one failure per identity and never refuses a sample; the per-IP login
rate limit is raised through RATE_LOGIN. Every sample must be the 401 `invalid_credentials` answer:
anything else (a 429 above all) stops the run. It prints, per case, the median, p10, p90 and the
median's ratio to the reference, and exits 1 when the medians' spread (max / min - 1) is 10% or
more. It creates the database `bankapi_timing` (dropped at the end unless --keep), seeds it with
`manage.py seed_customers` and `import_customers`, and uses its own Redis key prefix.
"""

import argparse
import csv
import hashlib
import json
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import bcrypt
import psycopg
import redis
from django.contrib.auth.hashers import BCryptSHA256PasswordHasher  # needs no settings

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from accounts.account_numbers import luhn_check_digit  # noqa: E402 - needs no settings
from bench.scratch_database import database_url, drop_database, recreate_database  # noqa: E402
from deploy.processes import free_port, start_gunicorn  # noqa: E402

LOGIN = "/api/v1/auth/login"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
THRESHOLD = 0.10
WARMUP_REQUESTS = 20
# Spare identities per case, for the samples retaken after a dropped connection.
SPARE = 20
# The Flask export's header, as the contract gives it (docs/migration.md).
COLUMNS = (
    "account_number,first_name,last_name,age,gender,phone_number,address,bank_account_type,"
    "date_of_account_opening,branch_code,password_hash,created_at,last_login,login_attempts,last_failed_attempt"
).split(",")
# The passwords the seeded accounts really have, and the wrong one every probe sends.
RIGHT_PASSWORD = "timing bench right password"  # noqa: S105 - a fixture's password
WRONG_PASSWORD = "timing bench wrong password"  # noqa: S105 - the probe's guess
REFERENCE = "known account, wrong password"
# Loopback needs no proxy, whatever http_proxy says.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200, help="requests per case (default 200)")
    parser.add_argument("--legacy-cost", type=int, default=10, help="bcrypt cost of the imported hashes (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--db-name", default="bankapi_timing", help="database (default bankapi_timing)")
    parser.add_argument("--server", default=DEFAULT_SERVER, help=f"PostgreSQL server URL (default {DEFAULT_SERVER})")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", DEFAULT_REDIS), help="Redis URL")
    parser.add_argument("--seed", type=int, default=13, help="random seed of the order of the cases")
    parser.add_argument("--keep", action="store_true", help="leave the database in place at the end")
    return parser.parse_args()


@dataclass
class Case:
    """One kind of failed login: `body()` makes a fresh request body per sample."""

    name: str
    body: Callable[[], dict]
    times: list[float] = field(default_factory=list)


def forget_cache_keys(redis_url: str, prefix: str) -> None:
    """Delete this run's lockout counters and rate-limit buckets (they would expire on their own)."""
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def write_flask_export(path: Path, numbers: list[str], cost: int) -> None:
    """Customers as the Flask service kept them, sharing one bcrypt hash of `cost` (the import never hashes)."""
    legacy_hash = bcrypt.hashpw(RIGHT_PASSWORD.encode(), bcrypt.gensalt(rounds=cost)).decode()
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for number in numbers:
            row = {
                "account_number": number,
                "first_name": "Grace",
                "last_name": "Hopper",
                "age": 42,
                "gender": "female",
                "phone_number": "NULL",
                "address": "1 Main Street, Springfield",
                "bank_account_type": "Savings",
                "date_of_account_opening": "2019-03-14",
                "branch_code": "BR001",
                "password_hash": legacy_hash,
                "created_at": "2019-03-14 09:26:53.589793",
                "last_login": "NULL",  # imported and never logged in since: the hash is still theirs
                "login_attempts": 0,
                "last_failed_attempt": "NULL",
            }
            writer.writerow([row[column] for column in COLUMNS])


def unused_account_numbers(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """Numbers no account has, shaped as ours are (Luhn check digit last), as a prober would guess them."""
    numbers: list[str] = []
    while len(numbers) < count:
        payload = f"{rng.randrange(10**10, 10**11):011d}"
        number = payload + luhn_check_digit(payload)
        if number not in taken:
            taken.add(number)
            numbers.append(number)
    return numbers


def seed(env: dict[str, str], samples: int, legacy_cost: int, rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """
    Seed the accounts each case needs, one per sample: returns (email, account number) pairs per
    group. Seeded customers get our own hash (BCryptSHA256 at Django's default cost, computed once
    and shared) or keep the unusable password seed_customers gives them.
    """
    groups = ("known", "frozen wrong", "frozen right", "no password")
    per_group = samples + SPARE
    manage(env, "seed_customers", str(per_group * len(groups)))
    hasher = BCryptSHA256PasswordHasher()
    ours = hasher.encode(RIGHT_PASSWORD, hasher.salt())
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
        rows = db.execute("SELECT id, email, account_number FROM accounts_user ORDER BY id").fetchall()
        taken = {number for _, _, number in rows}
        seeded: dict[str, list[tuple[str, str]]] = {}
        for index, group in enumerate(groups):
            chunk = rows[index * per_group : (index + 1) * per_group]
            seeded[group] = [(email, number) for _, email, number in chunk]
            status = "frozen" if group.startswith("frozen") else "active"
            password = None if group == "no password" else ours
            db.execute(
                "UPDATE accounts_user SET status = %s, password = COALESCE(%s, password) WHERE id = ANY(%s)",
                [status, password, [user_id for user_id, _, _ in chunk]],
            )
    imported = unused_account_numbers(rng, per_group, taken)
    with tempfile.TemporaryDirectory() as directory:
        export = Path(directory) / "customers.csv"
        write_flask_export(export, imported, legacy_cost)
        manage(env, "import_customers", str(export))
    with psycopg.connect(env["DATABASE_URL"]) as db:
        stored = db.execute(
            "SELECT count(*) FROM accounts_user WHERE account_number = ANY(%s) AND password LIKE %s",
            [imported, f"bcrypt$$2b${legacy_cost:02d}$%"],
        ).fetchone()[0]
    assert stored == per_group, f"{stored} of {per_group} imported customers have a cost-{legacy_cost} bcrypt hash"
    seeded["imported"] = [("", number) for number in imported]
    seeded["unknown numbers"] = [
        ("", number) for number in unused_account_numbers(rng, per_group + WARMUP_REQUESTS, taken)
    ]
    return seeded


def build_cases(seeded: dict[str, list[tuple[str, str]]]) -> list[Case]:
    def taking(group: str, body: Callable[[tuple[str, str]], dict]) -> Callable[[], dict]:
        pool = list(seeded[group])
        return lambda: body(pool.pop())

    def unknown_email() -> dict:
        return {"email": f"nobody-{uuid.uuid4().hex}@example.com", "password": WRONG_PASSWORD}

    return [
        Case("unknown email", unknown_email),
        Case(
            "unknown account number",
            taking("unknown numbers", lambda u: {"account_number": u[1], "password": WRONG_PASSWORD}),
        ),
        Case(REFERENCE, taking("known", lambda u: {"email": u[0], "password": WRONG_PASSWORD})),
        Case(
            "frozen account, wrong password",
            taking("frozen wrong", lambda u: {"account_number": u[1], "password": WRONG_PASSWORD}),
        ),
        Case(
            "frozen account, right password",
            taking("frozen right", lambda u: {"email": u[0], "password": RIGHT_PASSWORD}),
        ),
        Case(
            "imported (old bcrypt), wrong password",
            taking("imported", lambda u: {"account_number": u[1], "password": WRONG_PASSWORD}),
        ),
        Case(
            "no usable password", taking("no password", lambda u: {"account_number": u[1], "password": WRONG_PASSWORD})
        ),
    ]


def timed_login(base_url: str, body: dict) -> float:
    """
    Seconds from sending the request to reading the whole answer, which must be the 401 of a failed
    login. A dropped connection raises OSError (the caller retakes the sample).
    """
    request = urllib.request.Request(  # noqa: S310 - the bench's own server
        base_url + LOGIN, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    started = time.perf_counter()
    try:
        with OPENER.open(request, timeout=30) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    elapsed = time.perf_counter() - started
    if status != 401 or json.loads(payload).get("code") != "invalid_credentials":
        sys.exit(f"expected 401 invalid_credentials for {sorted(body)}, got {status}: {payload[:300]!r}")
    return elapsed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(cases: list[Case], samples: int, workers: int) -> float:
    """Print the table; returns the medians' spread (max / min - 1)."""
    medians = {case.name: statistics.median(case.times) for case in cases}
    reference = medians[REFERENCE]
    spread = max(medians.values()) / min(medians.values()) - 1
    cores = os.cpu_count()
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}: {cores} cores, gunicorn {workers} workers, "
        f"{samples} samples per case, interleaved (a new random order of the cases in every round)\n"
    )
    print(f"| case | median (ms) | p10 (ms) | p90 (ms) | median / {REFERENCE} |\n|---|---:|---:|---:|---:|")
    for case in cases:
        print(
            f"| {case.name} | {medians[case.name] * 1000:.1f} | {percentile(case.times, 0.10) * 1000:.1f} "
            f"| {percentile(case.times, 0.90) * 1000:.1f} | {medians[case.name] / reference:.3f} |"
        )
    verdict = "FAIL" if spread >= THRESHOLD else "ok"
    print(f"\nspread of the medians (max / min - 1): {spread:.1%} ({verdict}: the limit is under {THRESHOLD:.0%})")
    return spread


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - the order of the cases, not a secret
    run_id = hashlib.sha256(secrets.token_bytes(16)).hexdigest()[:12]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankapi.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url(args.server, args.db_name),
        "REDIS_URL": args.redis,
        "CACHE_KEY_PREFIX": f"login-timing-{run_id}",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        # One client address sends every probe: its login bucket must never be what answers.
        "RATE_LOGIN": "1000000/m",
    }
    recreate_database(args.server, args.db_name)
    server = None
    try:
        started = time.monotonic()
        manage(env, "migrate", "--verbosity", "0")
        seeded = seed(env, args.samples, args.legacy_cost, rng)
        warmup = [
            {"account_number": number, "password": WRONG_PASSWORD}
            for _, number in seeded["unknown numbers"][:WARMUP_REQUESTS]
        ]
        del seeded["unknown numbers"][:WARMUP_REQUESTS]
        cases = build_cases(seeded)
        print(f"seeded in {time.monotonic() - started:.1f} s")
        with tempfile.TemporaryDirectory() as directory:
            server = start_gunicorn(
                env,
                port=free_port(),
                workers=args.workers,
                log_path=Path(directory) / "gunicorn.log",
                GUNICORN_TIMEOUT="120",  # a loaded machine must not have a worker killed mid-sample
            )
            server.wait_until_healthy(timeout=60)
            for body in warmup:  # the workers' first requests open connections and warm caches
                timed_login(server.url, body)
            started = time.monotonic()
            retaken = 0
            for round_number in range(args.samples):
                order = cases[:]
                rng.shuffle(order)
                for case in order:
                    for attempt in range(3):
                        try:
                            case.times.append(timed_login(server.url, case.body()))
                            break
                        except OSError as error:  # a dropped connection is no timing: retake it, once healthy
                            if attempt == 2:
                                sys.exit(
                                    f"{case.name}: {error!r} three times; the server's log:\n{server.log()[-3000:]}"
                                )
                            print(f"  {case.name}: {error!r}; retaking the sample", flush=True)
                            retaken += 1
                            server.wait_until_healthy(timeout=60)
                if (round_number + 1) % 50 == 0:
                    print(f"  {round_number + 1} rounds in {time.monotonic() - started:.0f} s", flush=True)
            server.stop()
        spread = report(cases, args.samples, args.workers)
        print(f"samples retaken after a dropped connection: {retaken}")
    finally:
        if server is not None:
            server.stop()
        forget_cache_keys(args.redis, env["CACHE_KEY_PREFIX"])
        if not args.keep:
            drop_database(args.server, args.db_name)
    sys.exit(1 if spread >= THRESHOLD else 0)


if __name__ == "__main__":
    main()
