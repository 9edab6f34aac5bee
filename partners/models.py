"""
A partner's API key: djangorestframework-api-key's model (a random prefix that finds the row, and
the key's SHA-512 hash; the key itself is never stored), with a name that identifies the partner.
"""

from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager


class PartnerKeyManager(APIKeyManager):
    def get_usable_keys(self) -> models.QuerySet:
        """Only the columns a request needs: the check reads one row by its prefix."""
        return super().get_usable_keys().only("id", "prefix", "hashed_key", "name", "revoked", "expiry_date")


class PartnerKey(AbstractAPIKey):
    objects = PartnerKeyManager()

    name = models.CharField(
        max_length=50,
        help_text=(
            "The partner's name: the actor of its calls in the audit trail, and how revoke_partner_key finds "
            "the key. One usable key per name; 50 characters at most."
        ),
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "partner API key"
        verbose_name_plural = "partner API keys"
        # The name is the partner's handle (the audit trail's actor, `revoke_partner_key NAME`):
        # one usable key per name. A revoked key keeps its name, so a partner can get a new key.
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(revoked=False),
                name="partner_key_one_usable_per_name",
                violation_error_message="This partner already has a usable key; revoke it first.",
            )
        ]
