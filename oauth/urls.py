"""
The authorization server under /oauth/ (django-oauth-toolkit's views, under the URL names its code
reverses, in its `oauth2_provider` namespace), its RFC 8414 metadata at the site root, and a
customer's authorized apps under /api/v1/profile/authorizations. No trailing slashes, as elsewhere.
"""

from django.urls import include, path

from oauth import views

provider_urlpatterns = (
    [
        path("oauth/authorize", views.ConsentView.as_view(), name="authorize"),
        path("oauth/token", views.TokenView.as_view(), name="token"),
        path("oauth/revoke", views.RevokeTokenView.as_view(), name="revoke-token"),
        path("oauth/introspect", views.IntrospectView.as_view(), name="introspect"),
        path(
            ".well-known/oauth-authorization-server",
            views.ServerMetadataView.as_view(),
            name="oauth-server-metadata",
        ),
    ],
    "oauth2_provider",
)

urlpatterns = [
    path("", include(provider_urlpatterns)),
    path("oauth/login", views.SignInView.as_view(), name="oauth-sign-in"),
    path("api/v1/profile/authorizations", views.AuthorizationListView.as_view(), name="profile-authorizations"),
    path(
        "api/v1/profile/authorizations/<int:id>",
        views.AuthorizationDetailView.as_view(),
        name="profile-authorization",
    ),
]
