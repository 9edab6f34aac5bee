"""
Provides the shape of a customer's list of authorized apps.
"""

from rest_framework import serializers


class AuthorizationSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text="The authorization's id: `DELETE /api/v1/profile/authorizations/{id}` revokes it."
    )
    app = serializers.CharField(help_text="The app's name, as the bank registered it.")
    scopes = serializers.ListField(
        child=serializers.CharField(), help_text="The scopes you granted it, e.g. `profile:read`."
    )
    created_at = serializers.DateTimeField(help_text="When the earliest of its live tokens was issued (RFC 3339, UTC).")


class AuthorizationListSerializer(serializers.Serializer):
    results = AuthorizationSerializer(many=True, help_text="Newest first.")
