"""
Provides the Django admin site of the service: for active admins only (User.is_staff), with the
API's login rules: an email or an account number, the per-account lockout, and the per-IP login
rate limit.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from accounts.models import User
from bankapi.client_ip import client_ip
from bankapi.errors import BankAPIError, problem_for_error
from bankapi.ratelimits import enforce_rate_limit


class StaffLoginForm(AdminAuthenticationForm):
    """
    The admin login takes an email or an account number, like the API's. Django sizes the box for
    USERNAME_FIELD (the 12-digit account number), which would make browsers refuse most emails.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = "Email or account number"
        username.max_length = User._meta.get_field("email").max_length
        username.widget.attrs["maxlength"] = username.max_length


class BankAdminSite(AdminSite):
    site_header = "Bank API administration"
    site_title = "Bank API administration"
    login_form = StaffLoginForm

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
