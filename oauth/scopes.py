"""
Provides the OAuth scopes' names (their descriptions, shown on the consent page, are
OAUTH2_PROVIDER["SCOPES"]), which grant each belongs to, and the scopes backend that limits every
app to the scopes it was registered with.
"""

from typing import Any

from oauth2_provider.models import AbstractApplication
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings

PROFILE_READ = "profile:read"
ACCOUNT_VERIFICATION = "account-verification"

# A scope is granted through one grant only: a customer's data through the authorization code
# (the customer consents), a partner's service through the client credentials (no customer).
SCOPES_BY_GRANT: dict[str, frozenset[str]] = {
    AbstractApplication.GRANT_AUTHORIZATION_CODE: frozenset({PROFILE_READ}),
    AbstractApplication.GRANT_CLIENT_CREDENTIALS: frozenset({ACCOUNT_VERIFICATION}),
}

ALLOWED_GRANT_TYPES = tuple(SCOPES_BY_GRANT)
ALLOWED_CLIENT_TYPES = (AbstractApplication.CLIENT_CONFIDENTIAL, AbstractApplication.CLIENT_PUBLIC)


def app_scopes(application: Any) -> list[str]:
    """The scopes `application` may be granted: those it was registered with, if its grant allows them."""
    if application is None or application.authorization_grant_type not in SCOPES_BY_GRANT:
        return []
    try:
        registered = application.allowed_scopes.scope_list
    except application._meta.model.allowed_scopes.RelatedObjectDoesNotExist:
        return []
    grantable = SCOPES_BY_GRANT[application.authorization_grant_type]
    return [scope for scope in registered if scope in grantable]


class AppScopesBackend(BaseScopes):
    """
    django-oauth-toolkit's scopes backend (OAUTH2_PROVIDER["SCOPES_BACKEND_CLASS"]): every scope
    for the metadata document; for a request, only the app's own. A request that names no scope
    gets all of the app's.
    """

    def get_all_scopes(self) -> dict[str, str]:
        return dict(oauth2_settings.SCOPES)

    def get_available_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list:
        if application is None:
            return list(oauth2_settings.SCOPES)
        return app_scopes(application)

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list:
        return app_scopes(application)
