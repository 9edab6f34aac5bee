"""
Provides the authorization server's pages and endpoints under /oauth/ (django-oauth-toolkit's
views, held to this service's rules), its RFC 8414 metadata, and a customer's list of authorized
apps under /api/v1/profile/authorizations.
"""

import calendar
import json
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, View
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from oauth2_provider import views as dot_views
from oauth2_provider.models import AbstractApplication as Application
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import Request as OauthlibRequest
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from bankapi.client_ip import client_ip
from bankapi.errors import BankAPIError, problem_for_error
from bankapi.middleware import keep_error_format
from bankapi.ratelimits import enforce_rate_limit
from bankapi.schema import problem_responses
from oauth import services
from oauth.forms import SignInForm
from oauth.selectors import access_token_get, authorizations_of
from oauth.serializers import AuthorizationListSerializer

PROFILE_TAG = "profile"


class SignInView(FormView):
    """
    The sign-in page the authorization endpoint sends an anonymous customer to: an email or
    account number and a password (and the authenticator's code for a customer with MFA), under
    the API login's rate limit and lockout (oauth.services.sign_in_check), then a session for the
    consent page.
    """

    template_name = "oauth/sign_in.html"
    form_class = SignInForm

    @method_decorator(sensitive_post_parameters("password", "otp_token"))
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().dispatch(request, *args, **kwargs)

    def next_url(self) -> str:
        """Where to go after signing in: back to the authorization request, nowhere else."""
        candidate = self.request.POST.get("next") or self.request.GET.get("next") or ""
        authorize = reverse("oauth2_provider:authorize")
        safe = url_has_allowed_host_and_scheme(candidate, allowed_hosts=None)
        return candidate if safe and candidate.startswith(authorize) else authorize

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "next": self.next_url()}

    def form_valid(self, form: SignInForm) -> HttpResponse:
        try:
            user = services.sign_in_check(
                request=self.request,
                identifier=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                otp_token=form.cleaned_data["otp_token"],
            )
        except services.SignInRefused as refused:
            form.add_error(refused.field, str(refused))
            return self.form_invalid(form)
        except BankAPIError as error:  # rate_limited, account_locked, service_unavailable
            return problem_for_error(error)
        login(self.request, user)
        return HttpResponseRedirect(self.next_url())


class ConsentView(dot_views.AuthorizationView):
    """
    The authorization endpoint: django-oauth-toolkit's view with the sign-in page above and a
    consent page of our own (no inline script or style, for the browser pages' CSP). Only
    customers may authorize apps, and they are asked every time (an app's `approval_prompt=auto`
    is ignored: no silent re-approval). An error the request's redirect URI may not be told (an unknown
    client, a redirect URI not registered exactly) is an error page, never a redirect.
    """

    template_name = "oauth/consent.html"

    def get_login_url(self) -> str:
        return reverse("oauth-sign-in")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "approval_prompt" in request.GET:  # the customer is asked every time, whatever the app asks
            request.GET = request.GET.copy()
            del request.GET["approval_prompt"]
        if request.user.is_authenticated and request.user.role != Role.CUSTOMER:
            response = self.render_to_response(
                {"error": {"error": "access_denied", "description": "Only customers can authorize apps."}},
                status=403,
            )
            return keep_error_format(response)
        return keep_error_format(super().dispatch(request, *args, **kwargs))

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        location = response.get("Location", "")
        if form.cleaned_data.get("allow") and response.status_code == 302 and "code=" in location:
            application = dot_views.base.get_application_model().objects.get(client_id=form.cleaned_data["client_id"])
            services.authorization_record_consent(
                user=self.request.user, application=application, scopes=form.cleaned_data.get("scope", "")
            )
        return response


def keep_oauth_error_format(response: HttpResponse) -> HttpResponse:
    """
    An OAuth endpoint's own errors keep RFC 6749's format; another method's 405 (Django's, empty
    text/html) is left to ProblemDetailsMiddleware, as on every other path.
    """
    if response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        return response
    return keep_error_format(response)


class ClientEndpointRateLimit:
    """
    The token, revocation and introspection endpoints may check a client secret, a BCryptSHA256
    hash, on each request: RATE_OAUTH_CLIENT per client IP (one bucket for the three) bounds that
    work, as RATE_LOGIN bounds the login's. Over it, or without Redis, the answer is the API's
    problem details (429 `rate_limited` with Retry-After, 503 `service_unavailable`).
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            try:
                enforce_rate_limit(
                    request, group="oauth-client", rate=settings.RATE_OAUTH_CLIENT, key=f"ip:{client_ip(request)}"
                )
            except BankAPIError as error:
                return problem_for_error(error)
        return super().dispatch(request, *args, **kwargs)


@method_decorator(csrf_exempt, name="dispatch")  # as_view() reads the exemption off our own dispatch
class TokenView(ClientEndpointRateLimit, dot_views.TokenView):
    """The token endpoint (RFC 6749 section 3.2); its errors are RFC 6749's JSON, not problem details."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return keep_oauth_error_format(super().dispatch(request, *args, **kwargs))


