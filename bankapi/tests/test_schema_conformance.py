"""
Requests generated from the OpenAPI schema (schemathesis) get the answers the schema promises: no
schema-valid request is refused as invalid, no schema-invalid one is accepted, nothing is a server
error, and every response matches its documented status, headers and body.

The service runs in-process (its WSGI application, the test settings and database), authenticated
through the real login: as an admin for the staff endpoints, as a customer for the profile and
logout, and as a customer of its own for each password change (a wrong current password counts
towards a lockout); the partner endpoint gets a partner API key (`Authorization: Api-Key`). Writes
to a customer address a customer of the test's own, so that the body is validated against a real
resource rather than answered 404. Hypothesis draws its examples from a seed derived from the test
function's source, so a change to it draws new ones everywhere.

A few rules cannot be said in JSON Schema; each is described in the schema, and a schema-valid
request that breaks only one of them is not counted as refused (`RULES_THE_SCHEMA_DESCRIBES`).
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.generation.hypothesis.builder import ApiOperationMark
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.tests.factories import UserFactory
from conftest import token_client
from ledger.tests.factories import customer_with_account
from partners.services import partner_key_create

MAX_EXAMPLES = 20
PROFILE_PATHS = ("/api/v1/profile", "/api/v1/auth/logout")
PASSWORD_CHANGE = "/api/v1/profile/password"
PARTNER_PATHS = ("/api/v1/partner/account-verification",)  # a partner API key, not a token

schema = schemathesis.openapi.from_wsgi("/api/schema?format=json", get_wsgi_application())
schema.config.generation.update(max_examples=MAX_EXAMPLES, modes=["positive", "negative"], deterministic=True)

# Django's password validators compare a new password with the other details, and with a list.
PASSWORD_RULES = ("The password is too similar to the", "This password is too common.")

# (operation, field) -> the messages of a rule JSON Schema cannot state, described in the schema
# instead; `None` for any message (a credential, which only the service can check).
RULES_THE_SCHEMA_DESCRIBES: dict[tuple[str, str], tuple[str, ...] | None] = {
    ("POST /api/v1/auth/register", "password"): PASSWORD_RULES,
    ("POST /api/v1/customers", "password"): PASSWORD_RULES,
    ("POST /api/v1/profile/password", "new_password"): (*PASSWORD_RULES, "Must differ from the current password."),
    ("POST /api/v1/profile/password", "current_password"): ("Incorrect password.",),
    ("POST /api/v1/auth/logout", "refresh"): None,  # one of the caller's own refresh tokens
    ("GET /api/v1/audit-events", "until"): ("Must be after since.",),
    # A cursor is an opaque position: only a `next` or `previous` link has one.
    ("GET /api/v1/audit-events", "cursor"): ("Invalid cursor.",),
    ("GET /api/v1/customers", "cursor"): ("Invalid cursor.",),
    ("GET /api/v1/accounts/{account_number}/transactions", "cursor"): ("Invalid cursor.",),
    ("POST /api/v1/transfers", "to_account"): ("The destination must be another account.",),
}


# The ledger's refusals of a well-formed movement: they depend on the accounts' state (a balance, a
# status) or on what an Idempotency-Key was first used for, which no schema can state.
LEDGER_REFUSALS = {"insufficient_funds", "account_not_active", "invalid_destination", "idempotency_key_reused"}


def breaks_only_described_rules(case, response) -> bool:
    """Whether a refusal of a schema-valid request names only rules the schema describes in words."""
    if response.status_code == 412:  # `If-Match` must be the current ETag, which only a response gives
        return True
    if response.status_code == 422 and response.json().get("code") in LEDGER_REFUSALS:
        return True
    if response.status_code != 400:
        return False
    operation = f"{case.method.upper()} {case.path}"
    errors = response.json().get("errors", {})
    for field, messages in errors.items():
        if (operation, field) not in RULES_THE_SCHEMA_DESCRIBES:
            return False
        described = RULES_THE_SCHEMA_DESCRIBES[(operation, field)]
        if described is not None and not all(message.startswith(described) for message in messages):
            return False
    return bool(errors)


def positive_data_accepted(ctx, response, case):
    """schemathesis' `positive_data_acceptance`, but for the rules the schema can only describe."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if breaks_only_described_rules(case, response):
            return None
        raise


@contextmanager
def connections_kept_open() -> Iterator[None]:
    """
    Django closes the database connection at the end of a request, which in-process would close
    the test's transaction; Django's test client turns that off around its requests, and so do we.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def pytest_generate_tests(metafunc):
    """
    Gives each operation's test its own id: schemathesis names its items after the operation, but
    pytest 9 builds node ids from parameters only, and xdist runs just one of several items that
    share an id.
    """
    if "world" not in metafunc.fixturenames:
        return
    operation = ApiOperationMark.get(metafunc.function)
    if operation is None:  # a schemathesis upgrade moved its internal: fail loudly, never run one operation of 16
        raise RuntimeError("schemathesis no longer marks each operation's test (ApiOperationMark); update this module")
    metafunc.parametrize("world", [operation.label], ids=[operation.label], indirect=True)


@pytest.fixture
def world(db, settings):
    settings.RATE_LOGIN = settings.RATE_REGISTER = settings.RATE_USER = settings.RATE_PARTNER = "1000000/m"
    return {
        "admin": token_client(UserFactory(role="admin")).tokens["access"],
        "customer": token_client(UserFactory()).tokens["access"],
        # The customer the staff writes address, with a current account holding money.
        "target": customer_with_account(balance=100_000).account_number,
        "partner_key": partner_key_create(name="Schema Partner")[1],
    }


@schema.parametrize()
@hypothesis_settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_generated_requests_get_the_answers_the_schema_promises(case, world):
    if case.path in PARTNER_PATHS:
        authorization = f"Api-Key {world['partner_key']}"
    elif case.path == PASSWORD_CHANGE:
        authorization = f"Bearer {token_client(UserFactory()).tokens['access']}"
    elif case.path in PROFILE_PATHS:
        authorization = f"Bearer {world['customer']}"
    else:
        authorization = f"Bearer {world['admin']}"
    if re.fullmatch(r"[0-9]{12}", str((case.path_parameters or {}).get("account_number", ""))):
        case.path_parameters["account_number"] = world["target"]

    with connections_kept_open():
        case.call_and_validate(
            headers={"Authorization": authorization},
            excluded_checks=[positive_data_acceptance],
            additional_checks=[positive_data_accepted],
        )
