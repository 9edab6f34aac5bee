"""
The API fuzzed as its callers meet it: schemathesis' own runner (`st run`) against gunicorn with
production settings, this run's PostgreSQL and Redis, reading the live `/api/schema` with the
Flask-compatible routes switched on. Every operation is fuzzed as an admin, as an auditor and as a
customer, and the operations a partner or a third-party app may call are fuzzed again with their
credentials (a partner API key, a client-credentials token, a customer's authorization-code token).

Each run takes all four phases: the schema's examples, coverage (the boundaries of every
constraint), fuzzing (at least MAX_EXAMPLES generated cases per operation, valid and invalid) and
stateful (sequences that follow the schema's OpenAPI links, e.g. create a customer, then read,
change, pay into and close them). The checks are the CHECKS below; one failure fails the test, with
schemathesis' report (each failure with the curl command that reproduces it) as the message.

The per-IP rate limits are raised so that the fuzzer reaches the logic behind them; the limits
themselves are held by bankapi/tests/test_ratelimits.py, and their 429 is in the schema anyway.
FUZZ_SEED picks other examples than the fixed default (docs/security.md, "Fuzzing").
"""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from django.test import Client

from accounts.tests.factories import UserFactory
from conftest import token_client
from ledger.tests.factories import customer_with_account
from oauth.tests.conftest import TOKEN, basic_auth, issue_tokens, register
from partners.services import partner_key_create

pytestmark = [pytest.mark.live_server, pytest.mark.long_running]

MAX_EXAMPLES = 100
CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "unsupported_method",
)
PHASES = ("examples", "coverage", "fuzzing", "stateful")
SEED = os.environ.get("FUZZ_SEED", "130013")
SCHEMA_PATH = "/api/schema?format=json"
SCHEMATHESIS = Path(sys.executable).parent / "st"
RUN_TIMEOUT_SECONDS = 20 * 60
UNLIMITED = "1000000/m"
WITHOUT_PROXIES = {name: value for name, value in os.environ.items() if not name.lower().endswith("_proxy")}


def staff_token(role: str) -> str:
    return token_client(UserFactory(role=role)).tokens["access"]


def customer_token() -> str:
    return token_client(customer_with_account(balance=100_000)).tokens["access"]


def partner_key() -> str:
    return partner_key_create(name="Fuzzing Partner")[1]


def client_credentials_token() -> str:
    app = register("Fuzzing Payments", grant="client-credentials", redirect_uris=())
    body = {"grant_type": "client_credentials", "scope": "account-verification"}
    response = Client().post(TOKEN, body, **basic_auth(app))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def authorization_code_token() -> str:
    browser = Client()
    browser.force_login(customer_with_account(balance=100_000))
    return issue_tokens(browser, register("Fuzzing Budget"))["access_token"]


# caller -> (its Authorization header, the security scheme (and scope) an operation must accept for
# the caller to fuzz it; None: every operation)
CALLERS: dict[str, tuple[Callable[[], str], tuple[str, str | None] | None]] = {
    "admin": (lambda: f"Bearer {staff_token('admin')}", None),
    "auditor": (lambda: f"Bearer {staff_token('auditor')}", None),
    "customer": (lambda: f"Bearer {customer_token()}", None),
    "partner API key": (lambda: f"Api-Key {partner_key()}", ("partnerApiKey", None)),
    "partner app (client credentials)": (
        lambda: f"Bearer {client_credentials_token()}",
        ("oauth2", "account-verification"),
    ),
    "third-party app (authorization code)": (
        lambda: f"Bearer {authorization_code_token()}",
        ("oauth2", "profile:read"),
    ),
    "OAuth client (client credentials, HTTP Basic)": (
        lambda: basic_auth(register("Fuzzing Client", grant="client-credentials", redirect_uris=()))[
            "HTTP_AUTHORIZATION"
        ],
        ("clientBasic", None),
    ),
}


def operations_accepting(schema: dict, scheme: str, scope: str | None) -> list[str]:
    """The operationIds whose security accepts `scheme` (with `scope`, if given)."""

    def accepts(entry: dict[str, list[str]]) -> bool:
        return scheme in entry and (scope is None or scope in entry[scheme])

    return [
        operation["operationId"]
        for path_item in schema["paths"].values()
        for operation in path_item.values()
        if isinstance(operation, dict) and any(accepts(entry) for entry in operation.get("security", []))
    ]


@pytest.mark.parametrize("caller", list(CALLERS))
def test_fuzzing_every_operation_finds_no_failure(caller, live_server_factory, tmp_path):
    server = live_server_factory(
        workers=2,
        LEGACY_API_ENABLED="true",
        RATE_LOGIN=UNLIMITED,
        RATE_REGISTER=UNLIMITED,
        RATE_USER=UNLIMITED,
        RATE_PARTNER=UNLIMITED,
        RATE_OAUTH_CLIENT=UNLIMITED,
    )
    authorization, accepted_by = CALLERS[caller]
    selection: list[str] = []
    phases = PHASES
    if accepted_by is not None:
        loopback = requests.Session()
        loopback.trust_env = False  # no proxy, whatever the environment says
        schema = loopback.get(server.url + SCHEMA_PATH, timeout=30).json()
        operation_ids = operations_accepting(schema, *accepted_by)
        assert operation_ids, f"no operation in the schema accepts {accepted_by}"
        selection = [argument for id_ in operation_ids for argument in ("--include-operation-id", id_)]
        phases = tuple(phase for phase in PHASES if phase != "stateful")  # no link joins these operations

    command = [
        str(SCHEMATHESIS),
        "run",
        server.url + SCHEMA_PATH,
        *("--header", f"Authorization: {authorization()}"),
        *("--checks", ",".join(CHECKS)),
        *("--phases", ",".join(phases)),
        *("--max-examples", str(MAX_EXAMPLES)),
        *("--seed", SEED),
        # One thread: with two, hypothesis in both may ast.parse the same source at once (to describe
        # a lambda), which CPython 3.11 can fail with "SystemError: AST constructor recursion depth
        # mismatch" (its AST state is shared between threads; python/cpython#106905). Seen once in
        # CI; a second thread saved no time (customer 107 s with one, 108 s with two).
        *("--workers", "1"),
        *("--request-timeout", "60"),
        *("--generation-database", "none"),
        *("--report", "junit", "--report-dir", str(tmp_path / "report")),
        "--no-color",
        *selection,
    ]
    result = subprocess.run(  # noqa: S603 - schemathesis from this venv, against the server started above
        command, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, cwd=tmp_path, env=WITHOUT_PROXIES
    )

    report = result.stdout + result.stderr
    assert "Tested:" in report, report[-20_000:]  # it ran, and did not stop at loading the schema
    assert result.returncode == 0, report[-40_000:]
