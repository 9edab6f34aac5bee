"""
The client IP is REMOTE_ADDR unless TRUSTED_PROXY_COUNT proxies in front each append to
X-Forwarded-For: then it is read from the right, one entry per proxy, and only while the address
that handed the request on is a trusted proxy (TRUSTED_PROXY_NETWORKS); whatever the client wrote
further left is ignored. The rate limits count by this address.
"""

import pytest
from django.test import RequestFactory

from bankapi.client_ip import client_ip

REMOTE_ADDR = "10.0.0.1"  # the proxy in front, in the trusted network these tests set
PROXY_NETWORKS = ["10.0.0.0/8"]
LOGIN = "/api/v1/auth/login"


@pytest.fixture(autouse=True)
def _proxies_in_ten_slash_eight(settings):
    settings.TRUSTED_PROXY_NETWORKS = PROXY_NETWORKS


def request_with(forwarded_for: str | None = None, remote_addr: str = REMOTE_ADDR):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


# No trusted proxy --------------------------------------------------------------------------------


def test_default_is_to_trust_no_proxy():
    from bankapi.settings import base

    assert base.TRUSTED_PROXY_COUNT == 0


def test_default_trusted_proxy_networks_are_loopback_only():
    from bankapi.settings import base

    assert base.TRUSTED_PROXY_NETWORKS == ["127.0.0.0/8", "::1/128"]


def test_without_proxies_remote_addr_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_with()) == REMOTE_ADDR


def test_without_proxies_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_with("203.0.113.7")) == REMOTE_ADDR


def test_without_proxies_a_multi_entry_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_with("198.51.100.1, 203.0.113.7")) == REMOTE_ADDR


def test_missing_remote_addr_gives_a_fixed_placeholder_not_an_empty_key(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]

    assert client_ip(request) == "0.0.0.0"  # noqa: S104 - a placeholder, not a bind address


# One proxy ---------------------------------------------------------------------------------------


def test_one_proxy_takes_the_entry_it_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_with("203.0.113.7")) == "203.0.113.7"


def test_one_proxy_ignores_a_forged_left_prefix(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_with("198.51.100.99, 192.0.2.1, 203.0.113.7")) == "203.0.113.7"


def test_one_proxy_tolerates_spaces_around_entries(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_with("  198.51.100.99 ,   203.0.113.7  ")) == "203.0.113.7"


def test_one_proxy_without_x_forwarded_for_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_with()) == REMOTE_ADDR


def test_one_proxy_with_empty_x_forwarded_for_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_with(" , ")) == REMOTE_ADDR


def test_one_proxy_with_a_non_ip_entry_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_with("203.0.113.7, not-an-ip")) == REMOTE_ADDR


def test_one_proxy_with_an_ip_and_port_entry_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_with("203.0.113.7:8080")) == REMOTE_ADDR


def test_one_proxy_accepts_ipv6_in_canonical_form(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_with("2001:0db8:0000:0000:0000:0000:0000:0001")) == "2001:db8::1"


# Two proxies -------------------------------------------------------------------------------------


def test_two_proxies_take_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(request_with("203.0.113.7, 10.1.1.1")) == "203.0.113.7"


def test_two_proxies_ignore_a_forged_left_prefix(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(request_with("198.51.100.99, 203.0.113.7, 10.1.1.1")) == "203.0.113.7"


def test_two_proxies_with_one_entry_take_the_address_the_trusted_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 2  # the outer proxy was bypassed: its peer is the client

    assert client_ip(request_with("203.0.113.7")) == "203.0.113.7"


def test_two_proxies_believe_the_inner_entry_only_when_it_is_a_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(request_with("198.51.100.99, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(request_with("198.51.100.99, 10.1.1.1")) == "198.51.100.99"


# A peer that is not a trusted proxy --------------------------------------------------------------


def test_x_forwarded_for_from_a_peer_outside_the_trusted_networks_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_with("203.0.113.7", remote_addr="192.0.2.50")) == "192.0.2.50"


def test_x_forwarded_for_from_loopback_is_believed_by_default(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["127.0.0.0/8", "::1/128"]

    assert client_ip(request_with("203.0.113.7", remote_addr="127.0.0.1")) == "203.0.113.7"
    assert client_ip(request_with("203.0.113.7", remote_addr="::1")) == "203.0.113.7"
    assert client_ip(request_with("203.0.113.7", remote_addr=REMOTE_ADDR)) == REMOTE_ADDR


def test_an_ipv4_proxy_seen_through_a_dual_stack_socket_is_trusted(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_with("203.0.113.7", remote_addr="::ffff:10.0.0.1")) == "203.0.113.7"


def test_two_proxies_with_a_non_ip_client_entry_fall_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(request_with("198.51.100.99, unknown, 10.1.1.1")) == REMOTE_ADDR


# Through the rate limit --------------------------------------------------------------------------


def login_from(api_client, forwarded_for: str, remote_addr: str = REMOTE_ADDR):
    return api_client.post(
        LOGIN,
        {"email": "nobody@example.com", "password": "wrong password here"},
        format="json",
        REMOTE_ADDR=remote_addr,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.mark.django_db
def test_forged_x_forwarded_for_does_not_escape_the_login_rate_limit(api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.RATE_LOGIN = "1/m"

    first = login_from(api_client, "198.51.100.1")
    second = login_from(api_client, "198.51.100.2")

    assert first.status_code == 401
    assert second.status_code == 429
    assert second.json()["code"] == "rate_limited"


@pytest.mark.django_db
def test_a_client_reaching_the_instance_directly_cannot_choose_its_login_bucket(api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LOGIN = "1/m"

    first = login_from(api_client, "198.51.100.1", remote_addr="192.0.2.50")
    forged = login_from(api_client, "198.51.100.2", remote_addr="192.0.2.50")

    assert first.status_code == 401
    assert forged.status_code == 429


@pytest.mark.django_db
def test_behind_one_proxy_each_client_has_its_own_login_bucket(api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LOGIN = "1/m"

    first = login_from(api_client, "198.51.100.1")
    other_client = login_from(api_client, "198.51.100.2")
    same_client_forged_prefix = login_from(api_client, "203.0.113.50, 198.51.100.1")

    assert first.status_code == 401
    assert other_client.status_code == 401
    assert same_client_forged_prefix.status_code == 429
