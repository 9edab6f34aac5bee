"""
Provides partner keys (issue, revoke) and confirmation of payee.
"""

from datetime import datetime

from django.db import IntegrityError, transaction

from accounts.models import Role, Status, User
from audit.models import Action
from audit.services import SYSTEM_ACTOR, audit_record, audit_record_of_a_lookup
from partners.key_check import partner_keys_changed
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
    partner_keys_changed()
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
    partner_keys_changed()
    _audit_key(Action.PARTNER_KEY_REVOKED, key, actor)
    return key


def account_verify(*, partner_name: str, account_number: str, name: str) -> NameMatch:
    """
    Confirmation of payee: whether `name` is the name on the customer account `account_number`.
    An unknown number, a closed account or a staff member's number are all `no_match`, answered
    by the same single statement (the holder's read and the audit insert together), so that neither
    the answer nor the work done tells them apart. The audit event names the partner
    (`partner_name`: its key's name, never the key, or its OAuth app's name) and, when the number is
    a customer's, that customer; it is committed as a lookup's record (audit_record_of_a_lookup).
    """
    holder = audit_record_of_a_lookup(
        action=Action.PARTNER_KEY_USED,
        actor_label=partner_name,
        user_sql=_CUSTOMER_BY_NUMBER_SQL,
        params=[account_number, Role.CUSTOMER.value],
    )
    if holder is None or holder[_STATUS] == Status.CLOSED:
        return NameMatch.NO_MATCH
    return compare_names(name, f"{holder[_FIRST_NAME]} {holder[_LAST_NAME]}")


def _column(name: str) -> str:
    return f'"{User._meta.get_field(name).column}"'


# The holder's read, written once as SQL from the model's metadata (values always go as parameters):
# the columns the answer needs, after the two the audit event takes (id, account number).
_HOLDER_COLUMNS = ("id", "account_number", "first_name", "last_name", "status")
_FIRST_NAME, _LAST_NAME, _STATUS = (_HOLDER_COLUMNS.index(name) for name in ("first_name", "last_name", "status"))
_CUSTOMER_BY_NUMBER_SQL = (
    f"SELECT {', '.join(_column(name) for name in _HOLDER_COLUMNS)} "  # noqa: S608  # nosec B608 - names from model metadata
    f'FROM "{User._meta.db_table}" WHERE {_column("account_number")} = %s AND {_column("role")} = %s'
)
