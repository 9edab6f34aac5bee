"""
Provides the one cursor pagination every list uses: `{results, next, previous}`, newest first,
`page_size` default 50, at most 200, and how the OpenAPI schema describes it.
"""

import re
from base64 import b64encode
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

POSITIVE_INTEGER = re.compile(r"[0-9]+")
EXAMPLE_BASE_URL = "https://api.bank.example"
EXAMPLE_POSITION = "2026-01-31 09:30:00.123456+00:00"


class NewestFirstCursorPagination(CursorPagination):
    """
    Cursor pagination on (created_at, id), newest first. A cursor is an opaque position, so rows
    added while a client walks the pages never shift what it has still to see. A cursor that does
    not decode, or whose position is not a value of the ordering field, is the client's input error,
    and so is a `page_size` that is not a positive integer (DRF would quietly use the default).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")

    def _invalid_cursor(self) -> ValidationError:
        return ValidationError({self.cursor_query_param: ["Invalid cursor."]})

    def get_page_size(self, request: Request) -> int:
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not POSITIVE_INTEGER.fullmatch(value) or int(value) < 1:
            raise ValidationError({self.page_size_query_param: ["A positive integer."]})
        return min(int(value), self.max_page_size)

    def decode_cursor(self, request: Request) -> Cursor | None:
        if request.query_params.get(self.cursor_query_param) == "":  # DRF would take it for the first page
            raise self._invalid_cursor()
        try:
            return super().decode_cursor(request)
        except NotFound as exc:  # DRF says 404
            raise self._invalid_cursor() from exc

    def check_query(self, request: Request) -> None:
        """
        Refuse a bad `page_size` or `cursor` where nothing is paged (a statement as CSV), since the
        operation declares them all the same: sent, they must be valid, even if nothing reads them.
        """
        self.get_page_size(request)
        self.decode_cursor(request)

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: object = None) -> list | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, TypeError) as exc:  # e.g. a position that is not a date
            raise self._invalid_cursor() from exc

    # OpenAPI -------------------------------------------------------------------------------------

    def get_schema_operation_parameters(self, view: object) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Where to continue: the cursor of a `next` or `previous` link, passed on as it is. It is an "
                    "opaque position, so anything else is 400 `validation_error`. Without it, the newest page."
                ),
                "schema": {"type": "string", "minLength": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"How many results a page holds: {self.page_size} unless given; a larger value than "
                    f"{self.max_page_size} is taken as {self.max_page_size}."
                ),
                "schema": {"type": "integer", "minimum": 1, "default": self.page_size},
            },
        ]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = "The link to the {} page, with the query of this request and a `cursor`; null on the {} page."
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": link.format("next", "last"),
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": link.format("previous", "first"),
                },
                "results": schema,
            },
        }

    @classmethod
    def example_link(cls, path: str, *, reverse: bool) -> str:
        """A `next` (or `previous`) link of the list at `path`, encoded as DRF encodes cursors."""
        tokens = {"r": "1", "p": EXAMPLE_POSITION} if reverse else {"p": EXAMPLE_POSITION}
        cursor = b64encode(urlencode(tokens).encode("ascii")).decode("ascii")
        return f"{EXAMPLE_BASE_URL}{path}?{urlencode({cls.cursor_query_param: cursor})}"
