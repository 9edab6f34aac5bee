"""
Provides the authentication and profile endpoints: authenticate, validate, call a service, serialize.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import (
    LoginSerializer,
    LogoutSerializer,
    MfaChallengeSerializer,
    PasswordChangeSerializer,
    ProfileSerializer,
    ProfileUpdateSerializer,
    RefreshSerializer,
    RegisterSerializer,
    RotatedTokenPairSerializer,
    TokenPairSerializer,
)
from accounts.tokens import TokenPair
from bankapi.drf import django_request
from bankapi.ratelimits import LoginRateThrottle, RegisterRateThrottle, TokenRefreshRateThrottle
from bankapi.schema import problem_responses

AUTH_TAG = "auth"
PROFILE_TAG = "profile"


def token_pair_body(pair: TokenPair) -> dict:
    """The body of a completed login (here, or the second step of one with MFA: mfa.views)."""
    return {
        "access": pair.access,
        "refresh": pair.refresh,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
        "role": pair.role,
    }


class RegisterView(APIView):
    """Anyone may open a customer account."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterRateThrottle]

    @extend_schema(
        summary="Register a customer",
        description=(
            "Creates a `customer` with a new account number and returns the profile. Rate-limited per "
            "client IP (`RATE_REGISTER`)."
        ),
        tags=[AUTH_TAG],
        auth=[],
        request=RegisterSerializer,
        responses={
            201: ProfileSerializer,
            **problem_responses(400, (409, "conflict"), 413, 415, 429, 503),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(actor=None, self_registration=True, **serializer.validated_data)
        return Response(ProfileSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    """Exchange an email or account number and a password for a token pair."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        summary="Log in",
        description=(
            "Send `password` and exactly one of `email` (case-insensitive) or `account_number`. "
            "After `LOCKOUT_FAILURES` consecutive failures the account is locked for `LOCKOUT_MINUTES` "
            "(429 `account_locked`, even with the right password). Rate-limited per client IP "
            "(`RATE_LOGIN`). A user with MFA gets `{mfa_required: true, mfa_token}` instead of tokens: "
            "`POST /api/v1/auth/mfa/verify` with that token and a code completes the login."
        ),
        tags=[AUTH_TAG],
        auth=[],
        request=LoginSerializer,
        examples=[
            OpenApiExample(
                "By email",
                value={"email": "ada@example.com", "password": "correct horse battery staple"},
                request_only=True,
            ),
            OpenApiExample(
                "By account number",
                value={"account_number": "400012345678", "password": "correct horse battery staple"},
                request_only=True,
            ),
        ],
        responses={
            200: PolymorphicProxySerializer(
                component_name="LoginResult",
                serializers=[TokenPairSerializer, MfaChallengeSerializer],
                resource_type_field_name=None,
            ),
            **problem_responses(
                400, (401, "invalid_credentials"), 413, 415, (429, "account_locked", "rate_limited"), 503
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _, result = services.user_login(
            request=django_request(request),
            identifier=serializer.validated_data["identifier"],
            password=serializer.validated_data["password"],
        )
        if isinstance(result, services.MfaChallenge):
            return Response({"mfa_required": True, "mfa_token": result.mfa_token})
        return Response(token_pair_body(result))


class TokenRefreshView(APIView):
    """Rotate a refresh token: the old one is revoked, a new pair is returned."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRefreshRateThrottle]

    @extend_schema(
        summary="Rotate a refresh token",
        description=(
            "Returns a new token pair of the same session and revokes the refresh token sent; a used, "
            "revoked, expired or forged one, or one of a session that logout ended, gets 401. Of "
            "simultaneous refreshes with one token exactly one succeeds, and the pair it gets keeps "
            "working: the others, arriving within `JWT_REFRESH_RACE_SECONDS` (default 10) of it, get 401 "
            "and revoke nothing. A used token replayed after that window is taken for a leaked one: every "
            "token of the user is revoked (audited as `token_reuse_detected`). Rate-limited per client IP "
            "(`RATE_LOGIN`, a bucket of its own)."
        ),
        tags=[AUTH_TAG],
        auth=[],
        request=RefreshSerializer,
        responses={200: RotatedTokenPairSerializer, **problem_responses(400, 401, 413, 415, 429, 503)},
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = services.tokens_refresh(raw_refresh=serializer.validated_data["refresh"])
        return Response({"access": pair.access, "refresh": pair.refresh})


class LogoutView(APIView):
    """End the session of the given refresh token."""

    # Staff who have not set up MFA yet may still end their session (mfa.confinement).
    mfa_enrollment_open = True

    @extend_schema(
        summary="Log out",
        description=(
            "Ends the session of the given refresh token: that token, its rotations and the access tokens "
            "issued with them stop working at once; the user's other sessions go on. A session that has "
            "already ended, or an expired refresh token, also gets 204; a token that is malformed, forged, "
            "not a refresh token or someone else's is 400 on `refresh`."
        ),
        tags=[AUTH_TAG],
        request=LogoutSerializer,
        responses={
            204: OpenApiResponse(description="The session has ended; its tokens are refused from now on."),
            **problem_responses(400, 401, 413, 415, 429, 503),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.user_logout(user=request.user, raw_refresh=serializer.validated_data["refresh"])
        except services.InvalidRefreshTokenError as exc:
            raise serializers.ValidationError({"refresh": [str(exc)]}) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileView(APIView):
    """The caller's own profile; only names and phone may be changed."""

    # What a third-party app's OAuth access token may do here (oauth/): read, with `profile:read`.
    oauth_scopes = {"GET": "profile:read"}

    @extend_schema(
        summary="Read your profile",
        tags=[PROFILE_TAG],
        responses={200: ProfileSerializer, **problem_responses(401, (403, "mfa_enrollment_required"), 429, 503)},
    )
    def get(self, request: Request) -> Response:
        return Response(ProfileSerializer(request.user).data)

    @extend_schema(
        summary="Update your profile",
        description="Only `first_name`, `last_name` and `phone` may be changed; any other field is a 400.",
        tags=[PROFILE_TAG],
        request=ProfileUpdateSerializer,
        responses={
            200: ProfileSerializer,
            **problem_responses(400, 401, (403, "mfa_enrollment_required"), 413, 415, 429, 503),
        },
    )
    def patch(self, request: Request) -> Response:
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        user = services.user_update_profile(
            user=request.user,
            first_name=fields.get("first_name"),
            last_name=fields.get("last_name"),
            phone=fields.get("phone"),
        )
        return Response(ProfileSerializer(user).data)


class PasswordChangeView(APIView):
    """Change the caller's password; every token issued before stops working."""

    @extend_schema(
        summary="Change your password",
        description=(
            "A wrong `current_password` is 400 on that field and counts towards the account's lockout "
            "(429 `account_locked` once locked). Every token issued before the change stops working."
        ),
        tags=[PROFILE_TAG],
        request=PasswordChangeSerializer,
        responses={
            204: OpenApiResponse(description="The password is changed; earlier tokens are revoked."),
            **problem_responses(
                400, 401, (403, "mfa_enrollment_required"), 413, 415, (429, "account_locked", "rate_limited"), 503
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            services.user_change_password(
                request=django_request(request),
                user=request.user,
                current_password=serializer.validated_data["current_password"],
                new_password=serializer.validated_data["new_password"],
            )
        except services.IncorrectPasswordError as exc:
            raise serializers.ValidationError({"current_password": ["Incorrect password."]}) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
