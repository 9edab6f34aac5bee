"""
Staff accounts on the admin site in a real browser (chromium, bankapi/tests/browser.py): an admin
adds a member of staff, who is given no password by anyone but a one-time link, opens it in their
own browser, chooses a password, sets up MFA through the API and logs in with their email. No
console error, uncaught error or CSP violation on either side. With --admin-screenshots this test saves the pictures of
docs/admin.md.
"""

import re

import pytest
import requests
from playwright.sync_api import expect

from accounts.models import Role, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, code_from_otpauth_uri
from bankapi.tests.browser import admin_path, log_in_to_admin, message, open_page

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a long and private passphrase"  # noqa: S105


def test_staff_added_on_the_site_choose_their_own_password_through_a_one_time_link(
    browser_page, chromium, live_server, screenshot
):
    page = browser_page
    admin = UserFactory(role=Role.ADMIN, email="olivia.ortiz@example.com", first_name="Olivia", last_name="Ortiz")
    log_in_to_admin(page, admin.email, DEFAULT_PASSWORD)
    page.goto(admin_path("accounts_user_add"))
    page.locator("input[name=email]").fill("sam.okafor@example.com")
    page.locator("input[name=first_name]").fill("Sam")
    page.locator("input[name=last_name]").fill("Okafor")
    page.locator("select[name=role]").select_option(Role.ADMIN)
    screenshot("staff-add")

    page.get_by_role("button", name="Save", exact=True).click()

    link_message = message(page).filter(has_text=re.compile(r"https?://"))
    expect(link_message).to_have_count(1)
    link = re.search(r"https?://\S+", link_message.inner_text()).group()
    sam = User.objects.get(email="sam.okafor@example.com")
    assert sam.role == Role.ADMIN and not sam.has_usable_password()
    screenshot("staff-added")

    with open_page(chromium, live_server.url) as (own_browser, problems):
        own_browser.goto(link)
        own_browser.get_by_label("New password").fill(NEW_PASSWORD)
        own_browser.get_by_label("Confirm password").fill(NEW_PASSWORD)
        screenshot("set-password", page=own_browser)
        own_browser.get_by_role("button", name="Set my password").click()
        expect(own_browser.locator("#content")).to_contain_text("password is set")
        screenshot("set-password-done", page=own_browser)

        # Staff set up MFA through the API before the admin site lets them in.
        recovery_codes = _enroll_through_the_api(live_server.url, sam.email, NEW_PASSWORD)
        log_in_to_admin(own_browser, sam.email, NEW_PASSWORD, otp_token=recovery_codes[0])
    assert not problems, f"the browser reported problems: {problems}"


def _enroll_through_the_api(base_url: str, email: str, password: str) -> list[str]:
    """What a new member of staff does first: log in, set up an authenticator app, confirm it."""
    tokens = requests.post(f"{base_url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=30)
    bearer = {"Authorization": f"Bearer {tokens.json()['access']}"}
    uri = requests.post(f"{base_url}/api/v1/auth/mfa/totp", headers=bearer, timeout=30).json()["otpauth_uri"]
    confirmed = requests.post(
        f"{base_url}/api/v1/auth/mfa/totp/confirm",
        json={"code": code_from_otpauth_uri(uri)},
        headers=bearer,
        timeout=30,
    )
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json()["recovery_codes"]
