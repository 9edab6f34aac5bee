"""
Provides the OpenAPI security scheme of OAuth access tokens (oauth.authentication), declared on
the operations whose view names the scope an OAuth token needs there (`oauth_scopes`), and only
those: an OAuth token is good for nothing else; and the authorization server's own endpoints
(token, revocation, introspection, metadata), which a drf-spectacular hook adds to the document.
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.models import AbstractApplication as Application
from oauth2_provider.settings import oauth2_settings

from oauth.scopes import ACCOUNT_VERIFICATION, SCOPES_BY_GRANT

OAUTH_SCHEME = "oauth2"


class OAuthTokenScheme(OpenApiAuthenticationExtension):
    """`oauth.authentication.OAuthTokenAuthentication`: a third-party app's access token from /oauth/."""

    target_class = "oauth.authentication.OAuthTokenAuthentication"
    name = OAUTH_SCHEME

    def get_security_requirement(self, auto_schema: Any) -> dict[str, list[str]] | None:
        scope = (getattr(auto_schema.view, "oauth_scopes", None) or {}).get(auto_schema.method)
        return {OAUTH_SCHEME: [scope]} if scope else None

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        descriptions = oauth2_settings.SCOPES

        def scopes_of(grant: str) -> dict[str, str]:
            return {scope: descriptions[scope] for scope in sorted(SCOPES_BY_GRANT[grant])}

        token_url = reverse("oauth2_provider:token")
        return {
            "type": "oauth2",
            "description": (
                "An access token a third-party app obtained from this bank's authorization server "
                "(django-oauth-toolkit under `/oauth/`; metadata at "
                "`/.well-known/oauth-authorization-server`), sent as `Authorization: Bearer <token>`. "
                "Apps are registered by the bank. It is accepted only on the operations that name its "
                "scope; elsewhere, and without the scope, it gets 403 `insufficient_scope`. See "
                "docs/oauth.md."
            ),
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": reverse("oauth2_provider:authorize"),
                    "tokenUrl": token_url,
                    "refreshUrl": token_url,
                    "scopes": scopes_of(Application.GRANT_AUTHORIZATION_CODE),
                },
                "clientCredentials": {
                    "tokenUrl": token_url,
                    "scopes": scopes_of(Application.GRANT_CLIENT_CREDENTIALS),
                },
            },
        }


# The authorization server's endpoints in the OpenAPI document ------------------------------------
#
# django-oauth-toolkit's views are not DRF views, so drf-spectacular does not see them; the hook below
# writes their operations from the server's own configuration. The authorization endpoint and the
# sign-in page are HTML pages for a browser, not API operations, and are left out.

CLIENT_BASIC_SCHEME = "clientBasic"
OAUTH_TAG = "oauth"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
PROBLEM = "application/problem+json"

# URL name (in the `oauth2_provider` namespace) -> (method, operationId): the operations the hook adds.
OAUTH_OPERATIONS: dict[str, tuple[str, str]] = {
    "token": ("post", "oauth_token_create"),
    "revoke-token": ("post", "oauth_revoke_create"),
    "introspect": ("post", "oauth_introspect_create"),
    "oauth-server-metadata": ("get", "oauth_server_metadata_retrieve"),
}

# The request parameters of each grant (RFC 6749 sections 4.1.3, 4.4.2 and 6; RFC 7636 section 4.5):
# (required, optional). A public client sends its `client_id` in the body, a confidential one may
# send `client_id` and `client_secret` there instead of HTTP Basic.
GRANT_PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "authorization_code": (("code", "code_verifier"), ("redirect_uri",)),
    "refresh_token": (("refresh_token",), ("scope",)),
    "client_credentials": ((), ("scope",)),
}
PARAMETER_DESCRIPTIONS = {
    "grant_type": "The grant.",
    "code": "The authorization code the authorization endpoint sent to the redirect URI (single use).",
    "redirect_uri": "The redirect URI of the authorization request, exactly as registered.",
    "code_verifier": "PKCE (RFC 7636): the secret whose S256 hash was the authorization request's `code_challenge`.",
    "refresh_token": "A refresh token of this app. It rotates: a used one replayed revokes its whole family.",
    "scope": "Space-separated scopes, a subset of the app's (default: all of them).",
    "client_id": "The app's client id: a public app's only credential; a confidential app's, without HTTP Basic.",
    "client_secret": "A confidential app's secret, when it does not use HTTP Basic (not recommended).",
    "token": "The token (access or refresh) the request is about.",
    "token_type_hint": "`access_token` or `refresh_token`: where to look first (RFC 7009 section 2.1).",
}

