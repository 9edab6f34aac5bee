"""
Provides the Flask service's routes (docs/legacy-api.md), served while LEGACY_API_ENABLED is on:
the Flask bodies and status codes, this service's rules (authentication, roles, lockout, rate
limits, validation, audit) through the same services as /api/v1. Off, each is the ordinary 404.
"""

from typing import Any

from django.conf import settings
from django.http import Http404, HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as account_services
from accounts.account_numbers import ACCOUNT_NUMBER_PATTERN
from accounts.permissions import StaffReadAdminWrite
from bankapi.drf import django_request
from bankapi.pagination import NewestFirstCursorPagination
from bankapi.ratelimits import LoginRateThrottle, RegisterRateThrottle
from legacy import services
from legacy.errors import NO_JSON, LegacyError, legacy_exception_handler
from legacy.serializers import (
    ACCOUNT_NUMBER_FORMAT,
    DETAIL_FIELDS,
    USER_FIELDS,
    LegacyCreatedSerializer,
    LegacyCustomerCreateSerializer,
    LegacyCustomerUpdateSerializer,
    LegacyErrorSerializer,
    LegacyListQuerySerializer,
    LegacyLoginResponseSerializer,
    LegacyLoginSerializer,
    LegacyMessageSerializer,
    LegacyProfileResponseSerializer,
    LegacyProfileSerializer,
    LegacyRegisterSerializer,
    LegacyUserListResponseSerializer,
)

LEGACY_TAG = "Legacy (Flask)"
REGISTERED = "User registered successfully"
UPDATED = "Details updated successfully"
REMOVED = "Details removed successfully"
MFA_NOT_HERE = (
    "This account uses two-factor authentication, which this route cannot complete: log in with "
    "POST /api/v1/auth/login and POST /api/v1/auth/mfa/verify; the access token works here too."
)
# What each error status means on these routes, for the OpenAPI document.
ERROR_DESCRIPTIONS = {
    400: (
        "The body is missing, not a JSON object or malformed, or fields are missing, malformed or unknown "
        "(one `message` naming every mistake, and `errors` by field)."
    ),
    401: (
        "No token or a bad one (`Authentication required`, `Token is invalid or expired.`); at login, "
        "`Invalid credentials`."
    ),
    403: (
        "The caller's role may not do this, or staff without MFA (`mfa_enrollment_required`'s words); at login, "
        "a user with MFA."
    ),
    404: "No such customer, or a closed one (the Flask service deleted what this service closes).",
    405: "Another method of this path; `Allow` lists the right ones.",
    406: "`Accept` asks for something other than JSON.",
    409: "The account number is taken (`User with this account number already exists`), or the change is refused.",
    413: "The body is larger than 64 KiB (answered as problem details, before any route is chosen).",
    415: "A body sent without `Content-Type: application/json`.",
    429: (
        "The account is locked after too many failed logins, or the request rate is over the limit; "
        "`Retry-After` says when to try again."
    ),
    500: "Anything unexpected (`Internal server error`).",
    503: "The database or the shared cache is down.",
}
ANY_OPERATION = (405, 406, 500)


