"""
The Django admin site for staff: customers (with freeze, unfreeze, close and unlock actions; the
read-only audit trail is audit.admin's). Every write goes through the same services as the API, so
the admin site obeys the same rules and leaves the same audit events. Only active admins get in
(User.is_staff); auditors use the read-only API.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from accounts.services import EDITABLE_FIELDS, lockout_clear, user_create
from accounts.validators import normalize_name
from bankapi.errors import BankAPIError
from customers import selectors, services


class CustomerAdminForm(forms.ModelForm):
    """The admin's form applies the API's field rules (the model fields carry the validators)."""

    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=100)  # required here as in the API (imports may lack them)
    last_name = forms.CharField(max_length=100)

    class Meta:
        model = User
        fields = EDITABLE_FIELDS

    def clean_first_name(self) -> str:
        return normalize_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return normalize_name(self.cleaned_data["last_name"])


@admin.register(User)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    list_display = ["account_number", "email", "first_name", "last_name", "role", "status", "created_at"]
    list_filter = ["status", "role"]
    search_fields = ["account_number"]  # the search itself is customers.selectors.customer_list
    search_help_text = "Exact account number, email prefix, or part of the name (at least 3 characters)."
    ordering = ["-created_at", "-id"]
    show_full_result_count = False  # no COUNT(*) over a million rows on every page
    readonly_fields = ["account_number", "public_id", "created_at", "updated_at", "last_login"]
    actions = ["freeze", "unfreeze", "close", "unlock"]

    def get_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        if obj is None:  # a new customer starts active
            return [field for field in EDITABLE_FIELDS if field != "status"]
        return [*EDITABLE_FIELDS, *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        if len(search_term.strip()) < 3:
            return queryset, False
        matches = selectors.customer_list(search=search_term)
        return queryset.filter(pk__in=matches.values("pk")), False

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # customers are closed, never deleted

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        data = {field: form.cleaned_data.get(field) for field in EDITABLE_FIELDS}
        try:
            if change:
                changes = {field: data[field] for field in form.changed_data if field in EDITABLE_FIELDS}
                services.customer_update(actor=request.user, customer=obj, changes=changes)
            else:  # a new customer starts active (get_fields offers no status) and without a password
                del data["status"]
                obj.pk = user_create(actor=request.user, **data).pk
        except BankAPIError as error:
            request.customer_save_refused = True
            self.message_user(request, str(error.detail), messages.ERROR)

    # When the service refused a save, the admin must not report or log it as done.
    def message_user(self, request: HttpRequest, message: str, level: int = messages.INFO, *args, **kwargs) -> None:
        if level == messages.SUCCESS and getattr(request, "customer_save_refused", False):
            return  # the refusal was reported instead
        super().message_user(request, message, level, *args, **kwargs)

    def log_addition(self, request: HttpRequest, obj: User, message: object) -> object:
        if getattr(request, "customer_save_refused", False):
            return None
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: User, message: object) -> object:
        if getattr(request, "customer_save_refused", False):
            return None
        return super().log_change(request, obj, message)

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

    @admin.action(description="Close selected customers")
    def close(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(request, queryset, services.customer_close, "Closed")

    @admin.action(description="Unlock selected customers' logins")
    def unlock(self, request: HttpRequest, queryset: QuerySet) -> None:
        for customer in queryset:
            lockout_clear(identifier=customer.account_number, actor=request.user)
        self.message_user(request, f"Unlocked {queryset.count()} customer(s).", messages.SUCCESS)
