"""
A profile read (`GET /api/v1/profile`) of this checkout against another revision's, under wrk,
interleaved, on the same PostgreSQL and Redis: the figure a change that touches every authenticated
request shows before it lands (docs/performance.md).

    .venv/bin/python bench/compare_revisions.py --base 7050168 [--rounds 4] [--duration 10]

The base revision is checked out into a temporary git worktree and run with this checkout's
virtual environment (so both run the same dependencies). Each side gets its own database
(`bench_rev_base`, `bench_rev_head`, recreated), 10,000 seeded customers and an auditor who reads
their own profile; each run starts that side's gunicorn as production does (gunicorn.conf.py, 2
workers, rate limits lifted), warms up for 2 s and measures for `--duration` seconds. The order
alternates between rounds so that neither side always runs first.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import staff_mfa  # bench/, beside this script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.processes import GUNICORN_COMMAND, PROJECT_DIR, free_port, wait_until_healthy  # noqa: E402

PASSWORD = "a sufficiently long passphrase"  # noqa: S105 - a benchmark user's
EMAIL = "bench-auditor@example.com"
PG = "postgres://postgres@127.0.0.1:5432"


def environment(side: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankapi.settings.production",
        "SECRET_KEY": "bench-secret-key-" + "x" * 40,
        "JWT_SECRET_KEY": "bench-jwt-secret-key-" + "y" * 32,
        "DATABASE_URL": f"{os.environ.get('BENCH_PG', PG)}/bench_rev_{side}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CACHE_KEY_PREFIX": f"bench-rev-{side}",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RATE_USER": "100000000/m",
        "RATE_LOGIN": "100000/m",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def prepare(side: str, checkout: Path) -> None:
    """A fresh database for `side`, migrated by its own code, seeded, with the benchmark's auditor."""
    for statement in (f"DROP DATABASE IF EXISTS bench_rev_{side}", f"CREATE DATABASE bench_rev_{side}"):
        subprocess.run(["psql", os.environ.get("BENCH_PG", PG) + "/postgres", "-qc", statement], check=True)
    env = environment(side)

    def manage(*args: str, stdin: str | None = None) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=checkout,
            env=env,
            input=stdin,
            text=True,
            check=True,
            capture_output=True,
        )

    manage("migrate", "--noinput")
    manage("seed_customers", "10000")
    manage("create_staff", EMAIL, "--role", "auditor", "--password-stdin", stdin=PASSWORD)


# The auditor's recovery codes on each side, from its enrollment in the first round.
RECOVERY_CODES: dict[str, list[str]] = {}


def measure(side: str, checkout: Path, duration: int) -> tuple[float, str]:
    """Requests per second and p99 of one wrk run against `side`'s gunicorn."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603
            GUNICORN_COMMAND,
            cwd=checkout,
            env=environment(side, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(url, process=process, timeout=60)
            login = urllib.request.Request(  # noqa: S310 - loopback
                url + "/api/v1/auth/login",
                data=json.dumps({"email": EMAIL, "password": PASSWORD}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(login, timeout=30) as response:  # noqa: S310  # nosec B310 - http:// on loopback
                body = json.load(response)
            if "mfa_token" in body:  # enrolled in an earlier round: one of the codes kept then
                access = staff_mfa.complete_login(url, body, RECOVERY_CODES[side])
            else:  # staff must have MFA (a revision without it: nothing to do)
                access = body["access"]
                RECOVERY_CODES[side] = staff_mfa.enroll_staff(url, access)
            header = f"Authorization: Bearer {access}"
            wrk = ["wrk", "-t2", "-c32", "--latency", "-H", header, url + "/api/v1/profile"]
            subprocess.run([*wrk, "-d2s"], capture_output=True, check=True)
            output = subprocess.run([*wrk, f"-d{duration}s"], capture_output=True, text=True, check=True).stdout
        finally:
            process.terminate()
            process.wait()
    if "Non-2xx" in output:
        raise SystemExit(f"{side}: some responses were not 2xx:\n{output}")
    # The latency distribution's own line: a bare "99%" would also match a stdev column such as "74.99%".
    p99 = re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE).group(1)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the revision to compare against (e.g. a release's commit)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured wrk run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base), args.base], cwd=PROJECT_DIR, check=True)
        try:
            sides = {"base": base, "head": PROJECT_DIR}
            for side, checkout in sides.items():
                prepare(side, checkout)
            results: dict[str, list[tuple[float, str]]] = {side: [] for side in sides}
            for round_number in range(args.rounds):
                order = list(sides) if round_number % 2 == 0 else list(reversed(sides))
                for side in order:
                    results[side].append(measure(side, sides[side], args.duration))
                    print(
                        f"round {round_number + 1} {side}: {results[side][-1][0]:.0f} req/s, p99 {results[side][-1][1]}"
                    )
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=PROJECT_DIR, check=False)
    for side, runs in results.items():
        rates = [rate for rate, _ in runs]
        print(
            f"{side}: median {statistics.median(rates):.0f} req/s; runs {', '.join(f'{r:.0f}' for r in rates)}; "
            f"p99 {', '.join(p99 for _, p99 in runs)}"
        )
    ratio = statistics.median(r for r, _ in results["head"]) / statistics.median(r for r, _ in results["base"])
    print(f"head / base: {ratio:.3f}")


if __name__ == "__main__":
    main()
