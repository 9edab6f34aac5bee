"""
Browser tests (pytest plugin, loaded by the root conftest.py): Playwright driving Debian's chromium
against pytest-django's live server, which runs the app in the test process with the test settings
(the test database and this process's Redis keys, so a test sets up and checks its data through the
services and selectors) and serves the static files from the apps, as collectstatic would gather
them. Every page gets the real middleware and so the real Content Security Policy.

Each page records the problems a browser would show staff or hide from them: console errors
(among them a resource that failed to load), uncaught page errors, CSP violations and a page
answered without a CSP; a test that leaves any fails. `--admin-screenshots DIR` makes the tests save
the screenshots docs/admin.md shows.

Nothing is downloaded at run time: without the browser the tests fail (never skip), naming the
package to install.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Playwright, Response, expect, sync_playwright

CHROMIUM = os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000  # for every action and every expect(), on a machine busy with other tests
ALLOW_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

# Records every CSP violation of the page through a binding (a listener outside the page's own
# scripts, which the policy cannot block); added to every document before its scripts run.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.__recordCspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${event.documentURI}` +
        (event.sourceFile ? ` (${event.sourceFile}:${event.lineNumber})` : "")
    );
});
"""


expect.set_options(timeout=TIMEOUT_MS)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--admin-screenshots",
        metavar="DIR",
        type=Path,
        default=None,
        help="save the browser tests' screenshots of the admin site (docs/admin.md) as DIR/<name>.png",
    )


class ChromiumSession:
    """
    The Playwright driver and one chromium for a test process.

    Playwright's sync API marks its event loop as the thread's running loop after every call. While
    a loop runs, Django refuses database queries (SynchronousOnlyOperation) unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set, and asgiref's locals, among them Django's connections, hold
    other values. So the mark and the variable are there only while a page is open (a browser test
    queries between browser calls, as a person would look things up), and the other tests in this
    process never see either.
    """

    def __init__(self, playwright: Playwright, browser: Browser) -> None:
        self.playwright = playwright
        self.browser = browser
        self._users = 0  # open pages (open_page may nest: a second person's browser in one test)
        self._allow_async_unsafe: str | None = None
        self._loop = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(None)

    def resume(self) -> None:
        """Before driving the browser: the loop is marked running again."""
        if self._users == 0:
            self._allow_async_unsafe = os.environ.get(ALLOW_ASYNC_UNSAFE)
            os.environ[ALLOW_ASYNC_UNSAFE] = "true"
            asyncio.events._set_running_loop(self._loop)
        self._users += 1

    def suspend(self) -> None:
        """
        Once no page is open: the mark is taken away, and the database connections that the test
        opened while it was there are closed (kept apart from the thread's others, one left open
        would outlive the test and keep the test database from being dropped).
        """
        self._users -= 1
        if self._users == 0:
            connections.close_all()
            asyncio.events._set_running_loop(None)
            if self._allow_async_unsafe is None:
                del os.environ[ALLOW_ASYNC_UNSAFE]
            else:
                os.environ[ALLOW_ASYNC_UNSAFE] = self._allow_async_unsafe

    def close(self) -> None:
        self.resume()
        try:
            self.browser.close()
        finally:
            self.playwright.stop()  # which takes the mark away
            self.suspend()


def require_chromium(executable: str) -> None:
    """Fail (never skip) the browser tests when the browser is not installed."""
    if not Path(executable).is_file():
        pytest.fail(
            f"The browser tests need Debian's chromium at {executable} (apt-get install chromium; "
            ".ci/run installs it): nothing is downloaded at run time.",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def chromium() -> Iterator[ChromiumSession]:
    require_chromium(CHROMIUM)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    except BaseException:
        playwright.stop()
        raise
    session = ChromiumSession(playwright, browser)
    yield session
    session.close()


@dataclass
class PageProblems:
    """What went wrong on the page, as the browser saw it."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    pages_without_csp: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(getattr(self, problem.name) for problem in fields(self))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            self.console_errors.append(f"{message.text} ({location.get('url')}:{location.get('lineNumber')})")

    def on_response(self, response: Response) -> None:
        if response.request.resource_type == "document" and "content-security-policy" not in response.headers:
            self.pages_without_csp.append(response.url)


@contextmanager
def open_page(chromium: ChromiumSession, base_url: str) -> Iterator[tuple[Page, PageProblems]]:
    """
    A fresh browser context (no cookies) and page at 1280×800 on `base_url` (`page.goto` takes
    paths), with what goes wrong on it recorded.
    """
    chromium.resume()
    problems = PageProblems()
    context = chromium.browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="en-GB")
    try:
        context.set_default_timeout(TIMEOUT_MS)
        context.expose_function("__recordCspViolation", lambda report: problems.csp_violations.append(report))
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.on("console", problems.on_console)
        page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
        page.on("response", problems.on_response)
        yield page, problems
        # Violations are reported asynchronously: let the last page's reports arrive.
        page.wait_for_timeout(100)
    finally:
        context.close()
        chromium.suspend()


@pytest.fixture
def browser_page(chromium: ChromiumSession, live_server) -> Iterator[Page]:
    """
    A page on the live server (see open_page). The test fails if the page logged an error, raised
    one, or broke or lacked its CSP.
    """
    with open_page(chromium, live_server.url) as (page, problems):
        yield page
    assert not problems, f"the browser reported problems: {problems}"


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, browser_page: Page) -> Callable[..., None]:
    """
    `screenshot(name)` saves the page (or `page=` another one) as <name>.png under
    --admin-screenshots, if given: the pictures of docs/admin.md.
    """
    directory: Path | None = request.config.getoption("--admin-screenshots")

    def take(name: str, page: Page = browser_page) -> None:
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=directory / f"{name}.png", animations="disabled", caret="hide")

    return take


# The admin site, as staff use it ----------------------------------------------------------------


def admin_path(name: str = "index", *args: object) -> str:
    """The path of an admin page by its URL name ("index", "accounts_user_changelist", ...)."""
    return reverse(f"admin:{name}", args=args)


def log_in_to_admin(
    page: Page,
    email: str,
    password: str,
    *,
    otp_token: str | None = None,
    before_submit: Callable[[], None] | None = None,
) -> None:
    """
    Log in on the admin site's login form with an email, as staff do: the password, and `otp_token`
    (a recovery code, say), by default the current code of their authenticator (computed from their
    TOTP device, as the app would show it). `before_submit` may take a screenshot.
    """
    # Imported here: this plugin is loaded before Django's apps are.
    from accounts.selectors import user_get_by_login_identifier
    from accounts.tests.factories import totp_code

    page.goto(admin_path())
    expect(page).to_have_url(re.compile(re.escape(admin_path("login")) + r"\?next="))
    username = page.locator("input[name=username]")
    username.fill(email)
    expect(username).to_have_value(email)  # the box takes a whole email
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=otp_token]").fill(otp_token or totp_code(user_get_by_login_identifier(email)))
    if before_submit is not None:
        before_submit()
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(admin_path()) + "$"))


def result_row(page: Page, text: str) -> Locator:
    """The row of the change list's results that shows `text` (an account number, say)."""
    return page.locator("#result_list tbody tr").filter(has_text=text)


def run_action(page: Page, action: str, *rows_showing: str) -> None:
    """Tick the rows that show these texts, choose the action (its name) and press Go."""
    for text in rows_showing:
        result_row(page, text).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(action)
    page.get_by_role("button", name="Go").click()


def message(page: Page, level: str = "success") -> Locator:
    """The messages of that level (success, info, warning, error) at the top of the page."""
    return page.locator(f"ul.messagelist li.{level}")
