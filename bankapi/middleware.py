"""
Provides the middleware that every request passes through: request ids, the body-size limit,
the security headers, and the last-resort conversion of any error response to problem details; and
the admin site's sessions, user and messages, on its paths only.
"""

import re
import uuid
from collections.abc import Callable

from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django_otp.middleware import OTPMiddleware

from bankapi.client_ip import bind_client_ip, client_ip, unbind_client_ip
from bankapi.errors import dependency_unavailable_response, is_problem, problem_response
from bankapi.logging import bind_request_id, unbind_request_id

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_HEADERS_NOT_CARRIED_OVER = {"content-type", "content-length"}

GetResponse = Callable[[HttpRequest], HttpResponse]


def request_id_for(offered: str) -> str:
    """The id a request is known by: the client's, if sane, else a new UUID."""
    return offered if _SANE_REQUEST_ID.fullmatch(offered) else str(uuid.uuid4())


class RequestIdMiddleware:
    """
    Gives every request an id (the client's, if sane) and echoes it as `X-Request-ID`; binds the id
    and the client IP for the log lines and audit events written while serving it.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_for(request.headers.get("X-Request-ID", ""))
        token = bind_request_id(request.request_id)
        ip_token = bind_client_ip(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            unbind_client_ip(ip_token)
            unbind_request_id(token)
        response["X-Request-ID"] = request.request_id
        return response


class ProblemDetailsMiddleware:
    """
    Renders any error response that is not problem details yet (Django's 405 for a function view,
    a response from a third-party app) as problem details, keeping headers such as `Allow`. A
    response marked by `keep_error_format` is left as it is: the OAuth endpoints, whose errors
    RFC 6749 defines, and the authorization pages' error pages. A view outside DRF that raises
    because Redis or the database is down answers 503, not Django's 500.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or is_problem(response) or keeps_error_format(response):
            return response
        kept_headers = {
            name: value for name, value in response.items() if name.lower() not in _HEADERS_NOT_CARRIED_OVER
        }
        return problem_response(status=response.status_code, headers=kept_headers)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A Django view outside DRF that finds Redis or the database down answers 503, as DRF's do."""
        return dependency_unavailable_response(exception)


_KEEP_ERROR_FORMAT = "keeps_own_error_format"


def keep_error_format(response: HttpResponseBase) -> HttpResponseBase:
    """Mark `response` so that ProblemDetailsMiddleware leaves its error format alone."""
    setattr(response, _KEEP_ERROR_FORMAT, True)
    return response


def keeps_error_format(response: HttpResponseBase) -> bool:
    """Whether `response` is an error in a format of its own (OAuth's, the Flask routes') to be left alone."""
    return getattr(response, _KEEP_ERROR_FORMAT, False)


class RequestBodyLimitMiddleware:
    """Refuses bodies over REQUEST_BODY_MAX_BYTES with 413 before anything reads them."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_BODY_MAX_BYTES:
            return problem_response(status=413)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """
    Sets the headers that never change from one response to the next, computed once: the Content
    Security Policy (django-csp's builder, from CONTENT_SECURITY_POLICY for the API and
    CONTENT_SECURITY_POLICY_BROWSER_PAGES for the admin site, the API docs and their static files),
    and `Cache-Control: no-store` on every response (added to whatever a view chose, such as the admin
    site's `never_cache`): responses here carry personal data, tokens or security decisions, and no
    cache should keep them.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.api_policy = build_policy(config=settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
        self.browser_policy = build_policy(config=settings.CONTENT_SECURITY_POLICY_BROWSER_PAGES["DIRECTIVES"])
        self.browser_pages = browser_page_prefixes()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        headers = response.headers
        if "Content-Security-Policy" not in headers:
            browser_page = request.path_info.startswith(self.browser_pages)
            headers["Content-Security-Policy"] = self.browser_policy if browser_page else self.api_policy
        cache_control = headers.get("Cache-Control")
        if cache_control is None:
            headers["Cache-Control"] = "no-store"
        elif "no-store" not in cache_control:
            headers["Cache-Control"] = f"{cache_control}, no-store"
        return response


class AdminPathsOnlyMixin:
    """
    Runs a middleware on the browser pages that sign people in (the admin site, and the OAuth
    sign-in and consent pages under /oauth/) only. The API authenticates every request by its
    bearer token and keeps no session, so it neither pays for that machinery nor gets its cookies.
    """

    def __init__(self, get_response: GetResponse) -> None:
        super().__init__(get_response)
        self.session_prefixes = session_path_prefixes()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info.startswith(self.session_prefixes):
            return super().__call__(request)
        return self.get_response(request)


class AdminSessionMiddleware(AdminPathsOnlyMixin, SessionMiddleware):
    """Django's sessions, for the admin site."""


class AdminAuthenticationMiddleware(AdminPathsOnlyMixin, AuthenticationMiddleware):
    """Django's logged-in user, for the admin site."""


class AdminOTPMiddleware(AdminPathsOnlyMixin, OTPMiddleware):
    """django-otp's verified-by-a-device flag on the logged-in user (`is_verified()`), for the admin site."""


class AdminMessageMiddleware(AdminPathsOnlyMixin, MessageMiddleware):
    """Django's messages, for the admin site."""


def admin_path_prefix() -> str:
    return f"/{settings.ADMIN_URL}"


OAUTH_PATH_PREFIX = "/oauth/"


def session_path_prefixes() -> tuple[str, ...]:
    """The paths that keep a browser session: the admin site and the OAuth authorization server."""
    return (admin_path_prefix(), OAUTH_PATH_PREFIX)


def browser_page_prefixes() -> tuple[str, ...]:
    """
    The paths a browser renders as pages: the admin site, the OAuth sign-in and consent pages, the
    API docs and their static files.
    """
    static_url = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}"
    return (*session_path_prefixes(), "/api/docs", static_url)
