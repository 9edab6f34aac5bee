"""
bankapi.ratelimits against the real Redis: the edges of the fixed windows, and the one round trip.
"""

import time

import pytest
import redis.connection
from django.core.cache import cache
from django.test import RequestFactory
from django_redis import get_redis_connection

from bankapi.errors import RateLimitedError
from bankapi.ratelimits import Rate, count_request, enforce_rate_limit, window_end

pytestmark = pytest.mark.django_db


def _key_whose_window_ends_within(seconds_low: float, seconds_high: float) -> tuple[str, float]:
    """A key whose one-minute window (edges staggered by key) ends between the two bounds from now."""
    for n in range(5000):
        key = f"edge-{n}"
        ends_at = window_end(key, 60) + 1  # the window counts through its last whole second
        if seconds_low < ends_at - time.time() < seconds_high:
            return key, ends_at
    raise AssertionError("no key with a window ending soon")


def test_requests_across_a_window_edge_are_counted_not_refused():
    key, ends_at = _key_whose_window_ends_within(0.3, 1.3)
    request = RequestFactory().get("/")
    time.sleep(max(0.0, ends_at - 0.05 - time.time()))

    calls = 0
    while time.time() < ends_at + 0.05:  # straddle the edge with back-to-back calls
        enforce_rate_limit(request, group="edge", rate="1000000/m", key=key)  # raises on a 503
        calls += 1

    assert calls > 10


def test_the_request_over_the_limit_is_told_when_the_window_ends():
    key, ends_at = _key_whose_window_ends_within(10, 50)
    request = RequestFactory().get("/")
    enforce_rate_limit(request, group="edge", rate="1/m", key=key)

    with pytest.raises(RateLimitedError) as limited:
        enforce_rate_limit(request, group="edge", rate="1/m", key=key)

    assert abs(limited.value.retry_after - (ends_at - time.time())) <= 2


@pytest.mark.parametrize(
    ("rate", "limit", "period"),
    [("20/m", 20, 60), ("10/h", 10, 3600), ("300/5m", 300, 300), ("1/s", 1, 1), ("7/2d", 7, 172800)],
)
def test_rate_strings_keep_django_ratelimits_shape(rate, limit, period):
    assert Rate.parse(rate) == Rate(limit=limit, period=period)


@pytest.mark.parametrize("rate", ["20", "20/", "0/m", "20/x", "-1/m", "twenty/m", "20/m/m"])
def test_a_malformed_rate_is_refused(rate):
    with pytest.raises(ValueError, match="not a rate"):
        Rate.parse(rate)


def test_counting_a_request_is_one_round_trip_to_redis(monkeypatch):
    writes = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counting_send(self, *args, **kwargs):
        writes.append(args)
        return send(self, *args, **kwargs)

    count_request(group="trips", key="user:warm", period=60)  # Redis learns the script once
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting_send)

    counts = [count_request(group="trips", key="user:one", period=60)[0] for _ in range(3)]

    assert counts == [1, 2, 3]
    assert len(writes) == 3


def test_a_windows_count_expires_soon_after_the_window():
    _, seconds_left, _ = count_request(group="expiry", key="ip:192.0.2.1", period=3600)
    last_second = window_end("ip:192.0.2.1", 3600)
    key = cache.make_key(f"rl:expiry:ip:192.0.2.1:{last_second}")

    time_to_live = get_redis_connection("default").ttl(key)

    assert seconds_left - 1 <= time_to_live <= seconds_left + 6
