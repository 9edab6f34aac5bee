"""
Provides the drf-spectacular preprocessing hook that shows the Flask service's routes in the
OpenAPI document only while they are served (LEGACY_API_ENABLED).
"""

from typing import Any

from django.conf import settings


def preprocess_legacy_routes(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    """Leave the legacy routes out of the schema while LEGACY_API_ENABLED is off (they are 404 then)."""
    if settings.LEGACY_API_ENABLED:
        return endpoints
    from legacy.views import LegacyAPIView  # imported late: the views import DRF's settings

    return [endpoint for endpoint in endpoints if not issubclass(getattr(endpoint[3], "cls", object), LegacyAPIView)]
