"""
Third-party apps in the admin site: django-oauth-toolkit's Application, registered through
oauth.services so that only this server's grants and client types, exact redirect URIs (https, or
http to a loopback address) and the scopes the grant can carry are accepted, and a confidential
app's client secret is shown once, on the page after the add, and kept only as a hash.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from oauth2_provider.models import Application

from oauth import services
from oauth.scopes import ALLOWED_GRANT_TYPES, SCOPES_BY_GRANT, app_scopes

if admin.site.is_registered(Application):
    admin.site.unregister(Application)

_SCOPE_CHOICES = sorted({(scope, scope) for scopes in SCOPES_BY_GRANT.values() for scope in scopes})


class ApplicationAddForm(forms.ModelForm):
    """The add form: what oauth.services.oauth_app_create takes, checked by the same rules."""

    redirect_uris = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or more exact redirect URIs, separated by spaces or lines (authorization-code apps).",
    )
    scopes = forms.MultipleChoiceField(
        choices=_SCOPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="profile:read for authorization-code apps, account-verification for client-credentials apps. "
        "None ticked: every scope the grant can carry.",
    )

    class Meta:
        model = Application
        fields = ("name", "client_type", "authorization_grant_type", "redirect_uris")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        grant = self.fields["authorization_grant_type"]
        grant.choices = [(value, label) for value, label in grant.choices if value in ALLOWED_GRANT_TYPES]

    def clean(self) -> dict:
        cleaned = super().clean()
        try:
            services.check_app(
                name=cleaned.get("name") or "",
                client_type=cleaned.get("client_type") or "",
                grant=cleaned.get("authorization_grant_type") or "",
                redirect_uris=(cleaned.get("redirect_uris") or "").split(),
                scopes=cleaned.get("scopes") or None,
            )
        except services.OAuthAppError as exc:
            raise ValidationError(str(exc)) from exc
        return cleaned

    def _post_clean(self) -> None:
        """The model's own clean() would ask for its generated secret; the service makes the app."""


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "client_id", "client_type", "authorization_grant_type", "created")
    list_filter = ("client_type", "authorization_grant_type")
    search_fields = ("name", "client_id")
    readonly_fields = (
        "name",
        "client_id",
        "client_type",
        "authorization_grant_type",
        "redirect_uris",
        "allowed_scopes",
        "created",
    )

    def get_form(self, request: HttpRequest, obj: Application | None = None, **kwargs: object) -> type:
        if obj is None:
            kwargs["form"] = ApplicationAddForm
            kwargs["fields"] = (*ApplicationAddForm.Meta.fields, "scopes")
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Application | None = None) -> tuple[str, ...]:
        if obj is None:
            return (*ApplicationAddForm.Meta.fields, "scopes")
        return self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Application | None = None) -> tuple[str, ...]:
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        """An app is registered once, as it is; to change it, delete it (its tokens go with it) and add another."""
        return False

    @admin.display(description="allowed scopes")
    def allowed_scopes(self, obj: Application) -> str:
        return " ".join(app_scopes(obj))

    def save_model(self, request: HttpRequest, obj: Application, form: ApplicationAddForm, change: bool) -> None:
        """Only adds come here (an app's page is read-only): through the service, which audits it."""
        created, secret = services.oauth_app_create(
            name=form.cleaned_data["name"],
            client_type=form.cleaned_data["client_type"],
            grant=form.cleaned_data["authorization_grant_type"],
            redirect_uris=form.cleaned_data["redirect_uris"].split(),
            scopes=form.cleaned_data["scopes"] or None,
            actor=request.user,
        )
        obj.pk, obj.name, obj.client_id, obj.client_secret, obj.created = (
            created.pk,
            created.name,
            created.client_id,
            created.client_secret,
            created.created,
        )
        obj._state.adding = False
        shown = f"{created.name} is registered. client_id: {created.client_id}"
        if secret is not None:
            shown += f" — client_secret: {secret} — store the secret somewhere safe now: it is not shown again."
        self.message_user(request, shown, messages.WARNING)

    def save_related(self, request: HttpRequest, form: ApplicationAddForm, formsets: list, change: bool) -> None:
        """Nothing: the service saved the app's scopes."""
