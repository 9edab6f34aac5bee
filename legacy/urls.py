"""
The Flask service's routes (docs/legacy-api.md). They are always routed, and each answers Django's
own 404 while LEGACY_API_ENABLED is off (legacy.views.LegacyAPIView), so the setting is read per
request and a path no Flask client uses is never claimed: `/<account_number>` takes digits only.
"""

from django.urls import path, re_path

from legacy import views

urlpatterns = [
    path("register", views.LegacyRegisterView.as_view(), name="legacy-register"),
    path("login", views.LegacyLoginView.as_view(), name="legacy-login"),
    path("profile", views.LegacyProfileView.as_view(), name="legacy-profile"),
    path("", views.LegacyCustomersView.as_view(), name="legacy-customers"),
    re_path(r"^(?P<account_number>[0-9]+)$", views.LegacyCustomerView.as_view(), name="legacy-customer"),
]
