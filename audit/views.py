"""
Provides the audit trail endpoint for admins and auditors.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import StaffReadAdminWrite
from audit.selectors import audit_event_list
from audit.serializers import AuditEventListQuerySerializer, AuditEventSerializer
from bankapi.pagination import NewestFirstCursorPagination
from bankapi.schema import problem_responses


class AuditEventPagination(NewestFirstCursorPagination):
    ordering = ("-occurred_at", "-id")


class AuditEventViewSet(viewsets.GenericViewSet):
    """Read-only: the trail cannot be changed through the API (nor through SQL)."""

    permission_classes = [IsAuthenticated, StaffReadAdminWrite]
    pagination_class = AuditEventPagination
    serializer_class = AuditEventSerializer

    @extend_schema(
        summary="List audit events",
        parameters=[AuditEventListQuerySerializer],
        responses={200: AuditEventSerializer(many=True), **problem_responses(400, 401, 403, 429, 503)},
    )
    def list(self, request: Request) -> Response:
        query = AuditEventListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(audit_event_list(**query.validated_data))
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)
