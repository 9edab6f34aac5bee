"""
Starting the service as production runs it, for everything that needs a real one on this machine:
the test suite's live servers (conftest.py), the benchmarks (bench/) and the local cluster
(deploy/local_cluster.py). Standard library only: the local cluster runs without the development
dependencies.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The image's command (Dockerfile), run by this interpreter: gunicorn.conf.py reads its settings
# from GUNICORN_* variables.
GUNICORN_COMMAND = (sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bankapi.wsgi")
# Loopback needs no proxy, whatever http_proxy says.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class StartError(RuntimeError):
    """A server exited while starting, or did not answer /health in time."""


def free_port() -> int:
    """A loopback port nothing listens on at the moment of asking."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A started server: its process, its base URL and the file its output goes to."""

    process: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_healthy(self, **options: object) -> None:
        """See the function of that name; the process and its log come from here."""
        wait_until_healthy(self.url, process=self.process, log_path=self.log_path, **options)

    def stop(self, timeout: float = 30) -> None:
        """Graceful shutdown (SIGTERM), then SIGKILL if it takes longer than `timeout` seconds."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gunicorn(
    env: Mapping[str, str],
    *,
    port: int,
    workers: int,
    log_path: Path,
    append_log: bool = False,
    own_session: bool = False,
    **variables: str,
) -> Server:
    """
    Start gunicorn as production runs it on 127.0.0.1:`port`, with `env` plus `variables` (which
    may override any GUNICORN_* setting), its output in `log_path`. With `own_session` it gets its
    own process group, so that it can be signalled as a whole, as a separate host would be. Returns
    at once: see Server.wait_until_healthy.
    """
    environment = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers), **variables}
    with log_path.open("a" if append_log else "w") as log:
        process = subprocess.Popen(  # noqa: S603
            GUNICORN_COMMAND,
            cwd=PROJECT_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=own_session,
        )
    return Server(process=process, url=f"http://127.0.0.1:{port}", log_path=log_path)


def wait_until_healthy(
    url: str,
    *,
    process: subprocess.Popen | None = None,
    log_path: Path | None = None,
    timeout: float = 30,
    headers: Mapping[str, str] | None = None,
    expect: str | None = None,
) -> None:
    """
    Poll `url`/health until it answers 200 (with `expect` in the body, if given). Raises StartError
    when `process` exits first or `timeout` seconds pass, with the end of `log_path`, if given.
    """
    request = urllib.request.Request(url + "/health", headers=dict(headers or {}))  # noqa: S310
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise StartError(f"{url}: exited while starting{_tail(log_path)}")
        try:
            with _NO_PROXY.open(request, timeout=5) as response:
                if response.status == 200 and (expect is None or expect in response.read().decode(errors="replace")):
                    return
        except (urllib.error.URLError, OSError):  # not listening yet, or still loading the app
            pass
        time.sleep(0.1)
    raise StartError(f"{url}: did not become healthy in {timeout:g} s{_tail(log_path)}")


def _tail(log_path: Path | None, lines: int = 60) -> str:
    if log_path is None:
        return ""
    return ":\n" + "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
