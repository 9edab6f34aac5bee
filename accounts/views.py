"""
Provides the authentication and profile endpoints: authenticate, validate, call a service, serialize.
"""

from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import (
    LoginSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    ProfileSerializer,
    ProfileUpdateSerializer,
    RefreshSerializer,
    RegisterSerializer,
)
from accounts.tokens import TokenPair
from bankapi.ratelimits import LoginRateThrottle, RegisterRateThrottle, TokenRefreshRateThrottle


def _token_pair_body(pair: TokenPair) -> dict:
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

    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        return Response(ProfileSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    """Exchange an email or account number and a password for a token pair."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _, pair = services.user_login(
            request=request._request,
            identifier=serializer.validated_data["identifier"],
            password=serializer.validated_data["password"],
        )
        return Response(_token_pair_body(pair))


class TokenRefreshView(APIView):
    """Rotate a refresh token: the old one is revoked, a new pair is returned."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRefreshRateThrottle]

    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = services.tokens_refresh(raw_refresh=serializer.validated_data["refresh"])
        return Response({"access": pair.access, "refresh": pair.refresh})


class LogoutView(APIView):
    """Revoke the caller's refresh token."""

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

    def get(self, request: Request) -> Response:
        return Response(ProfileSerializer(request.user).data)

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

    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            services.user_change_password(
                request=request._request,
                user=request.user,
                current_password=serializer.validated_data["current_password"],
                new_password=serializer.validated_data["new_password"],
            )
        except services.IncorrectPasswordError as exc:
            raise serializers.ValidationError({"current_password": ["Incorrect password."]}) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
