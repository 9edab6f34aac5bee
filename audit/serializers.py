"""
Provides the shape of audit events and of the audit list's filters.
"""

from rest_framework import serializers

from accounts.account_numbers import ACCOUNT_NUMBER_PATTERN
from audit.models import Action, AuditEvent


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


class AuditEventListQuerySerializer(serializers.Serializer):
    actor = serializers.CharField(required=False, max_length=255)
    account_number = serializers.RegexField(ACCOUNT_NUMBER_PATTERN, required=False)
    action = serializers.ChoiceField(choices=Action.choices, required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict) -> dict:
        if "since" in attrs and "until" in attrs and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": ["Must be after since."]})
        return attrs
