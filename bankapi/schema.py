"""
Provides the OpenAPI pieces every view shares: the bearer scheme, the problem details body, and
helpers that declare an operation's error responses in one line.

    @extend_schema(
        request=LoginSerializer,
        responses={200: TokenPairSerializer, **problem_responses(400, (401, "invalid_credentials"), 413, 415)},
    )

Each status becomes an `application/problem+json` response whose description names its codes and
whose examples show each code's body, all read from the problem classes in `bankapi.errors`.
`problem_responses` always adds what any operation can answer: 405 `method_not_allowed`, 406
`not_acceptable` and 500 `internal_error`.
`postprocess_response_headers` (a drf-spectacular hook) documents the headers every response
carries (`X-Request-ID`, `Cache-Control`), `Retry-After` on every 429 and `Allow` on every 405.
`postprocess_pagination_links` points each list's `next`/`previous` examples at that list.

Request bodies are closed (`additionalProperties: false`) by one definition,
`StrictSerializerScheme`, for every serializer built on `bankapi.serializers.StrictSerializerMixin`,
which is what refuses unknown fields; a string property with no pattern of its own gets the one
rule DRF applies to every string (no U+0000). Patterns are written in the part of ECMA-262 that
Python's `re` reads the same way (`char_class`, `date_range_pattern`), and the service matches them
whole (`fullmatch`), as ECMA-262 reads `$`, so the schema's validators and the service agree.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from bankapi.errors import (
    PROBLEM_CONTENT_TYPE,
    ValidationFailedError,
    problem_body,
    problem_type,
    problem_type_uri,
    problem_types,
)

BEARER_SCHEME = "bearerAuth"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """`accounts.authentication.BearerTokenAuthentication`: a JWT access token in `Authorization`."""

    target_class = "accounts.authentication.BearerTokenAuthentication"
    match_subclasses = True
    priority = 1  # ahead of drf-spectacular's own extension for simplejwt
    name = BEARER_SCHEME

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": (
                "The access token from `POST /api/v1/auth/login` or `/api/v1/auth/token/refresh`, sent as "
                "`Authorization: Bearer <access token>` (never in a query string). A refresh token is not "
                "accepted here."
            ),
        }


API_KEY_SCHEME = "partnerApiKey"


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    """`partners.authentication.PartnerKeyAuthentication`: a partner API key in `Authorization: Api-Key`."""

    target_class = "partners.authentication.PartnerKeyAuthentication"
    name = API_KEY_SCHEME

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A partner API key, issued by the bank's admins and shown once, sent as "
                "`Authorization: Api-Key <key>`. It authorizes the partner endpoints only."
            ),
        }


EXAMPLE_REQUEST_ID = "0b4f0c4e-5a8e-4d5b-9a57-3f5b2c1d9e77"
EXAMPLE_ERRORS = {"email": ["Enter a valid email address."]}


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem details body (`application/problem+json`), the shape of every 4xx and 5xx."""

    type = serializers.CharField(help_text="The problem type, `/problems/<code>`.")
    title = serializers.CharField(help_text="A short, human-readable summary of the problem type.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="A human-readable explanation of this occurrence.")
    code = serializers.CharField(help_text="The stable, machine-readable problem code, e.g. `validation_error`.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Only on `validation_error`: each invalid field (or `non_field_errors`) with its messages.",
    )
    request_id = serializers.CharField(help_text="The request's id, as in the `X-Request-ID` response header.")


def usual_codes(status: int) -> tuple[str, ...]:
    """The codes an operation that names only `status` documents: its classes `documented_by_default`."""
    return tuple(
        problem.default_code
        for problem in problem_types()
        if problem.status_code == status and problem.documented_by_default
    )


def problem_example_body(code: str, **members: Any) -> dict[str, Any]:
    """The body the service answers with `code`, as an example value."""
    problem = problem_type(code)
    extensions = {"errors": EXAMPLE_ERRORS} if issubclass(problem, ValidationFailedError) else {}
    return problem_body(
        status=problem.status_code,
        code=code,
        title=problem.title,
        detail=problem.default_detail,
        extensions={**extensions, **members},
        request_id=EXAMPLE_REQUEST_ID,
    )


def problem_openapi_response(
    status: int,
    *codes: str,
    serializer: type[serializers.Serializer] = ProblemSerializer,
    example_members: Mapping[str, Any] | None = None,
) -> OpenApiResponse:
    """
    One problem details response: `codes` (default: `usual_codes(status)`) are named in its
    description and each shown as an example. `serializer` and `example_members` describe extension
    members of a problem type's own (e.g. `checks`). A code no class defines, or one of another
    status, is refused.
    """
    codes = codes or usual_codes(status)
    if not codes:
        raise ValueError(f"name the problem codes of status {status}")
    problems = [problem_type(code) for code in codes]
    for problem in problems:
        if problem.status_code != status:
            raise ValueError(f"problem code {problem.default_code!r} has status {problem.status_code}, not {status}")
    description = "Problem details; `code` is one of:\n\n" + "\n".join(
        f"- `{problem.default_code}`: {problem.when}." for problem in problems
    )
    examples = [
        OpenApiExample(code, value=problem_example_body(code, **(example_members or {})), response_only=True)
        for code in codes
    ]
    return OpenApiResponse(serializer, description=description, examples=examples)


def problem_responses(*specs: int | tuple) -> dict[tuple[int, str], OpenApiResponse]:
    """
    The error responses of an operation, for `extend_schema(responses={...})`. Each spec is a status
    (its usual codes) or a tuple `(status, code, ...)`. What every operation can answer is always
    added: 405 `method_not_allowed` (another method of the path; `Allow` lists the right ones), 406
    `not_acceptable` (an `Accept` without JSON) and 500 `internal_error`.

        problem_responses(400, (401, "invalid_credentials"), (429, "account_locked", "rate_limited"), 503)
    """
    responses: dict[tuple[int, str], OpenApiResponse] = {}
    for spec in specs:
        status, *codes = spec if isinstance(spec, tuple) else (spec,)
        responses[(status, PROBLEM_CONTENT_TYPE)] = problem_openapi_response(status, *codes)
    for status, code in ANY_OPERATION_PROBLEMS:
        if (status, PROBLEM_CONTENT_TYPE) not in responses:
            responses[(status, PROBLEM_CONTENT_TYPE)] = problem_openapi_response(status, code)
    return responses


# What any operation can answer, whatever it does.
ANY_OPERATION_PROBLEMS = ((405, "method_not_allowed"), (406, "not_acceptable"), (500, "internal_error"))


# Headers, documented once in components.headers and referenced from each response.
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": (
            "The request's id: the client's own `X-Request-ID` if it sent a sane one "
            "(1 to 128 characters of `[A-Za-z0-9._-]`), else a new UUID. Log lines of the request carry it too."
        ),
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"},
        "required": True,
    },
    "Cache-Control": {
        "description": "`no-store`: nothing this service answers is meant for a shared cache.",
        "schema": {"type": "string", "example": "no-store"},
        "required": True,
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
        "required": True,
    },
    "Allow": {
        "description": "The methods this resource allows.",
        "schema": {"type": "string", "example": "GET"},
        "required": True,
    },
}


