"""
The contract's promises in the production topology: nginx in front of three gunicorn instances
(deploy/local_cluster.py), sharing a PostgreSQL and a Redis of this suite's own, which it stops and
restarts to show what the service does while each is down.

Clients connect from distinct loopback addresses (127.x.y.z) so that nginx sees distinct client
IPs, as it would for clients on the internet. Figures of each fault test are printed.
"""

import json
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from bankapi.ratelimits import window_end
from deploy.local_cluster import LocalCluster, client_from, registration
from deploy.processes import free_port
from deploy.tests.services import PrivatePostgres, PrivateRedis

pytestmark = pytest.mark.cluster

LOCKOUT_FAILURES = 5
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    server = PrivatePostgres(port=free_port())
    server.start()
    server.create_database("bankapi")
    yield server
    server.remove()


@pytest.fixture(scope="module")
def redis_server():
    server = PrivateRedis(port=free_port())
    server.start()
    yield server
    server.remove()


@pytest.fixture(scope="module")
def cluster(postgres, redis_server, tmp_path_factory):
    cluster = LocalCluster(
        state_dir=tmp_path_factory.mktemp("cluster"),
        database_url=postgres.url("bankapi"),
        redis_url=redis_server.url,
        nginx_port=free_port(),
        app_ports=[free_port() for _ in range(3)],
        workers=2,
        settings={
            "RATE_LOGIN": "10/m",
            "RATE_REGISTER": "100000/h",
            "RATE_USER": "100000/m",
            "LOCKOUT_FAILURES": str(LOCKOUT_FAILURES),
        },
    )
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def register(cluster: LocalCluster, email: str, source_ip: str = "127.0.9.1") -> dict:
    response = client_from(source_ip).post(
        cluster.url + "/api/v1/auth/register", json=registration(email, PASSWORD), timeout=30
    )
    assert response.status_code == 201, response.text
    return response.json()


def burst(cluster: LocalCluster, path: str, bodies: list[dict], sources: list[str], headers=None):
    """Send every request at once, each from its own source address."""
    barrier = threading.Barrier(len(bodies))
    headers = headers or [{}] * len(bodies)

    def send(index: int) -> requests.Response:
        session = client_from(sources[index])
        barrier.wait()
        return session.post(cluster.url + path, json=bodies[index], headers=headers[index], timeout=60)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, range(len(bodies))))


def outcomes(responses) -> Counter:
    return Counter((r.status_code, r.json().get("code")) for r in responses)


def upstreams_of(cluster: LocalCluster, request_ids: set[str]) -> set[str]:
    """The instances nginx sent these requests to, from its JSON access log."""
    seen = set()
    for line in (cluster.state_dir / "nginx-access.log").read_text().splitlines():
        entry = json.loads(line)
        if entry["request_id"] in request_ids:
            seen.update(address.strip() for address in entry["upstream"].split(","))
    return seen


def fresh_source_ip(prefix: str, margin_seconds: float = 30) -> str:
    """
    A loopback address under `prefix` whose login rate-limit window (one minute, with an edge that
    bankapi.ratelimits staggers by key) has at least `margin_seconds` left, so that a test of an exact
    count never straddles two windows, and never has to wait for one.
    """
    for last in range(1, 255):
        ip = f"{prefix}.{last}"
        if window_end(f"ip:{ip}", 60) + 1 - time.time() >= margin_seconds:
            return ip
    raise AssertionError("no loopback address with a fresh rate-limit window")


def report(title: str, figures: dict) -> None:
    print(f"\n[cluster] {title}: " + ", ".join(f"{key}={value}" for key, value in figures.items()))


# Lockout, rate limit and client IP across instances ------------------------------------------------


