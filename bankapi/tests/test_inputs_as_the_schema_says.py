"""
Inputs are taken as the OpenAPI schema describes them, not more loosely: a JSON number is not a
string, a phone number or an email is matched as sent (DRF would trim it first), a date is
`YYYY-MM-DD` in ASCII digits, a query parameter sent empty is refused rather than ignored, and the
audit trail's times are RFC 3339 date-times.
"""

import pytest

from accounts.models import User
from accounts.tests.factories import registration_body
from conftest import assert_validation_error

pytestmark = pytest.mark.django_db


def registration(**overrides) -> dict:
    return registration_body(**{"password": "quiet meadow lantern river", **overrides})


def test_the_registration_these_tests_vary_is_accepted(api_client):
    assert api_client.post("/api/v1/auth/register", registration(), format="json").status_code == 201


@pytest.mark.parametrize(
    ("field", "value"),
    [("password", 123456.7890123), ("first_name", 1), ("phone", 447700900123), ("email", 0)],
)
def test_a_number_is_not_taken_for_a_string(api_client, field, value):
    assert_validation_error(
        api_client.post("/api/v1/auth/register", registration(**{field: value}), format="json"), field
    )
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "+447700900123\n"),
        ("phone", " +447700900123"),
        ("email", " ada@example.com"),
        ("email", "ada@example.com\n"),
        ("date_of_birth", "1990-1-5"),
        ("date_of_birth", "\u0661\u0669\u0669\u0660-\u0660\u0661-\u0660\u0665"),
        ("date_of_birth", " 1990-12-10"),
    ],
)
def test_a_value_the_schema_does_not_match_is_refused_as_sent(api_client, field, value):
    assert_validation_error(
        api_client.post("/api/v1/auth/register", registration(**{field: value}), format="json"), field
    )


def test_login_takes_the_account_number_as_sent(api_client, customer):
    body = {"account_number": f" {customer.account_number}", "password": "whatever it is"}

    assert_validation_error(api_client.post("/api/v1/auth/login", body, format="json"), "account_number")


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/customers", "status"),
        ("/api/v1/customers", "role"),
        ("/api/v1/customers", "search"),
        ("/api/v1/audit-events", "actor"),
        ("/api/v1/audit-events", "action"),
        ("/api/v1/audit-events", "since"),
        ("/api/v1/audit-events", "until"),
        ("/api/v1/audit-events", "account_number"),
        ("/api/v1/audit-events", "cursor"),
    ],
)
def test_a_query_parameter_sent_empty_is_refused_not_ignored(quiet_admin_client, path, parameter):
    assert_validation_error(quiet_admin_client.get(f"{path}?{parameter}="), parameter)


@pytest.mark.parametrize(
    "moment",
    ["2024-03-01", "2024-03-01 12:00:00Z", "2024-03-01T12:00:00", "2024-03-01T12:00Z", "2024-02-30T12:00:00Z"],
)
def test_audit_times_are_rfc3339_date_times(quiet_admin_client, moment):
    assert_validation_error(quiet_admin_client.get("/api/v1/audit-events", {"since": moment}), "since")


@pytest.mark.parametrize(
    "moment",
    ["2024-03-01T12:00:00Z", "2024-03-01t12:00:00.123456789z", "2024-03-01T13:00:00+01:00", "2016-12-31T23:59:60Z"],
)
def test_audit_times_take_what_rfc3339_allows(quiet_admin_client, moment):
    assert quiet_admin_client.get("/api/v1/audit-events", {"since": moment}).status_code == 200


def test_the_audit_account_number_filter_is_matched_as_sent(quiet_admin_client):
    assert_validation_error(
        quiet_admin_client.get("/api/v1/audit-events", {"account_number": "400012345678\n"}), "account_number"
    )
