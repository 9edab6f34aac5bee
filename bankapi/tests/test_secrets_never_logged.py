"""
Secrets never logged (issue 13): no password, token, API key, OTP code, recovery code, TOTP secret or
password hash reaches a log line, at the most verbose logging the settings allow.

One gunicorn server with production settings (LOG_LEVEL=DEBUG, gunicorn's own log at debug, the access
log as shipped) is driven over real HTTP through every flow that handles a secret, with canary values
that are unique and greppable: register, login (wrong and right), refresh, TOTP enrollment, the
two-step login (TOTP and recovery code), logout, password change; an admin made by create_staff
enrolling, signing in to the API and to the admin site, and updating a customer; a partner calling
with a key from create_partner_key and with an OAuth client-credentials token; customers imported
from a Flask export with bcrypt hashes logging in (re-hash), on /api/v1 and on the legacy /login;
a third-party app's authorization code flow (sign-in, consent, exchange, refresh, revoke); and a
token in a query string, where the contract says tokens never go. The operator's commands run with
the service's environment, as an operator runs them.

Then every line of every log is searched for every secret: the server's whole output (access, error
and application log), each command's stdout and stderr (less the one line where a command prints the
key or client secret it issues, which is its job), and the test process's own log records. The hashes
the database actually holds are secrets too.
"""

import base64
import hashlib
import json
import logging
import re
import subprocess
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import bcrypt
import pytest
import requests
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import Application

from accounts.models import User
from accounts.tests.factories import registration_body
from bankapi.logging import RequestIdFilter
from conftest import live_server_environment, manage
from legacy.tests.flask_export import flask_row, write_export
from partners.models import PartnerKey

pytestmark = [pytest.mark.live_server]

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/token/refresh"
LOGOUT = "/api/v1/auth/logout"
ENROLL = "/api/v1/auth/mfa/totp"
CONFIRM = "/api/v1/auth/mfa/totp/confirm"
VERIFY = "/api/v1/auth/mfa/verify"
PROFILE = "/api/v1/profile"
PASSWORD = "/api/v1/profile/password"
CUSTOMERS = "/api/v1/customers"
PARTNER_VERIFY = "/api/v1/partner/account-verification"
OAUTH_TOKEN = "/oauth/token"
OAUTH_REVOKE = "/oauth/revoke"
OAUTH_REDIRECT_URI = "https://budget.example.com/callback"
ADMIN = "/admin/"
ADMIN_LOGIN = "/admin/login/"
LEGACY_LOGIN = "/login"

# The test's own HTTP client logs each URL it is asked for (query string included) at DEBUG: that is
# the client's record, not the service's.
CLIENT_LOGGERS = ("urllib3",)


def canary(kind: str) -> str:
    return f"Canary-{kind}-{uuid.uuid4().hex}"


@dataclass
class Secrets:
    """Every secret the journey handled, by a name that says what it is."""

    values: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, value: str) -> str:
        assert value, name
        self.values[name] = value
        return value

    def add_token(self, name: str, token: str) -> str:
        """A JWT or a signed token: the whole of it, and its signature alone (a truncated token is a leak too)."""
        self.add(name, token)
        if token.count(".") == 2:
            self.add(f"{name} (signature)", token.rsplit(".", 1)[1])
        return token

    def add_hash(self, name: str, encoded: str) -> None:
        """A stored hash (`algorithm$...`): the whole of it, and each piece long enough to be a salt or digest."""
        self.add(name, encoded)
        for number, piece in enumerate(encoded.split("$")):
            if len(piece) >= 16:
                self.add(f"{name} (piece {number})", piece)

    def add_totp_key(self, name: str, key: bytes) -> None:
        self.add(f"{name} (hex)", key.hex())
        self.add(f"{name} (base32)", base64.b32encode(key).decode().rstrip("="))


@dataclass
class Found:
    secret: str
    value: str
    source: str
    line_number: int
    line: str

    def __str__(self) -> str:
        return f"{self.secret} ({self.value!r}) in {self.source}, line {self.line_number}: {self.line[:300]}"


