"""
The Django admin site for staff: customers (with freeze, unfreeze, close and unlock actions; the
read-only audit trail is audit.admin's). Every write goes through the same services as the API, so
the admin site obeys the same rules and leaves the same audit events. Only active admins get in
(User.is_staff); auditors use the read-only API.
"""

from datetime import date

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import STAFF_ROLES, Role, User
from accounts.services import EDITABLE_FIELDS, lockout_clear, set_password_link_issue, user_create
from accounts.set_password_links import set_password_link_path
from accounts.validators import normalize_name
from bankapi.errors import BankAPIError
from customers import selectors, services
from customers.serializers import CustomerListQuerySerializer
from legacy.models import CustomerDetails

# The API refuses a shorter search (400); the admin site says so instead of listing everyone.
SEARCH_MIN_LENGTH = CustomerListQuerySerializer().fields["search"].min_length


class CustomerAdminForm(forms.ModelForm):
    """
    The admin's form applies the API's field rules (the model fields carry the validators). A
    customer needs both names, as in the API; staff may have none (`create_staff` names them only when
    asked), and are then called by their email (User.display_name).
    """

    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)

    # The admin who saves (set by CustomerAdmin.get_form): the services' actor, in the audit trail.
    actor: User

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # A customer brought over from the Flask service has no email (they log in with their
        # account number); staff may give them one, but need not to save anything else.
        if not self.instance._state.adding and not self.instance.email:
            self.fields["email"].required = False

    class Meta:
        model = User
        fields = EDITABLE_FIELDS

    def _post_clean(self) -> None:
        """
        Once the fields and the model validate, save through the service, inside validation: its
        refusal (a closed customer, the last active admin, a taken email) becomes an error of this
        form, which the admin site shows again with what was typed. The service stays the one place
        where those rules are written, and CustomerAdmin.save_model has nothing left to do.
        """
        super()._post_clean()
        if self.errors:
            return
        try:
            with transaction.atomic():  # a refusal leaves nothing half-saved
                self.instance = self._save_through_service()
        except BankAPIError as error:
            self.add_error(None, str(error.detail))

    def _save_through_service(self) -> User:
        data = {field: self.cleaned_data[field] for field in EDITABLE_FIELDS if field in self.cleaned_data}
        if self.instance._state.adding:  # starts active (the add form has no status), without a password
            data.pop("status", None)
            return user_create(actor=self.actor, **data)
        changes = {field: data[field] for field in self.changed_data if field in data}
        return services.customer_update(actor=self.actor, customer=self.instance, changes=changes)

    def clean_first_name(self) -> str:
        return normalize_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return normalize_name(self.cleaned_data["last_name"])

    def clean(self) -> dict:
        cleaned_data = super().clean()
        if cleaned_data.get("role", self.instance.role) not in STAFF_ROLES:
            for field in ("first_name", "last_name"):
                if not cleaned_data.get(field) and field not in self.errors:
                    self.add_error(field, forms.Field.default_error_messages["required"])
        return cleaned_data


def _flask_details(customer: User) -> CustomerDetails | None:
    try:
        return customer.legacy_details
    except CustomerDetails.DoesNotExist:
        return None