# The RFC 6749 section 5.2 error codes each endpoint answers, by status.
OAUTH_ERRORS: dict[str, dict[int, tuple[str, ...]]] = {
    "token": {
        400: ("invalid_grant", "invalid_request", "invalid_scope", "unauthorized_client", "unsupported_grant_type"),
        401: ("invalid_client",),
    },
    "revoke-token": {400: ("invalid_request",), 401: ("invalid_client",)},
    "introspect": {400: ("invalid_request",), 401: ("invalid_client",)},
}
ERROR_WHEN = {
    "invalid_request": "a parameter is missing, repeated or malformed",
    "invalid_client": "the client is unknown or its authentication failed (or it is not allowed here)",
    "invalid_grant": "the code, verifier, redirect URI or refresh token is invalid, expired, used or another app's",
    "unauthorized_client": "the app is not registered for this grant",
    "unsupported_grant_type": "the grant type is not one this server offers (or the body is not a form)",
    "invalid_scope": "a scope is unknown, or not one the app was registered with",
}

# The RFC 8414 members ServerMetadataView answers (oauth.views), each with its schema.
METADATA_URL_MEMBERS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
)


def allowed_grant_types() -> list[str]:
    """The grant types the token endpoint answers: those the configured server class builds (oauth.server)."""
    server = oauth2_settings.OAUTH2_SERVER_CLASS(oauth2_settings.OAUTH2_VALIDATOR_CLASS())
    return sorted(server.grant_types)


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _form_body(required: tuple[str, ...], optional: tuple[str, ...], **extra: Any) -> dict[str, Any]:
    properties = {name: _string(PARAMETER_DESCRIPTIONS[name]) for name in (*required, *optional)}
    return {"type": "object", "properties": properties, "required": list(required), **extra}


def token_request_schema() -> dict[str, Any]:
    """One alternative per grant the server offers, told apart by `grant_type`."""
    alternatives = []
    for grant in allowed_grant_types():
        required, optional = GRANT_PARAMETERS[grant]
        schema = _form_body(("grant_type", *required), (*optional, "client_id", "client_secret"))
        schema["properties"]["grant_type"] = _string(f"`{grant}`.", enum=[grant])
        schema["description"] = f"The {grant.replace('_', ' ')} grant. Unknown parameters are ignored (RFC 6749)."
        alternatives.append(schema)
    return {"oneOf": alternatives}


def oauth_error_schema(codes: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "An RFC 6749 section 5.2 error (not problem details: OAuth clients expect this shape).",
        "properties": {
            "error": _string("The error code.", enum=list(codes)),
            "error_description": _string("A human-readable explanation, on some errors."),
        },
        "required": ["error"],
    }


def _oauth_error_response(status: int, codes: tuple[str, ...], www_authenticate: str | None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": "RFC 6749 error; `error` is one of:\n\n"
        + "\n".join(f"- `{code}`: {ERROR_WHEN[code]}." for code in codes),
        "content": {
            JSON: {
                "schema": oauth_error_schema(codes),
                "examples": {code: {"value": {"error": code}} for code in codes},
            }
        },
    }
    if www_authenticate:
        response["headers"] = {
            "WWW-Authenticate": {
                "description": "The authentication the endpoint asks for.",
                "schema": {"type": "string", "example": www_authenticate},
                "required": True,
            }
        }
    return response


def _problem_response(code: str) -> dict[str, Any]:
    from bankapi.errors import problem_type
    from bankapi.schema import problem_example_body

    problem = problem_type(code)
    return {
        "description": f"Problem details; `code` is one of:\n\n- `{code}`: {problem.when}.",
        "content": {
            PROBLEM: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "examples": {code: {"value": problem_example_body(code)}},
            }
        },
    }


def _common_problems(*, takes_body: bool) -> dict[str, dict[str, Any]]:
    """What the middleware answers before the OAuth view runs, or instead of it: problem details."""
    responses = {"405": _problem_response("method_not_allowed")}
    if takes_body:  # the POST endpoints: ClientEndpointRateLimit
        responses["413"] = _problem_response("payload_too_large")
        responses["429"] = _problem_response("rate_limited")
    responses["500"] = _problem_response("internal_error")
    if takes_body:
        responses["503"] = _problem_response("service_unavailable")
    return responses


