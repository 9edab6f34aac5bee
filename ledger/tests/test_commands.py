"""
The ledger's operator commands: verify_ledger's exit status, and purge_idempotency_keys, which
forgets only keys older than IDEMPOTENCY_KEY_HOURS; and money moving on `make run`'s SQLite.
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


MOVE_MONEY = """
from accounts.services import user_create
from ledger.models import Account
from ledger.services import deposit_create, transfer_create
admin = user_create(actor=None, email="teller@example.com", role="admin")
ada = user_create(actor=None, email="ada@example.com")
bob = user_create(actor=None, email="bob@example.com")
deposit_create(actor=admin, account_number=ada.account_number, amount=1000)
transfer_create(actor=ada, from_account=ada.account_number, to_account=bob.account_number, amount=250)
print(sorted(Account.objects.filter(holder__in=[ada, bob]).values_list("balance", flat=True)))
"""


def test_money_moves_on_the_embedded_sqlite_database_of_make_run(tmp_path):
    sqlite = {"DJANGO_SETTINGS_MODULE": "bankapi.settings.local", "DATABASE_URL": f"sqlite:///{tmp_path}/run.sqlite3"}

    assert manage("migrate", "--noinput", **sqlite).returncode == 0
    moved = manage("shell", "-c", MOVE_MONEY, **sqlite)
    verified = manage("verify_ledger", **sqlite)

    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.strip().splitlines()[-1] == "[250, 750]"
    assert verified.returncode == 0, verified.stderr
