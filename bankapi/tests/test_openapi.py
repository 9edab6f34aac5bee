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
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.admindocs.views import simplify_regex
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker
from openapi_spec_validator import validate
from rest_framework.views import APIView

from accounts.names import name_input_pattern
from accounts.serializers import date_of_birth_bounds
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.validators import E164_PATTERN
from bankapi.errors import problem_response, problem_types
from bankapi.schema import problem_openapi_response, problem_responses
from bankapi.serializers import StrictModelSerializer, StrictSerializer
from oauth.schema import oauth_operation_paths

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
PROBLEM = "application/problem+json"
PROBLEM_FIELDS = {"type", "title", "status", "detail", "code", "request_id"}
BEARER = [{"bearerAuth": []}]
PARTNER_KEY = [{"partnerApiKey": []}]
PARTNER_KEY_OPERATIONS = {("post", "/api/v1/partner/account-verification")}  # Api-Key, not Bearer
# Operations a third-party app's OAuth token (oauth/) may call too, as an alternative, with the scope it needs.
OAUTH_SCOPES = {
    ("get", "/api/v1/profile"): "profile:read",
    ("post", "/api/v1/partner/account-verification"): "account-verification",
}


def oauth_alternative(method: str, path: str) -> list[dict]:
    scope = OAUTH_SCOPES.get((method, path))
    return [{"oauth2": [scope]}] if scope else []


# Operations anyone may call; every other API operation takes a bearer token.
ANONYMOUS = {
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/token/refresh"),
    ("post", "/api/v1/auth/mfa/verify"),  # with the password step's mfa_token in the body
    ("get", "/health"),
    ("get", "/db_check"),
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
# The authorization server's operations (oauth/schema.py, not DRF views): their own 400 and 401 are
# RFC 6749's JSON errors, and they answer JSON whatever the Accept header says (no 406).
OAUTH_OPERATIONS = set(oauth_operation_paths())
JSON = "application/json"


def is_oauth_error(method: str, path: str, response: dict) -> bool:
    """An RFC 6749 error of an OAuth operation (`{"error", "error_description"}`), not problem details."""
    return (method, path) in OAUTH_OPERATIONS and set(response.get("content", {})) == {JSON}


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
    """The schema `node` stands for: references followed, an `allOf` merged into one object schema."""
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" not in node:
        return node
    merged: dict = {"properties": {}, "required": []}
    for part in map(lambda part: resolve(schema, part), node["allOf"]):
        merged |= {key: value for key, value in part.items() if key not in ("properties", "required")}
        for name, property_schema in part.get("properties", {}).items():
            merged["properties"][name] = {**merged["properties"].get(name, {}), **property_schema}
        merged["required"] += [name for name in part.get("required", []) if name not in merged["required"]]
    return merged


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
    for method, path in OAUTH_OPERATIONS:
        assert set(schema["paths"][path]) == {method}, path
    oauth_paths = {path for _, path in OAUTH_OPERATIONS}
    assert set(schema["paths"]) == set(routes) | oauth_paths, "the schema has paths no route serves"


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
            if is_oauth_error(method, path, response):
                assert status in ("400", "401"), where
                assert resolve(schema, response["content"][JSON]["schema"])["required"] == ["error"], where
                continue
            assert set(response.get("content", {})) == {PROBLEM}, where
            body = resolve(schema, response["content"][PROBLEM]["schema"])
            assert PROBLEM_FIELDS <= set(body["required"]), where
            assert body["properties"]["status"]["type"] == "integer", where
            assert response["description"], where
            for example in response["content"][PROBLEM].get("examples", {}).values():
                assert example["value"]["status"] == int(status), where
                assert example["value"]["code"] in response["description"], where


def test_a_problem_response_allows_only_the_codes_it_names(schema):
    for method, path, operation in operations(schema):
        for status, response in operation["responses"].items():
            if int(status) < 400 or is_oauth_error(method, path, response):
                continue
            where = f"{method.upper()} {path} {status}"
            body = resolve(schema, response["content"][PROBLEM]["schema"])
            named = {example["value"]["code"] for example in response["content"][PROBLEM]["examples"].values()}
            assert set(body["properties"]["code"]["enum"]) == named, where
            assert set(body["properties"]["type"]["enum"]) == {f"/problems/{code}" for code in named}, where


def test_a_problem_code_the_response_does_not_name_fails_its_schema(schema):
    response = schema["paths"]["/api/v1/auth/login"]["post"]["responses"]["401"]
    body_schema = {**response["content"][PROBLEM]["schema"], "components": schema["components"]}
    body = {**json.loads(problem_response(status=401, code="invalid_credentials").content), "request_id": "r-1"}

    OAS30ReadValidator(body_schema).validate(body)
    with pytest.raises(ValidationError):
        OAS30ReadValidator(body_schema).validate({**body, "code": "not_authenticated"})


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
        for method, path, operation in operations(schema)
        for status, response in operation["responses"].items()
        if int(status) >= 400 and not is_oauth_error(method, path, response)
        for example in response["content"][PROBLEM].get("examples", {}).values()
    }


