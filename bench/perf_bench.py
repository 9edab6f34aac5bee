#!/usr/bin/env python3
"""
This service against the Flask service it replaces, on this machine, under wrk (not a test: run it
by hand, or with `make bench`).

    .venv/bin/python bench/perf_bench.py                                  # this service alone
    .venv/bin/python bench/perf_bench.py --flask-dir ../Secure-Auth-Python-Backend
    .venv/bin/python bench/perf_bench.py --flask-dir DIR --plots out/ --json out/bench.json
    .venv/bin/python bench/perf_bench.py --scenarios health,profile --duration 30 --rounds 5
    .venv/bin/python bench/perf_bench.py --reuse --staff-sizes 1000000 --scenarios staff --flamegraph out/
    make bench FLASK_DIR=../Secure-Auth-Python-Backend BENCH_ARGS="--rounds 5"

Setup. The database `bankapi_perf` (on DATABASE_URL's PostgreSQL server, else
postgres://postgres@127.0.0.1:5432) is dropped and created (kept with --reuse), migrated and seeded
to --customers customers with `manage.py seed_customers`. This service runs exactly as shipped,
`.venv/bin/gunicorn -c gunicorn.conf.py bankapi.wsgi` with production settings (HTTPS redirect on:
every request carries `X-Forwarded-Proto: https`, which gunicorn trusts from 127.0.0.1; its access
log on), --workers workers, Redis (REDIS_URL, else redis://127.0.0.1:6379/0) under a key prefix of
its own, rate limits raised so far that they are counted but never hit. max(64, --connections)
customers are registered through the API (their password known; they are not counted among the
seeded customers, so --reuse does not outgrow a size) and one admin is made with
`manage.py create_staff`.

With --flask-dir (a checkout's `Secure-Auth-Python-Backend/` directory), the Flask service is
copied to a temporary directory (nothing of it comes into this repository), given its table name
and `RATELIMIT_ENABLED = False` (Flask-Limiter would answer 429), installed from its (UTF-16)
requirements.txt into `.bench/flask-venv` (kept while they are unchanged), and run with its own
gunicorn and --workers workers against the database `flask_perf`, whose table it creates itself and
which gets as many customers as ours (account numbers 000000000001 on, one bcrypt hash of cost 12).

Scenarios (--scenarios; each checks every response's status and a substring of its body, and any
failure, socket error or timeout stops the benchmark with the first bad responses instead of
producing numbers):

    health     GET /health
    profile    GET /api/v1/profile with a customer's token (Flask: GET /profile)
    legacy-profile
               GET /profile, the Flask service's own route and body, served by ours with
               LEGACY_API_ENABLED on (docs/legacy-api.md), with the same token (Flask: GET /profile)
    customers  GET /api/v1/customers with the admin's token (ours only)
    oauth-profile
               GET /api/v1/profile with OAuth access tokens (ours only): an app registered with
               `manage.py create_oauth_app`, and one token per registered customer obtained
               through the authorization code flow over HTTP (bench/oauth_tokens.py), each request
               carrying the next customer's token; compared with our profile (a JWT)
    partner    POST /api/v1/partner/account-verification with a partner key made for the run by
               `manage.py create_partner_key` (ours only), each body a seeded active customer's
               account number and name, so every answer is `match`; compared with our profile
    transfers  POST /api/v1/transfers between TRANSFER_ACCOUNTS registered customers (funded by an
               admin's deposits through the API), each request customer i paying "0.01" to
               customer i+1 with its own token and a new Idempotency-Key (ours only); compared with
               pgbench's built-in TPC-B-like script on the same PostgreSQL in the same run
               (`pgbench -i -s --pgbench-scale` once into `bankapi_pgbench`, then per round
               `pgbench -T<duration>` with as many clients as our gunicorn workers, the goal's
               comparison, and with wrk's connections), transfers/s ÷ its tps
    login      POST /api/v1/auth/login (Flask: POST /login), each wrk thread cycling over its own
               slice of the accounts, so no account sees two attempts at once (our lockout refuses
               more than 5); compared with the bcrypt bound: CPUs / seconds for one cost-12 verify
    tail       health and profile for --tail-duration seconds: p50, p99 and p99/p50
    staff      per --staff-sizes size: seed up to it, VACUUM ANALYZE, then the staff customer list
               (first page, and ?status=frozen); run last, since it grows the database

Every wrk run is `wrk -t<threads> -c<connections> -d<duration>s --timeout 10s -s <script> <url>`
with a Lua script generated per run, after an unrecorded --warmup second run per server and
scenario, and followed by a wait until the server has worked off what wrk left queued. Scenarios
that both services have run --rounds times, alternating which goes first; the table gives medians
over rounds, the ratios with their goals, and facts about the machine. Both services share its
CPUs with wrk, PostgreSQL and Redis; a note says so when other processes were busy at the start.

--json writes every raw result, --plots writes throughput.png and staff-latency.png (matplotlib),
--flamegraph records our gunicorn with py-spy during each scenario's first measured run (both from
requirements-bench.txt). --keep-running leaves the servers up at the end, printing their URLs and
tokens, until Ctrl-C. Servers are stopped, Redis keys deleted and temporary files removed at the
end; the databases are left for --reuse.
"""

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import bcrypt
import psycopg
import requests
from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import customers_bench  # noqa: E402
import oauth_tokens  # noqa: E402

from deploy.processes import Server, StartError, free_port, start_gunicorn  # noqa: E402

PROJECT_DIR = customers_bench.PROJECT_DIR
VENV_BIN = PROJECT_DIR / ".venv" / "bin"
BENCH_DIR = PROJECT_DIR / ".bench"
FLASK_VENV = BENCH_DIR / "flask-venv"
FLASK_STAMP = FLASK_VENV / ".requirements-sha256"
OUR_DB, FLASK_DB = "bankapi_perf", "flask_perf"
FLASK_TABLE = "flask_customers"
OURS, FLASK = "ours", "Flask"
COMPARED = (  # over --rounds rounds
    "health",
    "profile",
    "legacy-profile",
    "oauth-profile",
    "customers",
    "partner",
    "transfers",
    "login",
)
SCENARIOS = (*COMPARED, "tail", "staff")
TAIL_KEYS = ("health", "profile")
STAFF_QUERIES = {"first page": "/api/v1/customers", "status=frozen": "/api/v1/customers?status=frozen"}
HTTPS = {"X-Forwarded-Proto": "https"}
PARTNER_PATH = "/api/v1/partner/account-verification"
API_KEY_LINE = re.compile(r"^api_key: (\S+)$", re.MULTILINE)
FIGURES = ("req/s", "p50 ms", "p99 ms")  # of each wrk run, in the table
MIN_LOGIN_ACCOUNTS = 64
OAUTH_CUSTOMERS = 64  # customers whose OAuth tokens the oauth-profile scenario sends, in turn
PARTNER_PAYEES = 64  # seeded customers whose names the partner scenario verifies, in turn
TRANSFER_ACCOUNTS = 64  # registered customers the transfers scenario moves money between, in a ring
PGBENCH_DB = "bankapi_pgbench"
PGBENCH_TPS = re.compile(r"^tps = ([0-9.]+) \(without initial connection time\)$", re.MULTILINE)
BCRYPT_COST = 12
BCRYPT_TIMINGS = 7
SEED_BATCH = 5000
START_TIMEOUT = 60  # seconds for a server to answer /health
SETTLE_TIMEOUT = 300  # seconds for a server to work off what a wrk run left queued
BUSY_CPU = 0.1  # more CPU use than this by others at the start gets a note under the table
SAMPLE_CHARS = 300  # of a bad response's body, in the failure message

