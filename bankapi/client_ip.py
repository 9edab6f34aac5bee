"""
The one rule that decides a request's client IP, shared by the rate limits, the lockout record
and the audit trail.
"""

import ipaddress
from contextvars import ContextVar, Token

from django.conf import settings
from django.http import HttpRequest

from bankapi.setting_values import IPNetwork, parse_networks


def client_ip(request: HttpRequest) -> str:
    """
    `REMOTE_ADDR`, unless TRUSTED_PROXY_COUNT proxies in front each append the address they
    received the request from to X-Forwarded-For. Then X-Forwarded-For is read from the right, one
    hop per proxy, and only while the address that handed the request on is a trusted proxy (in
    TRUSTED_PROXY_NETWORKS): the first address that is not, or the one reached after that many
    hops, is the client. So a client that reaches an instance directly, bypassing the proxies,
    cannot choose its own address, and anything a client put further left is ignored. A malformed
    entry where an address should be gives the peer itself.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104  # nosec B104 - a stand-in address, nothing binds to it
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote_addr
    networks = parse_networks(tuple(settings.TRUSTED_PROXY_NETWORKS))
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    address = remote_addr
    for _ in range(hops):
        if not forwarded or not _is_in(address, networks):
            return address
        try:
            address = str(ipaddress.ip_address(forwarded.pop()))
        except ValueError:
            return remote_addr
    return address


def _is_in(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # a dual-stack socket's view of an IPv4 peer
    return any(ip in network for network in networks)


_current_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_client_ip() -> str | None:
    """The client IP of the request being served (bound by RequestIdMiddleware), for the audit trail."""
    return _current_client_ip.get()


def bind_client_ip(ip: str | None) -> Token:
    return _current_client_ip.set(ip)


def unbind_client_ip(token: Token) -> None:
    _current_client_ip.reset(token)
