"""
Provides the Django admin site of the service: for active admins only (User.is_staff), with the
API's login rules: an email or an account number, the per-account lockout, and the per-IP login
rate limit.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from accounts.models import User
from accounts.services import user_set_own_password
from bankapi.client_ip import client_ip
from bankapi.errors import BankAPIError, problem_for_error
from bankapi.ratelimits import enforce_rate_limit


class StaffLoginForm(AdminAuthenticationForm):
    """
    The admin login takes an email or an account number, like the API's. Django sizes the box for
    USERNAME_FIELD (the 12-digit account number), which would make browsers refuse most emails.
    Django's refusal speaks of an "account number" and fields that "may be case-sensitive"; this
    one says what holds here (accounts.selectors.user_get_by_login_identifier).
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": (
            "Enter the email or account number and the password of an active admin. "
            "The email's case does not matter; the password's does."
        ),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = "Email or account number"
        username.max_length = User._meta.get_field("email").max_length
        username.widget.attrs["maxlength"] = username.max_length


class StaffPasswordChangeForm(AdminPasswordChangeForm):
    """
    The admin site's "Change password" sets the password through the service, as the API's does:
    the admin's tokens issued before are revoked and the change is audited (Django's would only
    save the hash).
    """

    def save(self, commit: bool = True) -> User:
        user_set_own_password(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user


class BankAdminSite(AdminSite):
    site_header = "Bank API administration"
    site_title = "Bank API administration"
    login_form = StaffLoginForm

    def password_change(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Django's page (its code: Django 5.2 has no hook for the form), with StaffPasswordChangeForm."""
        defaults = {
            "form_class": StaffPasswordChangeForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return PasswordChangeView.as_view(**defaults)(request)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Password attempts count in a login bucket per client IP (RATE_LOGIN), as on the API."""
        if request.method == "POST":
            try:
                enforce_rate_limit(
                    request, group="admin_login", rate=settings.RATE_LOGIN, key=f"ip:{client_ip(request)}"
                )
            except BankAPIError as error:  # rate_limited, or service_unavailable when Redis is down
                return problem_for_error(error)
        return super().login(request, extra_context)


class ReadOnlyAdminMixin:
    """
    A model admin that shows records and changes none: for records that only a service may write or
    lift (the audit trail, django-axes' lockout records). No actions either: Django's bulk delete
    and axes' expired-attempt clean-up both delete rows.
    """

    actions = ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
