"""
The admin site's login with its second factor in a real browser (chromium, bankapi/tests/browser.py).
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bankapi.tests.browser import admin_path, log_in_to_admin

pytestmark = pytest.mark.browser


def test_an_admin_signs_in_with_password_and_authenticator_code(browser_page):
    staff = UserFactory(role=Role.ADMIN)

    log_in_to_admin(browser_page, staff.email, DEFAULT_PASSWORD)

    expect(browser_page.locator("#user-tools")).to_contain_text("Welcome")


def test_a_wrong_code_keeps_the_admin_out_and_says_why(browser_page):
    staff = UserFactory(role=Role.ADMIN)
    page = browser_page
    page.goto(admin_path())
    page.locator("input[name=username]").fill(staff.email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("input[name=otp_token]").fill("000000")

    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(re.escape(admin_path("login"))))
    expect(page.locator(".errornote, .errorlist").first).to_contain_text("authenticator code is wrong")
