"""
Provides the staff reads of customers, each shaped to use an index of migration accounts/0003.
"""

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from accounts.account_numbers import is_account_number
from accounts.models import User


def customer_list(*, status: str | None = None, role: str | None = None, search: str | None = None) -> QuerySet:
    """
    Customers (and staff) newest first, optionally filtered. `search` is an exact account number
    (12 digits), else a case-insensitive email prefix or a fragment of "first last" name.
    """
    customers = User.objects.all()
    if status:
        customers = customers.filter(status=status)
    if role:
        customers = customers.filter(role=role)
    if search:
        term = search.strip()
        if is_account_number(term):
            customers = customers.filter(account_number=term)
        else:
            term = term.lower()
            customers = customers.annotate(email_lower=Lower("email")).filter(
                Q(email_lower__startswith=term) | Q(search_name__contains=term)
            )
    return customers.order_by("-created_at", "-id")


def customer_get(*, account_number: str) -> User | None:
    return User.objects.filter(account_number=account_number).first()
