"""
LEGACY_API_ENABLED: off (the default), every legacy route and method is this service's ordinary 404
and the OpenAPI document has none of them; on, they are served and documented, tagged
"Legacy (Flask)", each with its bodies and error statuses.
"""

import json

import pytest
from django.conf import settings as django_settings
from django.test import Client
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import assert_problem

pytestmark = pytest.mark.django_db

LEGACY_ROUTES = [
    ("post", "/register"),
    ("post", "/login"),
    ("get", "/profile"),
    ("get", "/"),
    ("post", "/"),
    ("put", "/123456789012"),
    ("delete", "/123456789012"),
    ("put", "/12345"),
    ("patch", "/profile"),
    ("options", "/login"),
    ("head", "/profile"),
]
LEGACY_PATHS = {"/register", "/login", "/profile", "/", "/{account_number}"}


def test_the_legacy_api_is_off_by_default():
    assert django_settings.LEGACY_API_ENABLED is False


@pytest.mark.parametrize(("method", "path"), LEGACY_ROUTES)
def test_off_every_legacy_route_and_method_is_the_ordinary_404(method, path, auth_client):
    data = json.dumps({"account_number": "123456789012", "password": DEFAULT_PASSWORD})
    unknown = Client().generic(method.upper(), "/no-such-path", data, content_type="application/json")

    for client in (Client(), auth_client):  # with or without a token: nothing is looked at
        response = client.generic(method.upper(), path, data, content_type="application/json")

        assert response.status_code == 404
        assert response["Content-Type"] == unknown["Content-Type"]
        if method != "head":
            assert_problem(response, 404, "not_found")
            assert {k: v for k, v in response.json().items() if k != "request_id"} == {
                k: v for k, v in unknown.json().items() if k != "request_id"
            }


def test_off_nothing_is_written_and_no_rate_limit_is_counted(settings):
    settings.RATE_REGISTER = "1/h"
    client = Client()

    for _ in range(3):
        response = client.post("/register", {}, content_type="application/json")
        assert response.status_code == 404


def test_on_the_routes_are_served(settings):
    settings.LEGACY_API_ENABLED = True

    response = Client().get("/profile")

    assert response.status_code == 401
    assert response.json() == {"success": False, "message": "Authentication required"}


def schema_of(client: Client) -> dict:
    response = client.get("/api/schema?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_off_the_schema_has_no_legacy_route():
    schema = schema_of(Client())

    assert LEGACY_PATHS.isdisjoint(schema["paths"])
    assert all("Legacy (Flask)" not in op.get("tags", []) for item in schema["paths"].values() for op in item.values())


def test_on_the_schema_documents_each_legacy_route_with_its_bodies_and_errors(settings):
    settings.LEGACY_API_ENABLED = True

    schema = schema_of(Client())

    validate(schema)
    assert LEGACY_PATHS <= set(schema["paths"])
    expected = {
        ("/register", "post"): {"201", "400", "409", "413", "415", "429", "503"},
        ("/login", "post"): {"200", "400", "401", "403", "413", "415", "429", "503"},
        ("/profile", "get"): {"200", "401", "403", "429", "503"},
        ("/", "get"): {"200", "400", "401", "403", "429", "503"},
        ("/", "post"): {"201", "400", "401", "403", "409", "413", "415", "429", "503"},
        ("/{account_number}", "put"): {"200", "400", "401", "403", "404", "409", "413", "415", "429", "503"},
        ("/{account_number}", "delete"): {"200", "400", "401", "403", "404", "409", "429", "503"},
    }
    for (path, method), statuses in expected.items():
        operation = schema["paths"][path][method]
        assert operation["tags"] == ["Legacy (Flask)"], (path, method)
        assert statuses | {"405", "406", "500"} == set(operation["responses"]), (path, method)
        for status, response in operation["responses"].items():
            assert "X-Request-ID" in response["headers"]
            if int(status) >= 400:
                error = response["content"]["application/json"]["schema"]["$ref"]
                assert error.endswith("/LegacyError"), (path, method, status)
        if method in ("post", "put"):
            assert "requestBody" in operation, (path, method)
    assert "Retry-After" in schema["paths"]["/login"]["post"]["responses"]["429"]["headers"]
    assert not schema["paths"]["/login"]["post"].get("security")
    assert not schema["paths"]["/register"]["post"].get("security")
    assert {"bearerAuth": []} in schema["paths"]["/profile"]["get"]["security"]
    register = schema["components"]["schemas"]["LegacyRegisterRequest"]
    assert register["additionalProperties"] is False
    assert {"age", "gender"} <= set(register["properties"]) and not {"age", "gender"} & set(register["required"])


def test_on_real_answers_match_what_the_schema_documents(settings, customer):
    from openapi_schema_validator import OAS30ReadValidator

    from conftest import login
    from legacy.tests.test_legacy_api import flask_customer

    settings.LEGACY_API_ENABLED = True
    schema = schema_of(Client())
    anonymous = Client()
    admin = UserFactory(role="admin")
    admin_token = login(APIClient(), admin)["access"]
    staff = {"HTTP_AUTHORIZATION": f"Bearer {admin_token}"}
    customer_token = json.loads(
        anonymous.post(
            "/login",
            {"account_number": customer.account_number, "password": DEFAULT_PASSWORD},
            content_type="application/json",
        ).content
    )["token"]
    own = {"HTTP_AUTHORIZATION": f"Bearer {customer_token}"}
    number = customer.account_number
    cases = [
        ("/register", "post", anonymous.post("/register", flask_customer(), content_type="application/json")),
        ("/register", "post", anonymous.post("/register", flask_customer(), content_type="application/json")),
        ("/register", "post", anonymous.post("/register", "{", content_type="application/json")),
        ("/login", "post", anonymous.post("/login", {"account_number": number}, content_type="application/json")),
        ("/profile", "get", anonymous.get("/profile", **own)),
        ("/profile", "get", anonymous.get("/profile")),
        ("/", "get", anonymous.get("/", **staff)),
        ("/", "get", anonymous.get("/", **own)),
        ("/{account_number}", "put", anonymous.put(f"/{number}", {"address": "x"}, "application/json", **staff)),
        ("/{account_number}", "put", anonymous.put("/999999999999", {"address": "x"}, "application/json", **staff)),
        ("/{account_number}", "delete", anonymous.delete(f"/{number}", **staff)),
        ("/{account_number}", "delete", anonymous.get(f"/{number}", **staff)),
    ]

    assert [response.status_code for _, _, response in cases] == [
        201,
        409,
        400,
        400,
        200,
        401,
        200,
        403,
        200,
        404,
        200,
        405,
    ]
    for path, method, response in cases:
        documented = schema["paths"][path][method]["responses"][str(response.status_code)]
        body_schema = documented["content"][response["Content-Type"]]["schema"]
        OAS30ReadValidator({**body_schema, "components": schema["components"]}).validate(json.loads(response.content))