def _form_request(schema: dict[str, Any], examples: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"required": True, "content": {FORM: {"schema": schema, "examples": examples}}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _token_operation() -> dict[str, Any]:
    grants = allowed_grant_types()
    access_seconds = oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS
    refresh_seconds = oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS
    token_response = {
        "type": "object",
        "description": "RFC 6749 section 5.1.",
        "properties": {
            "access_token": _string("The access token, sent as `Authorization: Bearer <token>`."),
            "token_type": _string("Always `Bearer`.", enum=["Bearer"]),
            "expires_in": {
                "type": "integer",
                "description": f"Seconds the access token lives ({access_seconds} here).",
                "example": access_seconds,
            },
            "scope": _string("The scopes granted, space-separated."),
            "refresh_token": _string(
                f"Only for the authorization code and refresh token grants: a refresh token, good for "
                f"{refresh_seconds} seconds and once."
            ),
        },
        "required": ["access_token", "token_type", "expires_in", "scope"],
    }
    return {
        "summary": "Get an access token",
        "description": (
            "RFC 6749 section 3.2. The grants this server offers: "
            + ", ".join(f"`{grant}`" for grant in grants)
            + " (the authorization code with PKCE S256 only; no implicit or password grant). A confidential "
            "app authenticates with HTTP Basic (`client_id:client_secret`) or with both in the body; a "
            "public app sends its `client_id` in the body. Each app gets only its own grant and scopes."
        ),
        "requestBody": _form_request(
            token_request_schema(),
            {
                "ClientCredentials": {"value": {"grant_type": "client_credentials", "scope": ACCOUNT_VERIFICATION}},
                "RefreshToken": {"value": {"grant_type": "refresh_token", "refresh_token": "tGzv3JOkF0XG5Qx2TlKWIA"}},
            },
        ),
        "security": [{CLIENT_BASIC_SCHEME: []}, {}],
        "responses": {
            "200": _json(token_response, "The token response (`Cache-Control: no-store`, `Pragma: no-cache`)."),
            **_error_responses("token", 'Bearer error="invalid_client"'),
        },
    }


def _error_responses(name: str, www_authenticate: str) -> dict[str, dict[str, Any]]:
    return {
        str(status): _oauth_error_response(status, codes, www_authenticate if status == 401 else None)
        for status, codes in OAUTH_ERRORS[name].items()
    }


def _revoke_operation() -> dict[str, Any]:
    return {
        "summary": "Revoke a token",
        "description": (
            "RFC 7009. Revokes an access or refresh token of the calling app (a refresh token with its "
            "access token). An unknown token, or another app's, is 200 all the same, as RFC 7009 asks. "
            "Client authentication as for the token endpoint."
        ),
        "requestBody": _form_request(
            _form_body(("token",), ("token_type_hint", "client_id", "client_secret")),
            {"AccessToken": {"value": {"token": "2YotnFZFEjr1zCsicMWpAA", "token_type_hint": "access_token"}}},
        ),
        "security": [{CLIENT_BASIC_SCHEME: []}, {}],
        "responses": {
            "200": {"description": "Revoked, or nothing to revoke: an empty body."},
            **_error_responses("revoke-token", 'Bearer error="invalid_client"'),
        },
    }


def _introspect_operation() -> dict[str, Any]:
    inactive = {
        "type": "object",
        "description": "Not an active token of the calling app.",
        "properties": {"active": {"type": "boolean", "enum": [False]}},
        "required": ["active"],
        "additionalProperties": False,
    }
    active = {
        "type": "object",
        "description": "An active token of the calling app (RFC 7662 section 2.2).",
        "properties": {
            "active": {"type": "boolean", "enum": [True]},
            "scope": _string("Its scopes, space-separated."),
            "client_id": _string("The calling app's client id."),
            "token_type": _string("`Bearer`.", enum=["Bearer"]),
            "exp": {"type": "integer", "description": "When it expires (seconds since the epoch)."},
            "iat": {"type": "integer", "description": "When it was issued (seconds since the epoch)."},
            "sub": _string("The customer's public id (absent for a client-credentials token)."),
            "username": _string("The customer's account number (absent for a client-credentials token)."),
        },
        "required": ["active", "scope", "client_id", "token_type", "exp", "iat"],
        "additionalProperties": False,
    }
    return {
        "summary": "Introspect a token",
        "description": (
            "RFC 7662, for confidential apps (HTTP Basic, or `client_id` and `client_secret` in the body), "
            "about their own tokens only: another app's token, an expired or revoked one, or one whose "
            'customer may no longer use the service, is `{"active": false}`.'
        ),
        "requestBody": _form_request(
            _form_body(("token",), ("token_type_hint", "client_id", "client_secret")),
            {"AccessToken": {"value": {"token": "2YotnFZFEjr1zCsicMWpAA"}}},
        ),
        "security": [{CLIENT_BASIC_SCHEME: []}],
        "responses": {
            "200": _json({"oneOf": [active, inactive]}, "What the server knows of the token."),
            **_error_responses("introspect", 'Basic realm="oauth"'),
        },
    }


def _metadata_operation() -> dict[str, Any]:
    from oauth.views import ServerMetadataView

    scopes = sorted(oauth2_settings.SCOPES)
    string_list = {"type": "array", "items": {"type": "string"}}
    properties: dict[str, Any] = {name: _string("A URL.", format="uri") for name in METADATA_URL_MEMBERS}
    properties |= {
        "scopes_supported": {**string_list, "items": {"type": "string", "enum": scopes}, "example": scopes},
        "response_types_supported": {**string_list, "example": oauth2_settings.OAUTH2_RESPONSE_TYPES_SUPPORTED},
        "grant_types_supported": {**string_list, "example": oauth2_settings.OAUTH2_GRANT_TYPES_SUPPORTED},
        "code_challenge_methods_supported": {**string_list, "example": ["S256"]},
    }
    document = {
        "type": "object",
        "description": "RFC 8414 authorization server metadata.",
        "properties": {name: properties[name] for name in ServerMetadataView.FIELDS},
        "required": list(ServerMetadataView.FIELDS),
        "additionalProperties": False,
    }
    return {
        "summary": "Authorization server metadata",
        "description": "RFC 8414: where the endpoints are and what the server supports. Public.",
        "responses": {"200": _json(document, "The metadata document.")},
    }


OAUTH_TAG_DESCRIPTION = (
    "The bank's OAuth 2.0 authorization server (django-oauth-toolkit; docs/oauth.md): the token, "
    'revocation and introspection endpoints, whose errors are RFC 6749\'s JSON `{{"error", '
    '"error_description"}}` rather than problem details (except what the service answers before them: '
    "405, 413, 500), and the RFC 8414 metadata. The authorization endpoint (`{authorize}`) and the "
    "sign-in page are HTML pages for a customer's browser and are not in this document."
)


def postprocess_oauth_server(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """
    drf-spectacular hook: the authorization server's token, revocation, introspection and metadata
    endpoints (OAUTH_OPERATIONS), with the `clientBasic` scheme of a client's credentials.
    """
    builders = {
        "token": _token_operation,
        "revoke-token": _revoke_operation,
        "introspect": _introspect_operation,
        "oauth-server-metadata": _metadata_operation,
    }
    paths = result.setdefault("paths", {})
    for name, (method, operation_id) in OAUTH_OPERATIONS.items():
        operation = {"operationId": operation_id, **builders[name](), "tags": [OAUTH_TAG]}
        operation["responses"] |= _common_problems(takes_body=method == "post")
        paths.setdefault(reverse(f"oauth2_provider:{name}"), {})[method] = operation
    components = result.setdefault("components", {})
    components.setdefault("securitySchemes", {})[CLIENT_BASIC_SCHEME] = {
        "type": "http",
        "scheme": "basic",
        "description": (
            "An OAuth app's credentials, `client_id:client_secret`, as RFC 6749 section 2.3.1 says (each "
            "form-encoded, then Basic). A confidential app may send them as `client_id` and "
            "`client_secret` in the body instead; a public app sends only its `client_id` there."
        ),
    }
    description = OAUTH_TAG_DESCRIPTION.format(authorize=reverse("oauth2_provider:authorize"))
    result.setdefault("tags", []).append({"name": OAUTH_TAG, "description": description})
    result["paths"] = dict(sorted(paths.items()))
    return result


def oauth_operation_paths() -> dict[tuple[str, str], str]:
    """(method, path) -> operationId of every operation the hook adds."""
    return {
        (method, reverse(f"oauth2_provider:{name}")): operation_id
        for name, (method, operation_id) in OAUTH_OPERATIONS.items()
    }
