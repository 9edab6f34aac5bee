"""
Every error, from whichever layer answers it (URL routing, Django's own views and middleware, DRF,
the body-size limit, the rate limiter), is RFC 9457 problem details: `application/problem+json`
with `type`, `title`, `status`, `detail`, `code` and `request_id`, and never a stack trace.
"""

import json

import pytest
from django.test import Client

from accounts.tests.factories import DEFAULT_PASSWORD, registration_body
from bankapi.errors import BankAPIError, problem_response, problem_types
from conftest import assert_problem

LOGIN = "/api/v1/auth/login"
REGISTER = "/api/v1/auth/register"
REFRESH = "/api/v1/auth/token/refresh"
PROFILE = "/api/v1/profile"
BODY_LIMIT = 64 * 1024

pytestmark = pytest.mark.django_db


def post_raw(client, path: str, body: str | bytes, content_type: str = "application/json"):
    return client.generic("POST", path, body, content_type=content_type)


def register_body(**overrides) -> dict:
    return registration_body(
        **{"email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper", **overrides}
    )


# Routing -----------------------------------------------------------------------------------------


def test_unknown_url_is_not_found(api_client):
    response = api_client.get("/no/such/place")

    assert_problem(response, 404, "not_found")


def test_unknown_api_url_is_not_found(api_client):
    response = api_client.get("/api/v1/no-such-endpoint")

    assert_problem(response, 404, "not_found")


def test_trailing_slash_path_is_not_found_not_a_redirect(api_client):
    response = api_client.post("/api/v1/auth/login/", {"email": "a@example.com", "password": "x"}, format="json")

    assert_problem(response, 404, "not_found")


# 405 ---------------------------------------------------------------------------------------------


def test_wrong_method_on_api_view_is_method_not_allowed_with_allow(api_client):
    response = api_client.get(LOGIN)

    assert_problem(response, 405, "method_not_allowed")
    allowed = {method.strip() for method in response["Allow"].split(",")}
    assert "POST" in allowed
    assert "GET" not in allowed


def test_post_to_health_is_method_not_allowed_with_allow(api_client):
    response = api_client.post("/health", {}, format="json")

    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_delete_on_db_check_is_method_not_allowed_with_allow(api_client):
    response = api_client.delete("/db_check")

    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


# Request bodies ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"email": "a@example.com", "password": ',
        "{'email': 'a@example.com'}",
        "not json at all",
        '{"email": "a@example.com"} trailing',
        b'{"email": "\xff\xfe"}',
    ],
    ids=["truncated", "single-quotes", "bare-words", "trailing-garbage", "invalid-utf8"],
)
def test_malformed_json_body_is_malformed_json(api_client, body):
    response = post_raw(api_client, LOGIN, body)

    body = assert_problem(response, 400, "malformed_json")
    assert "errors" not in body


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_json_constants_are_malformed_json(api_client, literal):
    response = post_raw(api_client, LOGIN, f'{{"email": "a@example.com", "password": {literal}}}')

    assert_problem(response, 400, "malformed_json")


def test_deeply_nested_arrays_within_the_size_limit_are_malformed_json(api_client):
    depth = BODY_LIMIT // 2  # the deepest nesting that still fits in 64 KiB
    response = post_raw(api_client, LOGIN, "[" * depth + "]" * depth)

    assert_problem(response, 400, "malformed_json")


def test_deeply_nested_object_values_are_malformed_json(api_client):
    depth = 10_000  # 60 KB: within the body limit
    response = post_raw(api_client, LOGIN, '{"a":' * depth + "1" + "}" * depth)

    assert_problem(response, 400, "malformed_json")


def test_hundred_thousand_deep_nested_arrays_are_refused_without_a_crash(api_client):
    depth = 100_000
    response = post_raw(api_client, LOGIN, "[" * depth + "]" * depth)

    # 200 KB of brackets is over the body limit: refused before any parser sees it.
    assert_problem(response, 413, "payload_too_large")


def test_text_plain_body_is_unsupported_media_type(api_client):
    response = post_raw(api_client, LOGIN, '{"email": "a@example.com", "password": "x"}', content_type="text/plain")

    assert_problem(response, 415, "unsupported_media_type")


def test_form_encoded_body_is_unsupported_media_type(api_client):
    response = post_raw(
        api_client, LOGIN, "email=a%40example.com&password=x", content_type="application/x-www-form-urlencoded"
    )

    assert_problem(response, 415, "unsupported_media_type")


def test_body_over_64_kib_is_payload_too_large(api_client):
    response = post_raw(api_client, LOGIN, b" " * (BODY_LIMIT + 1))

    assert_problem(response, 413, "payload_too_large")


def test_body_limit_applies_before_the_body_is_parsed(api_client):
    # Malformed JSON that is too large gets 413, not 400: the limit looks at Content-Length only.
    response = post_raw(api_client, LOGIN, b"{" * (BODY_LIMIT + 1))

    assert_problem(response, 413, "payload_too_large")


