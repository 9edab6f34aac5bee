"""
The deployment files hold together: nginx accepts its config (and serves what it should), the compose
file is valid against the Compose Specification and has the topology the docs promise, .env.example
names exactly the settings the app reads, the Grafana dashboard queries only metrics /metrics exports,
the Kubernetes manifests are valid against the Kubernetes schemas, the hosted CI workflow has its
jobs, and the Dockerfile's final stage runs as a non-root user with a working HEALTHCHECK.

No Docker engine runs here: the image build and the running topology are covered by the `docker`
job of .github/workflows/ci.yml. Everything below runs with what CI has (nginx from apt, and the
schemas vendored by the dev dependencies check-jsonschema and kubernetes-validate).
"""

import copy
import http.server
import ipaddress
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dockerfile
import kubernetes_validate
import psycopg
import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator
from prometheus_client.parser import text_string_to_metric_families
from ruamel.yaml import YAML

from conftest import this_runs_database_url
from deploy.processes import free_port

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
NGINX_DIR = PROJECT_DIR / "deploy" / "nginx"
K8S_DIR = PROJECT_DIR / "deploy" / "k8s"
GRAFANA_DIR = PROJECT_DIR / "deploy" / "grafana"
KUBERNETES_VERSION = "1.30"
NGINX_SHARED_FILES = ("bankapi-http.conf", "bankapi-server.conf")


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


def vendored_schema(name: str) -> dict:
    """A JSON schema that check-jsonschema ships (from the Compose Specification and SchemaStore)."""
    return json.loads((resources.files("check_jsonschema.builtin_schemas.vendor") / name).read_text())


def schema_errors(validator, document) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


# nginx -------------------------------------------------------------------------------------------


def nginx_binary() -> str:
    """nginx must be installed (.ci/run and the hosted workflow install it): missing is a failure."""
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    assert path, "nginx is not installed: `apt-get install nginx` (the deployment config cannot be checked)"
    return path


