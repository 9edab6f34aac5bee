"""
The ledger's operator commands: verify_ledger's exit status, and purge_idempotency_keys, which
forgets only keys older than IDEMPOTENCY_KEY_HOURS.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import manage
from ledger.models import IdempotencyRecord


def test_verify_ledger_exits_0_on_a_consistent_ledger(transactional_db):
    result = manage("verify_ledger")

    assert result.returncode == 0, result.stderr
    assert "every invariant holds" in result.stdout


@pytest.mark.django_db
def test_purge_idempotency_keys_forgets_only_keys_past_their_keeping_time(settings):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    owner = UserFactory()
    now = timezone.now()
    for key, age in (("old", timedelta(hours=24, minutes=1)), ("recent", timedelta(hours=23, minutes=59))):
        IdempotencyRecord.objects.create(
            owner=owner, key=key, fingerprint="0" * 64, response_status=201, response_body="{}", created_at=now - age
        )

    call_command("purge_idempotency_keys")

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
