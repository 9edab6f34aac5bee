"""
What the Flask "Secure Banking API" kept about a customer that this service's user model does not:
the address, the branch, the kind of account and the day it was opened. Imported customers
(`import_customers`) and those created through the legacy routes have a row; others have none.
Age and gender are deliberately not kept (data minimisation).
"""

from django.conf import settings
from django.db import models

# As long as the Flask service's columns were; the importer and the legacy routes' bodies hold to them.
ADDRESS_MAX_LENGTH = 200
BRANCH_CODE_MAX_LENGTH = 10


class AccountType(models.TextChoices):
    SAVINGS = "savings", "Savings"
    CHECKING = "checking", "Checking"
    BUSINESS = "business", "Business"


class CustomerDetails(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="legacy_details"
    )
    address = models.CharField(max_length=ADDRESS_MAX_LENGTH, blank=True)
    branch_code = models.CharField(max_length=BRANCH_CODE_MAX_LENGTH, blank=True)
    account_type = models.CharField(max_length=16, choices=AccountType.choices, blank=True)
    opened_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "details from the Flask service"
        verbose_name_plural = "details from the Flask service"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account_type__in=[*AccountType.values, ""]), name="legacy_account_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_type or 'account'} opened {self.opened_on or 'on an unknown day'}"
