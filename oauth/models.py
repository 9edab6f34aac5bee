"""
What django-oauth-toolkit's Application does not hold: the scopes an app may be granted.
"""

from django.db import models
from oauth2_provider.settings import oauth2_settings


class AppScopes(models.Model):
    """
    The scopes a registered app may ask for, space-separated (a subset of OAUTH2_PROVIDER's
    SCOPES). A token request for any other scope is refused (`invalid_scope`); an app without a
    row may be granted nothing.
    """

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="allowed_scopes"
    )
    scopes = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = "allowed scopes"
        verbose_name_plural = "allowed scopes"

    def __str__(self) -> str:
        return self.scopes

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()
