from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("accounts.urls")),
    path("api/v1/", include("customers.urls")),
    path("api/v1/", include("audit.urls")),
    path("", include("monitoring.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "bankapi.errors.bad_request"
handler403 = "bankapi.errors.permission_denied"
handler404 = "bankapi.errors.page_not_found"
handler500 = "bankapi.errors.server_error"