def postprocess_response_headers(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """
    drf-spectacular hook: the headers of every response, `Retry-After` / `Allow` where they apply, and
    each operation's responses in order of status.
    """
    used: set[str] = set()
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                names = ["X-Request-ID", "Cache-Control"]
                if status == "429":
                    names.append("Retry-After")
                if status == "405":
                    names.append("Allow")
                headers = response.setdefault("headers", {})
                for name in names:
                    headers.setdefault(name, {"$ref": f"#/components/headers/{name}"})
                used.update(names)
            operation["responses"] = dict(sorted(operation.get("responses", {}).items()))
    if used:
        components = result.setdefault("components", {})
        components.setdefault("headers", {}).update({name: RESPONSE_HEADERS[name] for name in sorted(used)})
    return result


def postprocess_problem_codes(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """
    drf-spectacular hook: a problem response's `code` (and `type`) may be only the codes it names
    (problem_openapi_response shows each as an example), so that a client, and the fuzzer's check of
    each response against its schema, can hold the service to them.
    """
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {}).get(PROBLEM_CONTENT_TYPE)
                if content is None or not content.get("examples"):
                    continue
                codes = sorted({example["value"]["code"] for example in content["examples"].values()})
                named = {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string", "enum": codes},
                        "type": {"type": "string", "enum": [problem_type_uri(code) for code in codes]},
                    },
                }
                content["schema"] = {"allOf": [content["schema"], named]}
    return result


