"""
Provides the serializer base that every request body goes through.
"""

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


class StrictSerializerMixin:
    """
    Rejects a body that is not a JSON object, and any field the serializer does not accept for
    writing, so that nothing (a role, a balance, an account number) is ever silently ignored or
    mass-assigned.
    """

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        writable = {name for name, field in self.fields.items() if not field.read_only}  # type: ignore[attr-defined]
        unknown = sorted(set(data) - writable)
        if unknown:
            raise serializers.ValidationError({name: ["Unknown or read-only field."] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    """A plain serializer that rejects unknown fields."""


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    """A model serializer that rejects unknown fields."""