def test_the_documented_problem_codes_are_the_problem_classes(schema):
    documented = documented_problems(schema)

    assert set(documented) == {problem.default_code for problem in problem_types()}


def test_every_operation_declares_405_with_allow_and_406(schema):
    for method, path, operation in operations(schema):
        where = f"{method.upper()} {path}"
        assert "method_not_allowed" in operation["responses"]["405"]["description"], where
        assert "Allow" in operation["responses"]["405"]["headers"], where
        if (method, path) in OAUTH_OPERATIONS:
            assert "406" not in operation["responses"], where
            continue
        assert "not_acceptable" in operation["responses"]["406"]["description"], where


@pytest.mark.django_db
def test_another_method_is_405_with_allow_as_documented(schema, auth_client):
    response = auth_client.put("/api/v1/profile", {}, format="json")

    assert response.status_code == 405
    assert {"GET", "PATCH"} <= {method.strip() for method in response["Allow"].split(",")}
    assert_matches(schema, "patch", "/api/v1/profile", response)


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
        elif (method, path) in OAUTH_OPERATIONS:  # an app's own credentials, or none (tests in oauth/)
            assert all(set(entry) <= {"clientBasic"} for entry in operation.get("security", [])), method + path
        elif (method, path) in PARTNER_KEY_OPERATIONS:
            assert operation.get("security") == PARTNER_KEY + oauth_alternative(method, path), (
                f"{method} {path} should need a partner API key"
            )
            assert "401" in operation["responses"], f"{method} {path} does not document 401"
        else:
            assert operation.get("security") == oauth_alternative(method, path) + BEARER, (
                f"{method} {path} should need a bearer token"
            )
            assert "401" in operation["responses"], f"{method} {path} does not document 401"


@pytest.mark.django_db
def test_operations_that_need_a_token_refuse_a_request_without_one(schema):
    client = Client()
    for method, path, operation in operations(schema):
        if operation.get("security", [None])[-1] not in (*BEARER, *PARTNER_KEY, *oauth_alternative(method, path)):
            continue
        if "{" in path:
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
    resolved = resolve(schema, body_schema)
    alternatives = [resolve(schema, one) for one in resolved.get("oneOf", [resolved])]  # login: tokens, or MFA's step
    assert any(set(body) <= set(alternative["properties"]) for alternative in alternatives), body


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


# Requests: what the schema declares is what the service enforces ---------------------------------


def request_bodies(schema: dict):
    """(method, path, media type object) of every operation that takes a body."""
    for method, path, operation in operations(schema):
        if "requestBody" in operation and (method, path) not in OAUTH_OPERATIONS:  # OAuth's: forms, oauth/tests
            yield method, path, operation["requestBody"]["content"]["application/json"]


INTERNAL_DESCRIPTIONS = (StrictSerializer.__doc__, StrictModelSerializer.__doc__)


def test_every_request_body_is_closed_and_described_for_integrators(schema):
    bodies = list(request_bodies(schema))
    assert len(bodies) == 15

    for method, path, media_type in bodies:
        where = f"{method.upper()} {path}"
        body = resolve(schema, media_type["schema"])
        assert body["additionalProperties"] is False, where
        assert body["description"] not in INTERNAL_DESCRIPTIONS, where
        assert "serializer" not in body["description"].lower(), where
        assert body["description"].endswith("."), where


def test_every_request_body_has_examples_its_schema_accepts(schema):
    for method, path, media_type in request_bodies(schema):
        where = f"{method.upper()} {path}"
        assert media_type.get("examples"), f"{where} has no example"
        validator = OAS30WriteValidator(
            {**media_type["schema"], "components": schema["components"]}, format_checker=oas30_format_checker
        )
        for name, example in media_type["examples"].items():
            errors = [error.message for error in validator.iter_errors(example["value"])]
            assert not errors, f"{where} example {name}: {errors}"


def test_login_takes_exactly_one_of_email_or_account_number(schema):
    body = resolve(
        schema, schema["paths"]["/api/v1/auth/login"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    )
    validator = OAS30WriteValidator({**body, "components": schema["components"]})

    assert validator.is_valid({"email": "ada@example.com", "password": "x"})
    assert validator.is_valid({"account_number": "400012345678", "password": "x"})
    assert not validator.is_valid({"email": "ada@example.com", "account_number": "400012345678", "password": "x"})
    assert not validator.is_valid({"password": "x"})


def property_schema(schema: dict, component: str, name: str) -> dict:
    return resolve(schema, schema["components"]["schemas"][component]["properties"][name])


NEW_PASSWORDS = [
    ("RegisterRequest", "password"),
    ("CustomerCreateRequest", "password"),
    ("PasswordChangeRequest", "new_password"),
]


@pytest.mark.parametrize(("component", "field"), NEW_PASSWORDS)
def test_a_new_password_declares_the_configured_bounds(schema, settings, component, field):
    password = property_schema(schema, component, field)

    assert (password["minLength"], password["maxLength"]) == (settings.PASSWORD_MIN_LENGTH, 128)
    assert settings.PASSWORD_MIN_LENGTH == 12
    assert re.search(password["pattern"], "a" + "1" * 11)
    assert not re.search(password["pattern"], "1" * 12)
    assert not re.search(password["pattern"], "\u0661" * 12)  # Arabic-Indic digits are digits too


def test_a_new_password_follows_the_password_validators_settings(settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 16}},
        {"NAME": "accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 64}},
    ]
    fresh = json.loads(Client().get("/api/schema?format=json").content)

    password = property_schema(fresh, "RegisterRequest", "password")

    assert (password["minLength"], password["maxLength"]) == (16, 64)


