"""
Provides the one cursor pagination every list uses: `{results, next, previous}`, newest first,
`page_size` default 50, at most 200.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request


class NewestFirstCursorPagination(CursorPagination):
    """
    Cursor pagination on (created_at, id), newest first. A cursor is an opaque position, so rows
    added while a client walks the pages never shift what it has still to see. A cursor that does
    not decode, or whose position is not a value of the ordering field, is the client's input error.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")

    def _invalid_cursor(self) -> ValidationError:
        return ValidationError({self.cursor_query_param: ["Invalid cursor."]})

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound as exc:  # DRF says 404
            raise self._invalid_cursor() from exc

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: object = None) -> list | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, TypeError) as exc:  # e.g. a position that is not a date
            raise self._invalid_cursor() from exc
