"""
Provides the MFA endpoints: TOTP enrollment and its confirmation, and the second step of a login.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import TokenPairSerializer
from accounts.views import AUTH_TAG, token_pair_body
from bankapi.drf import django_request
from bankapi.schema import problem_responses
from mfa import services
from mfa.serializers import (
    MfaVerifySerializer,
    RecoveryCodesSerializer,
    TotpConfirmSerializer,
    TotpEnrollmentSerializer,
)

CONFINEMENT_NOTE = (
    " Open to staff who have not set up MFA yet (every other endpoint answers them 403 `mfa_enrollment_required`)."
)


class TotpEnrollmentView(APIView):
    """Start setting up a TOTP authenticator app."""

    mfa_enrollment_open = True

    @extend_schema(
        summary="Start MFA enrollment (TOTP)",
        description=(
            "Returns the otpauth URI of a new TOTP secret and the same as a QR code (SVG); confirm it with a "
            "code at `POST /api/v1/auth/mfa/totp/confirm`. Starting again replaces an unconfirmed secret. A "
            "user who already has MFA gets 409 `conflict`: removing it is an operator's act (`manage.py "
            "reset_mfa`). Customers may opt in too; `admin` and `auditor` must." + CONFINEMENT_NOTE
        ),
        tags=[AUTH_TAG],
        request=None,
        responses={200: TotpEnrollmentSerializer, **problem_responses(401, (409, "conflict"), 429, 503)},
    )
    def post(self, request: Request) -> Response:
        enrollment = services.totp_enrollment_start(user=request.user)
        return Response({"otpauth_uri": enrollment.otpauth_uri, "qr_svg": enrollment.qr_svg})


class TotpConfirmView(APIView):
    """Confirm the authenticator app being set up; MFA is on from now."""

    mfa_enrollment_open = True

    @extend_schema(
        summary="Confirm MFA enrollment (TOTP)",
        description=(
            "Send a current code from the app being set up. Returns 10 recovery codes, shown this once: each "
            "can replace a TOTP code at one login. From now on a login answers `mfa_required` and needs a code "
            "(`POST /api/v1/auth/mfa/verify`). A wrong code is 401 `invalid_otp` and changes nothing; without "
            "an enrollment in progress, or with MFA already on, 409 `conflict`." + CONFINEMENT_NOTE
        ),
        tags=[AUTH_TAG],
        request=TotpConfirmSerializer,
        responses={
            200: RecoveryCodesSerializer,
            **problem_responses(400, (401, "invalid_otp", "not_authenticated"), (409, "conflict"), 413, 415, 429, 503),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TotpConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        codes = services.totp_enrollment_confirm(user=request.user, code=serializer.validated_data["code"])
        return Response({"recovery_codes": codes})


class MfaVerifyView(APIView):
    """The second step of a login with MFA: the password step's mfa_token and a code give a token pair."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # No rate limit of its own: the account's lockout bounds the guesses (a wrong code counts as a
    # failed login), and apart from it a right, unused code always succeeds.
    throttle_classes: list = []

    @extend_schema(
        summary="Complete a login with MFA",
        description=(
            "Send the `mfa_token` that `POST /api/v1/auth/login` answered and a TOTP code or an unused recovery "
            "code; returns the token pair a login without MFA returns. Each code works once (a TOTP code not "
            "again within its time step, a recovery code never again), also when sent in parallel. A wrong or "
            "used code is 401 `invalid_otp` and counts towards the account's lockout like a wrong password; "
            "while locked even a right code gets 429 `account_locked`. The `mfa_token` is spent by the right "
            "code (until then a mistyped code may be corrected with it); a used, expired, forged or revoked one "
            "is 401 `not_authenticated`: log in again."
        ),
        tags=[AUTH_TAG],
        auth=[],
        request=MfaVerifySerializer,
        responses={
            200: TokenPairSerializer,
            **problem_responses(400, (401, "invalid_otp", "not_authenticated"), 413, 415, (429, "account_locked"), 503),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = MfaVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _, pair = services.mfa_login_complete(
            request=django_request(request),
            raw_mfa_token=serializer.validated_data["mfa_token"],
            code=serializer.validated_data["code"],
        )
        return Response(token_pair_body(pair))
