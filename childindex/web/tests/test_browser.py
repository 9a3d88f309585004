"""The practitioner's journey in a real browser: sign in, search, give a purpose, open the
record, log an involvement and see it in the team around the child.

Drives Debian's Chromium (``/usr/bin/chromium``, installed by ``./run test``) through Playwright
against pytest-django's live server.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections

from childindex.access.testing import authenticator, totp_code
from childindex.web.tests.pages import assert_govuk_page

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed"
    ),
]


@pytest.fixture
def browser_page():
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous, so Django must be told that is safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        page = browser.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            # Queries made inside Playwright's context ran on connections of that context:
            # close them here, or the test database cannot be dropped at the end.
            connections.close_all()
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def sign_in(page, base_url: str, user, password: str) -> None:
    """Sign in as a person does: username and password, then the authenticator's code."""
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    follow(page, page.get_by_role("button", name="Continue"))
    page.get_by_label("Code").fill(totp_code(authenticator(user)))
    follow(page, page.get_by_role("button", name="Continue"))
    page.wait_for_load_state()


def follow(page, locator) -> None:
    """Click what starts a navigation and wait until the next page has loaded, so that what
    the test reads next is that page, never the one it left or a document still arriving."""
    with page.expect_navigation():
        locator.click()


def heading(page) -> str:
    """The page's h1, after checking the GOV.UK conventions on what the browser rendered."""
    assert_govuk_page(page.content())
    return page.locator("h1").inner_text().strip()


def test_a_practitioner_finds_a_child_and_logs_their_involvement(
    browser_page, live_server, journey, children
):
    page = browser_page
    sign_in(page, live_server.url, journey.pat, "correct-horse-battery")

    assert heading(page) == "Find a child"  # the start page after signing in
    follow(page, page.get_by_role("button", name="Start a search"))
    assert page.url.endswith("/search/") and heading(page) == "Find a child"
    page.get_by_label("Name").fill("olivia smyth")
    page.get_by_label("Day").fill("4")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2015")
    follow(page, page.get_by_role("button", name="Search"))
    follow(page, page.get_by_role("link", name="Olivia Smith"))

    assert heading(page) == "Why are you opening this record?"
    page.get_by_label("Referral received").check()
    follow(page, page.get_by_role("button", name="Open the record"))
    assert heading(page) == "Olivia Smith"
    assert "No current involvement" in page.content()

    follow(page, page.get_by_role("link", name="Log your involvement"))
    assert heading(page) == "Log your involvement"
    page.get_by_label("Your service").select_option(label="Pastoral care (Hastings Primary School)")
    page.get_by_label("Day").first.fill("1")
    page.get_by_label("Month").first.fill("9")
    page.get_by_label("Year").first.fill("2025")
    follow(page, page.get_by_role("button", name="Log involvement"))

    assert heading(page) == "Olivia Smith"
    assert "Your involvement (Pastoral care) has been logged." in page.content()
    card = page.locator(".govuk-summary-card", has_text="Pastoral care")
    assert "Pat Teacher" in card.inner_text()
    assert "From 1 September 2025" in card.inner_text()