def legacy_errors(*statuses: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(LegacyErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in sorted({*statuses, *ANY_OPERATION})
    }


ACCOUNT_NUMBER = OpenApiParameter(
    "account_number",
    str,
    OpenApiParameter.PATH,
    pattern="^[0-9]+$",
    description="The customer's account number: 12 digits (other digit strings are 400, anything else 404).",
)


CURSOR = OpenApiParameter(
    "cursor",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="Where to continue: the cursor of a `next` or `previous` link, as it is. Without it, the newest.",
)
PAGE_SIZE = OpenApiParameter(
    "page_size",
    int,
    OpenApiParameter.QUERY,
    required=False,
    description="How many customers a response holds: 200 unless given, and never more.",
)


def flask_body(request: Request) -> dict[str, Any]:
    """The JSON object of the body, as the Flask service demanded one (`Request must contain JSON data`)."""
    data = request.data
    if not isinstance(data, dict) or not data:
        raise LegacyError(NO_JSON, status.HTTP_400_BAD_REQUEST)
    return data


class LegacyAPIView(APIView):
    """A Flask route: 404 unless LEGACY_API_ENABLED, and every error in the Flask shape."""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.LEGACY_API_ENABLED:
            raise Http404  # Django's own 404, as for any path no route serves
        return super().dispatch(request, *args, **kwargs)

    def get_exception_handler(self) -> Any:
        return legacy_exception_handler


class LegacyRegisterView(LegacyAPIView):
    """Anyone may open a customer account, with the account number of their choice if it is free."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterRateThrottle]  # the bucket of /api/v1/auth/register

    @extend_schema(
        operation_id="legacy_register",
        summary="Register a customer (Flask)",
        description=(
            "The Flask service's registration: the client's 12-digit `account_number` is kept when free (409 "
            "when taken), no email; `age` and `gender` are accepted and discarded. Rate-limited per client IP "
            "with `/api/v1/auth/register` (`RATE_REGISTER`, one budget for both)."
        ),
        tags=[LEGACY_TAG],
        auth=[],
        request=LegacyRegisterSerializer,
        responses={201: LegacyCreatedSerializer, **legacy_errors(400, 409, 413, 415, 429, 503)},
    )
    def post(self, request: Request) -> Response:
        serializer = LegacyRegisterSerializer(data=flask_body(request))
        serializer.is_valid(raise_exception=True)
        user = services.legacy_customer_create(actor=None, self_registration=True, **serializer.validated_data)
        return Response(
            {"success": True, "message": REGISTERED, "account_number": user.account_number},
            status=status.HTTP_201_CREATED,
        )


class LegacyLoginView(LegacyAPIView):
    """Exchange an account number and a password for an access token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]  # the bucket of /api/v1/auth/login

    @extend_schema(
        operation_id="legacy_login",
        summary="Log in (Flask)",
        description=(
            "The Flask service's login, under this service's rules: the lockout (`LOCKOUT_FAILURES` failures "
            "lock the account for `LOCKOUT_MINUTES`, 429 with `Retry-After`, even with the right password), "
            "the login rate limit shared with `/api/v1/auth/login`, the audit trail. `token` is this "
            "service's access token (no refresh token: log in again when it expires). A user with MFA gets 403 "
            "and must log in through `/api/v1/auth/login`."
        ),
        tags=[LEGACY_TAG],
        auth=[],
        request=LegacyLoginSerializer,
        responses={200: LegacyLoginResponseSerializer, **legacy_errors(400, 401, 403, 413, 415, 429, 503)},
    )
    def post(self, request: Request) -> Response:
        serializer = LegacyLoginSerializer(data=flask_body(request))
        serializer.is_valid(raise_exception=True)
        user, result = account_services.user_login(
            request=django_request(request),
            identifier=serializer.validated_data["account_number"],
            password=serializer.validated_data["password"],
        )
        if isinstance(result, account_services.MfaChallenge):
            raise LegacyError(MFA_NOT_HERE, status.HTTP_403_FORBIDDEN)
        return Response(
            {
                "success": True,
                "token": result.access,
                "user": {
                    "name": f"{user.first_name} {user.last_name}".strip(),
                    "account_type": services.legacy_account_type(user=user),
                    "account_number": user.account_number,
                },
            }
        )


class LegacyProfileView(LegacyAPIView):
    """The caller's own profile, as the Flask service showed it."""

    @extend_schema(
        operation_id="legacy_profile",
        summary="Read your profile (Flask)",
        description="Any logged-in user: the Flask service's profile fields but age and gender; phone in E.164.",
        tags=[LEGACY_TAG],
        responses={200: LegacyProfileResponseSerializer, **legacy_errors(401, 403, 429, 503)},
    )
    def get(self, request: Request) -> Response:
        row = services.legacy_profile_row(user=request.user)
        return Response({"success": True, "profile": LegacyProfileSerializer().to_representation(row)})


class LegacyListPagination(NewestFirstCursorPagination):
    """The Flask list had no pages; here the newest 200 (the most any page holds), then `next`."""

    page_size = NewestFirstCursorPagination.max_page_size