def test_body_of_exactly_64_kib_is_not_too_large(api_client):
    prefix = '{"email": "a@example.com", "password": "'
    suffix = '"}'
    body = prefix + "x" * (BODY_LIMIT - len(prefix) - len(suffix)) + suffix
    assert len(body.encode()) == BODY_LIMIT

    response = post_raw(api_client, LOGIN, body)

    # Parsed, then refused by the serializer (a password that long is invalid), not by the limit.
    assert_problem(response, 400, "validation_error")


def test_body_over_64_kib_is_refused_on_a_plain_django_view(api_client):
    response = post_raw(api_client, "/health", b"x" * (BODY_LIMIT + 1))

    assert_problem(response, 413, "payload_too_large")


# Host header -------------------------------------------------------------------------------------


def test_bad_host_header_is_bad_request():
    response = Client(HTTP_HOST="evil.example").get("/health")

    body = assert_problem(response, 400, "bad_request")
    assert "evil.example" not in response.content.decode()
    assert "errors" not in body


# Authentication ----------------------------------------------------------------------------------


def test_missing_token_is_not_authenticated_with_www_authenticate(api_client):
    response = api_client.get(PROFILE)

    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_garbage_token_is_not_authenticated_with_www_authenticate(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    response = api_client.get(PROFILE)

    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_invalid_credentials_is_a_problem(api_client, customer):
    response = api_client.post(LOGIN, {"email": customer.email, "password": "wrong password here"}, format="json")

    body = assert_problem(response, 401, "invalid_credentials")
    assert "errors" not in body


# Validation errors -------------------------------------------------------------------------------


def test_validation_error_carries_errors_keyed_by_field(api_client):
    response = api_client.post(REGISTER, register_body(email="not-an-email", phone="12"), format="json")

    body = assert_problem(response, 400, "validation_error")
    assert set(body["errors"]) == {"email", "phone"}
    assert all(isinstance(message, str) for message in body["errors"]["email"])


def test_unknown_field_is_a_validation_error_naming_it(api_client):
    response = api_client.post(REGISTER, register_body(role="admin"), format="json")

    body = assert_problem(response, 400, "validation_error")
    assert "role" in body["errors"]


def test_json_array_body_is_a_validation_error_not_a_crash(api_client):
    response = api_client.post(LOGIN, [1, 2, 3], format="json")

    body = assert_problem(response, 400, "validation_error")
    assert "errors" in body


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (LOGIN, {"email": "ada\x00@example.com", "password": DEFAULT_PASSWORD}),
        (LOGIN, {"email": "ada@example.com", "password": "correct horse\x00battery"}),
        (REGISTER, register_body(first_name="Gr\x00ace")),
        (REGISTER, register_body(email="gr\x00ace@example.com")),
        (REFRESH, {"refresh": "abc\x00def"}),
    ],
    ids=["login-email", "login-password", "register-name", "register-email", "refresh-token"],
)
def test_nul_byte_in_a_string_field_is_a_validation_error_not_a_crash(api_client, path, body):
    response = api_client.post(path, body, format="json")

    problem = assert_problem(response, 400, "validation_error")
    assert problem["errors"]


# Content negotiation -----------------------------------------------------------------------------


def test_accept_without_json_is_not_acceptable(api_client):
    body = {"email": "a@example.com", "password": "x"}

    response = api_client.post(LOGIN, body, format="json", HTTP_ACCEPT="text/html")

    assert_problem(response, 406, "not_acceptable")


# Rate limits and caching -------------------------------------------------------------------------