WRK_SCRIPT = string.Template(r"""-- Generated by bench/perf_bench.py: $label
local method = $method
local headers = $headers
local bodies = $bodies
local authorizations = $authorizations
local thread_count = $threads
local expected_status = $status
local expected_text = $expect
local idempotency_prefix = $idempotency_prefix

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = method
  for name, value in pairs(headers) do
    wrk.headers[name] = value
  end
  bad = 0
  samples = {}
  -- Each thread cycles over a slice of its own, so no two threads send the same body (or
  -- Authorization) at once.
  local items = math.max(#bodies, #authorizations)
  first = math.floor(id * items / thread_count) + 1
  last = math.floor((id + 1) * items / thread_count)
  current = first
  sent = 0
end

if #bodies > 0 or #authorizations > 0 then
  function request()
    local body = bodies[current]
    if #authorizations > 0 then
      wrk.headers["Authorization"] = authorizations[current]
    end
    if idempotency_prefix ~= "" then
      sent = sent + 1
      wrk.headers["Idempotency-Key"] = idempotency_prefix .. id .. "-" .. sent
    end
    current = current < last and current + 1 or first
    return wrk.format(nil, nil, nil, body)
  end
end

function response(status, headers, body)
  body = body or ""
  if status ~= expected_status or not body:find(expected_text, 1, true) then
    bad = bad + 1
    if #samples < 3 then
      table.insert(samples, status .. " " .. body:sub(1, $sample_chars))
    end
  end
end

local function quote(text)
  return '"' .. (text:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end)) .. '"'
end

function done(summary, latency, requests)
  local bad_total, bad_samples = 0, {}
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    for _, sample in ipairs(thread:get("samples")) do
      if #bad_samples < 3 then
        table.insert(bad_samples, quote(sample))
      end
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "requests_per_s": %.3f, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"bad": %d, "bad_samples": [%s]}\n',
    summary.requests, summary.duration, summary.requests / summary.duration * 1e6,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    bad_total, table.concat(bad_samples, ", ")))
end
""")

FLASK_SEED = """
INSERT INTO {table} (account_number, first_name, last_name, age, gender, phone_number, address,
    bank_account_type, date_of_account_opening, branch_code, password_hash, created_at, login_attempts)
SELECT lpad(i::text, 12, '0'),
    (ARRAY['Alice', 'Bruno', 'Chloe', 'Dmitri', 'Emma', 'Farid', 'Grace', 'Hiro'])[1 + i %% 8],
    (ARRAY['Smith', 'Garcia', 'Müller', 'Rossi', 'Novak', 'Tanaka', 'Okafor'])[1 + i %% 7],
    18 + i %% 70,
    CASE WHEN i %% 2 = 0 THEN 'female' ELSE 'male' END,
    '(555) 555-0100',
    (1 + i %% 400) || ' Bench Street, Springfield',
    'savings',
    DATE '2015-01-01' + i %% 3650,
    'BR' || lpad((i %% 100)::text, 3, '0'),
    %(hash)s, now(), 0
FROM generate_series(1, %(count)s) AS i
"""


# Setup ---------------------------------------------------------------------------------------------


def int_list(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",")]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flask-dir", type=Path, help="a checkout's Secure-Auth-Python-Backend/ directory")
    parser.add_argument("--customers", type=int, default=10000, help="customers in each database (default 10000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured wrk run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the compared scenarios (default 3)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unrecorded warm-up (default 2)")
    parser.add_argument("--tail-duration", type=int, default=60, help="seconds of the tail runs (default 60)")
    parser.add_argument("--staff-sizes", default="10000,100000,1000000", help="ascending customer counts")
    parser.add_argument("--pgbench-scale", type=int, default=32, help="pgbench -i scale factor (default 32)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each service (default 2)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"any of {','.join(SCENARIOS)}")
    parser.add_argument("--reuse", action="store_true", help="keep the databases; seed only what they lack")
    parser.add_argument("--json", type=Path, help="write every raw result to this file")
    parser.add_argument("--plots", type=Path, help="write throughput.png and staff-latency.png here")
    parser.add_argument("--flamegraph", type=Path, help="write py-spy flame graphs of our scenarios here")
    parser.add_argument("--keep-running", action="store_true", help="leave the servers up until Ctrl-C")
    args = parser.parse_args(argv)
    try:
        args.staff_sizes = int_list(args.staff_sizes)
    except ValueError:
        parser.error(f"--staff-sizes must be comma-separated integers, got {args.staff_sizes!r}")
    args.scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    check_args(parser, args)
    args.login_accounts = max(MIN_LOGIN_ACCOUNTS, args.connections)
    return args


def check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if unknown := sorted(set(args.scenarios) - set(SCENARIOS)):
        parser.error(f"unknown scenarios {unknown}: choose from {','.join(SCENARIOS)}")
    if any(size < 1 for size in args.staff_sizes) or args.staff_sizes != sorted(args.staff_sizes):
        parser.error("--staff-sizes must be positive and ascending")
    if min(args.customers, args.duration, args.rounds, args.tail_duration, args.workers, args.threads) < 1:
        parser.error("--customers, --duration, --rounds, --tail-duration, --workers and --threads must be >= 1")
    if args.warmup < 0 or args.connections < args.threads:
        parser.error("--warmup must be >= 0 and --connections at least --threads")
    if args.flask_dir:
        if not (args.flask_dir / "app" / "models.py").is_file():
            parser.error(f"--flask-dir {args.flask_dir} has no app/models.py")
        if args.customers < max(MIN_LOGIN_ACCOUNTS, args.connections):
            parser.error("--customers must cover the Flask login accounts: at least 64 and --connections")


@dataclass
class Target:
    """One endpoint as wrk asks for it, and what every answer must look like."""

    path: str
    expect: str
    token: str | None = None  # sent as a bearer token
    api_key: str | None = None  # sent as a partner key
    bodies: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # sent as bearer tokens, one per request, in turn
    status: int = 200
    idempotent: bool = False  # each request sends a new Idempotency-Key


@dataclass
class Service:
    name: str
    server: Server
    headers: dict[str, str]  # sent with every request
    targets: dict[str, Target] = field(default_factory=dict)


@dataclass
class Run:
    """The benchmark's settings, its temporary directory, and what its wrk runs have done so far."""

    args: argparse.Namespace
    temp: Path
    warmed: set[tuple[str, str]] = field(default_factory=set)
    profiled: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)  # printed under the table

    def note(self, text: str) -> None:
        print(f"note: {text}", flush=True)
        self.notes.append(text)