@method_decorator(csrf_exempt, name="dispatch")
class RevokeTokenView(ClientEndpointRateLimit, dot_views.RevokeTokenView):
    """Token revocation (RFC 7009); its errors are RFC 6749's JSON, not problem details."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return keep_oauth_error_format(super().dispatch(request, *args, **kwargs))


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectView(ClientEndpointRateLimit, OAuthLibMixin, View):
    """
    Token introspection (RFC 7662) for confidential apps, authenticated with their client
    secret (HTTP Basic, or `client_id` and `client_secret` in the body), about their own tokens
    only: another app's token, an expired or revoked one, or one whose customer may no longer use
    the service, is `{"active": false}`. POST only: a token never travels in a query string.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        core = self.get_oauthlib_core()
        oauth_request = OauthlibRequest(
            request.build_absolute_uri(), "POST", core.extract_body(request), core.extract_headers(request)
        )
        authenticated = core.server.request_validator.authenticate_client(oauth_request)
        # A public app's client id alone passes django-oauth-toolkit's body authentication: not here.
        if not authenticated or oauth_request.client.client_type != Application.CLIENT_CONFIDENTIAL:
            response = JsonResponse({"error": "invalid_client"}, status=401)
            response["WWW-Authenticate"] = 'Basic realm="oauth"'
            return keep_error_format(response)
        raw_token = request.POST.get("token")
        if not raw_token:
            response = JsonResponse({"error": "invalid_request", "error_description": "token is missing"}, status=400)
            return keep_error_format(response)
        token = access_token_get(raw_token)
        if token is None or token.is_expired() or token.application_id != oauth_request.client.pk:
            return JsonResponse({"active": False})
        user = token.user
        if user is not None and not (user.is_active and user.role == Role.CUSTOMER):
            return JsonResponse({"active": False})
        body = {
            "active": True,
            "scope": token.scope,
            "client_id": oauth_request.client.client_id,
            "token_type": "Bearer",
            "exp": calendar.timegm(token.expires.utctimetuple()),
            "iat": calendar.timegm(token.created.utctimetuple()),
        }
        if user is not None:
            body["sub"] = str(user.public_id)
            body["username"] = user.account_number
        return JsonResponse(body)


@method_decorator(csrf_exempt, name="dispatch")  # another method is 405, not CSRF's 403
class ServerMetadataView(dot_views.OAuthServerMetadataView):
    """RFC 8414 metadata, with exactly the members the contract names."""

    FIELDS = (
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
        "scopes_supported",
        "response_types_supported",
        "grant_types_supported",
        "code_challenge_methods_supported",
    )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        document = json.loads(super().get(request, *args, **kwargs).content)
        return JsonResponse({field: document[field] for field in self.FIELDS})


class AuthorizationListView(APIView):
    """The apps the caller has authorized and that still hold a live token."""

    @extend_schema(
        operation_id="profile_authorizations_list",
        summary="List the apps you authorized",
        description=(
            "The third-party apps you authorized on the bank's consent page (OAuth 2.0, under "
            "`/oauth/`) that still hold a live access or refresh token of yours, newest first: the "
            "authorization's `id` (to revoke it), the app's name, the scopes granted and when. Not "
            "available to an OAuth token (403 `insufficient_scope`)."
        ),
        tags=[PROFILE_TAG],
        responses={200: AuthorizationListSerializer, **problem_responses(401, (403, "insufficient_scope"), 429, 503)},
    )
    def get(self, request: Request) -> Response:
        return Response(AuthorizationListSerializer({"results": authorizations_of(request.user)}).data)


class AuthorizationDetailView(APIView):
    """Revoke one app's access to the caller."""

    @extend_schema(
        operation_id="profile_authorizations_revoke",
        summary="Revoke an app's access",
        description=(
            "Every access token, refresh token and unused authorization code of that app for you "
            "stops working at once (the next call with them is 401). Audited as "
            "`oauth_authorization_revoked`. An id that is not one of your authorizations is 404."
        ),
        tags=[PROFILE_TAG],
        parameters=[
            OpenApiParameter(
                "id",
                int,
                OpenApiParameter.PATH,
                description="The authorization's `id`, from `GET /api/v1/profile/authorizations`.",
            )
        ],
        responses={
            204: OpenApiResponse(description="The app's access is revoked."),
            **problem_responses(401, (403, "insufficient_scope"), 404, 429, 503),
        },
    )
    def delete(self, request: Request, id: int) -> Response:  # noqa: A002 - the contract's name
        services.authorization_revoke(user=request.user, application_id=id)
        return Response(status=status.HTTP_204_NO_CONTENT)
