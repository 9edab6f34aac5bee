"""
Provides partner keys (issue, revoke) and confirmation of payee.
"""

from datetime import datetime

from django.db import IntegrityError, transaction

from accounts.models import Role, Status, User
from audit.models import Action
from audit.services import SYSTEM_ACTOR, audit_record, audit_record_of_a_read
from partners.matching import NameMatch, compare_names
from partners.models import PartnerKey

PARTNER_KEY_NAME_MAX_LENGTH = PartnerKey._meta.get_field("name").max_length


class PartnerKeyError(Exception):
    """A key cannot be issued or revoked as asked; the message says why, in one line."""


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise PartnerKeyError("a partner key needs a name")
    if len(cleaned) > PARTNER_KEY_NAME_MAX_LENGTH:
        raise PartnerKeyError(f"a partner key's name has at most {PARTNER_KEY_NAME_MAX_LENGTH} characters")
    if not cleaned.isprintable():
        raise PartnerKeyError("a partner key's name cannot hold control characters")
    return cleaned


def _audit_key(action: str, partner_key: PartnerKey, actor: User | None) -> None:
    """A key's issue or revocation, by an admin (`actor`) or an operator's command ("system")."""
    audit_record(
        action=action,
        actor=actor,
        actor_label=None if actor is not None else SYSTEM_ACTOR,
        target_label=partner_key.name,
        changes={"prefix": partner_key.prefix},
    )


@transaction.atomic
def partner_key_create(
    *, name: str, expiry_date: datetime | None = None, actor: User | None = None
) -> tuple[PartnerKey, str]:
    """
    A new key for the partner `name`: the row keeps only its hash, so the key returned here is the
    only copy there will ever be. One usable key per name, so that the name identifies the partner.
    """
    name = _clean_name(name)
    taken = PartnerKeyError(f"partner {name!r} already has a usable key; revoke it first")
    if PartnerKey.objects.get_usable_keys().filter(name=name).exists():
        raise taken
    try:
        with transaction.atomic():
            partner_key, key = PartnerKey.objects.create_key(name=name, expiry_date=expiry_date)
    except IntegrityError as exc:  # issued for the same name at the same moment
        raise taken from exc
    _audit_key(Action.PARTNER_KEY_ISSUED, partner_key, actor)
    return partner_key, key


@transaction.atomic
def partner_key_revoke(*, name: str, actor: User | None = None) -> PartnerKey:
    """Revoke the usable key of the partner `name`; requests with it are refused from now on."""
    name = _clean_name(name)
    key = PartnerKey.objects.select_for_update().filter(name=name, revoked=False).first()
    if key is None:
        raise PartnerKeyError(f"no usable partner key named {name!r}")
    key.revoked = True
    key.save(update_fields=["revoked"])
    _audit_key(Action.PARTNER_KEY_REVOKED, key, actor)
    return key


def account_verify(*, partner_name: str, account_number: str, name: str) -> NameMatch:
    """
    Confirmation of payee: whether `name` is the name on the customer account `account_number`.
    An unknown number, a closed account or a staff member's number are all `no_match`, answered
    by the same statements (one read, one audit insert), so that neither the answer nor the work
    done tells them apart. The audit insert is the only write, committed as a read's record
    (audit_record_of_a_read). The audit event names the partner (`partner_name`: its key's name,
    never the key, or its OAuth app's name) and, when the number is a customer's, that customer.
    """
    holder = (
        User.objects.filter(account_number=account_number, role=Role.CUSTOMER)
        .only("id", "account_number", "first_name", "last_name", "status")
        .first()
    )
    if holder is None or holder.status == Status.CLOSED:
        result = NameMatch.NO_MATCH
    else:
        result = compare_names(name, f"{holder.first_name} {holder.last_name}")
    audit_record_of_a_read(action=Action.PARTNER_KEY_USED, actor_label=partner_name, target=holder)
    return result
