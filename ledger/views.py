"""
Provides the money endpoints: an account and its statement, transfers, deposits, withdrawals and
reversals. Every POST that moves money runs once per `Idempotency-Key` (ledger/idempotency.py).
"""

import csv
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import StaffReadAdminWrite
from bankapi.errors import NotFoundError, problem_response
from bankapi.pagination import NewestFirstCursorPagination
from bankapi.schema import problem_responses
from ledger import selectors, services
from ledger.idempotency import IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER, idempotency_key, request_fingerprint, run_once
from ledger.models import JournalTransaction
from ledger.serializers import (
    AccountSerializer,
    CashMovementSerializer,
    MovementSerializer,
    StatementLineSerializer,
    StatementQuerySerializer,
    TransferSerializer,
)

MONEY_TAG = "Accounts and money"
ACCOUNT_NUMBER = OpenApiParameter(
    "account_number",
    str,
    OpenApiParameter.PATH,
    pattern="^[0-9]{12}$",
    description="The account number, 12 digits. Anything else, or an account you may not see, is 404.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_KEY_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=True,
    pattern="^[\\x20-\\x7e]{1,255}$",
    description=(
        "Required (else 400 `idempotency_key_required`): 1 to 255 printable ASCII characters, unique per "
        "movement you mean. Sent again with the same body, the first outcome is returned again (with "
        "`Idempotent-Replayed: true`), for at least 24 hours; with another body, 422 "
        "`idempotency_key_reused`; while the first request is still running, it waits for it, and "
        "after IDEMPOTENCY_WAIT_SECONDS gets 409 `conflict`."
    ),
)
REPLAYED = OpenApiParameter(
    REPLAYED_HEADER,
    str,
    OpenApiParameter.HEADER,
    response=True,
    enum=["true"],
    description="Present when this is the stored outcome of an earlier request with the same key.",
)
MOVEMENT_ID = OpenApiParameter(
    "movement_id",
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    description="The `id` of a posted movement (a transfer, deposit or withdrawal). Anything else is 404.",
)
CASH_EXAMPLE = OpenApiExample("Cash", value={"amount": "250.00", "reference": "Branch 12"}, request_only=True)
MOVEMENT_REFUSALS = (
    (422, "insufficient_funds", "account_not_active", "invalid_destination", "idempotency_key_reused"),
)


# What a money-moving POST with a body can answer besides its 201.
MOVEMENT_WITH_BODY_PROBLEMS = problem_responses(
    (400, "validation_error", "malformed_json", "idempotency_key_required"),
    401,
    403,
    404,
    409,
    413,
    415,
    *MOVEMENT_REFUSALS,
    429,
    503,
)


class MayMoveMoney(BasePermission):
    """Customers (from their own account) and admins move money; auditors only read."""

    def has_permission(self, request: Request, view: object) -> bool:
        return request.user is not None and request.user.role in (Role.CUSTOMER, Role.ADMIN)


def _run_movement(request: Request, perform: Callable[[], JournalTransaction]) -> HttpResponse:
    """Run a movement once per Idempotency-Key and answer with its (possibly stored) outcome."""
    key = idempotency_key(request)
    outcome = run_once(
        owner=request.user,
        key=key,
        fingerprint=request_fingerprint(method=request.method, path=request.path, body=request.data),
        perform=lambda: (status.HTTP_201_CREATED, _json(MovementSerializer(perform()).data)),
    )
    headers = {REPLAYED_HEADER: "true"} if outcome.replayed else {}
    if outcome.refused:
        refusal = outcome.refusal()
        return problem_response(status=outcome.status, code=refusal["code"], detail=refusal["detail"], headers=headers)
    return HttpResponse(outcome.body, status=outcome.status, headers=headers, content_type="application/json")


def _json(data: Any) -> str:
    """The body as DRF's JSON renderer writes it, kept as text so that a replay is the same bytes."""
    return JSONRenderer().render(data).decode()


class TransferListView(APIView):
    permission_classes = [MayMoveMoney]

    @extend_schema(
        summary="Transfer money",
        description=(
            "From your own account (an admin: from any customer's) to another customer's. Posted at once "
            "as one journal transaction, or refused whole: the destination unknown, closed or in another "
            "currency (422 `invalid_destination`), the source frozen or closed (422 `account_not_active`), "
            "not enough money (422 `insufficient_funds`). Someone else's account as the source is 404."
        ),
        tags=[MONEY_TAG],
        parameters=[IDEMPOTENCY_KEY, REPLAYED],
        request=TransferSerializer,
        examples=[
            OpenApiExample(
                "Rent",
                value={
                    "from_account": "400012345678",
                    "to_account": "400087654321",
                    "amount": "850.00",
                    "reference": "Rent",
                },
                request_only=True,
            )
        ],
        responses={201: MovementSerializer, **MOVEMENT_WITH_BODY_PROBLEMS},
    )
    def post(self, request: Request) -> HttpResponse:
        idempotency_key(request)
        serializer = TransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _run_movement(request, lambda: services.transfer_create(actor=request.user, **serializer.validated_data))


