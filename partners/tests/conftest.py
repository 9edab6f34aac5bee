"""
A partner key issued through the service, and an API client that sends it.
"""

import pytest
from rest_framework.test import APIClient

from partners.services import partner_key_create

VERIFY = "/api/v1/partner/account-verification"


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def issued(db):
    """(PartnerKey, key): a usable key of the partner "Acme Payments"."""
    return partner_key_create(name="Acme Payments")


@pytest.fixture
def partner_client(issued) -> APIClient:
    return key_client(issued[1])
