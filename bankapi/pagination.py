"""
Provides the one cursor pagination every list uses: `{results, next, previous}`, newest first,
`page_size` default 50, at most 200.
"""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request


class NewestFirstCursorPagination(CursorPagination):
    """
    Cursor pagination on (created_at, id), newest first. A cursor is an opaque position, so rows
    added while a client walks the pages never shift what it has still to see.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound as exc:  # DRF says 404; a malformed parameter is the client's input error
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from exc
