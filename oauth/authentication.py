"""
Provides authentication by an OAuth access token from /oauth/ (a third-party app's), sent as
`Authorization: Bearer` like the service's own JWTs, and held to the scope each view declares.
"""

from oauth2_provider.models import AccessToken
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.models import Role, User
from bankapi.errors import InsufficientScopeError
from oauth.selectors import access_token_get

BEARER = "Bearer"


def is_jwt(token: str) -> bool:
    """A JWT is three base64url parts joined by dots; an OAuth token (oauthlib's) has no dot."""
    return token.count(".") == 2


def is_app_token(auth: object) -> bool:
    """An OAuth access token an app holds for itself (client credentials): no customer behind it."""
    return isinstance(auth, AccessToken) and auth.user_id is None


def required_scope(request: Request) -> str | None:
    """
    The scope an OAuth token needs for this request: the view's `oauth_scopes` for the request's
    method, e.g. `{"GET": "profile:read"}`. None: no OAuth token may call it.
    """
    view = (request.parser_context or {}).get("view")
    return (getattr(view, "oauth_scopes", None) or {}).get(request.method)


class OAuthTokenAuthentication(BaseAuthentication):
    """
    `Authorization: Bearer <OAuth access token>`; a JWT, or any other header, is not this class's
    (None), so our own bearer authentication, next in line, reads it. An OAuth token must exist,
    be unexpired and not revoked, and belong either to an active customer (authorization code) or
    to an app alone (client credentials: `request.user` stays None, as for a partner key); and it
    must carry the scope the view declares for the method (`oauth_scopes`), else 403
    `insufficient_scope`: an OAuth token is good for nothing else. One SQL statement.
    """

    def authenticate(self, request: Request) -> tuple[User | None, AccessToken] | None:
        scheme, _, raw_token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme != BEARER or not raw_token or is_jwt(raw_token):
            return None
        token = access_token_get(raw_token)
        if token is None or token.is_expired() or token.application_id is None:
            raise AuthenticationFailed("Token is invalid or expired.")
        user = token.user
        if user is not None and not (user.is_active and user.role == Role.CUSTOMER):
            raise AuthenticationFailed("Token is invalid or expired.")
        scope = required_scope(request)
        if scope is None or scope not in token.scope.split():
            raise InsufficientScopeError(scope)
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{BEARER} realm="api"'
