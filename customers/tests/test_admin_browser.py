"""
The admin site in a real browser (chromium, bankapi/tests/browser.py), as staff use it: log in with
an email, find a customer by email prefix or account number, freeze and unfreeze them, close them
after confirming, unlock a locked login. Every page must load without a console error, an uncaught
error or a CSP violation. With --admin-screenshots these tests save the pictures of docs/admin.md.
"""

import re

import pytest
import requests
from django.conf import settings
from playwright.sync_api import expect

from accounts.models import Role, Status, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bankapi.tests.browser import admin_path, log_in_to_admin, message, result_row, run_action

pytestmark = pytest.mark.browser

CUSTOMERS = "accounts_user_changelist"
API_LOGIN = "/api/v1/auth/login"


@pytest.fixture
def staff_member(db) -> User:
    return UserFactory(role=Role.ADMIN, email="olivia.ortiz@example.com", first_name="Olivia", last_name="Ortiz")


@pytest.fixture
def customers(db) -> dict[str, User]:
    """A few customers on file, newest last, in each status."""
    people = [
        ("Dorothy", "Vaughan", Status.CLOSED),
        ("Katherine", "Johnson", Status.FROZEN),
        ("Margaret", "Hamilton", Status.ACTIVE),
        ("Alan", "Turing", Status.ACTIVE),
        ("Grace", "Hopper", Status.ACTIVE),
    ]
    return {
        first.lower(): UserFactory(
            first_name=first, last_name=last, email=f"{first}.{last}@example.com".lower(), status=status
        )
        for first, last, status in people
    }


@pytest.fixture
def signed_in(browser_page, staff_member):
    log_in_to_admin(browser_page, staff_member.email, DEFAULT_PASSWORD)
    return browser_page


def search(page, term: str) -> None:
    page.locator("#searchbar").fill(term)
    page.locator("#searchbar").press("Enter")


def test_staff_log_in_with_their_email(browser_page, staff_member, screenshot):
    page = browser_page

    log_in_to_admin(page, staff_member.email, DEFAULT_PASSWORD, before_submit=lambda: screenshot("login"))

    expect(page.get_by_role("button", name=re.compile("log out", re.IGNORECASE))).to_be_visible()
    screenshot("home")


def test_a_customer_is_found_by_email_prefix_and_by_account_number(signed_in, customers, screenshot):
    page, grace, alan = signed_in, customers["grace"], customers["alan"]
    page.goto(admin_path(CUSTOMERS))
    expect(page.locator("#result_list tbody tr")).to_have_count(len(customers) + 1)  # and the staff member
    screenshot("customers")

    search(page, "grace.hop")

    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(result_row(page, grace.account_number)).to_contain_text(grace.email)
    screenshot("customers-search")

    search(page, alan.account_number)

    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    result_row(page, alan.account_number).get_by_role("link", name=alan.account_number).click()
    expect(page.locator("input[name=email]")).to_have_value(alan.email)
    screenshot("customer")


def test_a_customer_is_frozen_and_unfrozen_from_the_list(signed_in, customers, screenshot):
    page, grace = signed_in, customers["grace"]
    page.goto(admin_path(CUSTOMERS))

    run_action(page, "freeze", grace.account_number)

    expect(message(page)).to_be_visible()
    expect(result_row(page, grace.account_number)).to_contain_text("Frozen")
    grace.refresh_from_db()
    assert grace.status == Status.FROZEN
    screenshot("customers-frozen")

    run_action(page, "unfreeze", grace.account_number)

    expect(message(page)).to_be_visible()
    expect(result_row(page, grace.account_number)).to_contain_text("Active")
    grace.refresh_from_db()
    assert grace.status == Status.ACTIVE


def test_closing_asks_for_confirmation_listing_who_is_closed(signed_in, customers, screenshot):
    page, alan, margaret = signed_in, customers["alan"], customers["margaret"]
    page.goto(admin_path(CUSTOMERS))

    run_action(page, "close", alan.account_number)

    # Nothing is closed yet: the next page asks, naming who would be closed (and nobody else).
    content = page.locator("#content")
    expect(content).to_contain_text(alan.account_number)
    expect(content).not_to_contain_text(margaret.account_number)
    alan.refresh_from_db()
    assert alan.status == Status.ACTIVE
    screenshot("close-confirmation")

    page.get_by_role("button", name=re.compile("^Yes")).click()

    expect(message(page)).to_be_visible()
    expect(result_row(page, alan.account_number)).to_contain_text("Closed")
    alan.refresh_from_db()
    assert alan.status == Status.CLOSED


def test_a_locked_login_is_unlocked(signed_in, customers, live_server, screenshot):
    page, grace = signed_in, customers["grace"]

    def api_login(password: str) -> requests.Response:
        credentials = {"email": grace.email, "password": password}
        return requests.post(live_server.url + API_LOGIN, json=credentials, timeout=30)

    for _ in range(settings.LOCKOUT_FAILURES):
        api_login("not the password at all")
    assert api_login(DEFAULT_PASSWORD).status_code == 429  # locked, even with the right password
    page.goto(admin_path(CUSTOMERS))
    search(page, grace.email)

    run_action(page, "unlock", grace.account_number)

    expect(message(page)).to_contain_text(grace.account_number)
    assert api_login(DEFAULT_PASSWORD).status_code == 200
    screenshot("customers-unlocked")
