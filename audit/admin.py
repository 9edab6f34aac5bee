"""
The audit trail in the admin site, read-only: times to the second in UTC, a date drill-down, one
column per person (account number and email), `changes` as a before/after table, and a search by
a customer's email or account number that finds what they did and what was done to them.

The trail grows with every login, so nothing here reads all of it: the page count stops at
CappedCountPaginator's cap, the date drill-down probes periods on the occurred_at index, the action
filter probes actions on the action index, and a search by person uses the label indexes.
"""

import json
from datetime import UTC, datetime
from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts import lockout
from accounts.models import User
from audit.models import Action, AuditEvent
from audit.selectors import audit_account_number_for, audit_actions_present
from bankapi.admin_site import CappedCountPaginator, DateDrillDownQuerySet, ReadOnlyAdminMixin


def utc(moment: datetime) -> str:
    """`2026-12-02 07:41:05 UTC`: to the second, and saying which zone."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


class PresentActionFilter(admin.SimpleListFilter):
    """The actions that have events (audit.selectors.audit_actions_present), not every Action."""

    title = "action"
    parameter_name = "action__exact"  # the URL of the plain field filter this replaces

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        labels = dict(Action.choices)
        return [(action, labels[action]) for action in audit_actions_present()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the database refuses changes to audit events anyway."""

    # What fits beside the navigation and the filters at 1280 px; the IP address and the request id
    # are on the event's page (and a request id can be searched for).
    list_display = ["occurred_column", "action", "outcome", "actor_column", "target_column"]
    list_select_related = ["actor", "target"]
    list_filter = [PresentActionFilter, "outcome"]
    date_hierarchy = "occurred_at"
    search_fields = ["=request_id"]  # the search itself is get_search_results
    search_help_text = (
        "A customer's email or account number (the events where they acted or were acted on), "
        '"system", an email a failed login typed, or a request id.'
    )
    ordering = ["-occurred_at", "-id"]
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # per-choice counts would each read their share of the trail
    fields = [
        "occurred",
        "action",
        "outcome",
        "actor_detail",
        "target_detail",
        "ip_address",
        "request",
        "changes_table",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        return DateDrillDownQuerySet(model=queryset.model, query=queryset.query, using=queryset.db)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        """
        The events of whoever the term names, as actor or target, by the labels events keep (the
        API's `actor` filter's rule, audit_account_number_for), or the events of a request id.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        if number := audit_account_number_for(term):
            return queryset.filter(Q(actor_label=number) | Q(target_label=number)), False
        # A login on no account kept the email it named as the lockout spells it (lower case).
        labels = {term, lockout.kept_identifier(lockout.lockout_key(term, account_number=None))} - {None}
        # request_id has no index: only a term that names no account costs a read of the trail.
        return queryset.filter(Q(actor_label__in=labels) | Q(target_label__in=labels) | Q(request_id=term)), False

    @admin.display(description="Time", ordering="occurred_at")
    def occurred_column(self, event: AuditEvent) -> str:
        """`utc`, wrapping between the date and the time only (the column is narrow)."""
        day, time = utc(event.occurred_at).split(" ", 1)
        return format_html('<span class="nowrap">{}</span> <span class="nowrap">{}</span>', day, time)

    @admin.display(description="Time")
    def occurred(self, event: AuditEvent) -> str:
        return utc(event.occurred_at)

    @admin.display(description="Actor")
    def actor_column(self, event: AuditEvent) -> str:
        return stacked_person(event.actor, event.actor_label, nobody="anonymous")

    @admin.display(description="Target")
    def target_column(self, event: AuditEvent) -> str:
        return stacked_person(event.target, event.target_label, nobody="—")

    @admin.display(description="IP address")
    def ip_address(self, event: AuditEvent) -> str:
        return event.ip or "—"

    @admin.display(description="Request ID")
    def request(self, event: AuditEvent) -> str:
        return event.request_id or "—"

    @admin.display(description="Actor")
    def actor_detail(self, event: AuditEvent) -> str:
        return linked_person(event.actor, event.actor_label, nobody="anonymous")

    @admin.display(description="Target")
    def target_detail(self, event: AuditEvent) -> str:
        return linked_person(event.target, event.target_label, nobody="—")

    @admin.display(description="Changes")
    def changes_table(self, event: AuditEvent) -> str:
        return changes_table(event.changes)


def person(user: User | None, label: str, *, nobody: str) -> str:
    """
    An account number and its email now (a staff member created by a command may have none), the
    label an event kept for someone with no account ("system", an email a login typed), or `nobody`.
    """
    if user is not None:
        return f"{user.account_number} · {user.email}" if user.email else user.account_number
    return label or nobody


def stacked_person(user: User | None, label: str, *, nobody: str) -> str:
    """`person` in a narrow column: the account number above the email, in small print."""
    if user is None or not user.email:
        return person(user, label, nobody=nobody)
    return format_html('{}<br><span class="small quiet">{}</span>', user.account_number, user.email)


def linked_person(user: User | None, label: str, *, nobody: str) -> str:
    """`person`, linked to the customer's page."""
    if user is None:
        return person(user, label, nobody=nobody)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    return format_html('<a href="{}">{}</a>', url, person(user, label, nobody=nobody))


def changes_table(changes: dict[str, Any]) -> SafeString | str:
    """
    {field: {"before": …, "after": …}} as a table of fields, before and after; a value that is no
    such pair (a lockout's length) spans both columns. Every value is escaped.
    """
    if not changes:
        return "—"
    rows = []
    for field, change in changes.items():
        if isinstance(change, dict) and change.keys() == {"before", "after"}:
            rows.append(
                format_html(
                    '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
                    field,
                    shown(change["before"]),
                    shown(change["after"]),
                )
            )
        else:
            rows.append(format_html('<tr><th scope="row">{}</th><td colspan="2">{}</td></tr>', field, shown(change)))
    return format_html(
        '<table class="audit-changes"><thead><tr><th scope="col">Field</th><th scope="col">Before</th>'
        '<th scope="col">After</th></tr></thead><tbody>{}</tbody></table>',
        format_html_join("", "{}", ((row,) for row in rows)),
    )


def shown(value: Any) -> str:
    """A value as staff read it: text as it is, nothing as a dash, anything else as JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value or '""'
    return json.dumps(value, ensure_ascii=False)
