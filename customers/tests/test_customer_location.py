"""
POST /api/v1/customers answers 201 with `Location`, the new customer's URL, which reads it back.
"""

import pytest

pytestmark = pytest.mark.django_db


def test_a_new_customer_is_at_the_location_the_creation_names(admin_client):
    body = {"email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper"}

    created = admin_client.post("/api/v1/customers", body, format="json")

    assert created.status_code == 201, created.content
    assert created["Location"] == f"/api/v1/customers/{created.json()['account_number']}"
    read = admin_client.get(created["Location"])
    assert read.status_code == 200
    assert read.json() == created.json()
    assert read["ETag"] == created["ETag"]