def copy_nginx_config(target: Path, **replacements: str) -> Path:
    """
    deploy/nginx as docker-compose.yml mounts it, in `target`, with `app:8000` pointed at this
    machine (there is no Docker DNS here), nginx's temporary files in `target` (the packaged
    defaults are root's), and any other replacement made exactly once.
    """
    for path in NGINX_DIR.glob("*.conf"):
        shutil.copy(path, target / path.name)
    config = target / "nginx.conf"
    text = config.read_text()
    temp_paths = "".join(
        f"    {kind}_temp_path {target}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    defaults = {"server app:8000;": "server 127.0.0.1:8000;", "http {\n": "http {\n" + temp_paths}
    for old, new in {**defaults, **replacements}.items():
        assert text.count(old) == 1, f"expected exactly one {old!r} in deploy/nginx/nginx.conf"
        text = text.replace(old, new)
    config.write_text(text)
    return config


def nginx_test(config: Path) -> subprocess.CompletedProcess:
    # -p: relative includes resolve beside the config, as with `-c /etc/nginx/bankapi/nginx.conf`.
    return subprocess.run(
        [nginx_binary(), "-t", "-e", "stderr", "-p", f"{config.parent}/", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_nginx_accepts_the_compose_config(tmp_path):
    result = nginx_test(copy_nginx_config(tmp_path))

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


@pytest.mark.parametrize("broken", ["nginx.conf", *NGINX_SHARED_FILES])
def test_nginx_check_fails_when_any_of_the_three_files_is_broken(tmp_path, broken):
    config = copy_nginx_config(tmp_path)
    with (tmp_path / broken).open("a") as file:
        file.write("\nthis_is_not_a_directive on;\n")

    result = nginx_test(config)

    assert result.returncode != 0
    assert "this_is_not_a_directive" in result.stderr
    assert broken in result.stderr


def test_nginx_config_balances_over_the_app_service_and_includes_the_shared_pieces():
    text = (NGINX_DIR / "nginx.conf").read_text()
    http_block = text[text.index("http {") :]
    server_block = http_block[http_block.index("server {") :]

    assert re.search(r"upstream bankapi \{\s*server app:8000;", text)
    assert "include bankapi-http.conf;" in http_block.split("server {")[0]
    assert "include bankapi-server.conf;" in server_block
    assert "access_log /dev/stdout bankapi_json;" in text
    assert "alias /srv/static/;" in server_block


class RecordingUpstream(http.server.BaseHTTPRequestHandler):
    """Answers every request with the headers it received, as JSON."""

    def do_GET(self) -> None:
        body = json.dumps({"path": self.path, "headers": dict(self.headers)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def running_nginx(tmp_path) -> Iterator[str]:
    """deploy/nginx/nginx.conf served on a loopback port, in front of a recording upstream."""
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RecordingUpstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    static = tmp_path / "static"
    (static / "admin" / "css").mkdir(parents=True)
    (static / "admin" / "css" / "base.css").write_text("body { margin: 0 }\n")
    port = free_port()
    config = copy_nginx_config(
        tmp_path,
        **{
            "server app:8000;": f"server 127.0.0.1:{upstream.server_address[1]};",
            "listen 80 default_server;": f"listen 127.0.0.1:{port} default_server;",
            "alias /srv/static/;": f"alias {static}/;",
            "pid /run/nginx.pid;": f"pid {tmp_path}/nginx.pid;",
        },
    )
    # In the foreground, as the nginx container runs it, so that it is this test's child to stop.
    directives = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")  # root: workers could not read tmp_path
    log_path = tmp_path / "nginx.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [nginx_binary(), "-e", "stderr", "-p", f"{tmp_path}/", "-c", str(config), "-g", directives],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_listening(port, process, log_path)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        upstream.shutdown()


def wait_until_listening(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert process.poll() is None, f"nginx exited:\n{log_path.read_text()}"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nginx did not listen on {port}:\n{log_path.read_text()}")


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (a loopback http:// URL)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_nginx_proxies_to_the_app_with_the_forwarding_headers(running_nginx):
    status, _, body = http_get(
        running_nginx + "/api/v1/profile",
        {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https", "X-Request-ID": "req-1"},
    )

    assert status == 200
    received = json.loads(body)["headers"]
    # The client's claim is kept on the left, nginx appends the address it saw: the app trusts one.
    assert received["X-Forwarded-For"] == "6.6.6.6, 127.0.0.1"
    assert received["X-Forwarded-Proto"] == "http"
    assert received["X-Request-ID"] == "req-1"


def test_nginx_serves_static_files_from_the_volume(running_nginx):
    status, headers, body = http_get(running_nginx + "/static/admin/css/base.css")

    assert status == 200
    assert headers["Content-Type"] == "text/css"
    assert body == b"body { margin: 0 }\n"


@pytest.mark.parametrize("path", ["/metrics", "/static/missing.css"])
def test_nginx_answers_what_it_refuses_with_problem_details(running_nginx, path):
    status, headers, body = http_get(running_nginx + path, {"X-Request-ID": "req-2"})

    problem = json.loads(body)
    assert status == 404
    assert headers["Content-Type"] == "application/problem+json"
    assert (problem["status"], problem["code"], problem["request_id"]) == (404, "not_found", "req-2")


# docker-compose.yml --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_yaml(PROJECT_DIR / "docker-compose.yml")


@pytest.fixture(scope="module")
def compose_validator() -> Draft202012Validator:
    return Draft202012Validator(vendored_schema("compose-spec.json"))


def test_compose_file_is_valid_against_the_compose_specification(compose, compose_validator):
    assert schema_errors(compose_validator, compose) == []


def test_compose_schema_check_catches_a_misspelt_key(compose, compose_validator):
    broken = copy.deepcopy(compose)
    broken["services"]["app"]["deploy"]["replica"] = broken["services"]["app"]["deploy"].pop("replicas")

    assert any("replica" in error for error in schema_errors(compose_validator, broken))


def test_compose_runs_postgres_redis_a_migration_and_three_replicas_behind_nginx(compose):
    services = compose["services"]
    db, redis, migrate, app, nginx = (services[name] for name in ("db", "redis", "migrate", "app", "nginx"))

    assert db["image"] == "postgres:15"
    assert any(volume.startswith("pgdata:") for volume in db["volumes"]) and "pgdata" in compose["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert redis["image"] == "redis:7"
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])

    assert migrate["entrypoint"] + migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert migrate["restart"] == "no"

    assert app["deploy"]["replicas"] == 3
    assert app["env_file"] == ".env" and migrate["env_file"] == [".env", ".env.owner"]
    assert app["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert app["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    nginx_address = nginx["networks"]["backend"]["ipv4_address"]
    assert app["environment"]["FORWARDED_ALLOW_IPS"] == nginx_address
    # X-Forwarded-For is believed from nginx alone (not from Prometheus or Grafana on the same network).
    assert app["environment"]["TRUSTED_PROXY_NETWORKS"] == f"{nginx_address}/32"
    (backend,) = compose["networks"]["backend"]["ipam"]["config"]
    assert ipaddress.ip_address(nginx_address) in ipaddress.ip_network(backend["subnet"])
    assert ipaddress.ip_address(nginx_address) not in ipaddress.ip_network(backend["ip_range"])  # never handed out
    assert app["environment"]["PROMETHEUS_MULTIPROC_DIR"] in app["tmpfs"]
    assert app["read_only"] is True
    # Every replica runs the image's gunicorn command, with the same image as the one-shot tasks.
    assert app["entrypoint"][-1].endswith("exec gunicorn -c gunicorn.conf.py bankapi.wsgi")
    assert app["image"] == migrate["image"] == services["collectstatic"]["image"]

    assert nginx["image"] == "nginx:1.27"
    assert nginx["ports"] == ["8080:80"]
    assert nginx["command"][:3] == ["nginx", "-c", "/etc/nginx/bankapi/nginx.conf"]
    assert "./deploy/nginx:/etc/nginx/bankapi:ro" in nginx["volumes"]
    assert nginx["depends_on"]["app"] == {"condition": "service_healthy"}


# The two database roles: the schema's owner migrates, the app connects as a role that owns nothing.


def env_file(name: str) -> dict[str, str]:
    """The NAME=value lines of an env file (comments and commented-out defaults left out)."""
    lines = (PROJECT_DIR / name).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if re.match(r"[A-Z][A-Z0-9_]*=", line))


def test_compose_migrates_as_the_schema_owner_and_runs_the_app_as_its_own_role(compose):
    services = compose["services"]
    db, migrate = services["db"], services["migrate"]
    owner, app = env_file(".env.owner.example"), env_file(".env.example")

    # The owner's credentials (.env.owner) reach the database, which creates the role, and the
    # migration, where they override the app's; no other container receives them.
    assert {name for name, service in services.items() if ".env.owner" in str(service.get("env_file"))} == {
        "db",
        "migrate",
    }
    assert migrate["env_file"][-1] == db["env_file"] == ".env.owner"
    assert set(owner) == {"DB_USER", "DB_PASSWORD", "DATABASE_URL"}
    assert owner["DATABASE_URL"] == ""  # never .env's URL, which is the app's
    assert owner["DB_USER"] != app["DB_USER"]
    # migrate grants the role the app connects as (.env's DB_USER), which the database creates.
    assert migrate["environment"]["DATABASE_APP_ROLE"] == db["environment"]["APP_DB_USER"] == "${DB_USER:-bankapi}"
    assert db["environment"]["APP_DB_PASSWORD"].startswith("${DB_PASSWORD:")
    assert "DATABASE_APP_ROLE" not in services["app"].get("environment", {})
    assert ".env.owner" in (PROJECT_DIR / ".gitignore").read_text().splitlines()
    assert ".env.*" in (PROJECT_DIR / ".dockerignore").read_text().splitlines()


def compose_shell(command: str) -> str:
    """A shell snippet of the compose file as the container runs it (compose turns `$$` into `$`)."""
    return command.replace("$$", "$")


@pytest.mark.parametrize("same", ["name", "password"])
def test_compose_db_refuses_to_start_when_the_owner_and_the_app_role_share_a_name_or_password(compose, same):
    entrypoint = compose["services"]["db"]["entrypoint"]
    assert entrypoint[:2] == ["sh", "-c"]
    environment = {"DB_USER": "bankapi_owner", "DB_PASSWORD": "owner-secret"}
    environment.update(
        APP_DB_USER=environment["DB_USER"] if same == "name" else "bankapi",
        APP_DB_PASSWORD=environment["DB_PASSWORD"] if same == "password" else "app-secret",
    )

    result = subprocess.run(
        ["sh", "-c", compose_shell(entrypoint[2])], env=environment, capture_output=True, text=True, timeout=30
    )

    assert result.returncode == 1
    assert "need a name and a password each" in result.stderr


@pytest.fixture
def superuser_url() -> str:
    """The PostgreSQL server the tests use, as the superuser they use, on its `postgres` database."""
    return urlunsplit(urlsplit(this_runs_database_url())._replace(path="/postgres"))


def test_compose_initdb_script_makes_an_owner_that_migrates_and_an_app_role_that_cannot_unguard_the_trail(
    compose, superuser_url
):
    """The compose init script and migrate, run for real (against this machine's PostgreSQL)."""
    script = compose_shell(compose["configs"]["bankapi-initdb"]["content"])
    server = urlsplit(superuser_url)
    suffix = f"{os.getpid()}_{secrets.token_hex(4)}"
    owner, app, database = f"initdb_owner_{suffix}", f"initdb_app_{suffix}", f"initdb_db_{suffix}"
    owner_password, app_password = secrets.token_hex(16), secrets.token_hex(16)
    psql_environment = {
        "PATH": os.environ["PATH"],
        "PGHOST": server.hostname or "127.0.0.1",
        "PGPORT": str(server.port or 5432),
        "PGPASSWORD": server.password or "",
        "POSTGRES_USER": server.username or "postgres",
    }
    try:
        initdb = subprocess.run(
            ["sh", "-c", script],
            env={
                **psql_environment,
                "DB_USER": owner,
                "DB_PASSWORD": owner_password,
                "APP_DB_USER": app,
                "APP_DB_PASSWORD": app_password,
                "APP_DB_NAME": database,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert initdb.returncode == 0, initdb.stderr
        # The migrate service's environment: .env's parts, .env.owner's user and password.
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=PROJECT_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "bankapi.settings.production",
                "SECRET_KEY": "initdb-test-secret-key",
                "JWT_SECRET_KEY": "initdb-test-jwt-secret-key-0123456789",
                "REDIS_URL": "",
                "DATABASE_URL": "",
                "DB_NAME": database,
                "DB_HOST": psql_environment["PGHOST"],
                "DB_PORT": psql_environment["PGPORT"],
                "DB_USER": owner,
                "DB_PASSWORD": owner_password,
                "DATABASE_APP_ROLE": app,
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert migrate.returncode == 0, migrate.stderr
        app_url = (
            f"postgres://{app}:{app_password}@{psql_environment['PGHOST']}:{psql_environment['PGPORT']}/{database}"
        )
        with psycopg.connect(app_url, autocommit=True) as connection:
            connection.execute(
                "INSERT INTO audit_auditevent (occurred_at, actor_label, action, target_label, outcome, request_id,"
                " changes) VALUES (now(), 'system', 'unlock', '', 'success', '', '{}')"
            )
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
    finally:
        with psycopg.connect(superuser_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            connection.execute(f'DROP ROLE IF EXISTS "{app}"')
            connection.execute(f'DROP ROLE IF EXISTS "{owner}"')


def test_compose_static_volume_is_filled_by_collectstatic_and_served_by_nginx(compose, settings):
    services = compose["services"]
    collectstatic, nginx = services["collectstatic"], services["nginx"]

    assert collectstatic["entrypoint"] + collectstatic["command"] == [
        "python",
        "manage.py",
        "collectstatic",
        "--noinput",
        "--clear",
    ]
    # The image's STATIC_ROOT, and the directory nginx.conf serves /static/ from.
    assert f"static:/app/{Path(settings.STATIC_ROOT).name}" in collectstatic["volumes"]
    assert settings.STATIC_URL.strip("/") == "static"
    assert "static:/srv/static:ro" in nginx["volumes"]
    assert nginx["depends_on"]["collectstatic"] == {"condition": "service_completed_successfully"}
    assert "static" in compose["volumes"]


def test_compose_monitoring_profile_adds_prometheus_and_grafana_only(compose):
    services = compose["services"]
    profiled = {name for name, service in services.items() if service.get("profiles")}

    assert profiled == {"prometheus", "grafana"}
    assert all(services[name]["profiles"] == ["monitoring"] for name in profiled)
    assert "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in services["prometheus"]["volumes"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in services["grafana"]["volumes"]
    assert "./deploy/grafana/dashboards:/etc/grafana/dashboards:ro" in services["grafana"]["volumes"]


def test_compose_keeps_the_databases_off_the_public_networks(compose):
    services = compose["services"]

    assert compose["networks"]["data"]["internal"] is True
    for name in ("db", "redis"):
        assert services[name]["networks"] == ["data"]
        assert "ports" not in services[name]
    assert "ports" not in services["app"]


def test_compose_interpolates_only_variables_that_env_example_sets():
    text = (PROJECT_DIR / "docker-compose.yml").read_text()
    unescaped = text.replace("$$", "")

    # Every `$` is an escaped `$$` or a `${NAME...}`: a bare `$NAME` would be interpolated by mistake.
    assert re.findall(r"\$(?!\{)", unescaped) == []
    interpolated = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", unescaped))
    optional = {name for name in interpolated if re.search(r"\$\{" + name + r":-", unescaped)}
    assert interpolated - optional <= env_example()[0]
    assert optional == {"BANKAPI_IMAGE", "DB_NAME", "DB_USER"}


def test_compose_app_entrypoint_adds_the_replica_addresses_to_allowed_hosts(compose, tmp_path):
    """Prometheus scrapes each replica by address: the entrypoint lets Django accept that Host."""
    fake_gunicorn = tmp_path / "gunicorn"
    fake_gunicorn.write_text('#!/bin/sh\necho "$ALLOWED_HOSTS"\necho "$@"\n')
    fake_gunicorn.chmod(0o755)
    shell, flag, script = compose["services"]["app"]["entrypoint"]

    result = subprocess.run(
        [shell, flag, script.replace("$$", "$")],
        env={"PATH": f"{tmp_path}:{os.environ['PATH']}", "ALLOWED_HOSTS": "localhost,127.0.0.1"},
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0, result.stderr
    allowed_hosts, arguments = result.stdout.splitlines()
    own_addresses = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=True).stdout.split()
    # An empty entry (a host without addresses) is dropped by django-environ's list parsing.
    assert [host for host in allowed_hosts.split(",") if host] == ["localhost", "127.0.0.1", *own_addresses]
    assert arguments == "-c gunicorn.conf.py bankapi.wsgi"


# .env.example ----------------------------------------------------------------------------------------


def env_example() -> tuple[set[str], set[str], dict[str, str]]:
    """(names set, names shown commented out, values of the set ones) in .env.example."""
    active, commented, values = set(), set(), {}
    for line in (PROJECT_DIR / ".env.example").read_text().splitlines():
        if match := re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line):
            assert match[1] not in active, f"{match[1]} is set twice"
            active.add(match[1])
            values[match[1]] = match[2]
        elif match := re.fullmatch(r"#([A-Z][A-Z0-9_]*)=.*", line):
            commented.add(match[1])
        else:
            assert line == "" or line.startswith("# ") or line == "#", f"unexpected line: {line!r}"
    return active, commented, values


def variables_settings_read() -> set[str]:
    """
    Every variable the settings modules a deployment can run read through django-environ; the test
    suite's own settings (test.py: e.g. the cache key prefix a test hands to the commands it runs)
    are no setting of the app.
    """
    pattern = re.compile(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
    return {
        name
        for path in (PROJECT_DIR / "bankapi" / "settings").glob("*.py")
        if path.name != "test.py"
        for name in pattern.findall(path.read_text())
    }


def variables_gunicorn_reads() -> set[str]:
    text = (PROJECT_DIR / "gunicorn.conf.py").read_text()
    return set(re.findall(r"os\.environ\.get\(\s*\"([A-Z][A-Z0-9_]*)\"", text))


def test_env_example_names_every_variable_the_settings_read():
    active, commented, _ = env_example()
    read = variables_settings_read()

    assert {"SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= read  # the regex works
    assert read - (active | commented) == set()


def test_env_example_names_nothing_the_app_does_not_read():
    """Every app container receives the whole file: it holds the app's settings and nothing else."""
    active, commented, _ = env_example()

    assert (active | commented) - variables_settings_read() - variables_gunicorn_reads() == set()


def test_env_example_sets_the_required_secrets_to_placeholders():
    _, _, values = env_example()
    secrets_like = {name: value for name, value in values.items() if re.search("SECRET|PASSWORD", name)}

    assert {"SECRET_KEY", "JWT_SECRET_KEY"} <= secrets_like.keys()
    assert set(secrets_like.values()) == {"change-me"}


def test_production_settings_refuse_the_example_placeholders():
    _, _, values = env_example()
    environment = {
        **{name: value for name, value in os.environ.items() if name not in values and name != "DATABASE_URL"},
        **values,
        "DJANGO_SETTINGS_MODULE": "bankapi.settings.production",
    }

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: JWT_SECRET_KEY must be set to at least 32 bytes" in result.stderr


# Prometheus and Grafana ------------------------------------------------------------------------------


def test_prometheus_scrapes_every_app_replica_on_its_own(compose):
    config = load_yaml(PROJECT_DIR / "deploy" / "prometheus" / "prometheus.yml")
    job = next(job for job in config["scrape_configs"] if job["job_name"] == "bankapi")

    assert job["metrics_path"] == "/metrics"
    # One target per A record of the compose service (each replica), on the port gunicorn binds.
    assert job["dns_sd_configs"] == [{"names": ["app"], "type": "A", "port": 8000, "refresh_interval": "15s"}]
    assert "8000" in compose["services"]["app"]["expose"]
    assert "static_configs" not in job


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads((GRAFANA_DIR / "dashboards" / "bankapi.json").read_text())


def test_grafana_provisioning_points_at_the_compose_prometheus_and_the_dashboard_folder(compose, dashboard):
    datasources = load_yaml(GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml")["datasources"]
    providers = load_yaml(GRAFANA_DIR / "provisioning" / "dashboards" / "bankapi.yml")["providers"]

    assert [(d["type"], d["uid"], d["url"]) for d in datasources] == [
        ("prometheus", "prometheus", "http://prometheus:9090")
    ]
    assert "9090:9090" in compose["services"]["prometheus"]["ports"][0]
    assert [p["options"]["path"] for p in providers] == ["/etc/grafana/dashboards"]
    panel_sources = {json.dumps(p["datasource"], sort_keys=True) for p in dashboard["panels"] if "datasource" in p}
    assert panel_sources == {json.dumps({"type": "prometheus", "uid": "prometheus"}, sort_keys=True)}


def dashboard_queries(dashboard: dict) -> list[str]:
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    queries += [variable["definition"] for variable in dashboard["templating"]["list"]]
    return queries


PROMQL_WORDS = {
    # functions, aggregations and keywords used in the dashboard
    "sum", "rate", "increase", "histogram_quantile", "label_values", "vector", "by", "without", "or",
    "and", "unless", "on", "ignoring", "group_left", "group_right", "bool", "offset",
}  # fmt: skip
# Series Prometheus itself adds to every scrape target.
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}


def metric_names_in(query: str) -> set[str]:
    query = re.sub(r'"[^"]*"', "", query)  # label values
    query = re.sub(r"\{[^}]*\}", "", query)  # label matchers
    query = re.sub(r"\[[^\]]*\]", "", query)  # range selectors
    query = re.sub(r"\b(by|without)\s*\([^)]*\)", "", query)  # grouping labels
    query = re.sub(r"label_values\(([^,]*),[^)]*\)", r"\1", query)  # the label argument
    names = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", query)) - PROMQL_WORDS
    return {name for name in names if not re.fullmatch(r"\d.*|e\d+", name)}


def exported_metric_names(text: str) -> set[str]:
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        # A labelled family with no series yet still has these names once it has one.
        names.update(
            family.name + suffix
            for suffix in {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(family.type, [])
        )
    return names


def test_grafana_dashboard_covers_traffic_latency_errors_logins_lockouts_and_rate_limits(dashboard):
    queries = " ".join(dashboard_queries(dashboard))
    latency = "sum by (le) (rate(django_http_requests_latency_seconds_by_view_method_bucket"
    responses = 'django_http_responses_total_by_status_view_method_total{job="bankapi", instance=~"$instance"'

    assert "rate(django_http_requests_total_by_view_transport_method_total" in queries
    assert f"histogram_quantile(0.5, {latency}" in queries
    assert f"histogram_quantile(0.99, {latency}" in queries
    assert responses + ', status=~"4.."}' in queries
    assert responses + ', status=~"5.."}' in queries
    assert "sum by (outcome) (rate(bankapi_logins_total" in queries
    assert "increase(bankapi_lockouts_total" in queries
    assert "sum by (group) (rate(bankapi_rate_limited_requests_total" in queries
    panel_ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(panel_ids) == len(set(panel_ids))


def test_grafana_dashboard_queries_only_metrics_that_metrics_exports(dashboard, client, db):
    # Traffic that touches the database and the cache, so that their families exist too.
    client.get("/health")
    client.post(
        "/api/v1/auth/login",
        {"email": "nobody@example.com", "password": "not the password"},
        content_type="application/json",
    )
    response = client.get("/metrics")
    assert response.status_code == 200
    exported = exported_metric_names(response.content.decode())

    queried = set().union(*(metric_names_in(query) for query in dashboard_queries(dashboard)))

    assert {"bankapi_logins_total", "django_http_requests_latency_seconds_by_view_method_bucket"} <= queried
    assert queried - exported - PROMETHEUS_SERIES == set()


# .github/workflows/ci.yml -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict:
    # YAML 1.2, as GitHub reads it (PyYAML's YAML 1.1 would turn the `on` key into True).
    return YAML(typ="safe", pure=True).load((PROJECT_DIR / ".github" / "workflows" / "ci.yml").read_text())


def test_workflow_is_valid_against_the_github_workflow_schema(workflow):
    assert schema_errors(Draft7Validator(vendored_schema("github-workflows.json")), workflow) == []


def step_runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_workflow_tests_against_postgres_and_redis_services_like_ci_run(workflow):
    job = workflow["jobs"]["test"]
    services = job["services"]

    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert "--health-cmd" in services["postgres"]["options"] and "pg_isready" in services["postgres"]["options"]
    assert "--health-cmd" in services["redis"]["options"] and "redis-cli ping" in services["redis"]["options"]
    assert job["env"]["DATABASE_URL"].startswith("postgres://postgres:postgres@127.0.0.1:5432/")
    assert job["env"]["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    uses = [step.get("uses", "") for step in job["steps"]]
    assert uses[:2] == ["actions/checkout@v4", "actions/setup-python@v5"]
    assert job["steps"][1]["with"]["python-version"] == "3.11"
    runs = step_runs(job)
    assert "apt-get install -y --no-install-recommends nginx" in runs
    assert re.search(r"^make test$", runs, re.MULTILINE)
    assert "manage.py check --deploy --fail-level WARNING" in runs
    deploy_step = next(step for step in job["steps"] if "check --deploy" in step.get("run", ""))
    assert deploy_step["env"]["DJANGO_SETTINGS_MODULE"] == "bankapi.settings.production"
    assert "secrets.token_urlsafe" in deploy_step["run"]


def test_workflow_runs_make_scan_and_a_docker_build_it_scans(workflow):
    security = workflow["jobs"]["security"]
    docker = workflow["jobs"]["docker"]

    # The security job runs .ci/run's `make scan`, where pip-audit may not be skipped.
    scan = next(step for step in security["steps"] if step.get("run") == "make scan")
    assert scan["env"]["PIP_AUDIT_REQUIRED"] == "1"
    makefile = (PROJECT_DIR / "Makefile").read_text()
    assert "bandit -c pyproject.toml -r . --severity-level medium --confidence-level medium" in makefile
    assert re.search(r"^\t\.ci/pip_audit$", makefile, re.MULTILINE)
    assert re.search(r"^make scan$", (PROJECT_DIR / ".ci" / "run").read_text(), re.MULTILINE)
    bandit = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]["bandit"]
    assert {"./.venv", "*/tests/*"} <= set(bandit["exclude_dirs"])
    assert "./bench" not in bandit["exclude_dirs"]
    pip_audit = (PROJECT_DIR / ".ci" / "pip_audit").read_text()
    assert "--strict --require-hashes --disable-pip" in pip_audit
    assert "REQUIREMENTS=(requirements.txt requirements-dev.txt)" in pip_audit

    trivy = next(step for step in docker["steps"] if step.get("uses", "").startswith("aquasecurity/trivy-action@"))
    assert trivy["with"]["image-ref"] == "bankapi:local"
    assert trivy["with"]["severity"] == "HIGH,CRITICAL"
    assert str(trivy["with"]["exit-code"]) == "1"
    runs = [step.get("run", "") for step in docker["steps"]]
    build = next(i for i, run in enumerate(runs) if "docker build" in run)
    assert build < docker["steps"].index(trivy) < next(i for i, run in enumerate(runs) if "compose --profile" in run)
    docker = step_runs(docker)
    assert "docker build" in docker
    assert "docker compose config" in docker
    assert "cp .env.owner.example .env.owner" in docker  # compose needs the schema owner's file too
    assert "promtool" in docker


# deploy/k8s ----------------------------------------------------------------------------------------------


APP_SECRET, MIGRATE_SECRET = "bankapi-secrets", "bankapi-migrate-secrets"


@pytest.fixture(scope="module")
def manifests() -> dict[str, dict]:
    """The documents by kind; the two Secrets (the app's, the schema owner's) by name."""
    documents = {}
    for path in sorted(K8S_DIR.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            key = document["metadata"]["name"] if document["kind"] == "Secret" else document["kind"]
            assert key not in documents, f"a second {key} in {path.name}"
            documents[key] = document
    return documents


def test_k8s_manifests_are_valid_against_the_kubernetes_schemas(manifests):
    assert set(manifests) == {
        "ConfigMap",
        APP_SECRET,
        MIGRATE_SECRET,
        "Deployment",
        "Service",
        "Job",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
    }
    for document in manifests.values():
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_k8s_schema_check_catches_a_misspelt_field(manifests):
    broken = copy.deepcopy(manifests["Deployment"])
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_k8s_deployment_probes_health_and_db_check(manifests):
    deployment = manifests["Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}

    assert deployment["spec"]["replicas"] == 3
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/db_check", "port": "http"}
    assert ports == {"http": 8000}
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    assert "memory" in container["resources"]["limits"]


def test_k8s_pods_run_non_root_on_a_read_only_filesystem_with_writable_tmp_and_metrics(manifests):
    configmap = manifests["ConfigMap"]["data"]
    for kind in ("Deployment", "Job"):
        pod = manifests[kind]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
        empty_dirs = {volume["name"] for volume in pod["volumes"] if "emptyDir" in volume}

        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == int(dockerfile_user().split(":")[0])
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert mounts["/tmp"] in empty_dirs  # noqa: S108 (the pod's own emptyDir)
        assert [source["configMapRef"]["name"] for source in container["envFrom"] if "configMapRef" in source] == [
            manifests["ConfigMap"]["metadata"]["name"]
        ]
        assert [source["secretRef"]["name"] for source in container["envFrom"] if "secretRef" in source] == [APP_SECRET]
    api = manifests["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert {mount["mountPath"] for mount in api["volumeMounts"]} == {"/tmp", configmap["PROMETHEUS_MULTIPROC_DIR"]}  # noqa: S108


def test_k8s_service_pdb_and_hpa_select_the_deployment(manifests):
    deployment = manifests["Deployment"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]

    assert manifests["Service"]["spec"]["selector"].items() <= pod_labels.items()
    assert manifests["Service"]["spec"]["ports"][0]["targetPort"] == "http"
    assert manifests["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert manifests["NetworkPolicy"]["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
    hpa = manifests["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert hpa["minReplicas"] == deployment["spec"]["replicas"]
    job = manifests["Job"]["spec"]["template"]["spec"]["containers"][0]
    assert job["command"] == ["python", "manage.py", "migrate", "--noinput"]


def test_k8s_config_and_secret_name_only_variables_the_app_reads_and_hold_no_secret(manifests):
    readable = variables_settings_read() | variables_gunicorn_reads() | {"PROMETHEUS_MULTIPROC_DIR"}
    secret, migrate_secret = manifests[APP_SECRET]["stringData"], manifests[MIGRATE_SECRET]["stringData"]

    assert set(manifests["ConfigMap"]["data"]) <= readable
    assert set(secret) <= readable
    assert {"SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= set(secret)
    assert set(migrate_secret) == {"DATABASE_URL"}
    assert all("change-me" in value for value in [*secret.values(), *migrate_secret.values()])


def test_k8s_migrate_job_runs_as_the_schema_owner_and_the_deployment_as_the_app_role(manifests):
    job = manifests["Job"]["spec"]["template"]["spec"]["containers"][0]
    job_env = {variable["name"]: variable for variable in job["env"]}
    app_url = urlsplit(manifests[APP_SECRET]["stringData"]["DATABASE_URL"])
    owner_url = urlsplit(manifests[MIGRATE_SECRET]["stringData"]["DATABASE_URL"])

    # The Job's own DATABASE_URL (env wins over envFrom) is the owner's, from the owner's Secret...
    assert job_env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": MIGRATE_SECRET, "key": "DATABASE_URL"}
    # ...and it grants the role the Deployment connects as: another role, on the same database.
    assert job_env["DATABASE_APP_ROLE"]["value"] == app_url.username != owner_url.username
    assert (app_url.hostname, app_url.path) == (owner_url.hostname, owner_url.path)
    # The Deployment never sees the owner's Secret, nor a role to grant.
    deployment = manifests["Deployment"]
    assert MIGRATE_SECRET not in json.dumps(deployment)
    assert "DATABASE_APP_ROLE" not in json.dumps(deployment) + json.dumps(manifests["ConfigMap"])
    assert manifests[MIGRATE_SECRET]["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate"


def test_k8s_believes_x_forwarded_for_only_from_the_ingress_controllers_pod_network(manifests):
    config = manifests["ConfigMap"]["data"]
    networks = [ipaddress.ip_network(cidr) for cidr in config["TRUSTED_PROXY_NETWORKS"].split(",")]

    assert config["TRUSTED_PROXY_COUNT"] == "1"
    # The same peers gunicorn believes X-Forwarded-Proto from; never loopback (the default) alone.
    assert networks == [ipaddress.ip_network(config["FORWARDED_ALLOW_IPS"])]
    assert not any(network.is_loopback for network in networks)


# Dockerfile -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stages() -> list[list[dockerfile.Command]]:
    """The Dockerfile's stages, parsed with BuildKit's own parser."""
    result: list[list[dockerfile.Command]] = []
    for command in dockerfile.parse_file(str(PROJECT_DIR / "Dockerfile")):
        if command.cmd == "FROM":
            result.append([])
        result[-1].append(command)
    return result


def instructions(stage: list, name: str) -> list:
    return [command for command in stage if command.cmd == name]


def dockerfile_user() -> str:
    commands = list(dockerfile.parse_file(str(PROJECT_DIR / "Dockerfile")))
    return [command for command in commands if command.cmd == "USER"][-1].value[0]


def test_dockerfile_builds_the_venv_from_hashed_requirements_in_a_builder_stage(stages):
    builder, final = stages

    assert builder[0].value == ("python:3.11-slim", "AS", "builder")
    assert any(
        "pip install --require-hashes -r /tmp/requirements.txt" in run.value[0] for run in instructions(builder, "RUN")
    )
    assert final[0].value[0] == "python:3.11-slim"
    assert any(
        copy.flags == ("--from=builder",) and copy.value == ("/opt/venv", "/opt/venv")
        for copy in instructions(final, "COPY")
    )
    final_runs = " ".join(run.value[0] for run in instructions(final, "RUN"))
    assert not re.search(r"apt-get install|build-essential|\bgcc\b", final_runs)


def test_dockerfile_final_stage_runs_gunicorn_as_a_non_root_user_with_a_healthcheck(stages):
    final = stages[-1]
    (user,) = instructions(final, "USER")
    (healthcheck,) = instructions(final, "HEALTHCHECK")
    (entrypoint,) = instructions(final, "ENTRYPOINT")
    environment = dict(
        zip(*[iter(value for env in instructions(final, "ENV") for value in env.value)] * 2, strict=True)
    )

    assert user.value[0].split(":")[0] not in {"root", "0"}
    assert healthcheck.value[0] == "CMD" and "/health" in healthcheck.value[-1]
    assert entrypoint.value == ("gunicorn", "-c", "gunicorn.conf.py", "bankapi.wsgi")
    assert entrypoint.json is True
    assert instructions(final, "EXPOSE")[0].value == ("8000",)
    assert environment["DJANGO_SETTINGS_MODULE"] == "bankapi.settings.production"
    # Commands after USER run unprivileged: nothing is installed or collected after it.
    assert not instructions(final[final.index(user) :], "RUN")


def test_dockerfile_collects_static_files_without_baking_secrets_in(stages):
    final = stages[-1]
    (collect,) = [run for run in instructions(final, "RUN") if "collectstatic" in run.value[0]]
    declared = {value for command in final if command.cmd in {"ENV", "ARG"} for value in command.value[::2]}

    assert "python manage.py collectstatic --noinput" in collect.value[0]
    assert "SECRET_KEY=" in collect.value[0] and "secrets.token_urlsafe" in collect.value[0]
    assert declared.isdisjoint({"SECRET_KEY", "JWT_SECRET_KEY"})
    assert not any(
        "SECRET" in arg for stage in stages for command in instructions(stage, "ARG") for arg in command.value
    )


def test_dockerignore_keeps_secrets_history_and_tests_out_of_the_image():
    ignored = {
        line for line in (PROJECT_DIR / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")
    }

    assert {".env", ".git", ".venv", "**/tests", "*.sqlite3"} <= ignored


@pytest.mark.live_server
def test_dockerfile_healthcheck_passes_against_gunicorn_and_fails_without_it(live_server_factory):
    (healthcheck,) = [c for c in dockerfile.parse_file(str(PROJECT_DIR / "Dockerfile")) if c.cmd == "HEALTHCHECK"]
    command = list(healthcheck.value[1:])
    assert command[0] == "python"
    command[0] = sys.executable
    server = live_server_factory(workers=1)
    port = server.url.rsplit(":", 1)[1]
    assert command[-1].count("'127.0.0.1', 8000") == 1
    command[-1] = command[-1].replace("'127.0.0.1', 8000", f"'127.0.0.1', {port}")
    environment = {**os.environ, "ALLOWED_HOSTS": "localhost,127.0.0.1"}

    healthy = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=30)
    server.process.terminate()
    server.process.wait(timeout=30)
    unhealthy = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=30)

    assert healthy.returncode == 0, healthy.stderr
    assert unhealthy.returncode != 0