def test_rate_limited_response_is_a_problem_with_retry_after_and_no_store(api_client, settings):
    settings.RATE_LOGIN = "2/m"
    body = {"email": "nobody@example.com", "password": "wrong password here"}
    for _ in range(2):
        assert api_client.post(LOGIN, body, format="json").status_code == 401

    response = api_client.post(LOGIN, body, format="json")

    assert_problem(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0
    assert response["Cache-Control"] == "no-store"


def test_account_locked_response_has_retry_after_and_no_store(api_client, customer, settings):
    for _ in range(settings.LOCKOUT_FAILURES):
        api_client.post(LOGIN, {"email": customer.email, "password": "wrong password here"}, format="json")

    response = api_client.post(LOGIN, {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json")

    assert_problem(response, 429, "account_locked")
    assert int(response["Retry-After"]) > 0
    assert response["Cache-Control"] == "no-store"


def test_authenticated_response_is_no_store(auth_client):
    response = auth_client.get(PROFILE)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_authenticated_error_response_is_no_store(auth_client):
    response = auth_client.patch(PROFILE, {"phone": "nope"}, format="json")

    assert_problem(response, 400, "validation_error")
    assert response["Cache-Control"] == "no-store"


# No leaks ----------------------------------------------------------------------------------------

LEAK_MARKERS = [
    "Traceback",
    'File "',
    "Exception",
    "Error:",
    "ParseError",
    "JSONDecodeError",
    "RecursionError",
    "ValueError",
    "UnicodeDecodeError",
    "DisallowedHost",
    "MethodNotAllowed",
    "UnsupportedMediaType",
    "NotAuthenticated",
    "AuthenticationFailed",
    "InvalidToken",
    "ValidationError",
    "Http404",
    "Resolver404",
    "RequestDataTooBig",
    "django.",
    "rest_framework",
    "/work/",
    "site-packages",
]


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "path": "/no/such/place"},
        {"method": "GET", "path": LOGIN},
        {"method": "POST", "path": "/health", "data": "{}"},
        {"method": "DELETE", "path": "/db_check"},
        {"method": "POST", "path": LOGIN, "data": '{"email": '},
        {"method": "POST", "path": LOGIN, "data": '{"password": NaN}'},
        {"method": "POST", "path": LOGIN, "data": "[" * 30_000 + "]" * 30_000},
        {"method": "POST", "path": LOGIN, "data": "{}", "content_type": "text/plain"},
        {"method": "POST", "path": LOGIN, "data": "x" * (BODY_LIMIT + 1)},
        {"method": "POST", "path": LOGIN, "data": '{"email": "a\\u0000@example.com", "password": "x"}'},
        {"method": "POST", "path": REFRESH, "data": '{"refresh": "not.a.token"}'},
        {"method": "GET", "path": PROFILE},
        {"method": "GET", "path": PROFILE, "HTTP_AUTHORIZATION": "Bearer eyJhbGciOiJub25lIn0.e30."},
        {"method": "GET", "path": "/health", "HTTP_HOST": "evil.example"},
    ],
    ids=[
        "404",
        "405-drf",
        "405-django",
        "405-django-delete",
        "malformed",
        "nan",
        "deep",
        "415",
        "413",
        "nul",
        "bad-refresh",
        "401",
        "alg-none",
        "bad-host",
    ],
)
def test_error_bodies_never_reveal_internals(request_kwargs):
    kwargs = dict(request_kwargs)
    method, path = kwargs.pop("method"), kwargs.pop("path")
    data = kwargs.pop("data", "")
    content_type = kwargs.pop("content_type", "application/json")

    response = Client().generic(method, path, data, content_type=content_type, **kwargs)

    assert response.status_code >= 400
    assert response.status_code != 500
    assert response["Content-Type"] == "application/problem+json"
    text = response.content.decode()
    for marker in LEAK_MARKERS:
        assert marker not in text, f"{marker!r} in {text}"


# Problem types: each defined once, on its class --------------------------------------------------


def rendered(response) -> dict:
    body = json.loads(response.content)
    assert response["Content-Type"] == "application/problem+json"
    assert body["status"] == response.status_code
    return {name: value for name, value in body.items() if name != "request_id"}


def declared(problem: type[BankAPIError]) -> dict:
    return {
        "type": f"/problems/{problem.default_code}",
        "title": problem.title,
        "status": problem.status_code,
        "detail": problem.default_detail,
        "code": problem.default_code,
    }


@pytest.mark.parametrize("problem", problem_types(), ids=lambda problem: problem.default_code)
def test_every_problem_class_renders_exactly_what_it_declares(problem):
    response = problem_response(status=problem.status_code, code=problem.default_code)

    assert response.status_code == problem.status_code
    assert rendered(response) == declared(problem)


@pytest.mark.parametrize(
    "problem",
    [problem for problem in problem_types() if problem.status_default],
    ids=lambda problem: problem.default_code,
)
def test_an_error_known_only_by_its_status_renders_as_that_status_default_class(problem):
    # What Django's error views, DRF's other exceptions and ProblemDetailsMiddleware produce.
    response = problem_response(status=problem.status_code)

    assert rendered(response) == declared(problem)


def test_each_error_status_the_service_answers_by_default_has_one_class():
    defaults = [problem.status_code for problem in problem_types() if problem.status_default]

    assert sorted(defaults) == [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 429, 500, 503]


def test_a_status_no_class_claims_is_still_problem_details():
    response = problem_response(status=418)

    assert rendered(response)["code"] == "http_418"


def test_a_problem_code_cannot_be_rendered_with_another_status():
    with pytest.raises(ValueError, match="not_found"):
        problem_response(status=409, code="not_found")


def test_a_problem_code_no_class_defines_cannot_be_rendered():
    with pytest.raises(ValueError, match="no_such_problem"):
        problem_response(status=400, code="no_such_problem")


def test_a_problem_code_cannot_be_defined_twice():
    with pytest.raises(TypeError, match="defined twice"):

        class AnotherNotFoundError(BankAPIError):
            status_code = 404
            default_code = "not_found"
            title = "Gone missing"
            default_detail = "Not here."
            when = "never"

    assert rendered(problem_response(status=404, code="not_found"))["title"] == "Not found"


def test_a_status_cannot_have_two_default_problems():
    with pytest.raises(TypeError, match="two defaults"):

        class AnotherDefaultOf404Error(BankAPIError):
            status_code = 404
            default_code = "test_only_second_404"
            title = "Second"
            default_detail = "Second."
            when = "never"
            status_default = True


def test_a_problem_class_must_say_all_of_what_it_is():
    with pytest.raises(TypeError, match="when"):

        class UndescribedError(BankAPIError):
            status_code = 400
            default_code = "test_only_undescribed"
            title = "Undescribed"
            default_detail = "Undescribed."
