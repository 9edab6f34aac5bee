"""
Every partner key issued or revoked is on the audit trail, by the admin who did it on the admin site
or by "system" for an operator's command, naming the partner and the key's public prefix, never the
key.
"""

import re

from django.conf import settings

from audit.models import Action, AuditEvent
from conftest import manage
from partners.models import PartnerKey
from partners.services import partner_key_create

CHANGELIST = f"/{settings.ADMIN_URL}partners/partnerkey/"
KEY_IN_MESSAGE = re.compile(r"The API key for Acme Payments is: (\S+) ")


def key_events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def assert_names_the_key_and_not_its_secret(event: AuditEvent, partner_key: PartnerKey, key: str | None) -> None:
    assert event.target_label == partner_key.name
    assert event.changes == {"prefix": partner_key.prefix}
    if key is not None:
        assert key.partition(".")[2] not in str(event.changes)


def test_a_key_issued_on_the_admin_site_is_audited_with_the_admin_as_actor(admin_site, admin_user):
    response = admin_site.post(
        f"{CHANGELIST}add/", {"name": "Acme Payments", "expiry_date_0": "", "expiry_date_1": ""}, follow=True
    )

    (key,) = KEY_IN_MESSAGE.findall(response.content.decode())
    (event,) = key_events(Action.PARTNER_KEY_ISSUED)
    assert (event.actor, event.actor_label) == (admin_user, admin_user.account_number)
    assert_names_the_key_and_not_its_secret(event, PartnerKey.objects.get(), key)


def test_a_key_revoked_on_its_admin_page_is_audited_with_the_admin_as_actor(admin_site, admin_user):
    partner_key, _ = partner_key_create(name="Acme Payments")

    admin_site.post(
        f"{CHANGELIST}{partner_key.pk}/change/",
        {"name": "Acme Payments", "expiry_date_0": "", "expiry_date_1": "", "revoked": "on"},
    )

    (event,) = key_events(Action.PARTNER_KEY_REVOKED)
    assert event.actor == admin_user
    assert_names_the_key_and_not_its_secret(event, partner_key, None)


def test_an_unchanged_key_saved_on_its_admin_page_records_no_revocation(admin_site):
    partner_key, _ = partner_key_create(name="Acme Payments")

    admin_site.post(
        f"{CHANGELIST}{partner_key.pk}/change/", {"name": "Acme Payments", "expiry_date_0": "", "expiry_date_1": ""}
    )

    assert key_events(Action.PARTNER_KEY_REVOKED) == []
    partner_key.refresh_from_db()
    assert not partner_key.revoked


def test_keys_revoked_from_the_admin_list_are_audited_one_event_each(admin_site, admin_user):
    acme, _ = partner_key_create(name="Acme Payments")
    other, _ = partner_key_create(name="Other Bank")

    admin_site.post(CHANGELIST, {"action": "revoke_selected", "_selected_action": [acme.pk, other.pk]})

    events = key_events(Action.PARTNER_KEY_REVOKED)
    assert sorted(event.target_label for event in events) == ["Acme Payments", "Other Bank"]
    assert {event.actor for event in events} == {admin_user}


def test_the_key_commands_are_audited_with_system_as_actor(transactional_db):
    issued = manage("create_partner_key", "Acme Payments")
    revoked = manage("revoke_partner_key", "Acme Payments")

    assert issued.returncode == revoked.returncode == 0
    partner_key = PartnerKey.objects.get()
    for action in (Action.PARTNER_KEY_ISSUED, Action.PARTNER_KEY_REVOKED):
        (event,) = key_events(action)
        assert (event.actor, event.actor_label) == (None, "system")
        assert_names_the_key_and_not_its_secret(event, partner_key, issued.stdout.split()[-1])