def our_environment(database_url: str, redis_url: str, cache_prefix: str) -> dict[str, str]:
    """Production settings as shipped (HTTPS redirect on, logs at their level), limits counted but never reached."""
    return {
        **customers_bench.environment(database_url, redis_url, cache_prefix),
        "SECURE_SSL_REDIRECT": "true",  # the production default, whatever .env or the environment say
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "RATE_USER": "100000000/m",
        "RATE_LOGIN": "100000000/m",
        "RATE_REGISTER": "100000000/m",
        "RATE_PARTNER": "100000000/m",
        "RATE_OAUTH_CLIENT": "100000000/m",  # oauth-profile's setup asks for one token per customer
        "JWT_STAFF_ACCESS_MINUTES": "240",
        "JWT_ACCESS_MINUTES": "240",
        "LEGACY_API_ENABLED": "true",  # the legacy-profile scenario; nothing else reads it
    }


def count_login_accounts(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM accounts_user WHERE email LIKE 'bench-login-%'").fetchone()[0]


def top_up(env: dict[str, str], database_url: str, size: int) -> bool:
    """Seed up to `size` customers besides the bench's login accounts; False if there are more already."""
    logins = count_login_accounts(database_url)
    if customers_bench.count_customers(database_url) - logins > size:
        return False
    customers_bench.seed(env, database_url, size + logins, SEED_BATCH)
    print(f"  VACUUM ANALYZE in {customers_bench.vacuum_analyze(database_url):.1f} s", flush=True)
    return True


def log_tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_healthy(service: Service, expect: str) -> None:
    server = service.server
    try:
        server.wait_until_healthy(timeout=START_TIMEOUT, headers=service.headers, expect=expect)
    except StartError as error:
        sys.exit(f"{service.name}: {error}")
    print(f"{service.name}: {server.url} is up (gunicorn pid {server.process.pid})", flush=True)


def post(service: Service, path: str, body: dict, status: int) -> dict:
    url = service.server.url + path
    response = requests.post(url, json=body, headers=service.headers, timeout=customers_bench.TIMEOUT)
    return customers_bench.expect(response, status, f"{service.name} POST {path}")


# This service --------------------------------------------------------------------------------------


def start_ours(run: Run, env: dict[str, str], servers: list) -> Service:
    """gunicorn as shipped (deploy.processes); `servers` gets it at once, so that it is stopped whatever happens."""
    server = start_gunicorn(env, port=free_port(), workers=run.args.workers, log_path=run.temp / "ours-gunicorn.log")
    servers.append(server)
    service = Service(OURS, server, dict(HTTPS))
    wait_healthy(service, '"status": "ok"')
    return service


def register(service: Service, password: str) -> str:
    """One new customer through the API; returns the account number."""
    body = {
        "email": f"bench-login-{uuid.uuid4()}@example.com",
        "password": password,
        "first_name": "Bench",
        "last_name": "Login",
        "phone": "+447700900123",
        "date_of_birth": "1990-01-01",
    }
    return post(service, "/api/v1/auth/register", body, 201)["account_number"]


def access_token(service: Service, credentials: dict[str, str]) -> str:
    body = post(service, "/api/v1/auth/login", credentials, 200)
    if "access" not in body:
        sys.exit(f"{OURS}: login gave no access token: {body}")
    return body["access"]


def admin_token(service: Service, env: dict[str, str]) -> str:
    email = f"bench-admin-{uuid.uuid4().hex[:12]}@example.com"
    output = customers_bench.manage(env, "create_staff", email, "--role", "admin")
    match = customers_bench.PASSWORD_LINE.search(output)
    if not match:
        sys.exit(f"create_staff printed no password: {output!r}")
    token = access_token(service, {"email": email, "password": match.group(1)})
    customers_bench.staff_mfa.enroll_staff(service.server.url, token, service.headers)  # staff must have MFA
    return token


def partner_key(env: dict[str, str]) -> str:
    output = customers_bench.manage(env, "create_partner_key", f"bench-partner-{uuid.uuid4().hex[:12]}")
    match = API_KEY_LINE.search(output)
    if not match:
        sys.exit(f"create_partner_key printed no api_key: {output!r}")
    return match.group(1)


def oauth_access_tokens(service: Service, env: dict[str, str], accounts: list[str], password: str) -> list[str]:
    """One OAuth access token per customer (the first OAUTH_CUSTOMERS), through the real flow."""
    app = oauth_tokens.register_app(customers_bench.manage, env)
    customers = accounts[:OAUTH_CUSTOMERS]
    print(f"{OURS}: {len(customers)} customers authorize an app (OAuth) ...", flush=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(
            pool.map(
                lambda number: oauth_tokens.access_token(service.server.url, service.headers, app, number, password),
                customers,
            )
        )


def transfers_target(service: Service, admin: str, accounts: list[str], password: str) -> Target:
    """Customers in a ring, each funded by an admin's deposit, each paying the next with its own token."""
    print(f"{OURS}: funding {len(accounts)} accounts and logging their customers in ...", flush=True)

    def fund(number: str) -> str:
        headers = {**service.headers, "Authorization": f"Bearer {admin}", "Idempotency-Key": f"fund-{uuid.uuid4()}"}
        url = f"{service.server.url}/api/v1/accounts/{number}/deposits"
        response = requests.post(url, json={"amount": "1000000.00"}, headers=headers, timeout=customers_bench.TIMEOUT)
        customers_bench.expect(response, 201, f"{OURS} deposit into {number}")
        return access_token(service, {"account_number": number, "password": password})

    with ThreadPoolExecutor(max_workers=2) as pool:
        tokens = list(pool.map(fund, accounts))
    ring = accounts[1:] + accounts[:1]
    bodies = [
        json.dumps({"from_account": payer, "to_account": payee, "amount": "0.01", "reference": "bench"})
        for payer, payee in zip(accounts, ring, strict=True)
    ]
    return Target("/api/v1/transfers", '"posted"', bodies=bodies, tokens=tokens, status=201, idempotent=True)


def payees(database_url: str, count: int) -> list[str]:
    """Verification bodies of `count` random seeded active customers, each with their own name (a `match`)."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT account_number, first_name || ' ' || last_name FROM accounts_user"
            " WHERE role = 'customer' AND status = 'active' AND email NOT LIKE 'bench-login-%%'"
            " ORDER BY random() LIMIT %s",
            [count],
        ).fetchall()
    if not rows:
        sys.exit(f"{OUR_DB} has no active seeded customer for the partner scenario")
    return [json.dumps({"account_number": number, "name": name}) for number, name in rows]


def our_targets(args: argparse.Namespace, service: Service, env: dict[str, str]) -> dict[str, Target]:
    password = secrets.token_urlsafe(15)
    count = max(
        args.login_accounts if "login" in args.scenarios else 1,
        OAUTH_CUSTOMERS if "oauth-profile" in args.scenarios else 1,
        TRANSFER_ACCOUNTS if "transfers" in args.scenarios else 1,
    )
    print(f"{OURS}: registering {count} customer{'s' if count > 1 else ''} ...", flush=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        accounts = list(pool.map(lambda _: register(service, password), range(count)))
    token = access_token(service, {"account_number": accounts[0], "password": password})
    targets = {
        "health": Target("/health", '"status": "ok"'),
        "profile": Target("/api/v1/profile", accounts[0], token=token),
        "legacy-profile": Target("/profile", accounts[0], token=token),
        "login": Target(
            "/api/v1/auth/login",
            '"access"',
            bodies=[json.dumps({"account_number": number, "password": password}) for number in accounts],
        ),
    }
    if {"customers", "staff", "transfers"} & set(args.scenarios):
        admin = admin_token(service, env)
        targets["customers"] = Target("/api/v1/customers", '"results"', token=admin)
        for query, path in STAFF_QUERIES.items():
            targets[f"staff {query}"] = Target(path, '"results"', token=admin)
    if "oauth-profile" in args.scenarios:
        targets["oauth-profile"] = Target(
            "/api/v1/profile", '"account_number"', tokens=oauth_access_tokens(service, env, accounts, password)
        )
    if "transfers" in args.scenarios:
        targets["transfers"] = transfers_target(service, admin, accounts[:TRANSFER_ACCOUNTS], password)
    if "partner" in args.scenarios:
        bodies = payees(env["DATABASE_URL"], PARTNER_PAYEES)
        targets["partner"] = Target(PARTNER_PATH, '"match"', api_key=partner_key(env), bodies=bodies)
    return targets


# The Flask service ---------------------------------------------------------------------------------


def patch(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if old not in text:
        sys.exit(f"{path}: expected {old!r} in the Flask service's code")
    path.write_text(text.replace(old, new, 1))


def copy_flask(source: Path, temp: Path) -> Path:
    """A patched copy of the Flask service, plus its requirements as UTF-8 (requirements-utf8.txt)."""
    copy = temp / "flask-app"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", ".git"))
    patch(copy / "app" / "models.py", "<Your_Table_Name>", FLASK_TABLE)
    patch(copy / "app" / "config.py", "class Config:\n", "class Config:\n    RATELIMIT_ENABLED = False\n")
    raw = (copy / "requirements.txt").read_bytes()
    text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode()
    (copy / "requirements-utf8.txt").write_text(text.replace("\r\n", "\n"))
    return copy


def flask_venv(requirements: Path) -> Path:
    """.bench/flask-venv with these requirements, made again only when they change; returns its bin/."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if FLASK_STAMP.is_file() and FLASK_STAMP.read_text().strip() == digest:
        return FLASK_VENV / "bin"
    BENCH_DIR.mkdir(exist_ok=True)
    shutil.rmtree(FLASK_VENV, ignore_errors=True)
    print(f"{FLASK}: installing its requirements into {FLASK_VENV.relative_to(PROJECT_DIR)} ...", flush=True)
    for command in (
        [sys.executable, "-m", "venv", str(FLASK_VENV)],
        [str(FLASK_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(requirements)],
    ):
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.exit(f"{shlex.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    FLASK_STAMP.write_text(digest + "\n")
    return FLASK_VENV / "bin"


def flask_environment(server: str, redis_url: str) -> dict[str, str]:
    parts = urlsplit(server)
    return {
        **os.environ,
        "DB_USER": parts.username or "postgres",
        "DB_PASSWORD": "unused",  # trust authentication; its config quote_plus()es it all the same
        "DB_HOST": parts.hostname or "127.0.0.1",
        "DB_PORT": str(parts.port or 5432),
        "DB_NAME": FLASK_DB,
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "REDIS_URL": redis_url,
    }


def seed_flask(database_url: str, count: int, password: str) -> None:
    """`count` customers, all with one bcrypt hash (cost 12) of `password`, in a single statement."""
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_COST)).decode()
    with psycopg.connect(database_url) as conn:
        table = sql.Identifier(FLASK_TABLE)
        conn.execute(sql.SQL("TRUNCATE {table}").format(table=table))
        conn.execute(sql.SQL(FLASK_SEED).format(table=table), {"hash": hashed, "count": count})
        conn.execute(sql.SQL("ANALYZE {table}").format(table=table))
    print(f"{FLASK}: seeded {count:,} customers", flush=True)


def prepare_flask_database(run: Run, server: str, copy: Path, python: Path, env: dict[str, str]) -> str:
    """flask_perf with its table, made by its own code, and --customers customers; returns their password."""
    database_url = customers_bench.prepare_database(server, FLASK_DB, reuse=run.args.reuse)
    create = "from app import create_app, db; app = create_app(); app.app_context().push(); db.create_all()"
    result = subprocess.run([str(python), "-c", create], cwd=copy, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{FLASK}: creating its table failed:\n{result.stdout}{result.stderr}")
    password = secrets.token_urlsafe(15)
    seed_flask(database_url, run.args.customers, password)
    return password


def start_flask(run: Run, server: str, redis_url: str, servers: list) -> Service:
    """The Flask service on its own gunicorn; `servers` gets it at once, so that it is stopped whatever happens."""
    copy = copy_flask(run.args.flask_dir, run.temp)
    bin_dir = flask_venv(copy / "requirements-utf8.txt")
    env = flask_environment(server, redis_url)
    password = prepare_flask_database(run, server, copy, bin_dir / "python", env)
    port = free_port()
    command = [str(bin_dir / "gunicorn"), "-w", str(run.args.workers), "-b", f"127.0.0.1:{port}", "run:app"]
    log_path = run.temp / "flask-gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=copy, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    servers.append(Server(process=process, url=f"http://127.0.0.1:{port}", log_path=log_path))
    service = Service(FLASK, servers[-1], {})
    wait_healthy(service, "healthy")
    numbers = [f"{i:012d}" for i in range(1, run.args.login_accounts + 1)]
    token = post(service, "/login", {"account_number": numbers[0], "password": password}, 200).get("token")
    if not token:
        sys.exit(f"{FLASK}: login gave no token")
    service.targets = {
        "health": Target("/health", "healthy"),
        "profile": Target("/profile", numbers[0], token=token),
        "legacy-profile": Target("/profile", numbers[0], token=token),
        "login": Target(
            "/login", '"token"', bodies=[json.dumps({"account_number": n, "password": password}) for n in numbers]
        ),
    }
    return service


# wrk -----------------------------------------------------------------------------------------------


def lua_string(text: str) -> str:
    """A Lua string literal: printable ASCII as is (quote and backslash escaped), other bytes as \\ddd."""
    return '"' + "".join(lua_char(ch) for ch in text) + '"'


def lua_char(ch: str) -> str:
    if ch in '"\\':
        return "\\" + ch
    if " " <= ch <= "~":
        return ch
    return "".join(f"\\{byte:03d}" for byte in ch.encode())


def wrk_script(run: Run, service: Service, target: Target, label: str) -> Path:
    headers = dict(service.headers)
    if target.token:
        headers["Authorization"] = f"Bearer {target.token}"
    if target.api_key:
        headers["Authorization"] = f"Api-Key {target.api_key}"
    if target.bodies:
        headers["Content-Type"] = "application/json"
    script = WRK_SCRIPT.substitute(
        label=label,
        method=lua_string("POST" if target.bodies else "GET"),
        headers="{" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()) + "}",
        bodies="{" + ", ".join(lua_string(body) for body in target.bodies) + "}",
        authorizations="{" + ", ".join(lua_string(f"Bearer {token}") for token in target.tokens) + "}",
        threads=run.args.threads,
        status=target.status,
        expect=lua_string(target.expect),
        # New for every run (warm-ups and rounds too), so that no request replays an earlier one.
        idempotency_prefix=lua_string(f"bench-{uuid.uuid4().hex[:12]}-" if target.idempotent else ""),
        sample_chars=SAMPLE_CHARS,
    )
    path = run.temp / (slug(f"{service.name} {label}") + ".lua")
    path.write_text(script)
    return path


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def settle(service: Service) -> None:
    """Wait until the server has worked off what wrk left queued (it answers /health after that), so
    that the next run, on this or the other service, starts on an idle machine."""
    response = requests.get(service.server.url + "/health", headers=service.headers, timeout=SETTLE_TIMEOUT)
    if response.status_code != 200:
        sys.exit(f"{service.name}: GET /health answered {response.status_code} after a run: {response.text[:500]}")


def wrk(run: Run, service: Service, target: Target, label: str, duration: int) -> dict:
    """One wrk run; exits with the first bad answers if any answer was wrong or any socket failed."""
    script = wrk_script(run, service, target, label)
    command = ["wrk", f"-t{run.args.threads}", f"-c{run.args.connections}", f"-d{duration}s", "--timeout", "10s"]
    command += ["-s", str(script), service.server.url + target.path]
    result = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=duration + 120)
    line = next((line for line in result.stdout.splitlines() if line.startswith("RESULT ")), None)
    if result.returncode != 0 or line is None:
        sys.exit(f"{service.name} {label}: wrk failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    measured = json.loads(line.removeprefix("RESULT "))
    settle(service)
    check(service, target, f"{service.name} {label}", measured, duration)
    return measured


def check(service: Service, target: Target, what: str, measured: dict, duration: int) -> None:
    """Exit, showing the first bad responses, unless every response was right and no socket failed."""
    failures = {name: count for name, count in measured["errors"].items() if count}
    if not measured["requests"]:
        sys.exit(f"{what}: no response completed within {duration} s: make --duration longer")
    if not measured["bad"] and not failures:
        return
    lines = [
        f"{what}: {measured['bad']} of {measured['requests']} responses were not {target.status} "
        f"with {target.expect!r}; socket errors: {failures or 'none'}"
    ]
    if measured["bad_samples"]:
        lines += ["first bad responses:", *(f"  {sample.strip()}" for sample in measured["bad_samples"])]
    lines += ["last lines of its log:", log_tail(service.server.log_path)]
    sys.exit("\n".join(lines))


def start_profiler(run: Run, service: Service, label: str, duration: int) -> subprocess.Popen | None:
    """py-spy on our gunicorn during the first measured run of each scenario, with --flamegraph."""
    if not run.args.flamegraph or service.name != OURS or label in run.profiled:
        return None
    run.profiled.add(label)
    run.args.flamegraph.mkdir(parents=True, exist_ok=True)
    output = run.args.flamegraph / f"{slug(label)}.svg"
    command = [str(VENV_BIN / "py-spy"), "record", "--pid", str(service.server.process.pid), "--subprocesses"]
    command += ["--rate", "200", "--duration", str(duration), "--format", "flamegraph", "-o", str(output)]
    with (run.temp / f"py-spy-{slug(label)}.log").open("w") as log:
        return subprocess.Popen([*command, "--nonblocking"], stdout=log, stderr=subprocess.STDOUT)


def finish_profiler(run: Run, profiler: subprocess.Popen | None, label: str) -> None:
    """Wait for py-spy to write its flame graph; a failure is reported but does not stop the benchmark."""
    if profiler is None:
        return
    try:
        failed = profiler.wait(timeout=120) != 0
    except subprocess.TimeoutExpired:
        profiler.kill()
        profiler.wait()
        failed = True
    if failed:
        log = run.temp / f"py-spy-{slug(label)}.log"
        print(f"  warning: py-spy failed for {label}:\n{log.read_text(errors='replace')}", file=sys.stderr)


def measure(run: Run, service: Service, label: str, target: Target, duration: int) -> dict:
    """A warm-up first (once per server and label), then one recorded run; prints its summary."""
    if run.args.warmup and (service.name, label) not in run.warmed:
        wrk(run, service, target, f"{label} (warm-up)", run.args.warmup)
    run.warmed.add((service.name, label))
    profiler = start_profiler(run, service, label, duration)
    result = wrk(run, service, target, label, duration)
    finish_profiler(run, profiler, label)
    shown = figures(result)
    print(
        f"  {label:<26} {service.name:<5} {shown['req/s']:>10,.1f} req/s"
        f"  p50 {shown['p50 ms']:8.2f} ms  p99 {shown['p99 ms']:8.2f} ms",
        flush=True,
    )
    return result


# Scenarios -----------------------------------------------------------------------------------------


def compare(run: Run, services: list[Service], scenario: str) -> dict[str, list[dict]]:
    """--rounds rounds of the scenario on every service that has it, alternating who goes first."""
    present = [service for service in services if scenario in service.targets]
    rounds: dict[str, list[dict]] = {service.name: [] for service in present}
    for number in range(run.args.rounds):
        for service in present if number % 2 == 0 else present[::-1]:
            rounds[service.name].append(measure(run, service, scenario, service.targets[scenario], run.args.duration))
    return rounds


def pgbench_binary() -> str | None:
    """pgbench on PATH, else the newest PostgreSQL's own (Debian keeps it out of PATH)."""
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), key=lambda path: int(path.parts[-3]))
    return shutil.which("pgbench") or (str(installed[-1]) if installed else None)