class MovementReverseView(APIView):
    permission_classes = [StaffReadAdminWrite]

    @extend_schema(
        summary="Reverse a movement (admin)",
        description=(
            "Posts the reversing transaction: the same amount back. Once: a second reversal is 409 "
            "`conflict`. Refused (422) when the money has since left the account it went to."
        ),
        tags=[MONEY_TAG],
        parameters=[MOVEMENT_ID, IDEMPOTENCY_KEY, REPLAYED],
        request=None,
        responses={
            201: MovementSerializer,
            **problem_responses((400, "idempotency_key_required"), 401, 403, 404, 409, *MOVEMENT_REFUSALS, 429, 503),
        },
    )
    def post(self, request: Request, movement_id: str) -> HttpResponse:
        return _run_movement(request, lambda: services.movement_reverse(actor=request.user, public_id=movement_id))


def _cash_movement_view(service: Callable[..., JournalTransaction], summary: str, description: str) -> type[APIView]:
    class CashMovementView(APIView):
        permission_classes = [StaffReadAdminWrite]

        @extend_schema(
            summary=summary,
            description=description,
            tags=[MONEY_TAG],
            parameters=[ACCOUNT_NUMBER, IDEMPOTENCY_KEY, REPLAYED],
            request=CashMovementSerializer,
            examples=[CASH_EXAMPLE],
            responses={201: MovementSerializer, **MOVEMENT_WITH_BODY_PROBLEMS},
        )
        def post(self, request: Request, account_number: str) -> HttpResponse:
            idempotency_key(request)
            serializer = CashMovementSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            return _run_movement(
                request,
                lambda: service(actor=request.user, account_number=account_number, **serializer.validated_data),
            )

    return CashMovementView


DepositView = _cash_movement_view(
    services.deposit_create,
    "Deposit cash (admin)",
    "Cash paid in at the bank, from its cash account. A closed account is 422 `account_not_active`.",
)
WithdrawalView = _cash_movement_view(
    services.withdrawal_create,
    "Withdraw cash (admin)",
    "Cash paid out at the bank, to its cash account. Refused (422) for a frozen or closed account, or "
    "more than the balance.",
)


def _account_for(request: Request, account_number: str):
    account = selectors.account_get_for_viewer(viewer=request.user, number=account_number)
    if account is None:
        raise NotFoundError()
    return account


class AccountView(APIView):
    @extend_schema(
        summary="Read an account",
        description="Its holder, an admin or an auditor; anyone else gets 404.",
        tags=[MONEY_TAG],
        parameters=[ACCOUNT_NUMBER],
        responses={200: AccountSerializer, **problem_responses(401, 404, 429, 503)},
    )
    def get(self, request: Request, account_number: str) -> Response:
        return Response(AccountSerializer(_account_for(request, account_number)).data)


class StatementPagination(NewestFirstCursorPagination):
    ordering = ("-id",)


class StatementCSVRenderer(BaseRenderer):
    """Lets `?format=csv` (or `Accept: text/csv`) through content negotiation; the view streams it."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return b""


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_COLUMNS = ("id", "occurred_at", "kind", "amount", "balance_after", "counterparty", "reference")


def _csv_rows(lines: Iterator[dict[str, Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for line in lines:
        yield writer.writerow(["" if line[column] is None else line[column] for column in CSV_COLUMNS])


class AccountTransactionsView(APIView):
    renderer_classes = [JSONRenderer, StatementCSVRenderer]
    pagination_class = StatementPagination

    @extend_schema(
        summary="An account's statement",
        description=(
            "Its entries, newest first, cursor-paginated; `?format=csv` gives all of them (within "
            "`since`/`until`) as one CSV file with the same columns."
        ),
        tags=[MONEY_TAG],
        parameters=[ACCOUNT_NUMBER, StatementQuerySerializer],
        responses={
            (200, "application/json"): StatementLineSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description=f"A header line, then one line per entry: {', '.join(CSV_COLUMNS)}.",
            ),
            **problem_responses(400, 401, 404, 429, 503),
        },
    )
    def get(self, request: Request, account_number: str) -> HttpResponse:
        query = StatementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        account = _account_for(request, account_number)
        entries = selectors.statement_entries(
            account, since=query.validated_data.get("since"), until=query.validated_data.get("until")
        )
        paginator = self.pagination_class()
        if request.accepted_renderer.format == "csv":  # the whole statement: no page, but no bad page_size either
            paginator.check_query(request)
            lines = (StatementLineSerializer(entry).data for entry in entries.iterator(chunk_size=2000))
            response = StreamingHttpResponse(_csv_rows(lines), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="statement-{account.number}.csv"'
            return response
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(StatementLineSerializer(page, many=True).data)
