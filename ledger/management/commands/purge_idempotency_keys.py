"""
`manage.py purge_idempotency_keys`: forgets the outcomes stored under Idempotency-Keys older than
IDEMPOTENCY_KEY_HOURS (24 by default), which the contract keeps at least that long. Run it daily.
"""

from django.core.management.base import BaseCommand

from ledger.services import idempotency_records_purge


class Command(BaseCommand):
    help = "Forget idempotency keys older than IDEMPOTENCY_KEY_HOURS."

    def handle(self, *args: object, **options: object) -> None:
        purged = idempotency_records_purge()
        self.stdout.write(f"Purged {purged} idempotency keys.")
