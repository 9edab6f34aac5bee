"""
Ledger test data made through the ledger's own services: customers with current accounts, funded
by deposits, so that every balance has the entries that explain it.
"""

from accounts.models import User
from accounts.tests.factories import UserFactory
from ledger.models import Account
from ledger.services import account_open, deposit_create


def customer_with_account(*, balance: int = 0, teller: User | None = None, **user_fields) -> User:
    """A customer whose current account holds `balance` minor units (deposited by `teller`)."""
    customer = UserFactory(**user_fields)
    account_open(holder=customer)
    if balance:
        deposit_create(
            actor=teller or UserFactory(role="admin"), account_number=customer.account_number, amount=balance
        )
    return customer


def balance_of(user: User) -> int:
    return Account.objects.get(holder=user).balance