def test_lockout_is_exact_when_thirty_attempts_are_spread_over_three_instances(cluster):
    customer = register(cluster, f"lock-{uuid.uuid4().hex[:8]}@example.com")
    bodies = [
        {"email": customer["email"], "password": f"wrong password {n}"}
        if n % 2
        else {"account_number": customer["account_number"], "password": f"wrong password {n}"}
        for n in range(30)
    ]
    ids = [f"lockout-{uuid.uuid4().hex}" for _ in range(30)]

    responses = burst(
        cluster,
        "/api/v1/auth/login",
        bodies,
        sources=[f"127.0.1.{n + 1}" for n in range(30)],
        headers=[{"X-Request-ID": request_id} for request_id in ids],
    )

    assert outcomes(responses) == {
        (401, "invalid_credentials"): LOCKOUT_FAILURES,
        (429, "account_locked"): 30 - LOCKOUT_FAILURES,
    }
    assert len(upstreams_of(cluster, set(ids))) == 3
    right_password = client_from("127.0.1.200").post(
        cluster.url + "/api/v1/auth/login", json={"email": customer["email"], "password": PASSWORD}, timeout=30
    )
    assert right_password.status_code == 429
    assert right_password.json()["code"] == "account_locked"


def test_rate_limit_admits_exactly_ten_of_forty_simultaneous_logins_across_instances(cluster):
    source = fresh_source_ip("127.0.2")
    ids = [f"ratelimit-{uuid.uuid4().hex}" for _ in range(40)]

    responses = burst(
        cluster,
        "/api/v1/auth/login",
        [{"email": f"visitor{n}@example.com", "password": "some wrong password"} for n in range(40)],
        sources=[source] * 40,
        headers=[{"X-Request-ID": request_id} for request_id in ids],
    )

    assert outcomes(responses) == {(401, "invalid_credentials"): 10, (429, "rate_limited"): 30}
    assert len(upstreams_of(cluster, set(ids))) == 3


