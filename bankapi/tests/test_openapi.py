"""
/api/schema is a valid OpenAPI 3 document covering every API route (as the URLconf has them, whoever
adds them) with its methods, its problem+json errors and the bearer scheme; real responses match
what it says; /api/docs serves Swagger UI from our own static files; and drf-spectacular resolves
everything without a warning.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.admindocs.views import simplify_regex
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import URLResolver, get_resolver
from openapi_schema_validator import OAS30ReadValidator
from openapi_spec_validator import validate
from rest_framework.views import APIView

from accounts.tests.factories import DEFAULT_PASSWORD
from bankapi.errors import problem_response, problem_types
from bankapi.schema import problem_openapi_response, problem_responses

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
PROBLEM = "application/problem+json"
PROBLEM_FIELDS = {"type", "title", "status", "detail", "code", "request_id"}
BEARER = [{"bearerAuth": []}]
# Operations anyone may call; every other API operation takes a bearer token.
ANONYMOUS = {
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/token/refresh"),
    ("get", "/health"),
    ("get", "/db_check"),
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema() -> dict:
    response = Client().get("/api/schema?format=json")
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def url_routes():
    """(path, view) of every route in the URLconf, paths spelled as OpenAPI spells them."""

    def walk(patterns, prefix: str):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            else:
                path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", simplify_regex(route))
                yield path, pattern.callback

    return list(walk(get_resolver().url_patterns, ""))


def api_routes() -> dict[str, object]:
    """The routes the schema must cover: everything under /api/v1/, and /health and /db_check."""
    return {
        path: view
        for path, view in url_routes()
        if (path.startswith("/api/v1/") or path in ("/health", "/db_check")) and "{format}" not in path
    }


def view_methods(view) -> set[str]:
    cls = getattr(view, "cls", None)
    assert cls is not None and issubclass(cls, APIView), f"{view} is not a DRF view, so the schema cannot cover it"
    actions = getattr(view, "actions", None)  # a viewset's routes map methods to actions
    if actions:
        return set(actions) & HTTP_METHODS
    return {method for method in cls.http_method_names if method in HTTP_METHODS and hasattr(cls, method)}


# The document ------------------------------------------------------------------------------------


def test_schema_is_a_valid_openapi_3_document(schema):
    validate(schema)

    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"]
    assert "README" in schema["info"]["description"]


def test_schema_is_served_as_yaml_by_default_and_ignores_any_token():
    response = Client().get("/api/schema", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert response.content.startswith(b"openapi: 3.")


def test_every_api_route_appears_with_its_methods(schema):
    routes = api_routes()
    assert {"/api/v1/auth/login", "/api/v1/profile", "/health", "/db_check"} <= set(routes)

    for path, view in routes.items():
        assert path in schema["paths"], f"{path} is missing from the schema"
        assert set(schema["paths"][path]) == view_methods(view), path
    assert set(schema["paths"]) == set(routes), "the schema has paths no route serves"


def test_schema_and_docs_are_not_in_the_schema(schema):
    assert not any(path.startswith("/api/schema") or path.startswith("/api/docs") for path in schema["paths"])


# Errors ------------------------------------------------------------------------------------------


def test_every_operation_documents_its_errors_as_problem_details(schema):
    for method, path, operation in operations(schema):
        errors = {status: response for status, response in operation["responses"].items() if int(status) >= 400}
        assert any(400 <= int(status) < 500 for status in errors), f"{method} {path} documents no 4xx"
        assert "500" in errors, f"{method} {path} does not document 500 internal_error"
        for status, response in errors.items():
            where = f"{method.upper()} {path} {status}"
            assert set(response.get("content", {})) == {PROBLEM}, where
            body = resolve(schema, response["content"][PROBLEM]["schema"])
            assert PROBLEM_FIELDS <= set(body["required"]), where
            assert body["properties"]["status"]["type"] == "integer", where
            assert response["description"], where
            for example in response["content"][PROBLEM].get("examples", {}).values():
                assert example["value"]["status"] == int(status), where
                assert example["value"]["code"] in response["description"], where


def test_every_429_documents_retry_after_and_every_response_the_request_id(schema):
    for method, path, operation in operations(schema):
        for status, response in operation["responses"].items():
            assert "X-Request-ID" in response["headers"], f"{method} {path} {status}"
            if status == "429":
                assert "Retry-After" in response["headers"], f"{method} {path}"
    assert schema["components"]["headers"]["Retry-After"]["schema"]["type"] == "integer"


def test_login_documents_each_of_its_errors(schema):
    responses = schema["paths"]["/api/v1/auth/login"]["post"]["responses"]

    assert {"200", "400", "401", "413", "415", "429", "503"} <= set(responses)
    assert set(responses["429"]["content"][PROBLEM]["examples"]) == {"AccountLocked", "RateLimited"}
    assert "invalid_credentials" in responses["401"]["description"]
    validation = responses["400"]["content"][PROBLEM]["examples"]["ValidationError"]["value"]
    assert validation["errors"]


def test_db_check_503_documents_the_checks_member(schema):
    response = schema["paths"]["/db_check"]["get"]["responses"]["503"]

    body = resolve(schema, response["content"][PROBLEM]["schema"])
    assert "checks" in body["required"]
    checks = resolve(schema, body["properties"]["checks"])
    assert set(checks["properties"]) == {"database", "cache"}


def documented_problems(schema: dict) -> dict[str, dict]:
    """Every problem code the schema documents, with its example body."""
    return {
        example["value"]["code"]: example["value"]
        for _, _, operation in operations(schema)
        for status, response in operation["responses"].items()
        if int(status) >= 400
        for example in response["content"][PROBLEM].get("examples", {}).values()
    }


# Problem types no operation documents: any operation can answer them (a method it does not
# serve, an `Accept` without JSON), and none lists them yet.
UNDOCUMENTED_PROBLEMS = {"method_not_allowed", "not_acceptable"}


def test_the_documented_problem_codes_are_the_problem_classes(schema):
    documented = documented_problems(schema)

    assert set(documented) == {problem.default_code for problem in problem_types()} - UNDOCUMENTED_PROBLEMS


def test_each_documented_example_is_the_body_the_service_renders(schema):
    for code, example in documented_problems(schema).items():
        problem = next(problem for problem in problem_types() if problem.default_code == code)
        body = json.loads(problem_response(status=problem.status_code, code=code).content)

        assert {name: example[name] for name in body if name not in ("detail", "request_id")} == {
            name: value for name, value in body.items() if name not in ("detail", "request_id")
        }, code


@pytest.mark.parametrize("problem", problem_types(), ids=lambda problem: problem.default_code)
def test_every_problem_class_can_be_documented_with_its_title_and_when(problem):
    response = problem_openapi_response(problem.status_code, problem.default_code)

    assert f"`{problem.default_code}`: {problem.when}." in response.description
    (example,) = response.examples
    assert example.value["title"] == problem.title
    assert example.value["status"] == problem.status_code
    assert example.value["detail"] == problem.default_detail


def test_a_status_alone_documents_its_usual_codes():
    responses = problem_responses(400, 429)

    assert [example.name for example in responses[(400, PROBLEM)].examples] == ["validation_error", "malformed_json"]
    assert [example.name for example in responses[(429, PROBLEM)].examples] == ["rate_limited"]
    assert [example.name for example in responses[(500, PROBLEM)].examples] == ["internal_error"]


def test_problem_responses_refuses_a_code_no_class_defines():
    with pytest.raises(ValueError, match="no_such_problem"):
        problem_responses(400, (422, "no_such_problem"))


def test_problem_responses_refuses_a_code_of_another_status():
    with pytest.raises(ValueError, match="conflict"):
        problem_responses((404, "conflict"))


def test_problem_responses_refuses_a_status_without_usual_codes_unless_they_are_named():
    with pytest.raises(ValueError, match="422"):
        problem_responses(422)


# Authentication ----------------------------------------------------------------------------------


def test_bearer_scheme_is_declared(schema):
    scheme = schema["components"]["securitySchemes"]["bearerAuth"]

    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert scheme["bearerFormat"] == "JWT"


def test_authenticated_operations_require_the_bearer_token_and_anonymous_ones_do_not(schema):
    documented = {(method, path) for method, path, _ in operations(schema)}
    assert documented >= ANONYMOUS

    for method, path, operation in operations(schema):
        if (method, path) in ANONYMOUS:
            assert not operation.get("security"), f"{method} {path} should need no token"
        else:
            assert operation.get("security") == BEARER, f"{method} {path} should need a bearer token"
            assert "401" in operation["responses"], f"{method} {path} does not document 401"


@pytest.mark.django_db
def test_operations_that_need_a_token_refuse_a_request_without_one(schema):
    client = Client()
    for method, path, operation in operations(schema):
        if operation.get("security") != BEARER or "{" in path:
            continue

        response = client.generic(method.upper(), path, "{}", content_type="application/json")

        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert response["Content-Type"] == PROBLEM


# Real responses match the schema -----------------------------------------------------------------


def assert_matches(schema: dict, method: str, path: str, response) -> None:
    """The response's body validates against what the schema documents for its status and type."""
    documented = schema["paths"][path][method]["responses"][str(response.status_code)]
    media_type = response["Content-Type"].split(";")[0]
    body_schema = documented["content"][media_type]["schema"]
    body = json.loads(response.content)

    OAS30ReadValidator({**body_schema, "components": schema["components"]}).validate(body)
    assert set(body) <= set(resolve(schema, body_schema)["properties"]), body


