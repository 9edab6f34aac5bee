"""
The ledger on the admin site: accounts, journal transactions (with their entries) and entries are
shown, amounts as decimals, and nothing can be added, changed or deleted.
"""

import pytest
from django.conf import settings

from ledger.models import Account, JournalTransaction
from ledger.services import transfer_create
from ledger.tests.factories import customer_with_account

pytestmark = pytest.mark.django_db
ADMIN = f"/{settings.ADMIN_URL}ledger/"


@pytest.fixture
def movement(admin_user):
    alice = customer_with_account(balance=10_000, email="alice@example.com", teller=admin_user)
    bob = customer_with_account(email="bob@example.com", teller=admin_user)
    return transfer_create(actor=alice, from_account=alice.account_number, to_account=bob.account_number, amount=1_234)


@pytest.mark.parametrize("model", ["account", "journaltransaction", "entry"])
def test_the_ledgers_lists_are_shown_without_an_add_button(admin_site, movement, model):
    page = admin_site.get(f"{ADMIN}{model}/")

    assert page.status_code == 200
    assert f"{ADMIN}{model}/add/" not in page.content.decode()


def test_a_journal_transaction_shows_its_entries_with_decimal_amounts(admin_site, movement):
    page = admin_site.get(f"{ADMIN}journaltransaction/{movement.pk}/change/").content.decode()

    assert "12.34 EUR" in page
    assert "-12.34" in page and "87.66" in page


def test_an_account_shows_its_balance_as_a_decimal(admin_site, movement):
    account = Account.objects.get(number=movement.credit_account.number)

    assert "12.34" in admin_site.get(f"{ADMIN}account/{account.pk}/change/").content.decode()


def test_a_journal_transaction_cannot_be_deleted_from_the_admin_site(admin_site, movement):
    response = admin_site.post(f"{ADMIN}journaltransaction/{movement.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert JournalTransaction.objects.filter(pk=movement.pk).exists()
