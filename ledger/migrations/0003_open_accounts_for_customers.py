"""
Every customer registered before the ledger existed gets the current account every customer has:
numbered as the customer, in DEFAULT_CURRENCY, empty.
"""

from django.conf import settings
from django.db import migrations


def open_accounts(apps, schema_editor) -> None:
    User = apps.get_model("accounts", "User")
    Account = apps.get_model("ledger", "Account")
    customers = User.objects.filter(role="customer", ledger_account__isnull=True).only("id", "account_number")
    batch = []
    for customer in customers.iterator(chunk_size=5000):
        batch.append(
            Account(
                number=customer.account_number,
                kind="customer",
                holder_id=customer.id,
                currency=settings.DEFAULT_CURRENCY,
            )
        )
        if len(batch) == 5000:
            Account.objects.bulk_create(batch)
            batch = []
    Account.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_guards"), ("accounts", "0007_customer_names")]

    operations = [migrations.RunPython(open_accounts, migrations.RunPython.noop)]