@pytest.mark.django_db
def test_real_responses_match_the_schema(schema, customer):
    client = Client()
    login_response = client.post(
        "/api/v1/auth/login",
        {"account_number": customer.account_number, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    tokens = login_response.json()
    authorized = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    cases = [
        ("post", "/api/v1/auth/login", login_response),
        (
            "post",
            "/api/v1/auth/token/refresh",
            client.post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, content_type="application/json"),
        ),
        ("get", "/api/v1/profile", client.get("/api/v1/profile", **authorized)),
        ("get", "/api/v1/profile", client.get("/api/v1/profile")),
        (
            "patch",
            "/api/v1/profile",
            client.patch("/api/v1/profile", {"phone": "12"}, content_type="application/json", **authorized),
        ),
        (
            "post",
            "/api/v1/auth/login",
            client.post("/api/v1/auth/login", "{", content_type="application/json"),
        ),
        (
            "post",
            "/api/v1/auth/login",
            client.post("/api/v1/auth/login", "{}", content_type="text/plain"),
        ),
        ("get", "/health", client.get("/health")),
        ("get", "/db_check", client.get("/db_check")),
    ]

    assert [response.status_code for _, _, response in cases] == [200, 200, 200, 401, 400, 400, 415, 200, 200]
    for method, path, response in cases:
        assert_matches(schema, method, path, response)


@pytest.mark.django_db
def test_a_registered_profile_matches_the_schema(schema, api_client):
    body = {
        "email": "grace@example.com",
        "password": DEFAULT_PASSWORD,
        "first_name": "Grace",
        "last_name": "Hopper",
        "phone": "+447700900123",
        "date_of_birth": "1990-12-09",
    }

    response = api_client.post("/api/v1/auth/register", body, format="json")

    assert response.status_code == 201, response.content
    assert_matches(schema, "post", "/api/v1/auth/register", response)


# Docs --------------------------------------------------------------------------------------------


def test_docs_serve_swagger_ui_from_our_own_static_files(settings):
    response = Client().get("/api/docs")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    # The page's own start-up script is served separately, so the CSP needs no inline script.
    assert "/api/docs?script=" in assets
    assert "<script>" not in html.replace(" ", "")
    static_assets = [asset for asset in assets if asset != "/api/docs?script="]
    assert len(static_assets) >= 4, static_assets  # favicon, stylesheet, bundle, preset
    static_url = "/" + settings.STATIC_URL.lstrip("/")
    for asset in static_assets:
        assert asset.startswith(static_url), asset
        assert finders.find(asset.removeprefix(static_url)), f"{asset} is not one of our static files"
    assert "http://" not in html
    assert "https://" not in html


def test_docs_start_up_script_points_swagger_ui_at_our_schema():
    response = Client().get("/api/docs?script=")

    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert "/api/schema" in response.content.decode()


# drf-spectacular ---------------------------------------------------------------------------------


def test_spectacular_validates_the_schema_without_a_warning(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(tmp_path / "schema.yaml"),
        ],
        cwd=PROJECT_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bankapi.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output, output
    assert "Error" not in output, output
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.")
