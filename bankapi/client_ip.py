"""
The one rule that decides a request's client IP, shared by the rate limits, the lockout record
and the audit trail.
"""

import ipaddress
from contextvars import ContextVar, Token

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """
    `REMOTE_ADDR`, unless TRUSTED_PROXY_COUNT proxies in front each append the address they
    received the request from to X-Forwarded-For: then the client is the entry that many places
    from the right. Anything the client itself put further left is ignored, so it cannot forge
    its way into another bucket.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104  # nosec B104
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote_addr
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


_current_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_client_ip() -> str | None:
    """The client IP of the request being served (bound by RequestIdMiddleware), for the audit trail."""
    return _current_client_ip.get()


def bind_client_ip(ip: str | None) -> Token:
    return _current_client_ip.set(ip)


def unbind_client_ip(token: Token) -> None:
    _current_client_ip.reset(token)