def test_client_ip_is_the_one_nginx_appends_not_a_forged_prefix(cluster, postgres):
    forger_ip = fresh_source_ip("127.0.3")
    forger = client_from(forger_ip)
    emails = [f"forged-{uuid.uuid4().hex[:8]}@example.com" for _ in range(12)]

    statuses = [
        forger.post(
            cluster.url + "/api/v1/auth/login",
            json={"email": email, "password": "some wrong password"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
            timeout=30,
        ).status_code
        for n, email in enumerate(emails)
    ]
    other_client = client_from(fresh_source_ip("127.0.30")).post(
        cluster.url + "/api/v1/auth/login", json={"email": "someone@example.com", "password": "wrong"}, timeout=30
    )

    assert statuses == [401] * 10 + [429] * 2  # one bucket, whatever the forged prefix said
    assert other_client.status_code == 401  # another client, another bucket
    with psycopg.connect(postgres.url("bankapi")) as connection:
        recorded = connection.execute(
            "SELECT DISTINCT host(ip) FROM audit_auditevent WHERE target_label = ANY(%s)", [emails[:10]]
        ).fetchall()
    assert recorded == [(forger_ip,)]


# One instance killed under load -----------------------------------------------------------------


def test_an_instance_killed_under_load_loses_no_write_and_reads_keep_succeeding(cluster, postgres):
    reader = register(cluster, f"reader-{uuid.uuid4().hex[:8]}@example.com")
    tokens = client_from("127.0.4.1").post(
        cluster.url + "/api/v1/auth/login", json={"email": reader["email"], "password": PASSWORD}, timeout=30
    )
    access = tokens.json()["access"]
    # Long enough after the kill for nginx to probe the dead instance again (fail_timeout=5s).
    stop_at = time.monotonic() + 12
    reads: Counter = Counter()
    writes: dict[str, list[int]] = {}
    lock = threading.Lock()
    run_id = uuid.uuid4().hex[:8]

    client_read_retries = Counter()

    def read_loop(source: str) -> None:
        session = client_from(source)
        while time.monotonic() < stop_at:
            # nginx retries a read the dead instance never answered. One whose answer was cut off
            # half-way (headers already relayed) reaches the client as a broken connection, and
            # the client retries it, as any client of an idempotent GET would.
            for _ in range(3):
                try:
                    status = session.get(
                        cluster.url + "/api/v1/profile", headers={"Authorization": f"Bearer {access}"}, timeout=30
                    ).status_code
                    break
                except requests.RequestException:
                    status = "connection_error"
                    with lock:
                        client_read_retries["reads"] += 1
            with lock:
                reads[status] += 1

    def write_loop(worker: int) -> None:
        session = client_from(f"127.0.5.{worker + 1}")
        sequence = 0
        while time.monotonic() < stop_at:
            email = f"w{run_id}-{worker}-{sequence}@example.com"
            sequence += 1
            body = registration(email, PASSWORD)
            attempts = []
            for _ in range(4):  # a client retries a write whose answer it did not get
                try:
                    status = session.post(cluster.url + "/api/v1/auth/register", json=body, timeout=30).status_code
                except requests.RequestException:
                    status = "connection_error"
                attempts.append(status)
                if status in (201, 409):
                    break
                time.sleep(0.2)
            with lock:
                writes[email] = attempts

    threads = [threading.Thread(target=read_loop, args=(f"127.0.4.{n + 2}",)) for n in range(4)]
    threads += [threading.Thread(target=write_loop, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    cluster.kill_instance(1)  # SIGKILL to the whole instance, master and workers
    killed_at = time.monotonic()
    for thread in threads:
        thread.join()

    health_after = client_from("127.0.4.9").get(cluster.url + "/health", timeout=10).status_code
    with psycopg.connect(postgres.url("bankapi")) as connection:
        stored = dict(
            connection.execute(
                "SELECT email, count(*) FROM accounts_user WHERE email LIKE %s GROUP BY email", [f"w{run_id}-%"]
            ).fetchall()
        )
    acknowledged = {email for email, attempts in writes.items() if attempts[-1] in (201, 409)}
    retried = {email for email, attempts in writes.items() if len(attempts) > 1}
    nginx_retries = sum(
        1
        for line in (cluster.state_dir / "nginx-access.log").read_text().splitlines()
        if "," in json.loads(line)["upstream"]
    )
    report(
        "SIGKILL of one instance under load",
        {
            "reads": sum(reads.values()),
            "read_outcomes": dict(reads),
            "reads_cut_off_and_retried_by_client": client_read_retries["reads"],
            "writes": len(writes),
            "writes_acknowledged": len(acknowledged),
            "writes_retried_by_client": len(retried),
            "write_attempt_outcomes": dict(Counter(status for attempts in writes.values() for status in attempts)),
            "requests_nginx_retried_on_another_instance": nginx_retries,
            "seconds_of_load_after_the_kill": round(stop_at - killed_at, 1),
        },
    )

    cluster.start_instance(1)
    cluster.wait_until_healthy(cluster.instance_url(1))

    assert set(reads) == {200}, reads  # every read answered, nginx retried the failed ones
    assert acknowledged == set(writes)  # every write was eventually acknowledged ...
    assert all(stored.get(email) == 1 for email in acknowledged)  # ... is stored, exactly once
    assert set(stored) == set(writes)  # and nothing the clients did not ask for
    assert health_after == 200
    assert 500 not in {status for attempts in writes.values() for status in attempts}


# Dependencies down and back ---------------------------------------------------------------------


def _login(cluster: LocalCluster, source: str, email: str, password: str) -> requests.Response:
    return client_from(source).post(
        cluster.url + "/api/v1/auth/login", json={"email": email, "password": password}, timeout=30
    )


def _assert_clean_unavailable(response: requests.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "service_unavailable"
    text = response.text.lower()
    assert "redis" not in text and "psycopg" not in text and "traceback" not in text and "error" not in body["detail"]


def test_redis_down_fails_closed_and_recovers_without_restarting_the_app(cluster, redis_server):
    customer = register(cluster, f"redis-{uuid.uuid4().hex[:8]}@example.com")
    access = _login(cluster, "127.0.6.1", customer["email"], PASSWORD).json()["access"]

    redis_server.stop()
    try:
        while_down = {
            "login": _login(cluster, "127.0.6.2", customer["email"], PASSWORD),
            "register": client_from("127.0.6.3").post(cluster.url + "/api/v1/auth/register", json={}, timeout=30),
            "refresh": client_from("127.0.6.4").post(
                cluster.url + "/api/v1/auth/token/refresh", json={"refresh": "x"}, timeout=30
            ),
            "profile": client_from("127.0.6.5").get(
                cluster.url + "/api/v1/profile", headers={"Authorization": f"Bearer {access}"}, timeout=30
            ),
        }
        health = client_from("127.0.6.6").get(cluster.url + "/health", timeout=30)
        db_check = client_from("127.0.6.6").get(cluster.url + "/db_check", timeout=30)
    finally:
        redis_server.start()
    down_at = time.monotonic()
    recovered = None
    while time.monotonic() - down_at < 20:
        if _login(cluster, "127.0.6.7", customer["email"], PASSWORD).status_code == 200:
            recovered = round(time.monotonic() - down_at, 2)
            break
        time.sleep(0.2)
    report(
        "Redis down",
        {name: response.status_code for name, response in while_down.items()}
        | {"health": health.status_code, "db_check": db_check.status_code, "login_recovered_after_s": recovered},
    )

    for response in while_down.values():
        _assert_clean_unavailable(response)
    assert health.status_code == 200
    assert db_check.status_code == 503
    assert db_check.json()["checks"] == {"database": "ok", "cache": "unavailable"}
    assert recovered is not None


def test_postgres_down_is_a_clean_503_and_the_app_reconnects_on_its_own(cluster, postgres):
    customer = register(cluster, f"pg-{uuid.uuid4().hex[:8]}@example.com")
    access = _login(cluster, "127.0.7.1", customer["email"], PASSWORD).json()["access"]

    postgres.stop()
    try:
        while_down = {
            "login": _login(cluster, "127.0.7.2", customer["email"], PASSWORD),
            "profile": client_from("127.0.7.3").get(
                cluster.url + "/api/v1/profile", headers={"Authorization": f"Bearer {access}"}, timeout=30
            ),
            "register": client_from("127.0.7.4").post(
                cluster.url + "/api/v1/auth/register",
                json=registration(f"pg-new-{uuid.uuid4().hex[:8]}@example.com", PASSWORD),
                timeout=30,
            ),
            # A Django view outside DRF: the OAuth server looks the client up first.
            "oauth token": client_from("127.0.7.7").post(
                cluster.url + "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=("some-client-id", "some-secret"),
                timeout=30,
            ),
        }
        health = client_from("127.0.7.5").get(cluster.url + "/health", timeout=30)
        db_check = client_from("127.0.7.5").get(cluster.url + "/db_check", timeout=30)
    finally:
        postgres.start()
    up_at = time.monotonic()
    recovered = None
    while time.monotonic() - up_at < 30:
        db_ok = client_from("127.0.7.6").get(cluster.url + "/db_check", timeout=30).status_code == 200
        profile_ok = (
            client_from("127.0.7.6")
            .get(cluster.url + "/api/v1/profile", headers={"Authorization": f"Bearer {access}"}, timeout=30)
            .status_code
            == 200
        )
        if db_ok and profile_ok:
            recovered = round(time.monotonic() - up_at, 2)
            break
        time.sleep(0.2)
    report(
        "PostgreSQL down",
        {name: response.status_code for name, response in while_down.items()}
        | {"health": health.status_code, "db_check": db_check.status_code, "recovered_after_s": recovered},
    )

    for response in while_down.values():
        _assert_clean_unavailable(response)
    assert health.status_code == 200
    assert db_check.status_code == 503
    assert db_check.json()["checks"] == {"database": "unavailable", "cache": "ok"}
    assert recovered is not None
