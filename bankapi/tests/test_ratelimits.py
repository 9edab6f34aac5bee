"""
bankapi.ratelimits against the real Redis: the edges of django-ratelimit's fixed windows.
"""

import time

import pytest
from django.test import RequestFactory
from django_ratelimit.core import _get_window

from bankapi.errors import RateLimitedError
from bankapi.ratelimits import enforce_rate_limit

pytestmark = pytest.mark.django_db


def _key_whose_window_ends_within(seconds_low: float, seconds_high: float) -> tuple[str, float]:
    """A key whose one-minute window (edges staggered by key) ends between the two bounds from now."""
    for n in range(5000):
        key = f"edge-{n}"
        ends_at = _get_window(key, 60) + 1  # the window counts through its last whole second
        if seconds_low < ends_at - time.time() < seconds_high:
            return key, ends_at
    raise AssertionError("no key with a window ending soon")


def test_requests_across_a_window_edge_are_counted_not_mistaken_for_a_cache_failure():
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
