"""
Provides the ledger's reads: an account as its viewer may see it, its statement, and the check of
every invariant that verify_ledger runs.
"""

from datetime import datetime

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import Coalesce

from accounts.models import Role, User
from ledger.models import Account, AccountKind, Entry, JournalTransaction


def account_get_for_viewer(*, viewer: User, number: str) -> Account | None:
    """A customer account its holder, an admin or an auditor may see; None for anyone else."""
    account = Account.objects.select_related("holder").filter(number=number, kind=AccountKind.CUSTOMER).first()
    if account is None:
        return None
    if viewer.role in (Role.ADMIN, Role.AUDITOR) or account.holder_id == viewer.pk:
        return account
    return None


def statement_entries(
    account: Account, *, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[Entry]:
    """The account's entries, newest first, with what a statement line shows of their movement."""
    entries = Entry.objects.filter(account=account)
    if since is not None:
        entries = entries.filter(occurred_at__gte=since)
    if until is not None:
        entries = entries.filter(occurred_at__lt=until)
    return entries.select_related(
        "account", "journal_transaction__debit_account", "journal_transaction__credit_account"
    ).order_by("-id")


def ledger_discrepancies() -> list[str]:
    """Every broken invariant of the ledger, one line each; an empty list when all hold."""
    problems: list[str] = []
    unbalanced = JournalTransaction.objects.annotate(
        total=Sum("entries__amount"), entries_count=Count("entries")
    ).filter(Q(total__isnull=True) | ~Q(total=0) | Q(entries_count__lt=2))
    for movement in unbalanced:
        total = movement.total or 0
        problems.append(
            f"journal transaction {movement.public_id}: {movement.entries_count} entries summing to {total}"
        )
    mismatched = Account.objects.annotate(entries_total=Coalesce(Sum("entries__amount"), 0)).exclude(
        balance=F("entries_total")
    )
    for account in mismatched:
        problems.append(
            f"account {account.number}: balance {account.balance} but its entries sum to {account.entries_total}"
        )
    for account in Account.objects.filter(kind=AccountKind.CUSTOMER, balance__lt=0):
        problems.append(f"account {account.number}: negative balance {account.balance}")
    running = Entry.objects.annotate(
        running_total=Window(Sum("amount"), partition_by=[F("account_id")], order_by=F("id").asc())
    ).values("id", "account__number", "balance_after", "running_total")
    for entry in running:
        if entry["balance_after"] != entry["running_total"]:
            problems.append(
                f"entry {entry['id']} on account {entry['account__number']}: balance_after {entry['balance_after']} "
                f"but the entries up to it sum to {entry['running_total']}"
            )
    return problems