def test_phone_declares_the_e164_pattern_it_enforces(schema):
    for component in [
        "RegisterRequest",
        "CustomerCreateRequest",
        "CustomerUpdateRequest",
        "PatchedProfileUpdateRequest",
    ]:
        assert property_schema(schema, component, "phone")["pattern"] == E164_PATTERN.pattern, component


def test_names_declare_the_pattern_they_enforce(schema):
    for component in [
        "RegisterRequest",
        "CustomerCreateRequest",
        "CustomerUpdateRequest",
        "PatchedProfileUpdateRequest",
    ]:
        for field in ("first_name", "last_name"):
            assert schema["components"]["schemas"][component]["properties"][field] == {
                "$ref": "#/components/schemas/PersonName"
            }
    name = schema["components"]["schemas"]["PersonName"]
    assert (name["minLength"], name["maxLength"], name["pattern"]) == (1, 100, name_input_pattern())
    assert "NFKC" in name["description"]


def test_date_of_birth_declares_the_ages_it_accepts_today(schema):
    earliest, latest = date_of_birth_bounds(timezone.now().date())
    born = property_schema(schema, "RegisterRequest", "date_of_birth")
    one_day = timedelta(days=1)

    assert "18 to 120 years old" in born["description"]
    for day, accepted in [(earliest - one_day, False), (earliest, True), (latest, True), (latest + one_day, False)]:
        assert bool(re.search(born["pattern"], day.isoformat())) is accepted, day


def parameters(schema: dict):
    for method, path, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            yield f"{method.upper()} {path}", parameter


def test_every_parameter_is_described(schema):
    for where, parameter in parameters(schema):
        assert parameter.get("description"), f"{where} {parameter['in']} {parameter['name']}"


def test_account_numbers_in_paths_are_twelve_digits(schema):
    in_path = [(where, parameter) for where, parameter in parameters(schema) if parameter["in"] == "path"]

    assert in_path
    for where, parameter in in_path:
        if where == "DELETE /api/v1/profile/authorizations/{id}":  # an authorized app's id (oauth/)
            assert (parameter["name"], parameter["schema"]["type"]) == ("id", "integer")
            continue
        if where == "POST /api/v1/transfers/{movement_id}/reverse":  # a movement's public id (ledger/)
            assert (parameter["name"], parameter["schema"]["format"]) == ("movement_id", "uuid")
            continue
        assert parameter["name"] == "account_number"
        assert parameter["schema"]["pattern"] == "^[0-9]{12}$"


def test_search_declares_its_minimum_length(schema):
    (search,) = [p for _, p in parameters(schema) if p["name"] == "search"]

    assert search["schema"]["minLength"] == 3
    assert re.search(search["schema"]["pattern"], " ada ")
    assert not re.search(search["schema"]["pattern"], " ad ")


@pytest.mark.django_db
@pytest.mark.parametrize("search", ["ad", " ad ", ""])
def test_a_shorter_search_is_refused_as_the_schema_says(quiet_admin_client, search):
    response = quiet_admin_client.get("/api/v1/customers", {"search": search})

    assert response.status_code == 400, response.content
    assert "search" in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", ["0", "-1", "ten", "1.5", ""])
def test_a_page_size_that_is_not_a_positive_integer_is_refused(quiet_admin_client, page_size):
    response = quiet_admin_client.get("/api/v1/customers", {"page_size": page_size})

    assert response.status_code == 400, response.content
    assert "page_size" in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/audit-events"])
def test_each_list_shows_links_to_itself_whose_cursors_the_list_takes(schema, quiet_admin_client, path):
    page = resolve(schema, schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"])

    for link in (page["properties"]["next"]["example"], page["properties"]["previous"]["example"]):
        parsed = urlsplit(link)
        assert parsed.path == path, link
        assert '"' not in link
        (cursor,) = parse_qs(parsed.query)["cursor"]
        assert quiet_admin_client.get(path, {"cursor": cursor}).status_code == 200, link
    assert set(page["required"]) == {"next", "previous", "results"}


def test_creating_a_customer_declares_location_and_etag(schema):
    headers = schema["paths"]["/api/v1/customers"]["post"]["responses"]["201"]["headers"]

    assert {"Location", "ETag"} <= set(headers)
    for method in ("get", "put", "patch"):
        assert "ETag" in schema["paths"]["/api/v1/customers/{account_number}"][method]["responses"]["200"]["headers"]
