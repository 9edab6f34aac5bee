"""
Provides the OAuth 2.0 server (OAUTH2_PROVIDER["OAUTH2_SERVER_CLASS"]): the grants this service
offers and no others.

oauthlib's all-in-one `Server` also answers the implicit, password and device grants, leaving the
refusal to settings and to each Application row. Here they are not built at all, so no row and
no setting can switch them back on: `response_type=token` is `unsupported_response_type`, a
`grant_type=password` token request `unsupported_grant_type`. PKCE takes S256 only: `plain`, or
a challenge without a method (which RFC 7636 reads as `plain`), is `invalid_request`. A body
`client_id` other than the one HTTP Basic authenticated is `invalid_request` (oauthlib says
`server_error`, with 400).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from oauthlib.oauth2 import RequestValidator
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.endpoints import (
    AuthorizationEndpoint,
    IntrospectEndpoint,
    ResourceEndpoint,
    RevocationEndpoint,
    TokenEndpoint,
)
from oauthlib.oauth2.rfc6749.grant_types import AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256
from oauthlib.oauth2.rfc6749.tokens import BearerToken

PKCE_METHODS = ("S256",)


class ClientIdMismatchIsInvalidRequest:
    """
    A grant whose token request names, in the body, another `client_id` than the client it
    authenticated answers RFC 6749's `invalid_request`, not oauthlib's `server_error`.
    """

    def validate_client_confidential(self, request: Any) -> None:
        with _mismatch_as_invalid_request(request):
            super().validate_client_confidential(request)  # type: ignore[misc]

    def validate_client_public(self, request: Any) -> None:
        with _mismatch_as_invalid_request(request):
            super().validate_client_public(request)  # type: ignore[misc]


@contextmanager
def _mismatch_as_invalid_request(request: Any) -> Iterator[None]:
    try:
        yield
    except errors.ServerError as error:  # oauthlib's "Discrepency found between client identifier"
        raise errors.InvalidRequestError(
            description="client_id is not the client the credentials authenticate.", request=request
        ) from error


class S256AuthorizationCodeGrant(ClientIdMismatchIsInvalidRequest, AuthorizationCodeGrant):
    """The authorization code grant with PKCE's S256 method only."""

    _code_challenge_methods = {"S256": code_challenge_method_s256}


class BankRefreshTokenGrant(ClientIdMismatchIsInvalidRequest, RefreshTokenGrant):
    """The refresh token grant."""


class BankClientCredentialsGrant(ClientIdMismatchIsInvalidRequest, ClientCredentialsGrant):
    """The client credentials grant."""


class BankOAuth2Server(AuthorizationEndpoint, IntrospectEndpoint, TokenEndpoint, ResourceEndpoint, RevocationEndpoint):
    """Authorization code (with PKCE S256), refresh token and client credentials; bearer tokens."""

    def __init__(
        self,
        request_validator: RequestValidator,
        token_expires_in: Any = None,
        token_generator: Any = None,
        refresh_token_generator: Any = None,
        **unused: Any,  # django-oauth-toolkit's device-flow settings: no device grant here
    ) -> None:
        self.auth_grant = S256AuthorizationCodeGrant(request_validator)
        self.credentials_grant = BankClientCredentialsGrant(request_validator)
        self.refresh_grant = BankRefreshTokenGrant(request_validator)
        self.bearer = BearerToken(request_validator, token_generator, token_expires_in, refresh_token_generator)
        AuthorizationEndpoint.__init__(
            self,
            default_response_type="code",
            response_types={"code": self.auth_grant},
            default_token_type=self.bearer,
        )
        TokenEndpoint.__init__(
            self,
            default_grant_type="authorization_code",
            grant_types={
                "authorization_code": self.auth_grant,
                "client_credentials": self.credentials_grant,
                "refresh_token": self.refresh_grant,
            },
            default_token_type=self.bearer,
        )
        ResourceEndpoint.__init__(self, default_token="Bearer", token_types={"Bearer": self.bearer})  # noqa: S106
        RevocationEndpoint.__init__(self, request_validator)
        IntrospectEndpoint.__init__(self, request_validator)
