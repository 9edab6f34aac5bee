"""
`manage.py verify_ledger`: checks every invariant of the ledger (each journal transaction's entries
sum to zero, each balance equals its entries, each running balance its entries so far, no customer
account below zero) and exits 1 naming each discrepancy.
"""

from django.core.management.base import BaseCommand, CommandError

from ledger.models import Account, Entry, JournalTransaction
from ledger.selectors import ledger_discrepancies


class Command(BaseCommand):
    help = "Check every invariant of the ledger; exit 1 naming each discrepancy."

    def handle(self, *args: object, **options: object) -> None:
        problems = ledger_discrepancies()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"the ledger has {len(problems)} discrepancies")
        self.stdout.write(
            f"Ledger verified: {Account.objects.count()} accounts, {JournalTransaction.objects.count()} "
            f"journal transactions, {Entry.objects.count()} entries; every invariant holds."
        )