def postprocess_pagination_links(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """
    drf-spectacular hook: the `next`/`previous` examples of each paginated list are links to that
    list (the paginator's schema method is not told which list it serves).
    """
    from bankapi.pagination import NewestFirstCursorPagination  # imported late: it imports DRF's settings

    schemas = result.get("components", {}).get("schemas", {})
    for path, path_item in result.get("paths", {}).items():
        content = path_item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        reference = content.get("application/json", {}).get("schema", {}).get("$ref", "")
        page = schemas.get(reference.rsplit("/", 1)[-1], {})
        properties = page.get("properties", {})
        if "next" in properties and "previous" in properties:
            properties["next"]["example"] = NewestFirstCursorPagination.example_link(path, reverse=False)
            properties["previous"]["example"] = NewestFirstCursorPagination.example_link(path, reverse=True)
    return result


# OpenAPI links: which response gives the values another operation needs (the path parameter of
# a resource just created or listed, a movement to reverse, a refresh token to rotate). Clients and
# the fuzzer's stateful phase follow them. (source operationId, status) -> {name: link}.
_ACCOUNT_NUMBER = "$response.body#/account_number"
_MOVEMENT_ID = {"movement_id": "$response.body#/id"}


def _customer_links(account_number: str) -> dict[str, dict[str, Any]]:
    """A customer's resources, for the account number at `account_number` in a response."""
    parameters = {"account_number": account_number}
    return {
        "GetCustomer": {"operationId": "customers_retrieve", "parameters": parameters},
        "UpdateCustomer": {"operationId": "customers_update", "parameters": parameters},
        "PatchCustomer": {"operationId": "customers_partial_update", "parameters": parameters},
        "CloseCustomer": {"operationId": "customers_destroy", "parameters": parameters},
        "GetAccount": {"operationId": "accounts_retrieve", "parameters": parameters},
        "ListTransactions": {"operationId": "accounts_transactions_list", "parameters": parameters},
        "Deposit": {"operationId": "accounts_deposits_create", "parameters": parameters},
        "Withdraw": {"operationId": "accounts_withdrawals_create", "parameters": parameters},
    }


def _legacy_customer_links(account_number: str) -> dict[str, dict[str, Any]]:
    parameters = {"account_number": account_number}
    return {
        "UpdateLegacyCustomer": {"operationId": "legacy_customer_update", "parameters": parameters},
        "CloseLegacyCustomer": {"operationId": "legacy_customer_close", "parameters": parameters},
    }


_REVERSE = {"ReverseMovement": {"operationId": "transfers_reverse_create", "parameters": _MOVEMENT_ID}}
_ROTATE = {
    "RefreshTokens": {"operationId": "auth_token_refresh_create", "requestBody": {"refresh": "$response.body#/refresh"}}
}

LINKS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("customers_create", "201"): _customer_links(_ACCOUNT_NUMBER),
    ("customers_retrieve", "200"): _customer_links(_ACCOUNT_NUMBER),
    ("profile_retrieve", "200"): {
        "GetAccount": {"operationId": "accounts_retrieve", "parameters": {"account_number": _ACCOUNT_NUMBER}},
        "ListTransactions": {
            "operationId": "accounts_transactions_list",
            "parameters": {"account_number": _ACCOUNT_NUMBER},
        },
    },
    ("accounts_deposits_create", "201"): _REVERSE,
    ("accounts_withdrawals_create", "201"): _REVERSE,
    ("transfers_create", "201"): _REVERSE,
    ("auth_login_create", "200"): _ROTATE,
    ("auth_mfa_verify_create", "200"): _ROTATE,
    ("auth_token_refresh_create", "200"): _ROTATE,
    ("profile_authorizations_list", "200"): {
        "RevokeAuthorization": {
            "operationId": "profile_authorizations_revoke",
            "parameters": {"id": "$response.body#/results/0/id"},
        }
    },
    ("legacy_customer_create", "201"): _legacy_customer_links(_ACCOUNT_NUMBER),
    ("legacy_register", "201"): _legacy_customer_links(_ACCOUNT_NUMBER),
}


