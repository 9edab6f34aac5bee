"""
Provides the parsers of setting values that the settings (bankapi.configuration, as they load) and
the code that uses the values (bankapi.ratelimits, bankapi.client_ip) share, so that a value the
settings accept is exactly one the service can use. Standard library only: the settings import it.
"""

import functools
import ipaddress
import re
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_RATE = re.compile(r"(\d+)/(\d*)([smhd])")
_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    """`limit` requests per `period` seconds, from a rate string such as `20/m` or `300/5m`."""

    limit: int
    period: int

    @classmethod
    @functools.cache
    def parse(cls, rate: str) -> "Rate":
        """django-ratelimit's grammar, COUNT/[N]UNIT with UNIT one of s, m, h, d; ValueError otherwise."""
        match = _RATE.fullmatch(rate.strip())
        if not match or int(match.group(1)) < 1:
            raise ValueError(f"not a rate (like 20/m or 300/5m): {rate!r}")
        count, multiplier, unit = match.groups()
        return cls(limit=int(count), period=int(multiplier or 1) * _PERIOD_SECONDS[unit])


@functools.lru_cache(maxsize=4)
def parse_networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Networks written as CIDRs (`10.0.0.0/8`, `::1/128`, host bits allowed); ValueError otherwise."""
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs)
