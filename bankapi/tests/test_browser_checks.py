"""
The browser tests' own checks (bankapi/tests/browser.py) catch what they are there to catch: a
script or style the Content Security Policy refuses, an error in the console, an uncaught error, a
page served without a policy; and without the browser the tests fail rather than skip.
"""

import pytest
from django.conf import settings

from bankapi.tests.browser import open_page, require_chromium

pytestmark = pytest.mark.browser

LOGIN = f"/{settings.ADMIN_URL}login/"


@pytest.fixture
def recorded(chromium, live_server):
    with open_page(chromium, live_server.url) as (page, problems):
        page.goto(LOGIN)
        yield page, problems


def test_an_inline_script_the_policy_refuses_is_recorded(recorded):
    page, problems = recorded
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.ran = true";
        document.body.append(script);
    }""")
    page.wait_for_timeout(100)

    assert page.evaluate("() => window.ran") is None  # the policy held
    assert any(violation.startswith("script-src") for violation in problems.csp_violations), problems


def test_an_image_from_another_origin_is_recorded(recorded):
    page, problems = recorded
    page.evaluate("""() => {
        const image = document.createElement("img");
        image.src = "https://images.example.com/tracker.png";
        document.body.append(image);
    }""")
    page.wait_for_timeout(100)

    assert any("images.example.com" in violation for violation in problems.csp_violations), problems


def test_a_console_error_is_recorded(recorded):
    page, problems = recorded
    page.evaluate("() => console.error('something broke')")

    assert any("something broke" in error for error in problems.console_errors), problems


def test_an_uncaught_error_is_recorded(recorded):
    page, problems = recorded
    page.evaluate("() => setTimeout(() => { throw new Error('nobody caught me'); })")
    page.wait_for_timeout(100)

    assert any("nobody caught me" in error for error in problems.page_errors), problems


def test_a_missing_resource_is_recorded(recorded):
    page, problems = recorded
    page.evaluate("""() => {
        const link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = "/static/admin/css/no-such-file.css";
        document.head.append(link);
    }""")
    page.wait_for_timeout(200)

    assert any("no-such-file.css" in error and "404" in error for error in problems.console_errors), problems


def test_a_page_without_a_policy_is_recorded(recorded):
    page, problems = recorded
    page.goto("/static/admin/css/base.css")  # static files bypass the middleware, as nginx serves them

    assert problems.pages_without_csp == [page.url]


def test_a_clean_page_records_nothing_but_the_login_page_is_checked(recorded):
    page, problems = recorded

    assert "script-src 'self'" in page.goto(LOGIN).headers["content-security-policy"]
    assert not problems.csp_violations and not problems.page_errors and not problems.pages_without_csp


def test_without_the_browser_the_tests_fail_and_do_not_skip(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        require_chromium(str(tmp_path / "chromium"))
