"""
The production topology on one machine, without Docker: nginx load-balancing three gunicorn
instances on loopback ports, sharing one PostgreSQL and one Redis.

    deploy/local-cluster start     # migrate, start 3 instances and nginx, wait until healthy
    deploy/local-cluster status
    deploy/local-cluster stop      # stop nginx and every instance, leave nothing running

Configuration comes from the environment: DATABASE_URL and REDIS_URL (default: this machine's
PostgreSQL database `bankapi_cluster` and Redis), CLUSTER_DIR (state, logs, pid files; default
`.cluster/`), CLUSTER_NGINX_PORT (8080), CLUSTER_APP_PORTS ("8101,8102,8103"),
CLUSTER_WORKERS (gunicorn workers per instance, 2), plus any app setting (RATE_LOGIN, ...).
The instances run the production settings behind nginx with TRUSTED_PROXY_COUNT=1. nginx here
listens on plain HTTP on loopback, so SECURE_SSL_REDIRECT is off; in a real deployment TLS ends at
the proxy and the redirect stays on.

The test suite in deploy/tests drives the same class, `LocalCluster`.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from deploy.processes import PROJECT_DIR, StartError, start_gunicorn, wait_until_healthy

if TYPE_CHECKING:
    import requests

NGINX_INCLUDES = PROJECT_DIR / "deploy" / "nginx"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bankapi_cluster"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

NGINX_CONF = """\
worker_processes 1;
pid {state}/nginx.pid;
error_log {state}/nginx-error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    client_body_temp_path {state}/tmp/body;
    proxy_temp_path {state}/tmp/proxy;
    fastcgi_temp_path {state}/tmp/fastcgi;
    uwsgi_temp_path {state}/tmp/uwsgi;
    scgi_temp_path {state}/tmp/scgi;

    include {includes}/bankapi-http.conf;
    access_log {state}/nginx-access.log bankapi_json;

    upstream bankapi {{
{servers}
        keepalive 16;
    }}

    server {{
        listen 127.0.0.1:{port};
        include {includes}/bankapi-server.conf;
    }}
}}
"""


class ClusterError(RuntimeError):
    pass


@dataclass
class LocalCluster:
    state_dir: Path
    database_url: str
    redis_url: str
    nginx_port: int = 8080
    app_ports: list[int] = field(default_factory=lambda: [8101, 8102, 8103])
    workers: int = 2
    settings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> LocalCluster:
        return cls(
            state_dir=Path(os.environ.get("CLUSTER_DIR", PROJECT_DIR / ".cluster")),
            database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            redis_url=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
            nginx_port=int(os.environ.get("CLUSTER_NGINX_PORT", "8080")),
            app_ports=[int(port) for port in os.environ.get("CLUSTER_APP_PORTS", "8101,8102,8103").split(",")],
            workers=int(os.environ.get("CLUSTER_WORKERS", "2")),
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def instance_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.app_ports[index]}"

    # Environment ---------------------------------------------------------------------------------

    def _secrets(self) -> dict[str, str]:
        """Secrets generated once per state directory, so restarted instances keep accepting tokens."""
        path = self.state_dir / "secrets.json"
        if not path.exists():
            path.write_text(
                json.dumps({"SECRET_KEY": secrets.token_urlsafe(50), "JWT_SECRET_KEY": secrets.token_urlsafe(48)})
            )
            path.chmod(0o600)
        return json.loads(path.read_text())

    def app_environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bankapi.settings.production",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "TRUSTED_PROXY_COUNT": "1",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
            **self._secrets(),
            **self.settings,
        }

    # Lifecycle -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Migrate, start every instance and nginx, and wait until nginx serves /health."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "tmp").mkdir(exist_ok=True)
        self.migrate()
        for index in range(len(self.app_ports)):
            self.start_instance(index)
        for index in range(len(self.app_ports)):
            self.wait_until_healthy(self.instance_url(index))
        self.start_nginx()
        self.wait_until_healthy(self.url)

    def stop(self) -> None:
        """Stop nginx and every instance; nothing is left running."""
        self.stop_nginx()
        for index in range(len(self.app_ports)):
            self.stop_instance(index)

    def migrate(self) -> None:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=PROJECT_DIR,
            env=self.app_environment(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise ClusterError(f"migrate failed:\n{result.stdout}\n{result.stderr}")

    def _pid_file(self, index: int) -> Path:
        return self.state_dir / f"app-{index}.pid"

    def instance_pid(self, index: int) -> int | None:
        path = self._pid_file(index)
        return int(path.read_text()) if path.exists() else None

    def start_instance(self, index: int) -> None:
        """One gunicorn instance (its own process group, as a separate host would be)."""
        server = start_gunicorn(
            self.app_environment(),
            port=self.app_ports[index],
            workers=self.workers,
            log_path=self.state_dir / f"app-{index}.log",
            append_log=True,
            own_session=True,
            GUNICORN_ACCESS_LOG=str(self.state_dir / f"app-{index}-access.log"),
        )
        self._pid_file(index).write_text(str(server.process.pid))

    def kill_instance(self, index: int, sig: signal.Signals = signal.SIGKILL) -> None:
        """Send `sig` to the whole instance (master and workers), as a crashed host would vanish."""
        pid = self.instance_pid(index)
        if pid is None:
            return
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass

    def stop_instance(self, index: int, timeout: float = 15) -> None:
        pid = self.instance_pid(index)
        if pid is None:
            return
        self.kill_instance(index, signal.SIGTERM)
        if not _wait_for_exit(pid, timeout):
            self.kill_instance(index, signal.SIGKILL)
            _wait_for_exit(pid, 5)
        self._pid_file(index).unlink(missing_ok=True)

    def _nginx_conf(self) -> Path:
        servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in self.app_ports)
        conf = self.state_dir / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(state=self.state_dir, includes=NGINX_INCLUDES, servers=servers, port=self.nginx_port)
        )
        return conf

    def start_nginx(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        conf = self._nginx_conf()
        result = subprocess.run(  # noqa: S603
            [nginx, "-p", str(self.state_dir), "-c", str(conf)], capture_output=True, text=True
        )
        if result.returncode != 0:
            raise ClusterError(f"nginx failed to start:\n{result.stderr}")

    def stop_nginx(self) -> None:
        pid_file = self.state_dir / "nginx.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text())
        try:
            os.kill(pid, signal.SIGQUIT)  # graceful: finish in-flight requests
        except ProcessLookupError:
            pass
        if not _wait_for_exit(pid, 10):
            os.kill(pid, signal.SIGKILL)
            _wait_for_exit(pid, 5)
        pid_file.unlink(missing_ok=True)

    def wait_until_healthy(self, base_url: str, timeout: float = 30) -> None:
        try:
            wait_until_healthy(base_url, timeout=timeout)
        except StartError as error:
            raise ClusterError(str(error)) from error

    def status(self) -> dict[str, str]:
        report = {}
        for index, port in enumerate(self.app_ports):
            pid = self.instance_pid(index)
            report[f"app-{index} :{port}"] = f"pid {pid}" if pid and _alive(pid) else "down"
        nginx_pid = self.state_dir / "nginx.pid"
        alive = nginx_pid.exists() and _alive(int(nginx_pid.read_text()))
        report[f"nginx :{self.nginx_port}"] = "up" if alive else "down"
        return report


def client_from(source_ip: str) -> "requests.Session":  # noqa: UP037 - requests is a dev dependency
    """
    An HTTP client that connects from `source_ip`, one of the loopback addresses (127.0.0.0/8), so
    that nginx sees a distinct client per address, as it would for clients on the internet.
    """
    import requests
    from requests.adapters import HTTPAdapter

    class SourceAddressAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            kwargs["source_address"] = (source_ip, 0)
            return super().init_poolmanager(*args, **kwargs)

    session = requests.Session()
    session.mount("http://", SourceAddressAdapter(max_retries=0))
    return session


def registration(email: str, password: str) -> dict[str, str]:
    """A valid `POST /api/v1/auth/register` body, for the cluster suite and its benchmark."""
    return {
        "email": email,
        "password": password,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+447700900123",
        "date_of_birth": "1990-12-10",
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)  # reap our own child, if it is one
            if finished == pid:
                return True
        except ChildProcessError:
            pass
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def _ensure_database(database_url: str) -> None:
    """Create the cluster's database on first start (the machine's PostgreSQL has no such database)."""
    from urllib.parse import urlsplit

    name = urlsplit(database_url).path.lstrip("/")
    import psycopg

    server_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="nginx + three gunicorn instances on loopback.")
    parser.add_argument("command", choices=["start", "stop", "status"])
    args = parser.parse_args(argv)
    cluster = LocalCluster.from_environment()
    if args.command == "start":
        _ensure_database(cluster.database_url)
        try:
            cluster.start()
        except ClusterError as error:
            cluster.stop()
            print(f"local-cluster: {error}", file=sys.stderr)
            return 1
        print(
            f"local-cluster: serving on {cluster.url} (instances on {cluster.app_ports}); logs in {cluster.state_dir}"
        )
    elif args.command == "stop":
        cluster.stop()
        print("local-cluster: stopped")
    else:
        for name, state in cluster.status().items():
            print(f"{name}: {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