class LegacyCustomersView(LegacyAPIView):
    """Admins and auditors list customers; admins add them."""

    permission_classes = [IsAuthenticated, StaffReadAdminWrite]

    @extend_schema(
        operation_id="legacy_customer_list",
        summary="List customers (Flask)",
        description=(
            "Admins and auditors (a customer gets 403, unlike in the Flask service). Newest first, closed "
            "customers left out; at most `page_size` (default and maximum 200) per response, the rest "
            "through `next` (cursor pagination, as every list of this service)."
        ),
        tags=[LEGACY_TAG],
        parameters=[CURSOR, PAGE_SIZE],
        responses={200: LegacyUserListResponseSerializer, **legacy_errors(400, 401, 403, 429, 503)},
    )
    def get(self, request: Request) -> Response:
        query = LegacyListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = LegacyListPagination()
        page = paginator.paginate_queryset(services.legacy_customer_list(), request, view=self)
        representation = LegacyProfileSerializer()
        return Response(
            {
                "success": True,
                "users": [representation.to_representation(row) for row in page],
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
            }
        )

    @extend_schema(
        operation_id="legacy_customer_create",
        summary="Add a customer (Flask)",
        description=(
            "Admins only. As registration: the 12-digit `account_number` is kept when free (409 when taken), "
            "no email, `age` and `gender` discarded; `password` may be left out."
        ),
        tags=[LEGACY_TAG],
        request=LegacyCustomerCreateSerializer,
        responses={201: LegacyCreatedSerializer, **legacy_errors(400, 401, 403, 409, 413, 415, 429, 503)},
    )
    def post(self, request: Request) -> Response:
        serializer = LegacyCustomerCreateSerializer(data=flask_body(request))
        serializer.is_valid(raise_exception=True)
        user = services.legacy_customer_create(actor=request.user, self_registration=False, **serializer.validated_data)
        return Response(
            {"success": True, "message": REGISTERED, "account_number": user.account_number},
            status=status.HTTP_201_CREATED,
        )


class LegacyCustomerView(LegacyAPIView):
    """Admins change or close a customer."""

    permission_classes = [IsAuthenticated, StaffReadAdminWrite]

    def _account_number(self, account_number: str) -> str:
        if not ACCOUNT_NUMBER_PATTERN.match(account_number):
            raise LegacyError(ACCOUNT_NUMBER_FORMAT, status.HTTP_400_BAD_REQUEST)
        return account_number

    def _customer(self, account_number: str) -> Any:
        try:
            return services.legacy_customer_get(account_number=account_number)
        except services.CustomerGoneError as exc:
            raise _not_found(account_number) from exc

    @extend_schema(
        operation_id="legacy_customer_update",
        summary="Change a customer (Flask)",
        description=(
            "Admins only. Any of the Flask fields but `account_number`; `age` and `gender` are discarded and "
            "`password` is refused (nobody sets another's password here)."
        ),
        tags=[LEGACY_TAG],
        parameters=[ACCOUNT_NUMBER],
        request=LegacyCustomerUpdateSerializer,
        responses={200: LegacyMessageSerializer, **legacy_errors(400, 401, 403, 404, 409, 413, 415, 429, 503)},
    )
    def put(self, request: Request, account_number: str) -> Response:
        account_number = self._account_number(account_number)
        body = flask_body(request)
        customer = self._customer(account_number)
        serializer = LegacyCustomerUpdateSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        try:
            services.legacy_customer_update(
                actor=request.user,
                customer=customer,
                user_changes={USER_FIELDS[name]: fields[name] for name in USER_FIELDS if name in fields},
                detail_changes={DETAIL_FIELDS[name]: fields[name] for name in DETAIL_FIELDS if name in fields},
            )
        except services.CustomerGoneError as exc:
            raise _not_found(account_number) from exc
        return Response({"success": True, "message": UPDATED})

    @extend_schema(
        operation_id="legacy_customer_close",
        summary="Remove a customer (Flask): closes it",
        description=(
            "Admins only. The customer is closed (login disabled, tokens revoked, data kept), not deleted; "
            "afterwards the Flask routes see them no more (404). 409 while the account holds money."
        ),
        tags=[LEGACY_TAG],
        parameters=[ACCOUNT_NUMBER],
        responses={200: LegacyMessageSerializer, **legacy_errors(400, 401, 403, 404, 409, 429, 503)},
    )
    def delete(self, request: Request, account_number: str) -> Response:
        customer = self._customer(self._account_number(account_number))
        services.legacy_customer_close(actor=request.user, customer=customer)
        return Response({"success": True, "message": REMOVED})


def _not_found(account_number: str) -> LegacyError:
    return LegacyError(f"Customer with account number {account_number} not found", status.HTTP_404_NOT_FOUND)