def postprocess_links(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """
    drf-spectacular hook: the LINKS of each response whose operations are in this schema (the legacy
    routes are only there when they are switched on).
    """
    operations = {
        operation["operationId"]: operation
        for path_item in result.get("paths", {}).values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for (source, status), links in LINKS.items():
        if source not in operations:
            continue
        present = {name: link for name, link in links.items() if link["operationId"] in operations}
        if present:
            operations[source]["responses"][status]["links"] = present
    return result


class StrictSerializerScheme(OpenApiSerializerExtension):
    """
    A body the service validates with `StrictSerializerMixin` is closed: `additionalProperties:
    false`, since unknown fields are refused; and its `exactly_one_of` fields become a `oneOf`.
    """

    target_class = "bankapi.serializers.StrictSerializerMixin"
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["additionalProperties"] = False
        properties = schema.get("properties", {})
        for name, field in force_instance(self.target).fields.items():
            if name not in properties:
                continue
            extension = OpenApiSerializerFieldExtension.get_match(field)
            if extension is not None:
                properties[name] = _as_extension_states(properties[name], extension, auto_schema, direction)
            if properties[name].get("type") == "string" and not {"pattern", "format", "enum"} & set(properties[name]):
                properties[name]["pattern"] = NO_NUL_PATTERN  # DRF refuses U+0000 in every string
        names = getattr(self.target, "exactly_one_of", ())
        if names:
            schema["oneOf"] = [{"required": [name]} for name in names]
        return schema


def _as_extension_states(
    schema: dict[str, Any], extension: OpenApiSerializerFieldExtension, auto_schema: Any, direction: Any
) -> dict[str, Any]:
    """
    A field's schema with drf-spectacular's blank rule (`minLength: 1`, added over what the field's
    own extension states, e.g. a password's minimum) taken back: the extension's word is the rule.
    """
    if "allOf" in schema:  # a component of the extension's, which holds the bounds
        schema.pop("minLength", None)
        if list(schema) == ["allOf"] and len(schema["allOf"]) == 1:
            return schema["allOf"][0]
    elif "minLength" in (stated := extension.map_serializer_field(auto_schema, direction)):
        schema["minLength"] = stated["minLength"]
    return schema


# Patterns both ECMA-262 and Python read alike ---------------------------------------------------

NO_NUL_PATTERN = "^[^\\u0000]*$"


def char_class(code_points: Iterable[int], *, negated: bool = False) -> str:
    """
    A character class of `code_points` (of the Basic Multilingual Plane, no surrogates), as ranges
    of `\\uXXXX` escapes: the same class to ECMA-262, with or without its `u` flag, and to Python.
    """
    ranges: list[list[int]] = []
    for code_point in sorted(set(code_points)):
        if not 0 <= code_point <= 0xFFFF or 0xD800 <= code_point <= 0xDFFF:
            raise ValueError(f"U+{code_point:04X} cannot be spelled alike for ECMA-262 and Python")
        if ranges and ranges[-1][1] == code_point - 1:
            ranges[-1][1] = code_point
        else:
            ranges.append([code_point, code_point])
    spelled = "".join(f"\\u{low:04X}" if low == high else f"\\u{low:04X}-\\u{high:04X}" for low, high in ranges)
    return f"[{'^' if negated else ''}{spelled}]"


def _group(pattern: str) -> str:
    return f"(?:{pattern})" if "|" in pattern else pattern


def digits_between(low: str, high: str) -> str:
    """A pattern for the digit strings as long as `low` from `low` to `high`, inclusive."""
    if len(low) != len(high) or not (low.isascii() and low.isdigit() and high.isascii() and high.isdigit()):
        raise ValueError(f"not two digit strings of one length: {low!r}, {high!r}")
    if low > high:
        raise ValueError(f"{low} is after {high}")
    if low == high:
        return low
    if low[0] == high[0]:
        return low[0] + _group(digits_between(low[1:], high[1:]))
    rest = len(low) - 1
    anything = "[0-9]" * rest if rest < 2 else f"[0-9]{{{rest}}}"
    branches = []
    first, last = int(low[0]), int(high[0])
    if low[1:] != "0" * rest:
        branches.append(low[0] + _group(digits_between(low[1:], "9" * rest)))
        first += 1
    tail = None
    if high[1:] != "9" * rest:
        tail = high[0] + _group(digits_between("0" * rest, high[1:]))
        last -= 1
    if first <= last:
        branches.append((str(first) if first == last else f"[{first}-{last}]") + anything)
    if tail:
        branches.append(tail)
    return "|".join(branches)


_MONTH = "(?:0[1-9]|1[0-2])"
_DAY = "(?:0[1-9]|[12][0-9]|3[01])"


def _month_days_between(earliest: date, latest: date) -> str:
    """`MM-DD` from `earliest` to `latest`, two dates of one year."""
    (m1, d1), (m2, d2) = (earliest.month, earliest.day), (latest.month, latest.day)
    if m1 == m2:
        return f"{m1:02d}-" + _group(digits_between(f"{d1:02d}", f"{d2:02d}"))
    branches = [f"{m1:02d}-" + _group(digits_between(f"{d1:02d}", "31"))]
    if m2 - m1 > 1:
        branches.append(_group(digits_between(f"{m1 + 1:02d}", f"{m2 - 1:02d}")) + "-" + _DAY)
    branches.append(f"{m2:02d}-" + _group(digits_between("01", f"{d2:02d}")))
    return "|".join(branches)


def date_range_pattern(earliest: date, latest: date) -> str:
    """
    A pattern for the `YYYY-MM-DD` dates from `earliest` to `latest`, inclusive. It bounds the text;
    whether a day exists (no 31 April) is `format: date`'s part.
    """
    if earliest > latest:
        raise ValueError(f"{earliest} is after {latest}")
    y1, y2 = earliest.year, latest.year
    if y1 == y2:
        return f"^{y1:04d}-(?:{_month_days_between(earliest, latest)})$"
    branches = [f"{y1:04d}-(?:{_month_days_between(earliest, date(y1, 12, 31))})"]
    if y2 - y1 > 1:
        branches.append(_group(digits_between(f"{y1 + 1:04d}", f"{y2 - 1:04d}")) + f"-{_MONTH}-{_DAY}")
    branches.append(f"{y2:04d}-(?:{_month_days_between(date(y2, 1, 1), latest)})")
    return "^(?:" + "|".join(branches) + ")$"
