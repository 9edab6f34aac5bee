"""
The customers' list at 1280 px, in a real browser (bankapi/tests/browser.py): the account number
and the status are in view without scrolling sideways, even beside long emails and names, and the
status is coloured for frozen and closed customers (customers/static/customers/admin.css).
"""

import pytest
from playwright.sync_api import Page

from accounts.models import Role, Status
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bankapi.tests.browser import VIEWPORT, admin_path, log_in_to_admin

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in(browser_page: Page, db) -> Page:
    staff = UserFactory(role=Role.ADMIN, email="olivia.ortiz@example.com", first_name="Olivia", last_name="Ortiz")
    log_in_to_admin(browser_page, staff.email, DEFAULT_PASSWORD)
    return browser_page


def right_edge(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"]


def test_number_and_status_are_in_view_at_1280_px(signed_in, screenshot):
    UserFactory(
        first_name="Maximiliana-Theodora",
        last_name="Vandenberghe-Oosterhuis",
        email="maximiliana.theodora.vandenberghe-oosterhuis@a-rather-long-domain.example.com",
        status=Status.FROZEN,
    )
    UserFactory(status=Status.CLOSED)
    page = signed_in

    page.goto(admin_path("accounts_user_changelist"))
    screenshot("customers-list")

    assert right_edge(page, "#result_list th.column-account_number") <= VIEWPORT["width"]
    assert right_edge(page, "#result_list th.column-status_label") <= VIEWPORT["width"]
    for cell in page.locator("#result_list td.field-status_label").all():
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= VIEWPORT["width"]


@pytest.mark.parametrize("status", [Status.FROZEN, Status.CLOSED])
def test_frozen_and_closed_are_coloured_unlike_active(signed_in, status):
    UserFactory(status=Status.ACTIVE)
    UserFactory(status=status)
    page = signed_in

    page.goto(admin_path("accounts_user_changelist"))

    def background(selector: str) -> str:
        return page.locator(selector).first.evaluate("element => getComputedStyle(element).backgroundColor")

    coloured = background(f".customer-status-{status}")
    assert coloured not in {background(".customer-status-active"), "rgba(0, 0, 0, 0)"}