def leaks(secrets: Secrets, sources: dict[str, str]) -> list[Found]:
    """
    Each line of each source that holds a secret. Matching ignores case (stricter than needed); a code
    of digits only counts as a whole number, so that it is not found inside a longer one (an account
    number, a timestamp).
    """
    patterns = {
        name: re.compile(
            rf"(?<!\d){re.escape(value)}(?!\d)" if value.isdigit() else re.escape(value),
            re.IGNORECASE,
        )
        for name, value in secrets.values.items()
    }
    found = []
    for source, text in sources.items():
        for number, line in enumerate(text.splitlines(), start=1):
            for name, pattern in patterns.items():
                if pattern.search(line):
                    found.append(Found(name, secrets.values[name], source, number, line))
    return found


class Client:
    """`requests` against the live server, remembering the id and path of every request it made."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False  # loopback: no proxy, whatever the environment says
        self.requests: list[tuple[str, str]] = []  # (X-Request-ID, path)

    def send(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        *,
        token: str | None = None,
        api_key: str | None = None,
        params: dict | None = None,
        form: dict | None = None,
        basic_auth: tuple[str, str] | None = None,
        headers: dict | None = None,
        expect: int | None,
    ) -> requests.Response:
        """The response, whose status must be `expect` (None: any answer but a server error)."""
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if api_key:
            headers["Authorization"] = f"Api-Key {api_key}"
        response = self.session.request(
            method,
            self.base_url + path,
            json=body,
            data=form,
            auth=basic_auth,
            params=params,
            headers=headers,
            timeout=60,
            allow_redirects=False,
        )
        self.requests.append((response.headers["X-Request-ID"], urlsplit(path).path))
        # The service's cookies are Secure (production settings, behind the TLS proxy); this is plain
        # HTTP to gunicorn, so they are sent back anyway, as the browser behind the proxy would.
        for cookie in self.session.cookies:
            cookie.secure = False
        if expect is None:
            assert response.status_code < 500, (method, path, response.status_code, response.text)
        else:
            assert response.status_code == expect, (method, path, response.status_code, response.text)
        return response


def code(key: bytes, *, step: int = 0) -> str:
    """The TOTP code an authenticator app shows now (`step` 0) or one 30-second step ahead (1)."""
    return f"{totp(key, drift=step):06d}"


def enroll(client: Client, secrets: Secrets, who: str, access: str) -> tuple[bytes, list[str]]:
    """TOTP enrollment over HTTP: the device key (from the otpauth URI) and the recovery codes."""
    uri = client.send("POST", ENROLL, token=access, expect=200).json()["otpauth_uri"]
    secret = re.search(r"[?&]secret=([A-Z2-7]+)", uri).group(1)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    secrets.add_totp_key(f"{who} TOTP secret", key)
    secrets.add(f"{who} otpauth URI", uri)
    first_code = secrets.add(f"{who} TOTP code (enrollment)", code(key))
    recovery_codes = client.send("POST", CONFIRM, {"code": first_code}, token=access, expect=200).json()[
        "recovery_codes"
    ]
    for number, recovery_code in enumerate(recovery_codes, start=1):
        secrets.add(f"{who} recovery code {number}", recovery_code)
    return key, recovery_codes


def hidden_fields(html: str) -> dict[str, str]:
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return {name: value.replace("&amp;", "&") for name, value in fields.items()}


def oauth_app_authorized(
    client: Client, secrets: Secrets, credentials: tuple[str, str], username: str, password: str
) -> None:
    """
    A third-party app's authorization code flow with PKCE, as a browser and the app drive it: the
    customer signs in on /oauth/login and consents, the app exchanges the code, reads the profile,
    refreshes and revokes.
    """
    client.session.cookies.clear()  # the customer's browser, not the one the admin signed in with
    verifier = secrets.add("PKCE code verifier", canary("Verifier") + uuid.uuid4().hex)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    authorize = "/oauth/authorize?" + urlencode(
        {
            "response_type": "code",
            "client_id": credentials[0],
            "redirect_uri": OAUTH_REDIRECT_URI,
            "scope": "profile:read",
            "state": secrets.add("OAuth state", canary("State")),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    to_sign_in = client.send("GET", authorize, expect=302).headers["Location"]
    page = client.send("GET", to_sign_in, expect=200)
    form = {**hidden_fields(page.text), "username": username, "password": password}
    to_consent = client.send("POST", "/oauth/login", form=form, expect=302).headers["Location"]
    page = client.send("GET", to_consent, expect=200)
    approved = client.send(
        "POST", "/oauth/authorize", form={**hidden_fields(page.text), "allow": "Authorize"}, expect=302
    )
    authorization_code = parse_qs(urlsplit(approved.headers["Location"]).query)["code"][0]
    secrets.add("OAuth authorization code", authorization_code)
    exchange = {
        "grant_type": "authorization_code",
        "code": authorization_code,
        "redirect_uri": OAUTH_REDIRECT_URI,
        "code_verifier": verifier,
    }
    tokens = client.send("POST", OAUTH_TOKEN, form=exchange, basic_auth=credentials, expect=200).json()
    secrets.add("OAuth app access token", tokens["access_token"])
    secrets.add("OAuth app refresh token", tokens["refresh_token"])
    client.send("GET", PROFILE, token=tokens["access_token"], expect=200)
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    tokens = client.send("POST", OAUTH_TOKEN, form=refresh, basic_auth=credentials, expect=200).json()
    secrets.add("OAuth app refreshed access token", tokens["access_token"])
    secrets.add("OAuth app refreshed refresh token", tokens["refresh_token"])
    client.send("POST", OAUTH_REVOKE, form={"token": tokens["access_token"]}, basic_auth=credentials, expect=200)


def token_pair(secrets: Secrets, name: str, body: dict) -> dict:
    secrets.add_token(f"{name} access token", body["access"])
    secrets.add_token(f"{name} refresh token", body["refresh"])
    return body


def command(outputs: dict[str, str], result: subprocess.CompletedProcess, name: str) -> None:
    assert result.returncode == 0, (name, result.stdout, result.stderr)
    outputs[f"manage.py {name} stdout"] = result.stdout
    outputs[f"manage.py {name} stderr"] = result.stderr


def test_no_password_token_key_code_or_hash_reaches_any_log(live_server_factory, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = Secrets()
    service_variables = {
        "LOG_LEVEL": "DEBUG",
        "GUNICORN_LOG_LEVEL": "debug",
        "SECRET_KEY": secrets.add("SECRET_KEY", canary("SecretKey")),
        "JWT_SECRET_KEY": secrets.add("JWT_SECRET_KEY", canary("JwtKey")),
        "CACHE_KEY_PREFIX": f"live-{uuid.uuid4().hex}",
        "LEGACY_API_ENABLED": "1",
    }
    server = live_server_factory(workers=1, **service_variables)
    # The operator's commands run with the service's environment (production settings, its cache).
    operator = live_server_environment(**service_variables)
    client = Client(server.url)
    outputs: dict[str, str] = {}

    # A customer registers, logs in wrong and right, and refreshes.
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"  # short: no likeness to a canary password
    registered_password = secrets.add("registration password", canary("Pw"))
    wrong_password = secrets.add("wrong password", canary("WrongPw"))
    account_number = client.send(
        "POST", REGISTER, registration_body(email=email, password=registered_password), expect=201
    ).json()["account_number"]
    client.send("POST", LOGIN, {"email": email, "password": wrong_password}, expect=401)
    login = token_pair(
        secrets,
        "login",
        client.send("POST", LOGIN, {"email": email, "password": registered_password}, expect=200).json(),
    )
    refreshed = token_pair(
        secrets, "refreshed", client.send("POST", REFRESH, {"refresh": login["refresh"]}, expect=200).json()
    )

    # ... enrolls TOTP, logs in with it (a TOTP code) and logs out, ...
    customer_key, customer_recovery_codes = enroll(client, secrets, "customer", refreshed["access"])
    mfa_token = secrets.add_token(
        "customer mfa_token 1",
        client.send("POST", LOGIN, {"email": email, "password": registered_password}, expect=200).json()["mfa_token"],
    )
    totp_code = secrets.add("customer TOTP code (login)", code(customer_key, step=1))
    with_totp = token_pair(
        secrets,
        "TOTP login",
        client.send("POST", VERIFY, {"mfa_token": mfa_token, "code": totp_code}, expect=200).json(),
    )
    client.send("POST", LOGOUT, {"refresh": with_totp["refresh"]}, token=with_totp["access"], expect=204)

    # ... logs in with a recovery code and changes the password, then logs in with the new one.
    mfa_token = secrets.add_token(
        "customer mfa_token 2",
        client.send("POST", LOGIN, {"email": email, "password": registered_password}, expect=200).json()["mfa_token"],
    )
    with_recovery_code = token_pair(
        secrets,
        "recovery code login",
        client.send("POST", VERIFY, {"mfa_token": mfa_token, "code": customer_recovery_codes[0]}, expect=200).json(),
    )
    new_password = secrets.add("new password", canary("NewPw"))
    client.send(
        "POST",
        PASSWORD,
        {"current_password": registered_password, "new_password": new_password},
        token=with_recovery_code["access"],
        expect=204,
    )
    secrets.add_token(
        "customer mfa_token 3",
        client.send("POST", LOGIN, {"email": email, "password": new_password}, expect=200).json()["mfa_token"],
    )

    # An admin made by the operator enrolls and logs in to the API with MFA, ...
    staff_email = f"staff-{uuid.uuid4().hex[:8]}@example.com"
    staff_password = secrets.add("staff password", canary("StaffPw"))
    command(
        outputs,
        manage(
            "create_staff", staff_email, "--role", "admin", "--password-stdin", stdin=staff_password + "\n", **operator
        ),
        "create_staff",
    )
    first_login = token_pair(
        secrets,
        "staff first login",
        client.send("POST", LOGIN, {"email": staff_email, "password": staff_password}, expect=200).json(),
    )
    staff_key, staff_recovery_codes = enroll(client, secrets, "staff", first_login["access"])
    mfa_token = secrets.add_token(
        "staff mfa_token",
        client.send("POST", LOGIN, {"email": staff_email, "password": staff_password}, expect=200).json()["mfa_token"],
    )
    staff_code = secrets.add("staff TOTP code (login)", code(staff_key, step=1))
    staff = token_pair(
        secrets, "staff", client.send("POST", VERIFY, {"mfa_token": mfa_token, "code": staff_code}, expect=200).json()
    )
    # ... and signs in to the admin site: a wrong password, then the password and a recovery code.
    page = client.send("GET", ADMIN_LOGIN, expect=200)
    wrong_staff_password = secrets.add("wrong admin site password", canary("WrongAdminPw"))
    form = {**hidden_fields(page.text), "username": staff_email, "password": wrong_staff_password, "otp_token": ""}
    client.send("POST", ADMIN_LOGIN, form=form, expect=200)
    form = {
        **hidden_fields(page.text),
        "username": staff_email,
        "password": staff_password,
        "otp_token": staff_recovery_codes[0],
    }
    client.send("POST", ADMIN_LOGIN, form=form, expect=302)
    secrets.add("admin site session id", client.session.cookies["sessionid"])
    secrets.add("CSRF token (cookie)", client.session.cookies["csrftoken"])
    client.send("GET", ADMIN, expect=200)
    # ... and updates the customer through the API.
    etag = client.send("GET", f"{CUSTOMERS}/{account_number}", token=staff["access"], expect=200).headers["ETag"]
    client.send(
        "PATCH",
        f"{CUSTOMERS}/{account_number}",
        {"first_name": "Grace"},
        token=staff["access"],
        headers={"If-Match": etag},
        expect=200,
    )

    # A partner key from the operator's command, used; and a made-up key, refused.
    partner_result = manage("create_partner_key", "Canary Partner", **operator)
    command(outputs, partner_result, "create_partner_key")
    (key_line,) = [line for line in partner_result.stdout.splitlines() if line.startswith("api_key: ")]
    api_key = secrets.add("partner API key", key_line.removeprefix("api_key: "))
    secrets.add("partner API key (secret part)", api_key.partition(".")[2])
    # Printing the key once is the command's job: that one line is its output, not a log line.
    outputs["manage.py create_partner_key stdout"] = partner_result.stdout.replace(key_line, "api_key: <the key>")
    verification = {"account_number": account_number, "name": "Grace Lovelace"}
    client.send("POST", PARTNER_VERIFY, verification, api_key=api_key, expect=200)
    made_up_key = secrets.add("made-up API key", f"{api_key.partition('.')[0]}.{canary('Key')}")
    client.send("POST", PARTNER_VERIFY, verification, api_key=made_up_key, expect=401)

    # The other way a partner calls: an OAuth app (client credentials) from the operator's command.
    oauth_result = manage(
        "create_oauth_app",
        "Canary Partner App",
        "--client-type",
        "confidential",
        "--grant",
        "client-credentials",
        "--scopes",
        "account-verification",
        **operator,
    )
    command(outputs, oauth_result, "create_oauth_app")
    printed = dict(line.split(": ", 1) for line in oauth_result.stdout.splitlines() if ": " in line)
    client_secret = secrets.add("OAuth client secret", printed["client_secret"])
    # Printing the secret once is the command's job, as for the partner key.
    outputs["manage.py create_oauth_app stdout"] = oauth_result.stdout.replace(client_secret, "<the secret>")
    credentials = (printed["client_id"], client_secret)
    oauth_token = client.send(
        "POST", OAUTH_TOKEN, form={"grant_type": "client_credentials"}, basic_auth=credentials, expect=200
    ).json()["access_token"]
    secrets.add("OAuth access token", oauth_token)
    client.send("POST", PARTNER_VERIFY, verification, token=oauth_token, expect=200)
    client.send("POST", OAUTH_REVOKE, form={"token": oauth_token}, basic_auth=credentials, expect=200)

    # Customers imported from the Flask service's export with its bcrypt hashes; one logs in (re-hash) ...
    imported_passwords = [secrets.add(f"imported password {n}", canary("FlaskPw")) for n in (1, 2)]
    rows = []
    for number, imported_password in enumerate(imported_passwords, start=1):
        flask_hash = bcrypt.hashpw(imported_password.encode(), bcrypt.gensalt(rounds=4)).decode()
        secrets.add_hash(f"Flask bcrypt hash {number}", flask_hash)
        rows.append(flask_row(number, password_hash=flask_hash))
    command(
        outputs,
        manage("import_customers", str(write_export(tmp_path / "customers.csv", rows)), **operator),
        "import_customers",
    )
    imported_number = rows[0]["account_number"]
    imported = token_pair(
        secrets,
        "imported customer",
        client.send(
            "POST", LOGIN, {"account_number": imported_number, "password": imported_passwords[0]}, expect=200
        ).json(),
    )

    # ... and the other on the Flask service's own route (the legacy API), wrong then right.
    legacy = {"account_number": rows[1]["account_number"], "password": imported_passwords[1]}
    client.send(
        "POST", LEGACY_LOGIN, {**legacy, "password": secrets.add("wrong legacy password", canary("Pw"))}, expect=401
    )
    secrets.add_token("legacy token", client.send("POST", LEGACY_LOGIN, legacy, expect=200).json()["token"])

    # The first one authorizes a third-party app, which exchanges the code, refreshes and revokes.
    app_result = manage(
        "create_oauth_app",
        "Canary Budget App",
        "--redirect-uri",
        OAUTH_REDIRECT_URI,
        "--client-type",
        "confidential",
        "--grant",
        "authorization-code",
        "--scopes",
        "profile:read",
        **operator,
    )
    command(outputs, app_result, "create_oauth_app (authorization code)")
    printed = dict(line.split(": ", 1) for line in app_result.stdout.splitlines() if ": " in line)
    app_secret = secrets.add("OAuth app client secret", printed["client_secret"])
    outputs["manage.py create_oauth_app (authorization code) stdout"] = app_result.stdout.replace(
        app_secret, "<the secret>"
    )
    oauth_app_authorized(client, secrets, (printed["client_id"], app_secret), imported_number, imported_passwords[0])

    # Secrets where the contract says they never go: a query string. The service logs paths only.
    query_canary = secrets.add("token in a query string", canary("QueryToken"))
    client.send("GET", PROFILE, params={"token": query_canary}, expect=None)
    client.send("GET", PROFILE, params={"access_token": imported["access"]}, token=imported["access"], expect=None)

    server.stop()  # every line written and flushed

    # The hashes the database holds are secrets too.
    for user in User.objects.filter(email__in=[email, staff_email]) | User.objects.filter(
        account_number__in=[row["account_number"] for row in rows]
    ):
        secrets.add_hash(f"stored password hash of {user.email or user.account_number}", user.password)
    for row in rows:  # each imported customer's first login re-hashed the Flask hash
        assert User.objects.get(account_number=row["account_number"]).password.startswith("bcrypt_sha256$")
    secrets.add_hash("partner key's stored hash", PartnerKey.objects.get(name="Canary Partner").hashed_key)
    for device in TOTPDevice.objects.filter(user__email__in=[email, staff_email]):
        secrets.add_totp_key(f"stored TOTP key of {device.user.email}", device.bin_key)
    for token in StaticToken.objects.filter(device__user__email__in=[email, staff_email]):
        secrets.add(f"stored recovery code of {token.device.user.email}", token.token)
    for application in Application.objects.filter(name__startswith="Canary"):
        secrets.add_hash(f"stored client secret hash of {application.name}", application.client_secret)

    server_log = server.log()
    test_process_log, client_log = (
        "\n".join(
            f"{record.name} {record.levelname} {record.getMessage()} {record.__dict__}"
            for record in caplog.records
            if record.name.startswith(CLIENT_LOGGERS) is of_client
        )
        for of_client in (False, True)
    )
    sources = {"live server log (access, error and app)": server_log, **outputs, "test process log": test_process_log}

    # The capture is real: every request has its access log line, with its id and path; the app's
    # own lines are there with request ids; gunicorn logged at debug; each command said something.
    access = {}
    app_request_ids = set()
    for line in server_log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") == "gunicorn.access":
            access[entry["request_id"]] = entry["path"]
        elif entry.get("request_id"):
            app_request_ids.add(entry["request_id"])
    assert dict(client.requests) == {request_id: access.get(request_id) for request_id, _ in client.requests}
    wrong_login_id = client.requests[1][0]
    assert wrong_login_id in app_request_ids, "the refused login's own log line (django.request) is missing"
    assert "[DEBUG]" in server_log
    commands = ("create_staff", "create_partner_key", "create_oauth_app", "import_customers")
    assert all(outputs[f"manage.py {name} stdout"] for name in commands)

    # The search finds what is there: the key create_partner_key prints, and what the test's HTTP
    # client logged of the URLs it was given (query strings included).
    in_controls = {
        found.secret for found in leaks(secrets, {"key printed": partner_result.stdout, "client": client_log})
    }
    assert {"partner API key", "partner API key (secret part)", "token in a query string"} <= in_controls
    assert {"imported customer access token", "imported customer access token (signature)"} <= in_controls

    found = leaks(secrets, sources)
    summary = ", ".join(f"{source}: {len(text.splitlines())} lines" for source, text in sources.items())
    print(f"searched {len(secrets.values)} secrets in {summary}")
    assert not found, "secrets in the logs:\n" + "\n".join(map(str, found))


def test_the_development_servers_request_line_keeps_the_query_string_out():
    """
    runserver (local settings) logs each request line as the client sent it; the query string, where a
    careless client may put a token, is dropped as gunicorn's access log drops it (its `path` is %(U)s).
    """
    secret = canary("QueryToken")
    lines = {
        f"GET /api/v1/profile?token={secret} HTTP/1.1": "GET /api/v1/profile HTTP/1.1",
        f"GET /?access_token={secret}&x=1 HTTP/1.0": "GET / HTTP/1.0",
        "GET /api/v1/profile HTTP/1.1": "GET /api/v1/profile HTTP/1.1",
    }
    for sent, logged in lines.items():
        record = logging.LogRecord(
            "django.server", logging.WARNING, __file__, 1, '"%s" %s %s', (sent, "401", "238"), None
        )

        RequestIdFilter().filter(record)
        RequestIdFilter().filter(record)  # a second pass changes nothing

        assert record.getMessage() == f'"{logged}" 401 238'
