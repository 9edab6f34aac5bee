from django.urls import path

from mfa import views

urlpatterns = [
    path("auth/mfa/totp", views.TotpEnrollmentView.as_view(), name="auth-mfa-totp"),
    path("auth/mfa/totp/confirm", views.TotpConfirmView.as_view(), name="auth-mfa-totp-confirm"),
    path("auth/mfa/verify", views.MfaVerifyView.as_view(), name="auth-mfa-verify"),
]
