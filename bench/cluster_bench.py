"""
Throughput of the production topology on this machine: nginx in front of three gunicorn instances
(deploy/local_cluster.py) against PostgreSQL and Redis. Not a test; run by hand:

    .venv/bin/python bench/cluster_bench.py [--seconds 10] [--clients 12]

It measures, through nginx, logins per second (BCryptSHA256 at its production cost: the CPU-bound
path) and authenticated reads per second (GET /api/v1/profile: token check, one user read, the
per-user rate limit in Redis), each with p50/p99 latency. Clients connect from distinct loopback
addresses so that the per-IP login limit does not interfere. Figures go to docs/deployment.md.
"""

import argparse
import os
import platform
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from deploy.local_cluster import LocalCluster, _ensure_database, client_from, registration  # noqa: E402

PASSWORD = "correct horse battery staple"  # noqa: S105


def measure(name: str, seconds: float, clients: int, request) -> dict:
    """Run `request(client_index)` from `clients` threads for `seconds`; return rate and latency."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def loop(index: int) -> None:
        nonlocal failures
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            ok = request(index)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                failures += 0 if ok else 1

    threads = [threading.Thread(target=loop, args=(index,)) for index in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - began
    latencies.sort()
    return {
        "name": name,
        "requests": len(latencies),
        "failures": failures,
        "per_second": len(latencies) / duration,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    args = parser.parse_args()

    cluster = LocalCluster.from_environment()
    cluster.workers = args.workers
    cluster.settings = {"RATE_LOGIN": "100000/m", "RATE_USER": "1000000/m", "RATE_REGISTER": "100000/h"}
    _ensure_database(cluster.database_url)
    cluster.start()
    try:
        # One customer per client: more simultaneous logins to one account than LOCKOUT_FAILURES
        # are refused while the first ones are being checked (docs/lockout.md).
        emails = [f"bench-{uuid.uuid4().hex[:8]}@example.com" for _ in range(args.clients)]
        sessions = [client_from(f"127.0.21.{index + 1}") for index in range(args.clients)]
        for index, email in enumerate(emails):
            sessions[index].post(
                cluster.url + "/api/v1/auth/register", json=registration(email, PASSWORD), timeout=30
            ).raise_for_status()
        access = (
            sessions[0]
            .post(cluster.url + "/api/v1/auth/login", json={"email": emails[0], "password": PASSWORD}, timeout=30)
            .json()["access"]
        )

        def login(index: int) -> bool:
            response = sessions[index].post(
                cluster.url + "/api/v1/auth/login", json={"email": emails[index], "password": PASSWORD}, timeout=60
            )
            return response.status_code == 200

        def read(index: int) -> bool:
            response = sessions[index].get(
                cluster.url + "/api/v1/profile", headers={"Authorization": f"Bearer {access}"}, timeout=60
            )
            return response.status_code == 200

        results = [
            measure("login", args.seconds, args.clients, login),
            measure("read", args.seconds, args.clients, read),
        ]
    finally:
        cluster.stop()

    print(
        f"\n{platform.machine()}, {os.cpu_count()} CPUs; nginx + 3 instances × {args.workers} sync workers; "
        f"{args.clients} concurrent clients for {args.seconds:.0f} s each\n"
    )
    print("| request | requests | failures | per second | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for result in results:
        print(
            f"| {result['name']} | {result['requests']} | {result['failures']} | {result['per_second']:.1f} "
            f"| {result['p50_ms']:.1f} | {result['p99_ms']:.1f} |"
        )


if __name__ == "__main__":
    main()
