"""
Provides the Django admin site of the service: for active admins only (User.is_staff) who have MFA,
with the API's login rules: an email or an account number, a TOTP code (or a recovery code), the
per-account lockout, and the per-IP login rate limit.
"""

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import cached_property

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.core.paginator import Paginator
from django.db.models import Max, Min, Model, QuerySet
from django.db.models.base import ModelBase
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from accounts.models import User
from accounts.services import user_set_own_password
from bankapi.client_ip import client_ip
from bankapi.errors import BankAPIError, InvalidOtpError, problem_for_error
from bankapi.ratelimits import enforce_rate_limit
from mfa.services import second_factor_check


class StaffLoginForm(OTPAdminAuthenticationForm):
    """
    The admin login takes an email or an account number, like the API's, and the second factor in
    `otp_token` (django-otp's field): a TOTP code or a recovery code, checked by the same service as
    the API's second step (mfa.services.second_factor_check: a wrong code counts towards the
    account's lockout). An admin without MFA is refused and told to set it up through the API.
    Django sizes the user-name box for USERNAME_FIELD (the 12-digit account number), which would make
    browsers refuse most emails. Django's refusal speaks of an "account number" and fields that "may
    be case-sensitive"; this one says what holds here (accounts.selectors.user_get_by_login_identifier).
    """

    # One TOTP device per user, and no challenge to send: the code alone, as a field of its own.
    otp_device = None
    otp_challenge = None
    otp_token = forms.CharField(
        label="Authenticator code",
        required=False,
        help_text="The 6-digit code your authenticator app shows, or one of your recovery codes.",
        # Sized as Django's login.css sizes the user name and password boxes above it.
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "maxlength": 32,
                "style": "padding: 8px; width: 100%; box-sizing: border-box;",
            }
        ),
    )

    error_messages = {
        **OTPAdminAuthenticationForm.error_messages,
        "invalid_login": (
            "Enter the email or account number and the password of an active admin. "
            "The email's case does not matter; the password's does."
        ),
        "mfa_not_set_up": (
            "Set up two-factor authentication through the API first (POST /api/v1/auth/mfa/totp, then "
            "/api/v1/auth/mfa/totp/confirm), then sign in here with a code from your authenticator app."
        ),
    }
    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": "Enter the code from your authenticator app (or a recovery code).",
        "invalid_token": "The authenticator code is wrong or was used already.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = "Email or account number"
        username.max_length = User._meta.get_field("email").max_length
        username.widget.attrs["maxlength"] = username.max_length

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if not user.has_mfa:
            raise forms.ValidationError(self.error_messages["mfa_not_set_up"], code="mfa_not_set_up")

    def clean_otp(self, user: User | None) -> None:
        """
        The second factor, through the lockout. A locked account's AccountLockedError goes up to
        BankAdminSite.login, which answers 429 as the API does.
        """
        if user is None:
            return
        code = (self.cleaned_data.get("otp_token") or "").strip()
        if not code:
            raise forms.ValidationError(self.otp_error_messages["token_required"], code="token_required")
        try:
            user.otp_device = second_factor_check(request=self.request, user=user, code=code)
        except InvalidOtpError as exc:
            raise forms.ValidationError(self.otp_error_messages["invalid_token"], code="invalid_token") from exc


