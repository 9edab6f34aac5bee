"""
Provides the role-based permission policies for staff endpoints.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.models import Role


class StaffReadAdminWrite(BasePermission):
    """Admins may do everything; auditors may only read; customers may do nothing."""

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        if user.role == Role.ADMIN:
            return True
        return user.role == Role.AUDITOR and request.method in SAFE_METHODS
