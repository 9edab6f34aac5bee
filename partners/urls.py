from django.urls import path

from partners.views import AccountVerificationView

urlpatterns = [
    path("partner/account-verification", AccountVerificationView.as_view(), name="partner-account-verification"),
]
