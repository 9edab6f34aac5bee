"""
The partner endpoints: authenticated by a partner key alone (`Authorization: Api-Key`).
"""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bankapi.schema import problem_responses
from partners import services
from partners.authentication import HasPartnerKey, PartnerKeyAuthentication
from partners.ratelimits import PartnerKeyRateThrottle
from partners.serializers import AccountVerificationResultSerializer, AccountVerificationSerializer

PARTNER_TAG = "partner"


class AccountVerificationView(APIView):
    """Confirmation of payee: does this name belong to this account? Nothing else is told."""

    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [HasPartnerKey]
    throttle_classes = [PartnerKeyRateThrottle]

    @extend_schema(
        operation_id="partner_account_verification",
        summary="Confirm a payee's name",
        description=(
            "For partners (a partner API key in `Authorization: Api-Key <key>`; a bearer token is not "
            "accepted here, and the key is accepted nowhere else). Tells whether `name` is the name of "
            "the holder of `account_number`: `match`, `close_match` or `no_match`. Nothing else about "
            "the customer is revealed; an unknown or closed account is `no_match`. Each call is "
            "audited (`partner_key_used`, actor: the key's name) and counted against the key's rate "
            "limit (`RATE_PARTNER`, default 60 a minute)."
        ),
        tags=[PARTNER_TAG],
        request=AccountVerificationSerializer,
        responses={
            200: AccountVerificationResultSerializer,
            **problem_responses(400, 401, 413, 415, (429, "rate_limited"), 503),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = AccountVerificationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.account_verify(partner_key=request.auth, **serializer.validated_data)
        return Response({"result": result.value})