@admin.register(User)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    # Number and status first: they must stay in view at 1280 px beside the navigation and the
    # filters, so the columns are few (a staff member's role rides on the name; roles are a filter).
    list_display = ["account_number", "status_label", "name", "email_address", "created"]
    list_filter = ["status", "role"]
    search_fields = ["account_number"]  # the search itself is customers.selectors.customer_list
    search_help_text = "Exact account number, email prefix, or part of the name (at least 3 characters)."
    ordering = ["-created_at", "-id"]
    show_full_result_count = False  # no COUNT(*) over a million rows on every page
    readonly_fields = ["account_number", "public_id", "created_at", "updated_at", "last_login"]
    actions = ["freeze", "unfreeze", "close", "unlock", "set_password_link"]

    class Media:
        css = {"all": ["customers/admin.css"]}

    @admin.display(description="Status", ordering="status")
    def status_label(self, customer: User) -> str:
        return format_html(
            '<span class="customer-status customer-status-{}">{}</span>', customer.status, customer.get_status_display()
        )

    @admin.display(description="Name")
    def name(self, customer: User) -> str | None:
        name = f"{customer.first_name} {customer.last_name}".strip()
        if customer.role == Role.CUSTOMER:
            return name or None
        return format_html('{} <span class="customer-role">{}</span>', name, customer.role.capitalize())

    @admin.display(description="Email", ordering="email")
    def email_address(self, customer: User) -> str:
        """A narrow column wraps a long email before its @ rather than anywhere."""
        if not customer.email:  # a customer brought over from the Flask service
            return "—"
        local, at, domain = customer.email.rpartition("@")
        return format_html("{}<wbr>{}{}", local, at, domain) if at else customer.email

    @admin.display(description="Created", ordering="created_at")
    def created(self, customer: User) -> date:
        return timezone.localdate(customer.created_at)

    def get_form(self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs) -> type:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form)(form.__name__, (form,), {"actor": request.user})

    @admin.display(description="From the Flask service")
    def flask_details(self, customer: User) -> str:
        """
        What the Flask service kept about a customer brought over from it (legacy.CustomerDetails),
        read-only. A field of the form rather than an inline: an inline would make every save post
        a formset of its own for data nobody may change here.
        """
        details = _flask_details(customer)
        if details is None:
            return "—"
        return format_html(
            "{}<br>branch {} · {} account · opened {}",
            details.address or "no address",
            details.branch_code or "unknown",
            details.get_account_type_display() or "unknown",
            details.opened_on.isoformat() if details.opened_on else "on an unknown day",
        )

    def get_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        if obj is None:  # a new customer starts active
            return [field for field in EDITABLE_FIELDS if field != "status"]
        return [*EDITABLE_FIELDS, *self.get_readonly_fields(request, obj)]

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        if obj is None:
            return []
        # Only customers imported from the Flask service (or created through its routes) have details.
        return [*self.readonly_fields, "flask_details"] if _flask_details(obj) is not None else self.readonly_fields

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if len(term) < SEARCH_MIN_LENGTH:
            message = f"Nothing was searched for “{term}”: a search needs at least {SEARCH_MIN_LENGTH} characters."
            self.message_user(request, message, messages.ERROR)
            return queryset.none(), False
        matches = selectors.customer_list(search=search_term)
        return queryset.filter(pk__in=matches.values("pk")), False

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # customers are closed, never deleted

    def save_model(self, request: HttpRequest, obj: User, form: CustomerAdminForm, change: bool) -> None:
        """Nothing to do: the form saved through the service as it validated (CustomerAdminForm._post_clean)."""

    def response_add(self, request: HttpRequest, obj: User, post_url_continue: str | None = None) -> HttpResponse:
        """A user added here has no password: the admin is given a link for them to set one."""
        response = super().response_add(request, obj, post_url_continue)
        if obj.pk is not None:
            self.set_password_link(request, User.objects.filter(pk=obj.pk))
        return response

    @admin.action(description="Make a one-time set-password link")
    def set_password_link(self, request: HttpRequest, queryset: QuerySet) -> None:
        """
        Shows the admin a link with which the user sets their own password (nothing is emailed: no
        mail is configured), so that no admin ever sees or chooses someone's password.
        """
        hours = settings.PASSWORD_RESET_TIMEOUT // 3600
        for user in queryset:
            try:
                token = set_password_link_issue(actor=request.user, user=user)
            except BankAPIError as error:
                self.message_user(request, f"{user}: {error.detail}", messages.ERROR)
                continue
            url = request.build_absolute_uri(set_password_link_path(user, token))
            self.message_user(
                request,
                f"Send {user} this link to set a password; it works once, for {hours} hours, and "
                f"nothing was emailed: {url}",
                messages.SUCCESS,
            )

    def _apply(self, request: HttpRequest, queryset: QuerySet, service, done: str) -> None:
        succeeded = 0
        for customer in queryset:
            try:
                service(actor=request.user, customer=customer)
                succeeded += 1
            except BankAPIError as error:
                self.message_user(request, f"{customer.account_number}: {error.detail}", messages.ERROR)
        if succeeded:
            self.message_user(request, f"{done} {succeeded} customer(s).", messages.SUCCESS)

    @admin.action(description="Freeze selected customers")
    def freeze(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(request, queryset, services.customer_freeze, "Froze")

    @admin.action(description="Unfreeze selected customers")
    def unfreeze(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(request, queryset, services.customer_unfreeze, "Unfroze")

    @admin.action(description="Close selected customers…")
    def close(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        """
        Closing is final, so it is asked for again on a page listing who would be closed (as
        Django's delete confirmation does); only that page's "Yes" (post=yes) closes anyone.
        """
        if request.POST.get("post") == "yes":
            self._apply(request, queryset, services.customer_close, "Closed")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Close {self.opts.verbose_name_plural}?",
            "opts": self.opts,
            "customers": list(queryset),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": request.get_full_path(),  # with the list's filters, as it was
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "customers/admin/close_confirmation.html", context)

    @admin.action(description="Unlock selected customers' logins")
    def unlock(self, request: HttpRequest, queryset: QuerySet) -> None:
        for customer in queryset:
            number = customer.account_number
            try:
                cleared = lockout_clear(identifier=number, actor=request.user)
            except BankAPIError as error:  # the cache is unreachable: nothing was unlocked
                self.message_user(request, f"{number}: {error.detail}", messages.ERROR)
                continue
            if cleared.was_locked:
                self.message_user(request, f"Unlocked {number}.", messages.SUCCESS)
            elif cleared.had_failures:
                self.message_user(request, f"{number} was not locked; its failed logins were forgotten.", messages.INFO)
            else:
                self.message_user(request, f"{number} was not locked.", messages.INFO)
