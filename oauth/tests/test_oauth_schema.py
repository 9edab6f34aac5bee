"""
The OpenAPI document's OAuth operations (oauth.schema.postprocess_oauth_server) say what the
authorization server does: its grants, its bodies, every error it answers and the headers; each
documented body is checked against a real answer of the server.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse
from oauth2_provider.settings import oauth2_settings
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator

from oauth.schema import OAUTH_ERRORS, OAUTH_OPERATIONS, allowed_grant_types, oauth_operation_paths
from oauth.tests.conftest import INTROSPECT, REVOKE, TOKEN, basic_auth, issue_tokens, register

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
PROBLEM = "application/problem+json"
METADATA = "/.well-known/oauth-authorization-server"


@pytest.fixture(scope="module")
def schema() -> dict:
    response = Client().get("/api/schema?format=json")
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def operation(schema: dict, name: str) -> dict:
    method, _ = OAUTH_OPERATIONS[name]
    return schema["paths"][reverse(f"oauth2_provider:{name}")][method]


def assert_documented(schema: dict, name: str, response) -> None:
    """`response` has a status, media type and body `name`'s operation documents."""
    documented = operation(schema, name)["responses"][str(response.status_code)]
    media_type = response["Content-Type"].split(";")[0]
    body_schema = documented["content"][media_type]["schema"]
    OAS30ReadValidator({**body_schema, "components": schema["components"]}).validate(json.loads(response.content))


def test_the_four_operations_are_in_the_schema_under_the_oauth_tag(schema):
    for (method, path), operation_id in oauth_operation_paths().items():
        documented = schema["paths"][path][method]
        assert documented["operationId"] == operation_id
        assert documented["tags"] == ["oauth"]
        assert documented["description"]


def test_the_browser_pages_are_left_out_and_the_tag_says_so(schema):
    assert reverse("oauth2_provider:authorize") not in schema["paths"]
    assert reverse("oauth-sign-in") not in schema["paths"]
    (tag,) = [tag for tag in schema["tags"] if tag["name"] == "oauth"]
    assert "HTML pages" in tag["description"]


def test_the_schema_documents_the_grant_types_the_server_allows(schema):
    body = operation(schema, "token")["requestBody"]["content"][FORM]["schema"]
    documented = {alternative["properties"]["grant_type"]["enum"][0] for alternative in body["oneOf"]}

    assert documented == set(allowed_grant_types())
    assert documented == set(oauth2_settings.OAUTH2_GRANT_TYPES_SUPPORTED)
    assert "password" not in documented and "implicit" not in documented


@pytest.mark.parametrize("name", ["token", "revoke-token", "introspect"])
def test_each_form_example_is_valid_by_its_schema(schema, name):
    content = operation(schema, name)["requestBody"]["content"][FORM]
    validator = OAS30WriteValidator({**content["schema"], "components": schema["components"]})
    for example in content["examples"].values():
        validator.validate(example["value"])


def test_client_authentication_is_http_basic_or_none_where_the_server_takes_none(schema):
    assert schema["components"]["securitySchemes"]["clientBasic"] == {
        **schema["components"]["securitySchemes"]["clientBasic"],
        "type": "http",
        "scheme": "basic",
    }
    assert operation(schema, "token")["security"] == [{"clientBasic": []}, {}]  # a public app: client_id only
    assert operation(schema, "revoke-token")["security"] == [{"clientBasic": []}, {}]
    assert operation(schema, "introspect")["security"] == [{"clientBasic": []}]  # confidential apps only
    assert "security" not in operation(schema, "oauth-server-metadata")


@pytest.mark.django_db
def test_a_real_client_credentials_token_response_matches_the_schema(schema, partner_app):
    response = Client().post(TOKEN, {"grant_type": "client_credentials"}, **basic_auth(partner_app))

    assert response.status_code == 200
    assert_documented(schema, "token", response)
    token_schema = operation(schema, "token")["responses"]["200"]["content"][JSON]["schema"]
    assert token_schema["properties"]["expires_in"]["example"] == oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS
    assert response["X-Request-ID"] and "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_real_authorization_code_token_response_with_its_refresh_token_matches_the_schema(schema, app, browser):
    tokens = issue_tokens(browser, app)
    response = Client().post(
        TOKEN, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, **basic_auth(app)
    )

    assert response.status_code == 200, response.content
    assert_documented(schema, "token", response)
    assert "refresh_token" in json.loads(response.content)


