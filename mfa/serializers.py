"""
Provides the shapes of the MFA endpoints: enrollment, its confirmation, and the second step of a login.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from bankapi.serializers import StrictSerializer

CODE_HELP = "A 6-digit code from the authenticator app (spaces allowed), or, at a login, one of the recovery codes."


@extend_schema_serializer(
    description="A current code from the authenticator app being set up.",
    examples=[OpenApiExample("A TOTP code", value={"code": "123456"}, request_only=True)],
)
class TotpConfirmSerializer(StrictSerializer):
    code = serializers.CharField(max_length=32, help_text=CODE_HELP)


@extend_schema_serializer(
    description="The `mfa_token` of the password step, and a TOTP code or an unused recovery code.",
    examples=[
        OpenApiExample(
            "A TOTP code", value={"mfa_token": "eyJhbGciOiJIUzI1NiJ9…", "code": "123456"}, request_only=True
        ),
        OpenApiExample(
            "A recovery code", value={"mfa_token": "eyJhbGciOiJIUzI1NiJ9…", "code": "k7d2mq4x"}, request_only=True
        ),
    ],
)
class MfaVerifySerializer(StrictSerializer):
    mfa_token = serializers.CharField(max_length=4096, trim_whitespace=False)
    code = serializers.CharField(max_length=32, help_text=CODE_HELP)


# Response shapes (for the OpenAPI schema; the views build these bodies themselves) ---------------


class TotpEnrollmentSerializer(serializers.Serializer):
    """What an authenticator app needs to be set up; confirm it with a code at `/api/v1/auth/mfa/totp/confirm`."""

    otpauth_uri = serializers.CharField(
        help_text="`otpauth://totp/…` with the secret (base32), for an app that takes a link or typed setup."
    )
    qr_svg = serializers.CharField(help_text="The same URI as a QR code, an SVG document to show to the user.")


class RecoveryCodesSerializer(serializers.Serializer):
    """MFA is set up. The recovery codes are shown this once: each logs in once in place of a TOTP code."""

    recovery_codes = serializers.ListField(child=serializers.CharField(), min_length=10, max_length=10)
