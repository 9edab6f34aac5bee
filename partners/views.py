"""
The partner endpoints: authenticated by a partner key (`Authorization: Api-Key`) or a partner app's
OAuth access token with scope `account-verification` (client credentials, `Authorization: Bearer`).
"""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bankapi.schema import problem_responses
from oauth.authentication import OAuthTokenAuthentication
from oauth.ratelimits import OAuthAppRateThrottle
from oauth.scopes import ACCOUNT_VERIFICATION
from partners import services
from partners.authentication import IsPartner, PartnerKeyAuthentication, partner_name
from partners.serializers import AccountVerificationResultSerializer, AccountVerificationSerializer

PARTNER_TAG = "partner"


class AccountVerificationView(APIView):
    """Confirmation of payee: does this name belong to this account? Nothing else is told."""

    authentication_classes = [PartnerKeyAuthentication, OAuthTokenAuthentication]
    permission_classes = [IsPartner]
    # A partner key is counted against its limit by its authentication (partners.authentication).
    throttle_classes = [OAuthAppRateThrottle]
    # What a partner app's OAuth token (client credentials) needs here.
    oauth_scopes = {"POST": ACCOUNT_VERIFICATION}

    @extend_schema(
        operation_id="partner_account_verification",
        summary="Confirm a payee's name",
        description=(
            "For partners: a partner API key in `Authorization: Api-Key <key>` (accepted nowhere "
            "else), or a partner app's OAuth access token with scope `account-verification` from the "
            "client credentials grant (`Authorization: Bearer <token>`; an OAuth token without that "
            "scope is 403 `insufficient_scope`). Our own JWTs are not accepted here. Tells whether "
            "`name` is the name of the holder of `account_number`: `match`, `close_match` or "
            "`no_match`. Nothing else about the customer is revealed; an unknown or closed account is "
            "`no_match`. Each call is audited (`partner_key_used`, actor: the key's or the app's "
            "name) and counted against the key's or the app's rate limit (`RATE_PARTNER`, default 60 "
            "a minute)."
        ),
        tags=[PARTNER_TAG],
        request=AccountVerificationSerializer,
        responses={
            200: AccountVerificationResultSerializer,
            **problem_responses(400, 401, (403, "insufficient_scope"), 413, 415, (429, "rate_limited"), 503),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = AccountVerificationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.account_verify(partner_name=partner_name(request.auth), **serializer.validated_data)
        return Response({"result": result.value})
