#!/usr/bin/env python3
"""
Benchmark of the staff customer list at growing sizes (not a test: run it by hand).

    .venv/bin/python bench/customers_bench.py                      # 10,000 then 1,000,000 customers
    .venv/bin/python bench/customers_bench.py --sizes 10000,100000 --requests 100
    .venv/bin/python bench/customers_bench.py --reuse --sizes 1000000   # keep an already seeded DB
    .venv/bin/python bench/customers_bench.py --seed-only --sizes 100000

For each size it seeds the database `bankapi_bench` up to that many customers with
`manage.py seed_customers` (timed), runs VACUUM ANALYZE, starts gunicorn (production settings,
2 workers) against it, creates an admin with `manage.py create_staff`, logs in through the API, and
sends R sequential requests (after W warm-up requests) for each query shape:

    first page              GET /api/v1/customers
    filtered page           GET /api/v1/customers?status=frozen
    email-prefix search     GET /api/v1/customers?search=<first 5 characters of a real email>
    account-number lookup   GET /api/v1/customers/<a real account number>

Search prefixes and account numbers are sampled from the database, so each request asks for
something else. Latency is measured on the client, from sending the request to having read the
whole response; the table gives p50 and p99 in milliseconds. Every response is checked (status
200 and a plausible body): a failing endpoint stops the benchmark instead of producing numbers.

Without --reuse the database is dropped and created again first; with it, the database is kept and
only topped up to each size (a size below what it already holds is skipped). The database is left
in place at the end for the next --reuse run. PostgreSQL is the server of DATABASE_URL (when that is
a postgres:// URL) or --server; Redis is REDIS_URL or --redis-url (a unique key prefix per run,
its keys deleted at the end).
"""

import argparse
import math
import os
import platform
import re
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import requests

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
import staff_mfa  # noqa: E402 - bench/, beside this script

from deploy.processes import Server, StartError, free_port, start_gunicorn  # noqa: E402

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
SEED_SUMMARY = re.compile(r"created (\d+) customers in ([0-9.]+) s \(([0-9,]+)/s\)")
PASSWORD_LINE = re.compile(r"^password \(shown once\): (\S+)$", re.MULTILINE)
CUSTOMERS = "/api/v1/customers"
TIMEOUT = 60  # seconds, for any one request


