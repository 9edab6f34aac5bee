"""
Provides bearer-token authentication that decides from the database, not from the token's claims.
"""

from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.tokens import Token

from accounts.models import User
from accounts.selectors import user_get_for_session
from accounts.tokens import SESSION_CLAIM, TOKEN_VERSION_CLAIM
from mfa.confinement import enforce_mfa_enrollment


class BearerTokenAuthentication(JWTAuthentication):
    """
    Accepts `Authorization: Bearer <access token>` only. The user is read from the database on
    every request, so a frozen, closed or demoted user loses access at once; a token older than the
    user's last revocation (its `ver` claim) or of a session that logout ended (`sid`) is refused.
    Staff without MFA are confined to enrolling (mfa.confinement).
    """

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        try:
            authenticated = super().authenticate(request)
        except InvalidToken as exc:
            raise AuthenticationFailed("Token is invalid or expired.") from exc
        if authenticated is not None:
            # Staff without MFA may only enroll: decided here, before any permission (role) check.
            enforce_mfa_enrollment(authenticated[0], (request.parser_context or {}).get("view"))
        return authenticated

    def get_user(self, validated_token: Token) -> User:
        user = user_get_for_session(str(validated_token.get("sub", "")), str(validated_token.get(SESSION_CLAIM, "")))
        if user is None or not user.is_active:
            raise AuthenticationFailed("Token is invalid or expired.")
        if validated_token.get(TOKEN_VERSION_CLAIM) != user.token_version:
            raise AuthenticationFailed("Token is invalid or expired.")
        return user
