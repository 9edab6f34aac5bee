"""
The admin site's own links in a real browser (chromium, bankapi/tests/browser.py): "View site" opens
the API's documentation, whose Swagger UI runs under the browser pages' Content Security Policy
without an error or a violation.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bankapi.tests.browser import log_in_to_admin

pytestmark = pytest.mark.browser


def test_view_site_opens_the_api_docs_which_run_under_the_policy(browser_page, screenshot):
    page = browser_page
    staff = UserFactory(role=Role.ADMIN)
    log_in_to_admin(page, staff.email, DEFAULT_PASSWORD)

    page.get_by_role("link", name="View site").click()

    expect(page).to_have_url(re.compile(r"/api/docs$"))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Bank API")  # the UI ran
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()  # and read the schema
    screenshot("api-docs")