# Setup ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10000,1000000",
        help="comma-separated customer counts, measured in order (default 10000,1000000)",
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per query shape (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per query shape (default 20)")
    parser.add_argument("--db-name", default="bankapi_bench", help="benchmark database (default bankapi_bench)")
    parser.add_argument(
        "--server",
        default=None,
        help=f"PostgreSQL server URL without a database (default: DATABASE_URL's server, else {DEFAULT_SERVER})",
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    parser.add_argument("--reuse", action="store_true", help="keep the database; seed only what each size lacks")
    parser.add_argument("--seed-only", action="store_true", help="seed and time the seeding; no HTTP measurement")
    parser.add_argument("--batch-size", type=int, default=5000, help="seed_customers --batch-size (default 5000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--output", type=Path, help="also write the markdown report to this file")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if any(size < 1 for size in args.sizes) or args.sizes != sorted(args.sizes):
        parser.error("--sizes must be positive and ascending")
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be at least 1 and --warmup at least 0")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db_name):
        parser.error("--db-name must be a plain lower-case identifier")
    return args


def server_url(explicit: str | None) -> str:
    if explicit:
        return explicit
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        return database_url
    return DEFAULT_SERVER


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def prepare_database(server: str, name: str, *, reuse: bool) -> str:
    """Create (or, without --reuse, re-create) the benchmark database; returns its URL."""
    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            print(f"dropping database {name} (use --reuse to keep it)")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            print(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(server, name)


def environment(database_url: str, redis_url: str, cache_prefix: str) -> dict[str, str]:
    """Production settings against the benchmark database, with the per-user rate limit out of the way."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankapi.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": cache_prefix,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RATE_USER": "1000000/m",
        "JWT_STAFF_ACCESS_MINUTES": "120",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stderr.strip()}")
    return result.stdout


def count_customers(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM accounts_user WHERE role = 'customer'").fetchone()[0]


def vacuum_analyze(database_url: str) -> float:
    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE accounts_user")
    return time.perf_counter() - started


def sample(database_url: str, count: int) -> tuple[list[str], list[str]]:
    """`count` random (email prefix, account number) pairs of real customers."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT email, account_number FROM accounts_user WHERE role = 'customer' AND email IS NOT NULL"
            " ORDER BY random() LIMIT %s",
            [count],
        ).fetchall()
    if not rows:
        sys.exit("no customers to sample")
    rows = [rows[i % len(rows)] for i in range(count)]
    return [email[:5] for email, _ in rows], [number for _, number in rows]


def delete_cache_keys(redis_url: str, prefix: str) -> None:
    try:
        import redis
    except ImportError:  # pragma: no cover - django-redis brings it
        return
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


# Seeding -------------------------------------------------------------------------------------------


@dataclass
class SeedRun:
    before: int
    after: int
    seconds: float  # as the command measured it (without Django's start-up)
    rate: int  # rows/s, as the command measured it
    wall_seconds: float

    @property
    def rows(self) -> int:
        return self.after - self.before


def seed(env: dict[str, str], database_url: str, target: int, batch_size: int) -> SeedRun | None:
    before = count_customers(database_url)
    missing = target - before
    if missing <= 0:
        print(f"database already holds {before:,} customers: no seeding for {target:,}")
        return None
    print(f"seeding {missing:,} customers ({before:,} -> {target:,}) ...", flush=True)
    started = time.perf_counter()
    output = manage(env, "seed_customers", str(missing), "--batch-size", str(batch_size))
    wall = time.perf_counter() - started
    match = SEED_SUMMARY.search(output)
    if not match or int(match.group(1)) != missing:
        sys.exit(f"unexpected seed_customers output: {output!r}")
    run = SeedRun(
        before=before,
        after=count_customers(database_url),
        seconds=float(match.group(2)),
        rate=int(match.group(3).replace(",", "")),
        wall_seconds=wall,
    )
    print(f"  {output.strip()} (wall {wall:.1f} s)")
    return run


# HTTP ----------------------------------------------------------------------------------------------


def start_server(env: dict[str, str], workers: int, log_dir: Path) -> Server:
    """gunicorn as production runs it (deploy.processes), once it answers /health."""
    port = free_port()
    server = start_gunicorn(
        env, port=port, workers=workers, log_path=log_dir / f"gunicorn-{port}.log", GUNICORN_TIMEOUT="60"
    )
    try:
        server.wait_until_healthy()
    except StartError as error:
        server.stop()
        sys.exit(f"gunicorn: {error}")
    return server


def expect(response: requests.Response, status: int, what: str) -> dict:
    if response.status_code != status:
        sys.exit(f"{what}: expected {status}, got {response.status_code}: {response.text[:500]}")
    return response.json()


def login(server: Server, email: str, password: str) -> str:
    body = expect(
        requests.post(server.url + "/api/v1/auth/login", json={"email": email, "password": password}, timeout=TIMEOUT),
        200,
        "login",
    )
    return body["access"]


def staff_session(server: Server, env: dict[str, str]) -> requests.Session:
    email = f"bench-admin-{uuid.uuid4().hex[:12]}@example.com"
    output = manage(env, "create_staff", email, "--role", "admin")
    match = PASSWORD_LINE.search(output)
    if not match:
        sys.exit(f"create_staff printed no password: {output!r}")
    token = login(server, email, match.group(1))
    staff_mfa.enroll_staff(server.url, token)
    probe = requests.get(server.url + CUSTOMERS, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    expect(probe, 200, f"GET {CUSTOMERS}")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


@dataclass
class Shape:
    name: str
    path: Callable[[int], str]
    check: Callable[[int, dict], bool]


def is_page(body: dict) -> bool:
    return isinstance(body.get("results"), list) and "next" in body and "previous" in body


def shapes(prefixes: list[str], numbers: list[str], total: int) -> list[Shape]:
    return [
        Shape("first page", lambda i: CUSTOMERS, lambda i, b: is_page(b) and len(b["results"]) == min(50, total)),
        Shape(
            "filtered page (status=frozen)",
            lambda i: CUSTOMERS + "?status=frozen",
            lambda i, b: is_page(b) and all(row["status"] == "frozen" for row in b["results"]),
        ),
        Shape(
            "email-prefix search (5 chars)",
            lambda i: f"{CUSTOMERS}?search={quote(prefixes[i])}",
            lambda i, b: is_page(b) and len(b["results"]) > 0,
        ),
        Shape(
            "account-number lookup",
            lambda i: f"{CUSTOMERS}/{numbers[i]}",
            lambda i, b: b.get("account_number") == numbers[i],
        ),
    ]


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def measure(session: requests.Session, base_url: str, shape: Shape, warmup: int, count: int) -> tuple[float, float]:
    timings = []
    for i in range(warmup + count):
        path = shape.path(i)
        started = time.perf_counter()
        response = session.get(base_url + path, timeout=TIMEOUT)
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or not shape.check(i, response.json()):
            sys.exit(f"{shape.name}: GET {path} -> {response.status_code}: {response.text[:500]}")
        if i >= warmup:
            timings.append(elapsed * 1000)
    timings.sort()
    return percentile(timings, 50), percentile(timings, 99)


# Report --------------------------------------------------------------------------------------------


def report(args: argparse.Namespace, seeds: list[SeedRun], latencies: dict[int, dict[str, tuple[float, float]]]) -> str:
    with psycopg.connect(with_database(server_url(args.server), "postgres")) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"PostgreSQL {pg_version}; load average at the end {load}."
        + ("" if args.seed_only else f" gunicorn: {args.workers} sync workers, production settings."),
        "",
        "| seeding | rows | seconds (command) | rows/s | seconds (wall, incl. start-up) |",
        "|---|---:|---:|---:|---:|",
    ]
    for run in seeds:
        lines.append(
            f"| {run.before:,} → {run.after:,} | {run.rows:,} | {run.seconds:.1f} | "
            f"{run.rate:,} | {run.wall_seconds:.1f} |"
        )
    if latencies:
        sizes = list(latencies)
        header = " | ".join(f"p50 @ {size:,} | p99 @ {size:,}" for size in sizes)
        lines += [
            "",
            f"Latency in ms, {args.requests} sequential requests per row after {args.warmup} warm-up requests:",
            "",
            f"| query | {header} |",
            "|---|" + "---:|" * (2 * len(sizes)),
        ]
        for name in next(iter(latencies.values())):
            cells = " | ".join(f"{latencies[size][name][0]:.1f} | {latencies[size][name][1]:.1f}" for size in sizes)
            lines.append(f"| {name} | {cells} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    database_url = prepare_database(server_url(args.server), args.db_name, reuse=args.reuse)
    cache_prefix = f"bench-{uuid.uuid4().hex}"
    env = environment(database_url, args.redis_url, cache_prefix)
    print("migrating ...", flush=True)
    manage(env, "migrate", "--noinput")

    seeds: list[SeedRun] = []
    latencies: dict[int, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="customers-bench-") as log_dir:
        try:
            for size in args.sizes:
                if count_customers(database_url) > size:
                    print(f"database holds more than {size:,} customers: size {size:,} skipped")
                    continue
                run = seed(env, database_url, size, args.batch_size)
                if run:
                    seeds.append(run)
                    print(f"  VACUUM ANALYZE in {vacuum_analyze(database_url):.1f} s")
                if args.seed_only:
                    continue
                server = start_server(env, args.workers, Path(log_dir))
                try:
                    session = staff_session(server, env)
                    prefixes, numbers = sample(database_url, args.warmup + args.requests)
                    latencies[size] = {}
                    for shape in shapes(prefixes, numbers, count_customers(database_url)):
                        p50, p99 = measure(session, server.url, shape, args.warmup, args.requests)
                        latencies[size][shape.name] = (p50, p99)
                        print(f"  {size:,} customers, {shape.name}: p50 {p50:.1f} ms, p99 {p99:.1f} ms", flush=True)
                finally:
                    server.stop()
        finally:
            delete_cache_keys(args.redis_url, cache_prefix)

    text = report(args, seeds, latencies)
    print()
    print(text, end="")
    if args.output:
        args.output.write_text(text)


if __name__ == "__main__":
    main()
