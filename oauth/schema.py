"""
Provides the OpenAPI security scheme of OAuth access tokens (oauth.authentication), declared on
the operations whose view names the scope an OAuth token needs there (`oauth_scopes`), and only
those: an OAuth token is good for nothing else.
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.models import AbstractApplication as Application
from oauth2_provider.settings import oauth2_settings

from oauth.scopes import SCOPES_BY_GRANT

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
