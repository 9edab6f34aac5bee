from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.pages import SetPasswordLinkDoneView, SetPasswordLinkView
from bankapi.admin_site import favicon

urlpatterns = [
    path("api/v1/", include("accounts.urls")),
    path("api/v1/", include("customers.urls")),
    path("api/v1/", include("audit.urls")),
    path("api/v1/", include("partners.urls")),
    path("api/v1/", include("mfa.urls")),
    path("api/v1/", include("ledger.urls")),
    path("", include("oauth.urls")),  # /oauth/… and /.well-known/oauth-authorization-server
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("monitoring.urls")),
    path("", include("legacy.urls")),  # the Flask service's routes, while LEGACY_API_ENABLED is on
    # Pages under the admin site's path that need no login (a one-time set-password link).
    path(
        f"{settings.ADMIN_URL}set-password/<str:uidb64>/<str:token>/",
        SetPasswordLinkView.as_view(),
        name="set_password_link",
    ),
    path(f"{settings.ADMIN_URL}set-password/done/", SetPasswordLinkDoneView.as_view(), name="set_password_link_done"),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "bankapi.errors.bad_request"
handler403 = "bankapi.errors.permission_denied"
handler404 = "bankapi.errors.page_not_found"
handler500 = "bankapi.errors.server_error"