def pgbench(run: Run, server: str) -> dict[str, list[dict]]:
    """
    pgbench's built-in TPC-B-like transaction (three UPDATEs, a SELECT and an INSERT: a bank
    transfer's work in plain SQL, committed durably) on the same PostgreSQL, --rounds runs of
    --duration seconds each with two client counts: as many as the database sessions our service
    can use (one per gunicorn worker: the transfers' goal is judged against this, the same
    concurrency at the database), and as many as wrk's connections (PostgreSQL saturated, for
    scale).
    """
    database_url = customers_bench.prepare_database(server, PGBENCH_DB, reuse=False)
    binary = pgbench_binary()
    print(f"  pgbench -i -s {run.args.pgbench_scale} ...", flush=True)
    subprocess.run(
        [binary, "-i", "-q", "-s", str(run.args.pgbench_scale), database_url], check=True, capture_output=True
    )
    results: dict[str, list[dict]] = {"matched": [], "saturated": []}
    for _ in range(run.args.rounds):
        for variant, clients in (("matched", run.args.workers), ("saturated", run.args.connections)):
            threads = min(clients, run.args.threads)
            command = [binary, f"-c{clients}", f"-j{threads}", f"-T{run.args.duration}", database_url]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            match = PGBENCH_TPS.search(result.stdout)
            if result.returncode != 0 or match is None:
                sys.exit(f"pgbench failed ({result.returncode}):\n{result.stdout}{result.stderr}")
            tps = float(match.group(1))
            results[variant].append({"tps": tps, "command": shlex.join(["pgbench", *command[1:-1]])})
            print(f"  pgbench -c{clients:<3} TPC-B-like {tps:>10,.1f} tps", flush=True)
    return results


