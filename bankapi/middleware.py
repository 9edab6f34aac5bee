"""
Provides the middleware that every request passes through: request ids, the body-size limit,
`Cache-Control: no-store`, and the last-resort conversion of any error response to problem details.
"""

import re
import uuid
from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from bankapi.client_ip import bind_client_ip, client_ip, unbind_client_ip
from bankapi.errors import is_problem, problem_response
from bankapi.logging import bind_request_id, unbind_request_id

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_HEADERS_NOT_CARRIED_OVER = {"content-type", "content-length"}

GetResponse = Callable[[HttpRequest], HttpResponse]


class RequestIdMiddleware:
    """
    Gives every request an id (the client's, if sane) and echoes it as `X-Request-ID`; binds the id
    and the client IP for the log lines and audit events written while serving it.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        request.request_id = offered if _SANE_REQUEST_ID.fullmatch(offered) else str(uuid.uuid4())
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
    a response from a third-party app) as problem details, keeping headers such as `Allow`.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or is_problem(response):
            return response
        kept_headers = {
            name: value for name, value in response.items() if name.lower() not in _HEADERS_NOT_CARRIED_OVER
        }
        return problem_response(status=response.status_code, headers=kept_headers)


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


class NoStoreMiddleware:
    """
    Marks every response `Cache-Control: no-store` unless a view chose otherwise: responses here
    carry personal data, tokens or security decisions, and no shared cache should keep them.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """
    django-csp with two policies: the strict CONTENT_SECURITY_POLICY (`default-src 'none'`) for the
    API, and CONTENT_SECURITY_POLICY_BROWSER_PAGES for the pages a browser renders (the admin site,
    the API docs and their static files).
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        browser_pages = (
            f"/{settings.ADMIN_URL}",
            "/api/docs",
            settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}",
        )
        if request.path.startswith(browser_pages) and getattr(response, "_csp_config", None) is None:
            response._csp_config = settings.CONTENT_SECURITY_POLICY_BROWSER_PAGES["DIRECTIVES"]
        return super().process_response(request, response)
