"""
The admin site's customer page shows what the Flask service kept about an imported customer
(address, branch, kind of account, opening day), read-only.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from legacy.tests.flask_export import flask_row, write_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tmp_path) -> User:
    path = write_export(tmp_path / "customers.csv", [flask_row(1, address="1 Main Street", branch_code="BR042")])
    call_command("import_customers", str(path), stdout=StringIO())
    return User.objects.get(account_number="100000000001")


def test_change_page_of_an_imported_customer_shows_the_flask_details_read_only(admin_site, imported):
    response = admin_site.get(reverse("admin:accounts_user_change", args=[imported.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "From the Flask service" in page
    assert "1 Main Street" in page and "branch BR042" in page and "Savings account" in page
    assert "opened 2019-03-14" in page
    assert 'name="address"' not in page and 'name="branch_code"' not in page


def test_change_page_of_a_customer_who_was_not_imported_has_no_flask_details(admin_site, customer):
    response = admin_site.get(reverse("admin:accounts_user_change", args=[customer.pk]))

    assert response.status_code == 200
    assert "From the Flask service" not in response.content.decode()