def bcrypt_bound() -> dict:
    """How many cost-12 bcrypt verifies per second this machine's CPUs can do at most."""
    password = secrets.token_urlsafe(15).encode()
    hashed = bcrypt.hashpw(password, bcrypt.gensalt(BCRYPT_COST))
    timings = []
    for _ in range(BCRYPT_TIMINGS):
        started = time.perf_counter()
        bcrypt.checkpw(password, hashed)
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)
    cpus = os.cpu_count() or 1
    print(f"  bcrypt cost {BCRYPT_COST}: {median * 1000:.0f} ms per verify, bound {cpus / median:.2f}/s", flush=True)
    return {"cost": BCRYPT_COST, "timings_s": timings, "median_s": median, "cpus": cpus, "bound_per_s": cpus / median}


def tail(run: Run, services: list[Service]) -> dict[str, dict[str, dict]]:
    return {
        key: {
            service.name: measure(run, service, f"tail {key}", service.targets[key], run.args.tail_duration)
            for service in services
        }
        for key in TAIL_KEYS
    }


def staff(run: Run, ours: Service, env: dict[str, str], database_url: str) -> list[dict]:
    sizes = []
    for size in run.args.staff_sizes:
        if not top_up(env, database_url, size):
            run.note(f"staff size {size:,} skipped: {OUR_DB} already holds more customers")
            continue
        entry = {"size": size, "customers": customers_bench.count_customers(database_url)}
        for query in STAFF_QUERIES:
            entry[query] = measure(
                run, ours, f"staff {query} @ {size}", ours.targets[f"staff {query}"], run.args.duration
            )
        sizes.append(entry)
    return sizes


