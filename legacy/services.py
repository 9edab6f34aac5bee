"""
Provides the writes and reads behind the Flask service's routes, each made of the services that
/api/v1 uses (accounts.services.user_create, customers.services.customer_update and
customer_close), with the details the Flask service kept (legacy.models.CustomerDetails) written in
the same transaction and audited with the rest.
"""

from datetime import date
from typing import Any

from django.db import connections, router, transaction
from django.db.models import QuerySet

from accounts.models import Status, User
from accounts.services import user_create
from audit.models import Action
from audit.services import audit_record, field_changes
from bankapi.errors import ConflictError
from customers import selectors as customer_selectors
from customers.services import customer_close, customer_update
from legacy.models import CustomerDetails

# The Flask service's words for a taken account number.
ACCOUNT_NUMBER_TAKEN = "User with this account number already exists"
DETAIL_FIELDS = ("address", "branch_code", "account_type", "opened_on")
# What a legacy profile is read from: the user row and its details, in one statement (LEFT JOIN).
PROFILE_VALUES = (
    "account_number",
    "first_name",
    "last_name",
    "phone",
    "last_login",
    "created_at",
    "legacy_details__address",
    "legacy_details__branch_code",
    "legacy_details__account_type",
    "legacy_details__opened_on",
)


class CustomerGoneError(Exception):
    """No such customer, or one that is closed (the Flask service deleted what this service closes)."""


@transaction.atomic
def legacy_customer_create(
    *,
    actor: User | None,
    self_registration: bool,
    account_number: str,
    first_name: str,
    last_name: str,
    phone_number: str,
    address: str,
    bank_account_type: str,
    date_of_account_opening: date,
    branch_code: str,
    password: str | None = None,
) -> User:
    """
    A customer as the Flask service's `POST /register` (`self_registration`) or `POST /` (`actor`, an
    admin) made one: their own account number (a conflict when taken), no email, and the details
    the Flask service kept, all in one transaction with the current account and the audit event.
    """
    details = {
        "address": address,
        "branch_code": branch_code,
        "account_type": bank_account_type,
        "opened_on": date_of_account_opening,
    }
    try:
        user = user_create(
            actor=actor,
            self_registration=self_registration,
            email=None,
            account_number=account_number,
            password=password,
            first_name=first_name,
            last_name=last_name,
            phone=phone_number,
            recorded_fields=details,
        )
    except ConflictError as exc:  # without an email, only the account number can be taken
        raise ConflictError(ACCOUNT_NUMBER_TAKEN) from exc
    CustomerDetails.objects.create(user=user, **details)
    return user


def legacy_customer_get(*, account_number: str) -> User:
    """The customer the Flask routes can see: not a closed one, which the Flask service would have deleted."""
    customer = customer_selectors.customer_get(account_number=account_number)
    if customer is None or customer.status == Status.CLOSED:
        raise CustomerGoneError()
    return customer


@transaction.atomic
def legacy_customer_update(
    *, actor: User, customer: User, user_changes: dict[str, Any], detail_changes: dict[str, Any]
) -> User:
    """
    The Flask service's `PUT /<account_number>`: the user's fields through customer_update (audited
    there), the details the Flask service kept in the same transaction, audited as
    `customer_updated` with their before and after values. A customer closed meanwhile is gone.
    """
    locked = User.objects.select_for_update().get(pk=customer.pk)
    if locked.status == Status.CLOSED:
        raise CustomerGoneError()
    if user_changes:
        locked = customer_update(actor=actor, customer=locked, changes=user_changes)
    if detail_changes:
        details, _ = CustomerDetails.objects.select_for_update().get_or_create(user=locked)
        # A value never given (or blank) reads as None, as in the creation event's `before`.
        before = {field: _given(getattr(details, field)) for field in detail_changes}
        diff = field_changes(before, {field: _given(value) for field, value in detail_changes.items()})
        if diff:
            for field in diff:
                setattr(details, field, detail_changes[field])
            details.save(update_fields=list(diff))
            audit_record(action=Action.CUSTOMER_UPDATED, actor=actor, target=locked, changes=diff)
    return locked


def _given(value: Any) -> Any:
    return None if value in ("", None) else value


def legacy_customer_close(*, actor: User, customer: User) -> None:
    """The Flask service's `DELETE /<account_number>`: the customer is closed (data kept), not deleted."""
    customer_close(actor=actor, customer=customer)


def legacy_profile_row(*, user: User) -> dict[str, Any]:
    """
    The profile of a user already read (by authentication): the details are one read by primary
    key, written once as SQL (the ORM took longer to build that query than PostgreSQL took to answer
    it: docs/performance.md, "The Flask routes"), and the rest comes from the row in hand.
    """
    connection = connections[router.db_for_read(CustomerDetails)]
    with connection.cursor() as cursor:
        cursor.execute(_DETAILS_SQL, [user.pk])
        found = cursor.fetchone()
    details = dict(zip(DETAIL_FIELDS, found, strict=True)) if found else dict.fromkeys(DETAIL_FIELDS)
    if details["opened_on"] is not None:  # SQLite (make run) answers a date as text
        details["opened_on"] = _OPENED_ON.to_python(details["opened_on"])
    row = {name: getattr(user, name) for name in PROFILE_VALUES if "__" not in name}
    row.update({f"legacy_details__{field}": value for field, value in details.items()})
    return row


_OPENED_ON = CustomerDetails._meta.get_field("opened_on")
# Names from the model's metadata; the user's id goes as a parameter.
_DETAILS_SQL = (
    "SELECT "  # noqa: S608  # nosec B608 - names from model metadata, the id as a parameter
    + ", ".join(f'"{CustomerDetails._meta.get_field(field).column}"' for field in DETAIL_FIELDS)
    + f' FROM "{CustomerDetails._meta.db_table}" WHERE "{CustomerDetails._meta.pk.column}" = %s'
)


def legacy_customer_list() -> QuerySet:
    """Everyone the Flask routes list, newest first: every user but closed ones, with their details."""
    return customer_selectors.customer_list().exclude(status=Status.CLOSED).values(*PROFILE_VALUES)


def legacy_account_type(*, user: User) -> str | None:
    """The kind of account the Flask service kept for `user`, if any."""
    account_type = CustomerDetails.objects.filter(user_id=user.pk).values_list("account_type", flat=True).first()
    return account_type or None
