"""
bankapi.drf wraps DRF's private `Request._request`; these fail loudly if an upgrade changes it.
"""

from django.http import HttpRequest
from django.test import RequestFactory
from rest_framework.request import Request

from bankapi.drf import django_request


def test_django_request_is_the_very_request_drf_wraps():
    original = RequestFactory().post("/api/v1/auth/login", data={}, content_type="application/json")

    assert django_request(Request(original)) is original


def test_attributes_set_on_the_django_request_are_seen_through_drfs_wrapper():
    original = RequestFactory().get("/")
    wrapped = Request(original)

    django_request(wrapped).axes_locked_out = True

    assert isinstance(django_request(wrapped), HttpRequest)
    assert wrapped.axes_locked_out is True
