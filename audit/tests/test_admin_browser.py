"""
The audit trail on the admin site in a real browser (chromium, bankapi/tests/browser.py): staff find
a customer's events by their email and read one, with what it changed. No console error, uncaught
error or CSP violation on the way. With --admin-screenshots this test saves the pictures of
docs/admin.md.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bankapi.tests.browser import admin_path, log_in_to_admin, message, result_row, run_action

pytestmark = pytest.mark.browser


def test_staff_find_a_customers_events_by_email_and_read_one(browser_page, screenshot):
    page = browser_page
    staff = UserFactory(role=Role.ADMIN, email="olivia.ortiz@example.com", first_name="Olivia", last_name="Ortiz")
    grace = UserFactory(first_name="Grace", last_name="Hopper", email="grace.hopper@example.com")
    log_in_to_admin(page, staff.email, DEFAULT_PASSWORD)
    page.goto(admin_path("accounts_user_changelist"))
    run_action(page, "freeze", grace.account_number)
    expect(message(page)).to_be_visible()
    page.goto(admin_path("audit_auditevent_changelist"))
    expect(page.locator("#result_list tbody tr")).not_to_have_count(0)
    screenshot("audit-events")

    page.locator("#searchbar").fill(grace.email)
    page.locator("#searchbar").press("Enter")

    freeze = result_row(page, grace.account_number).filter(has_text=re.compile("customer.updated", re.IGNORECASE))
    expect(freeze).to_have_count(1)
    freeze.get_by_role("link").first.click()

    content = page.locator("#content")
    expect(content).to_contain_text(grace.account_number)  # the target
    expect(content).to_contain_text(staff.account_number)  # the actor
    expect(content).to_contain_text("frozen")  # the change, before and after
    expect(content).to_contain_text("active")
    screenshot("audit-event")