class StaffPasswordChangeForm(AdminPasswordChangeForm):
    """
    The admin site's "Change password" sets the password through the service, as the API's does:
    the admin's tokens issued before are revoked and the change is audited (Django's would only
    save the hash).
    """

    def save(self, commit: bool = True) -> User:
        user_set_own_password(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user


# The service's icon, a static file (bankapi/static/): the admin pages link it, /favicon.ico points to it.
FAVICON = "bankapi/favicon.svg"

# Models that apps register on the admin site and staff have no use for: groups grant nothing
# (roles do; accounts.User has no groups), and simplejwt's token tables are bookkeeping of its
# blacklist that only token services write (an "Add" there would make a token out of nothing).
# django-otp's devices hold second-factor secrets that only the MFA services write. Of
# django-oauth-toolkit's tables only the registered apps are staff's business; its grants and tokens
# are issued and revoked by the OAuth flows. Django's sessions and content types are not registered in
# the first place.
HIDDEN_MODELS = frozenset(
    {
        "auth.Group",
        "token_blacklist.OutstandingToken",
        "token_blacklist.BlacklistedToken",
        "otp_totp.TOTPDevice",
        "otp_static.StaticDevice",
        "oauth2_provider.Grant",
        "oauth2_provider.AccessToken",
        "oauth2_provider.RefreshToken",
        "oauth2_provider.IDToken",
    }
)


class BankAdminSite(OTPAdminSite):
    """
    django-otp's admin site: its pages need a session verified by a second factor (the login
    form's `otp_token`), not only a password.
    """

    site_header = "Bank API administration"
    site_title = "Bank API administration"
    # "View site": this service has no site but its API, described at /api/docs.
    site_url = "/api/docs"
    login_form = StaffLoginForm
    login_template = "mfa/admin_login.html"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)  # OTPAdminSite's own default name is "otpadmin"

    def register(self, model_or_iterable: ModelBase | Iterable[ModelBase], admin_class=None, **options) -> None:
        """Everything but HIDDEN_MODELS, whichever app registers them and in whatever order apps load."""
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        shown = [model for model in models if model._meta.label not in HIDDEN_MODELS]
        if shown:
            super().register(shown, admin_class, **options)

    def each_context(self, request: HttpRequest) -> dict:
        """The favicon's URL, for admin/base_site.html."""
        return {**super().each_context(request), "favicon_url": static(FAVICON)}

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
        """
        Password attempts count in a login bucket per client IP (RATE_LOGIN), as on the API; a lock
        met at the second factor is answered 429 as the password's is (axes' lockout response).
        """
        if request.method == "POST":
            try:
                enforce_rate_limit(
                    request, group="admin_login", rate=settings.RATE_LOGIN, key=f"ip:{client_ip(request)}"
                )
            except BankAPIError as error:  # rate_limited, or service_unavailable when Redis is down
                return problem_for_error(error)
        try:
            return super().login(request, extra_context)
        except BankAPIError as error:  # the second factor's check: account_locked, service_unavailable
            return problem_for_error(error)


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


def favicon(request: HttpRequest) -> HttpResponse:
    """
    /favicon.ico, which browsers ask for on pages that name no icon (the API's JSON, read in a
    browser): the service's icon, rather than a problem+json 404.
    """
    return HttpResponseRedirect(static(FAVICON))


class CappedCountPaginator(Paginator):
    """
    Counts at most `cap` rows. A change list counts its filtered rows on every page (to number the
    pages, even with show_full_result_count off), and PostgreSQL counts by reading every row: over
    the whole audit trail, seconds per page. Past the cap the list says "more than" (the admin's
    pagination and search templates, bankapi/templates/admin/) and a date or filter narrows it.
    """

    cap = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def capped_text(self) -> str:
        return f"more than {self.cap:,}"


class DateDrillDownQuerySet(QuerySet):
    """
    A queryset whose `datetimes()` (what a change list's date hierarchy lists: the years, the months
    of a year, the days of a month that have rows) reads no more than a row per period. Django's
    reads every row of the level shown (SELECT DISTINCT date_trunc(…)), the whole table at the top.
    Here the first and last rows bound the candidate periods and one LIMIT 1 probe per period, all in
    one statement, asks which have a row: index look-ups when the field leads an index.
    """

    max_probes = 400

    def datetimes(self, field_name: str, kind: str, order: str = "ASC", tzinfo=None) -> QuerySet | list[datetime]:
        if kind not in ("year", "month", "day") or order != "ASC" or tzinfo is not None:
            return super().datetimes(field_name, kind, order, tzinfo)
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        periods = list(_periods(timezone.localtime(bounds["first"]), timezone.localtime(bounds["last"]), kind))
        if len(periods) > self.max_probes:
            return super().datetimes(field_name, kind, order, tzinfo)
        # Ordered, so that PostgreSQL walks the index: a LIMIT 1 without order may pick a sequential
        # scan, which in a table written in time order reads every older row before the period's.
        probes = [
            self.filter(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
            .order_by(field_name)
            .values_list(field_name, flat=True)[:1]
            for start, end in periods
        ]
        found = probes[0].union(*probes[1:], all=True) if len(probes) > 1 else probes[0]
        return sorted({_period_start(timezone.localtime(moment), kind) for moment in found})


def _period_start(moment: datetime, kind: str) -> datetime:
    day = moment.date()
    first = {"year": day.replace(month=1, day=1), "month": day.replace(day=1), "day": day}[kind]
    return timezone.make_aware(datetime.combine(first, datetime.min.time()))


def _next_period(start: date, kind: str) -> date:
    if kind == "day":
        return start + timedelta(days=1)
    if kind == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start.replace(year=start.year + 1)


def _periods(first: datetime, last: datetime, kind: str) -> Iterator[tuple[datetime, datetime]]:
    """The [start, end) periods of `kind` from the one holding `first` to the one holding `last`."""
    start = _period_start(first, kind).date()
    while start <= last.date():
        end = _next_period(start, kind)
        yield (
            timezone.make_aware(datetime.combine(start, datetime.min.time())),
            timezone.make_aware(datetime.combine(end, datetime.min.time())),
        )
        start = end
