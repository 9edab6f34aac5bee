"""
Provides the shape of audit events and of the audit list's filters.
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.account_numbers import ACCOUNT_NUMBER_PATTERN
from audit.models import Action, AuditEvent
from bankapi.serializers import QuerySerializer

# RFC 3339's date-time (section 5.6), as `format: date-time` means it: seconds and an offset required.
RFC3339_DATE_TIME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<time>[0-9]{2}:[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?P<fraction>\.[0-9]+)?(?P<offset>[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["id", "occurred_at", "actor", "action", "target", "outcome", "ip", "request_id", "changes"]
        read_only_fields = fields

    def get_actor(self, event: AuditEvent) -> str | None:
        """The actor's account number, "system" for an operator's command, or null if anonymous."""
        return event.actor_label or None

    def get_target(self, event: AuditEvent) -> str | None:
        """The target's account number (or the unknown identity a login named), or null."""
        return event.target_label or None


@extend_schema_field({"type": "string", "format": "date-time"})
class Rfc3339DateTimeField(serializers.DateTimeField):
    """
    Only what `format: date-time` admits: DRF's parser would also take a date alone, a space for the
    `T` or a time without an offset. A leap second (`:60`) is the start of the next minute. The
    moment is given back in UTC: PostgreSQL refuses offsets past 15:59 that RFC 3339 allows (up to
    23:59), and a moment before year 1 or after 9999 in UTC is the first or last one there is.
    """

    def to_internal_value(self, value: Any) -> datetime:
        match = RFC3339_DATE_TIME.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            self.fail("invalid", format="RFC 3339, e.g. 2026-01-31T09:30:00Z")
        leap = match["second"] == "60"
        second = "59" if leap else match["second"]
        text = f"{match['date']}T{match['time']}:{second}{(match['fraction'] or '')[:7]}{match['offset'].upper()}"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:  # a day or an hour that does not exist
            self.fail("invalid", format="RFC 3339, e.g. 2026-01-31T09:30:00Z")
        try:
            return moment.astimezone(UTC) + timedelta(seconds=1 if leap else 0)
        except OverflowError:  # before year 1 or after 9999 once in UTC
            return (
                datetime.min.replace(tzinfo=UTC)
                if moment.utcoffset() > timedelta(0)
                else datetime.max.replace(tzinfo=UTC)
            )


class AuditEventListQuerySerializer(QuerySerializer):
    actor = serializers.RegexField(
        r"^[^\x00]*$",  # DRF refuses U+0000 anyway; the schema says so
        required=False,
        max_length=255,
        trim_whitespace=False,
        help_text=(
            "Only events by this actor: an email (any case) or an account number, or `system` for operators' commands."
        ),
    )
    account_number = serializers.RegexField(
        ACCOUNT_NUMBER_PATTERN,
        required=False,
        trim_whitespace=False,
        help_text="Only events about this account number (the `target`), 12 digits.",
    )
    action = serializers.ChoiceField(choices=Action.choices, required=False, help_text="Only events of this action.")
    since = Rfc3339DateTimeField(
        required=False, help_text="Only events at or after this time (RFC 3339, e.g. `2026-01-31T09:30:00Z`)."
    )
    until = Rfc3339DateTimeField(
        required=False,
        help_text=(
            "Only events before this time (RFC 3339). With `since`, it must be later, else 400 `validation_error`."
        ),
    )

    def validate(self, attrs: dict) -> dict:
        if "since" in attrs and "until" in attrs and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": ["Must be after since."]})
        return attrs
