"""
The one place this service reaches below Django REST Framework's public API.
"""

from django.http import HttpRequest
from rest_framework.request import Request


def django_request(request: Request) -> HttpRequest:
    """
    The Django request a DRF request wraps. Services that authenticate pass it on, because
    django-axes and the lockout annotate the request that Django's middleware later reads (axes'
    lockout flag), not DRF's wrapper. DRF keeps it in the private `_request`; a test
    (bankapi/tests/test_drf_adapter.py) fails loudly if an upgrade moves it.
    """
    wrapped = request._request
    if not isinstance(wrapped, HttpRequest):
        raise TypeError(f"DRF's Request no longer wraps an HttpRequest in _request: {type(wrapped)!r}")
    return wrapped