@pytest.mark.django_db
def test_introspection_answers_and_revocation_match_the_schema(schema, app, browser):
    tokens = issue_tokens(browser, app)
    client = Client()

    active = client.post(INTROSPECT, {"token": tokens["access_token"]}, **basic_auth(app))
    inactive = client.post(INTROSPECT, {"token": "not-a-token"}, **basic_auth(app))
    revoked = client.post(REVOKE, {"token": tokens["access_token"]}, **basic_auth(app))

    assert json.loads(active.content)["active"] is True
    assert_documented(schema, "introspect", active)
    assert json.loads(inactive.content) == {"active": False}
    assert_documented(schema, "introspect", inactive)
    assert revoked.status_code == 200
    assert revoked.content == b""
    assert "content" not in operation(schema, "revoke-token")["responses"]["200"]


@pytest.mark.django_db
def test_the_real_metadata_document_matches_the_schema(schema):
    response = Client().get(METADATA)

    assert response.status_code == 200
    assert_documented(schema, "oauth-server-metadata", response)


def error_requests(client_credentials_app, authorization_code_app) -> dict[str, dict[str, tuple[dict, dict]]]:
    """For each endpoint, a request answering each RFC 6749 error: (body, headers)."""
    partner, budget = basic_auth(client_credentials_app), basic_auth(authorization_code_app)
    return {
        "token": {
            "invalid_request": ({"grant_type": "refresh_token"}, partner),
            "invalid_client": ({"grant_type": "client_credentials"}, {}),
            "invalid_grant": ({"grant_type": "refresh_token", "refresh_token": "not-a-token"}, budget),
            "invalid_scope": ({"grant_type": "client_credentials", "scope": "profile:read"}, partner),
            "unauthorized_client": ({"grant_type": "client_credentials"}, budget),
            "unsupported_grant_type": ({"grant_type": "password", "username": "x", "password": "y"}, partner),
        },
        "revoke-token": {
            "invalid_request": ({}, partner),
            "invalid_client": ({"token": "not-a-token"}, {}),
        },
        "introspect": {
            "invalid_request": ({}, partner),
            "invalid_client": ({"token": "not-a-token"}, {}),
        },
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(OAUTH_ERRORS))
def test_each_documented_error_is_what_the_server_answers(schema, name, partner_app, app):
    requests = error_requests(partner_app, app)[name]
    documented = {
        example["value"]["error"]: int(status)
        for status, response in operation(schema, name)["responses"].items()
        if JSON in response.get("content", {}) and int(status) >= 400
        for example in response["content"][JSON]["examples"].values()
    }
    assert set(documented) == set(requests), "a documented error without a request that gets it, or the reverse"

    for error, (body, headers) in requests.items():
        response = Client().post(reverse(f"oauth2_provider:{name}"), body, **headers)

        assert (response.status_code, json.loads(response.content)["error"]) == (documented[error], error), error
        assert_documented(schema, name, response)
        if response.status_code == 401:
            assert response["WWW-Authenticate"]
            assert "WWW-Authenticate" in operation(schema, name)["responses"]["401"]["headers"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(OAUTH_OPERATIONS))
def test_another_method_is_problem_details_405_with_allow_as_documented(schema, name):
    method, _ = OAUTH_OPERATIONS[name]
    response = Client().generic("PUT" if method == "post" else "POST", reverse(f"oauth2_provider:{name}"))

    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert method.upper() in response["Allow"]
    assert_documented(schema, name, response)
    assert "Allow" in operation(schema, name)["responses"]["405"]["headers"]


@pytest.mark.django_db
def test_a_body_over_the_limit_is_413_problem_details_as_documented(schema, partner_app, settings):
    body = "token=" + "a" * settings.REQUEST_BODY_MAX_BYTES
    response = Client().post(INTROSPECT, body, content_type=FORM, **basic_auth(partner_app))

    assert response.status_code == 413
    assert_documented(schema, "introspect", response)


@pytest.mark.django_db
def test_a_public_app_cannot_introspect_with_its_client_id_alone(app, browser):
    public = register("Pocket Budget", client_type="public")
    response = Client().post(INTROSPECT, {"token": "not-a-token", "client_id": public.client_id})

    assert response.status_code == 401
    assert json.loads(response.content) == {"error": "invalid_client"}


@pytest.mark.django_db
@pytest.mark.parametrize("grant", ["client_credentials", "refresh_token", "authorization_code"])
def test_a_body_client_id_other_than_the_authenticated_client_is_invalid_request(partner_app, grant):
    body = {"grant_type": grant, "client_id": "another-app", "refresh_token": "x", "code": "x", "code_verifier": "y"}
    response = Client().post(TOKEN, body, **basic_auth(partner_app))

    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "invalid_request"  # oauthlib said server_error
