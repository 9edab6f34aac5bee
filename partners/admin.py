"""
Partner API keys in the admin site: an admin issues a key (shown once, in the page that follows,
and kept only as a hash), sees each key's prefix, name and state, and revokes keys (on the key's
page, or several from the list). Keys are never deleted: a revoked key stays on record.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from partners import services
from partners.key_check import partner_keys_changed
from partners.models import PartnerKey

# The library registers its own concrete APIKey model, which this service does not use (partner
# keys are PartnerKey): an "Add" there would issue a key that authorizes nothing.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


class PartnerKeyForm(forms.ModelForm):
    """Refuses a second usable key for a name on the form, not with an error page after it."""

    class Meta:
        model = PartnerKey
        fields = ("name", "expiry_date", "revoked")

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        taken = PartnerKey.objects.get_usable_keys().filter(name=name).exclude(pk=self.instance.pk)
        if name and (self.instance._state.adding or not self.instance.revoked) and taken.exists():
            raise forms.ValidationError("This partner already has a usable key; revoke it first.")
        return name


@admin.register(PartnerKey)
class PartnerKeyAdmin(APIKeyModelAdmin):
    form = PartnerKeyForm
    list_display = ("prefix", "name", "created", "expiry_date", "_has_expired", "revoked")
    list_filter = ("revoked", "created")
    actions = ("revoke_selected",)

    def get_fields(self, request: HttpRequest, obj: PartnerKey | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("name", "expiry_date")
        return ("prefix", "name", "expiry_date", "revoked")

    def has_delete_permission(self, request: HttpRequest, obj: PartnerKey | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PartnerKey, form: object = None, change: bool = False) -> None:
        if change:
            revoking = "revoked" in form.changed_data and obj.revoked
            if revoking:  # through the service, which audits it
                obj.revoked = False
            obj.save()
            partner_keys_changed()  # an earlier expiry date counts at once, in every process
            if revoking:
                services.partner_key_revoke(name=obj.name, actor=request.user)
                obj.refresh_from_db()
            return
        created, key = services.partner_key_create(name=obj.name, expiry_date=obj.expiry_date, actor=request.user)
        obj.pk, obj.prefix, obj.hashed_key, obj.created = (
            created.pk,
            created.prefix,
            created.hashed_key,
            created.created,
        )
        obj._state.adding = False
        self.message_user(
            request,
            f"The API key for {created.name} is: {key} — store it somewhere safe now: it is not shown again.",
            messages.WARNING,
        )

    @admin.action(description="Revoke selected partner API keys")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[PartnerKey]) -> None:
        revoked = 0
        for name in queryset.filter(revoked=False).values_list("name", flat=True):
            services.partner_key_revoke(name=name, actor=request.user)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} partner API key(s).", messages.SUCCESS)
