"""
The ledger in the admin site, read-only: accounts with their balances, journal transactions and
their entries. Money moves only through ledger.services (the API, with an idempotency key); a
mistake is corrected by a reversal, never by editing, so nothing here can add, change or delete.
"""

from django.contrib import admin

from bankapi.admin_site import CappedCountPaginator, ReadOnlyAdminMixin
from ledger.currencies import format_amount
from ledger.models import Account, Entry, JournalTransaction


@admin.register(Account)
class AccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "kind", "holder", "currency", "balance_display", "created_at")
    list_filter = ("kind", "currency")
    search_fields = ("number",)
    list_select_related = ("holder",)
    paginator = CappedCountPaginator
    fields = ("number", "kind", "holder", "currency", "balance_display", "created_at")

    @admin.display(description="balance", ordering="balance")
    def balance_display(self, account: Account) -> str:
        return format_amount(account.balance, account.currency)


class EntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Entry
    fields = ("account", "amount_display", "balance_after_display", "occurred_at")
    readonly_fields = fields
    extra = 0

    @admin.display(description="amount")
    def amount_display(self, entry: Entry) -> str:
        return format_amount(entry.amount, entry.account.currency)

    @admin.display(description="balance after")
    def balance_after_display(self, entry: Entry) -> str:
        return format_amount(entry.balance_after, entry.account.currency)

    def has_add_permission(self, request, obj=None) -> bool:  # InlineModelAdmin's takes obj
        return False


@admin.register(JournalTransaction)
class JournalTransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("public_id", "kind", "debit_account", "credit_account", "amount_display", "created_at")
    list_filter = ("kind",)
    search_fields = ("=public_id", "debit_account__number", "credit_account__number")
    list_select_related = ("debit_account", "credit_account")
    date_hierarchy = "created_at"
    paginator = CappedCountPaginator
    inlines = (EntryInline,)
    fields = (
        "public_id",
        "kind",
        "debit_account",
        "credit_account",
        "amount_display",
        "reference",
        "reverses",
        "created_by",
        "created_at",
    )

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, movement: JournalTransaction) -> str:
        return f"{format_amount(movement.amount, movement.currency)} {movement.currency}"


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "account", "journal_transaction", "amount", "balance_after", "occurred_at")
    search_fields = ("account__number",)
    list_select_related = ("account", "journal_transaction")
    paginator = CappedCountPaginator