def run_scenarios(run: Run, ours: Service, flask: Service | None, env: dict[str, str], database_url: str) -> dict:
    services = [ours] + ([flask] if flask else [])
    results: dict = {"rounds": {}, "notes": run.notes}
    for scenario in COMPARED:
        if scenario not in run.args.scenarios:
            continue
        print(f"{scenario}:", flush=True)
        if scenario == "login":
            results["bcrypt"] = bcrypt_bound()
        results["rounds"][scenario] = compare(run, services, scenario)
        if scenario == "transfers":
            results["pgbench"] = pgbench(run, customers_bench.server_url(None))
    if "tail" in run.args.scenarios:
        print(f"tail ({run.args.tail_duration} s):", flush=True)
        results["tail"] = tail(run, services)
    if "staff" in run.args.scenarios:
        print("staff:", flush=True)
        results["staff"] = staff(run, ours, env, database_url)
    return results


# Report --------------------------------------------------------------------------------------------


def first_line(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        return f"unknown ({exc.strerror})"
    return (result.stdout or result.stderr).strip().splitlines()[0]


def proc_field(path: str, name: str) -> str:
    for line in Path(path).read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return "unknown"


def machine_facts(args: argparse.Namespace, server: str, redis_url: str) -> dict[str, str]:
    import django
    import redis

    with psycopg.connect(customers_bench.with_database(server, "postgres")) as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    memory_kib = int(proc_field("/proc/meminfo", "MemTotal").split()[0])
    facts = {
        "CPU": proc_field("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "memory": f"{memory_kib / 2**20:.1f} GiB",
        "Python": platform.python_version(),
        "Django": django.__version__,
        "gunicorn": importlib.metadata.version("gunicorn"),
        "wrk": first_line(["wrk", "-v"]).split(" Copyright")[0],
        "PostgreSQL": postgres,
        "Redis": redis.Redis.from_url(redis_url).info("server")["redis_version"],
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": shlex.join([sys.executable, *sys.argv]),
    }
    if args.flask_dir:
        versions = (
            "from importlib.metadata import version as v; print('Flask', v('flask') + ', gunicorn', v('gunicorn'))"
        )
        facts["Flask service"] = first_line([str(FLASK_VENV / "bin" / "python"), "-c", versions])
    return facts


@dataclass(frozen=True)
class Goal:
    op: str  # "≥" or "≤"
    bound: float

    def met(self, value: float) -> bool:
        return value >= self.bound if self.op == "≥" else value <= self.bound


@dataclass
class Row:
    scenario: str
    figure: str
    ours: float | None = None
    flask: float | None = None
    ratio: float | None = None
    ratio_of: str = ""
    goal: Goal | None = None


def figures(result: dict) -> dict[str, float]:
    """The figures of one wrk run that the table shows, named as in FIGURES."""
    latency = result["latency_us"]
    return {"req/s": result["requests_per_s"], "p50 ms": latency["p50"] / 1000, "p99 ms": latency["p99"] / 1000}


def median_of(rounds: list[dict], figure: str) -> float:
    return statistics.median(figures(result)[figure] for result in rounds)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


COMPARED_GOALS = {
    ("health", "req/s"): Goal("≥", 1.0),
    ("profile", "req/s"): Goal("≥", 1.15),
    ("profile", "p99 ms"): Goal("≤", 1.0),
    ("legacy-profile", "req/s"): Goal("≥", 1.0),  # the Flask route, served by ours (issue 12)
}
PROFILE_GOALS = {  # our req/s ÷ our profile req/s in the same run
    "customers": Goal("≥", 0.5),
    "partner": Goal("≥", 0.90),  # a partner key's check costs no more than a JWT's (issue 10)
    "oauth-profile": Goal("≥", 0.90),  # an OAuth token's check costs no more than a JWT's (issue 10)
}


def round_rows(results: dict, rounds_count: int) -> list[Row]:
    rows = []
    for scenario, rounds in results["rounds"].items():
        for figure in FIGURES:
            ours = median_of(rounds[OURS], figure)
            flask = median_of(rounds[FLASK], figure) if FLASK in rounds else None
            row = Row(scenario, f"{figure} (median of {rounds_count})", ours, flask)
            if (scenario, figure) in COMPARED_GOALS and flask is not None:
                row.ratio, row.ratio_of, row.goal = ratio(ours, flask), "ours ÷ Flask", COMPARED_GOALS[scenario, figure]
            if scenario in PROFILE_GOALS and figure == "req/s" and "profile" in results["rounds"]:
                profile = median_of(results["rounds"]["profile"][OURS], "req/s")
                row.ratio, row.ratio_of, row.goal = ratio(ours, profile), "÷ our profile req/s", PROFILE_GOALS[scenario]
            rows.append(row)
    return rows


def login_rows(results: dict) -> list[Row]:
    if "bcrypt" not in results:
        return []
    bound = results["bcrypt"]
    rounds = results["rounds"]["login"]
    per_verify = f"{bound['cpus']} CPUs ÷ {bound['median_s'] * 1000:.0f} ms = {bound['bound_per_s']:.2f}/s"
    ours = median_of(rounds[OURS], "req/s") / bound["bound_per_s"]
    flask = median_of(rounds[FLASK], "req/s") / bound["bound_per_s"] if FLASK in rounds else None
    return [
        Row("login", f"bcrypt cost {BCRYPT_COST} verify ms (median of {BCRYPT_TIMINGS})", bound["median_s"] * 1000),
        Row("login", f"req/s ÷ bcrypt bound ({per_verify})", ours, flask, ours, "ours", Goal("≥", 0.90)),
    ]


def transfer_rows(results: dict) -> list[Row]:
    """Transfers/s against pgbench's TPC-B-like tps on the same PostgreSQL (issue 11's goal: >= 0.5)."""
    if "pgbench" not in results:
        return []
    ours = median_of(results["rounds"]["transfers"][OURS], "req/s")
    rows = []
    for variant, goal in (("matched", Goal("≥", 0.5)), ("saturated", None)):
        tps = statistics.median(round_["tps"] for round_ in results["pgbench"][variant])
        command = results["pgbench"][variant][0]["command"]
        rows.append(Row("transfers", f"pgbench TPC-B-like tps (median; {command})", tps))
        row = Row("transfers", f"transfers/s ÷ that tps ({variant})", ratio(ours, tps))
        if goal is not None:
            row.ratio, row.ratio_of, row.goal = ratio(ours, tps), "ours", goal
        rows.append(row)
    return rows


def tail_rows(results: dict, seconds: int) -> list[Row]:
    rows = []
    for key, by_service in results.get("tail", {}).items():
        scenario = f"tail {key} ({seconds} s)"
        values = {name: figures(result) for name, result in by_service.items()}
        flask = values.get(FLASK, {})
        rows += [Row(scenario, figure, values[OURS][figure], flask.get(figure)) for figure in FIGURES]
        spread = {name: ratio(value["p99 ms"], value["p50 ms"]) for name, value in values.items()}
        rows.append(Row(scenario, "p99 ÷ p50", spread[OURS], spread.get(FLASK), spread[OURS], "ours", Goal("≤", 3)))
    return rows


def staff_rows(results: dict) -> list[Row]:
    sizes = results.get("staff", [])
    rows = []
    for query in STAFF_QUERIES:
        for entry in sizes:
            scenario = f"staff {query} @ {entry['size']:,}"
            rows += [Row(scenario, figure, value) for figure, value in figures(entry[query]).items()]
        if len(sizes) > 1:
            first, last = sizes[0], sizes[-1]
            growth = ratio(figures(last[query])["p99 ms"], figures(first[query])["p99 ms"])
            figure = f"p99 @ {last['size']:,} ÷ @ {first['size']:,}"
            rows.append(Row(f"staff {query}", figure, growth, None, growth, "largest ÷ smallest", Goal("≤", 1.5)))
    return rows


def number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def render_row(row: Row) -> str:
    cells = [row.scenario, row.figure, number(row.ours), number(row.flask)]
    if row.goal is None or row.ratio is None:
        cells += ["", "", ""]
    else:
        met = "met" if row.goal.met(row.ratio) else "**NOT met**"
        cells += [f"{row.ratio:.2f} ({row.ratio_of})", f"{row.goal.op} {row.goal.bound:g}", met]
    return "| " + " | ".join(cells) + " |"


def setup_line(args: argparse.Namespace) -> str:
    return (
        f"gunicorn {args.workers} workers per service, wrk -t{args.threads} -c{args.connections}, "
        f"{args.duration} s per run after {args.warmup} s of warm-up"
    )


def report(args: argparse.Namespace, facts: dict[str, str], results: dict, rows: list[Row]) -> str:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    rounds = f"{args.rounds} round{'s' if args.rounds > 1 else ''}"
    lines = [f"- {name}: {value}" for name, value in facts.items()]
    lines += [
        f"- setup: {args.customers:,} customers; {setup_line(args)}; {rounds} alternating which service goes "
        f"first; load average at the end {load}",
        "",
        "| scenario | figure | ours | Flask | ratio | goal | |",
        "|---|---|---:|---:|---:|---|---|",
        *(render_row(row) for row in rows),
    ]
    lines += [f"\nNote: {note}" for note in results["notes"]]
    return "\n".join(lines) + "\n"


def all_rows(args: argparse.Namespace, results: dict) -> list[Row]:
    return (
        round_rows(results, args.rounds)
        + transfer_rows(results)
        + login_rows(results)
        + tail_rows(results, args.tail_duration)
        + staff_rows(results)
    )


def write_plots(results: dict, directory: Path, setup: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    for name, draw in (("throughput.png", plot_throughput), ("staff-latency.png", plot_staff_latency)):
        figure, axes = plt.subplots(figsize=(8, 4.5))
        if draw(axes, results):
            axes.set_title(f"{axes.get_title()}\n{setup}", fontsize=10)
            figure.tight_layout()
            figure.savefig(directory / name, dpi=120)
            print(f"plot written to {directory / name}")
        plt.close(figure)


def plot_throughput(axes: Any, results: dict) -> bool:
    """Grouped bars: median req/s of each compared scenario, ours next to Flask's."""
    scenarios = list(results["rounds"])
    for offset, name in ((-0.2, OURS), (0.2, FLASK)):
        bars = [
            (index + offset, median_of(results["rounds"][scenario][name], "req/s"))
            for index, scenario in enumerate(scenarios)
            if name in results["rounds"][scenario]
        ]
        if bars:
            drawn = axes.bar([x for x, _ in bars], [value for _, value in bars], width=0.4, label=name)
            axes.bar_label(drawn, labels=[number(value) for _, value in bars], fontsize=8)
    axes.set_xticks(range(len(scenarios)), scenarios)
    axes.set_yscale("log")
    axes.set_ylim(bottom=1)
    axes.set_ylabel("requests per second (median over rounds, log scale)")
    axes.set_title("Throughput under wrk: ours and Flask")
    axes.legend()
    return bool(scenarios)


def plot_staff_latency(axes: Any, results: dict) -> bool:
    """p50 (solid) and p99 (dashed) of each staff query against the number of customers."""
    sizes = [entry["size"] for entry in results.get("staff", [])]
    for query, color in zip(STAFF_QUERIES, ("tab:blue", "tab:orange"), strict=True):
        for figure, style in (("p50 ms", "-o"), ("p99 ms", "--s")):
            values = [figures(entry[query])[figure] for entry in results["staff"]]
            axes.plot(sizes, values, style, color=color, label=f"{query} {figure.split()[0]}")
    axes.set_xscale("log")
    axes.set_xticks(sizes, [f"{size:,}" for size in sizes])
    axes.minorticks_off()
    axes.set_ylim(bottom=0)
    axes.set_xlabel("customers")
    axes.set_ylabel("latency (ms)")
    axes.set_title("Staff customer list (GET /api/v1/customers) under wrk")
    axes.legend()
    return bool(sizes)


def keep_running(services: list[Service]) -> None:
    for service in services:
        print(f"{service.name}: {service.server.url} (gunicorn master pid {service.server.process.pid})")
        for header, value in service.headers.items():
            print(f"  send header {header}: {value}")
        for key, target in service.targets.items():
            if target.token:
                print(f"  {key}: GET {target.path} with Authorization: Bearer {target.token}")
            if target.api_key:
                print(f"  {key}: send header Authorization: Api-Key {target.api_key}")
            if target.bodies:
                print(f"  {key}: POST {target.path} {target.bodies[0]}")
    print("servers left running: Ctrl-C to stop them", flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        print()


def finish(args: argparse.Namespace, facts: dict[str, str], results: dict) -> None:
    rows = all_rows(args, results)
    print()
    print(report(args, facts, results, rows), end="")
    if args.json:
        ratios = [asdict(row) | {"met": row.goal.met(row.ratio)} for row in rows if row.goal and row.ratio is not None]
        raw = {"facts": facts, "args": vars(args), "ratios": ratios, **results}
        args.json.write_text(json.dumps(raw, indent=2, default=str, ensure_ascii=False) + "\n")
        print(f"raw results written to {args.json}")
    if args.plots:
        write_plots(results, args.plots, setup_line(args))


def cpu_busy(seconds: float = 1.0) -> float:
    """The share of all CPUs' time spent on anything but idling over the next `seconds` (/proc/stat)."""

    def sample() -> tuple[int, int]:
        values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(values[:8]), values[3] + values[4]  # user..steal in all, idle + iowait

    total_before, idle_before = sample()
    time.sleep(seconds)
    total_after, idle_after = sample()
    return 1 - (idle_after - idle_before) / max(1, total_after - total_before)


def check_tools(args: argparse.Namespace) -> None:
    """Fail now, not after a long run, on a tool that is missing."""
    install = "install requirements-bench.txt (`make bench` does)"
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (`make bench` does)")
    if "transfers" in args.scenarios and pgbench_binary() is None:
        sys.exit("the transfers scenario needs pgbench, which comes with PostgreSQL's server package")
    if args.flamegraph and not (VENV_BIN / "py-spy").is_file():
        sys.exit(f"--flamegraph needs py-spy in {VENV_BIN}: {install}")
    if args.plots and importlib.util.find_spec("matplotlib") is None:
        sys.exit(f"--plots needs matplotlib: {install}")


def prepare_ours(run: Run, server: str, redis_url: str, cache_prefix: str) -> tuple[dict[str, str], str]:
    """Our database, migrated and seeded to --customers; returns our environment and the database URL."""
    database_url = customers_bench.prepare_database(server, OUR_DB, reuse=run.args.reuse)
    env = our_environment(database_url, redis_url, cache_prefix)
    print("migrating ...", flush=True)
    customers_bench.manage(env, "migrate", "--noinput")
    if not top_up(env, database_url, run.args.customers):
        run.note(f"{OUR_DB} already held more than {run.args.customers:,} customers (--reuse)")
    return env, database_url


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    check_tools(args)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even if started with SIGINT ignored
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    server = customers_bench.server_url(None)
    redis_url = os.environ.get("REDIS_URL") or customers_bench.DEFAULT_REDIS_URL
    cache_prefix = f"perf-bench-{uuid.uuid4().hex}"
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="perf-bench-") as temp_name:
        run = Run(args, Path(temp_name))
        if (busy := cpu_busy()) > BUSY_CPU:
            run.note(f"other processes kept {busy:.0%} of the CPUs busy just before the start: figures are skewed")
        if args.flamegraph:
            run.note("py-spy sampled our first measured run of each scenario (--flamegraph), slowing it down")
        try:
            env, database_url = prepare_ours(run, server, redis_url, cache_prefix)
            ours = start_ours(run, env, servers)
            ours.targets = our_targets(args, ours, env)
            flask = start_flask(run, server, redis_url, servers) if args.flask_dir else None
            results = run_scenarios(run, ours, flask, env, database_url)
            finish(args, machine_facts(args, server, redis_url), results)
            if args.keep_running:
                keep_running([service for service in (ours, flask) if service])
        finally:
            for running in reversed(servers):
                running.stop()
            customers_bench.delete_cache_keys(redis_url, cache_prefix)


if __name__ == "__main__":
    main()
