"""
A list refuses a query parameter it does not name, as a body refuses an unknown field: a misspelt
filter must not quietly list everything.
"""

import pytest

from conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/audit-events"])
def test_a_misspelt_filter_is_refused_naming_it(quiet_admin_client, path):
    response = quiet_admin_client.get(path, {"stauts": "frozen"})

    body = assert_problem(response, 400, "validation_error")
    assert body["errors"] == {"stauts": ["Unknown query parameter."]}


def test_an_unknown_parameter_is_reported_with_the_other_mistakes(quiet_admin_client):
    response = quiet_admin_client.get("/api/v1/customers", {"stauts": "frozen", "status": "sleeping"})

    body = assert_problem(response, 400, "validation_error")
    assert set(body["errors"]) == {"stauts", "status"}


@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/audit-events"])
def test_the_paginators_parameters_are_still_taken(quiet_admin_client, path):
    response = quiet_admin_client.get(path, {"page_size": "5"})

    assert response.status_code == 200
