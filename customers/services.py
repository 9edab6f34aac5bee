"""
Provides every staff write to an existing customer (a new one is accounts.services.user_create).
The API, the admin site and management commands all call these, so the rules (the last active
admin, closed is final, tokens revoked, the audit trail) are written once.
"""

import hashlib
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import Role, Status, User
from accounts.selectors import email_is_taken
from accounts.services import EDITABLE_FIELDS, EMAIL_TAKEN, user_revoke_tokens
from audit.models import Action
from audit.services import audit_record, field_changes
from bankapi.errors import ConflictError, PreconditionFailedError
from ledger.services import account_close_check, account_open_if_missing


def customer_etag(customer: User) -> str:
    """A strong ETag of the customer's current version (it changes with every write)."""
    version = f"{customer.public_id}:{customer.updated_at.isoformat()}"
    return '"' + hashlib.sha256(version.encode()).hexdigest()[:32] + '"'


def _if_match_satisfied(if_match: str, customer: User) -> bool:
    tags = [tag.strip() for tag in if_match.split(",")]
    return "*" in tags or customer_etag(customer) in tags


def _lock_for_change(customer: User, *, guards_admins: bool) -> User:
    """
    Lock the customer's row for the change. When the change could leave no active admin, lock every
    active admin first (always in id order, so two such changes wait for each other, never
    deadlock), then count them under that lock.
    """
    if guards_admins:
        list(User.objects.select_for_update().filter(role=Role.ADMIN, status=Status.ACTIVE).order_by("id"))
    return User.objects.select_for_update().get(pk=customer.pk)


def _would_remove_last_active_admin(locked: User, after: dict[str, Any]) -> bool:
    if not (locked.role == Role.ADMIN and locked.status == Status.ACTIVE):
        return False
    stays_active_admin = after.get("role", locked.role) == Role.ADMIN and after.get("status", locked.status) == (
        Status.ACTIVE
    )
    if stays_active_admin:
        return False
    return not User.objects.filter(role=Role.ADMIN, status=Status.ACTIVE).exclude(pk=locked.pk).exists()


@transaction.atomic
def customer_update(*, actor: User, customer: User, changes: dict[str, Any], if_match: str | None = None) -> User:
    """
    Change a customer's editable fields. With `if_match`, the change applies only to the version
    the client last saw (412 otherwise); without it, the last write wins. A change of role or a
    status other than active revokes the customer's tokens. A customer whose account holds money
    cannot be closed (409) until it is paid out.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if changes.get("status") == Status.CLOSED and customer.status != Status.CLOSED:
        account_close_check(holder=customer)  # the account first: the order movements lock in
    locked = _lock_for_change(customer, guards_admins="role" in changes or "status" in changes)
    if if_match is not None and not _if_match_satisfied(if_match, locked):
        raise PreconditionFailedError()
    diff = field_changes({field: getattr(locked, field) for field in changes}, changes)
    if not diff:
        return locked
    if locked.status == Status.CLOSED:
        raise ConflictError("A closed customer cannot be changed.")
    if _would_remove_last_active_admin(locked, changes):
        raise ConflictError("The last active admin cannot be demoted, frozen or closed.")
    if "email" in diff and email_is_taken(changes["email"], exclude=locked):
        raise ConflictError(EMAIL_TAKEN)
    for field in diff:
        setattr(locked, field, changes[field])
    try:
        with transaction.atomic():
            locked.save(update_fields=[*diff, "updated_at"])
    except IntegrityError as exc:  # the unique constraint on lower(email) decided a race
        raise ConflictError(EMAIL_TAKEN) from exc
    closing = diff.get("status", {}).get("after") == Status.CLOSED
    audit_record(
        action=Action.CUSTOMER_CLOSED if closing else Action.CUSTOMER_UPDATED,
        actor=actor,
        target=locked,
        changes=diff,
    )
    if "role" in diff or ("status" in diff and changes["status"] != Status.ACTIVE):
        user_revoke_tokens(user=locked, actor=actor)
    if "role" in diff:
        account_open_if_missing(holder=locked)
    return locked


def customer_close(*, actor: User, customer: User) -> None:
    """Soft-close: status `closed`, login disabled, tokens revoked, data kept. Closing twice is a no-op."""
    customer_update(actor=actor, customer=customer, changes={"status": Status.CLOSED})


def customer_freeze(*, actor: User, customer: User) -> User:
    return customer_update(actor=actor, customer=customer, changes={"status": Status.FROZEN})


def customer_unfreeze(*, actor: User, customer: User) -> User:
    return customer_update(actor=actor, customer=customer, changes={"status": Status.ACTIVE})
