"""In a real browser: axe-core over the core journey (WCAG 2.2 A and AA), the browser's Back
from a purpose page to the search results (post/redirect/get), and the confirmation pages.

Debian's Chromium, headless, as test_browser.py drives it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from childindex.records.tests.factories import ChildFactory
from childindex.web.tests.test_browser import CHROMIUM, follow, heading, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed"
    ),
]

AXE = Path(settings.NODE_MODULES) / "axe-core" / "axe.min.js"
WCAG_22_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PASSWORD = "correct-horse-battery"


@pytest.fixture
def chromium():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            yield browser
        finally:
            connections.close_all()
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _page(browser, **context):
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(15_000)
    return page


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.2 A/AA violations on the page as rendered (script injected by the
    test; the context bypasses the CSP only for that injection)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_22_A_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + json.dumps([n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
    ]


def test_the_core_journey_has_no_wcag_22_a_or_aa_violation(
    chromium, live_server, journey, children
):
    page = _page(chromium, bypass_csp=True)
    checked: dict[str, list[str]] = {}

    def check(name):
        checked[name] = axe_violations(page)

    page.goto(f"{live_server.url}/sign-in/")
    check("sign-in")
    follow(page, page.get_by_role("button", name="Continue"))  # the sign-in page with its errors
    check("sign-in with errors")
    sign_in(page, live_server.url, journey.pat, PASSWORD)
    page.goto(f"{live_server.url}/search/")
    check("search")
    follow(page, page.get_by_role("button", name="Search"))
    check("search with errors")
    page.get_by_label("Name").fill("olivia smith")
    page.get_by_label("Year").fill("2015")
    follow(page, page.get_by_role("button", name="Search"))
    check("search results")
    follow(page, page.get_by_role("link", name="Olivia Smith"))
    check("purpose")
    page.get_by_label("Referral received").check()
    follow(page, page.get_by_role("button", name="Open the record"))
    check("record")
    follow(page, page.get_by_role("link", name="Log your involvement"))
    check("log involvement")
    follow(page, page.get_by_role("button", name="Log involvement"))
    check("log involvement with errors")
    failures = {name: found for name, found in checked.items() if found}
    assert not failures, f"axe-core WCAG 2.2 A/AA violations: {failures}"
    assert len(checked) == 9


def test_back_from_the_purpose_page_returns_to_the_results_without_resubmitting(
    chromium, live_server, journey, children
):
    page = _page(chromium)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server.url, journey.pat, PASSWORD)
    page.goto(f"{live_server.url}/search/")
    page.get_by_label("Name").fill("olivia smith")
    page.get_by_label("Year").fill("2015")
    follow(page, page.get_by_role("button", name="Search"))
    assert page.url.endswith("/search/results/") and "olivia" not in page.url.lower()
    follow(page, page.get_by_role("link", name="Olivia Smith"))
    assert heading(page) == "Why are you opening this record?"
    page.go_back(wait_until="load")
    page.get_by_role("link", name="Olivia Smith").wait_for()
    assert page.url.endswith("/search/results/") and not dialogs
    # The back link does the same from the purpose page and from the record.
    follow(page, page.get_by_role("link", name="Olivia Smith"))
    page.get_by_label("Referral received").check()
    follow(page, page.get_by_role("button", name="Open the record"))
    assert heading(page) == "Olivia Smith"
    follow(page, page.get_by_role("link", name="Back to search results"))
    assert page.url.endswith("/search/results/") and "Olivia Smith" in page.content()


def test_suspending_and_removing_a_shield_ask_are_you_sure_first(
    chromium, live_server, journey, children
):
    team, pat = journey.index_team, journey.pat
    child = ChildFactory(responsible_la=journey.la, shielded=True, shield_review_on="2030-01-01")
    page = _page(chromium)
    sign_in(page, live_server.url, team, PASSWORD)

    page.goto(f"{live_server.url}/index-team/accounts/{pat.pk}/")
    follow(page, page.get_by_role("button", name="Suspend account"))
    assert heading(page).startswith("Are you sure you want to suspend")
    follow(page, page.get_by_role("link", name="Cancel"))
    pat.refresh_from_db()
    assert pat.suspended_on is None
    follow(page, page.get_by_role("button", name="Suspend account"))
    follow(page, page.get_by_role("button", name="Yes, suspend the account"))
    assert "Account suspended" in page.content()
    pat.refresh_from_db()
    assert pat.suspended_on is not None

    page.goto(f"{live_server.url}/index-team/shielding/")
    follow(page, page.locator(f'a[href$="/shielding/{child.index_number}/remove/"]'))
    assert heading(page).startswith("Are you sure you want to remove the shield")
    follow(page, page.get_by_role("button", name="Yes, remove the shield"))
    child.refresh_from_db()
    assert not child.shielded


def test_the_index_teams_navigation_is_one_line_at_1280_px(chromium, live_server, journey):
    """Nine areas of work in the service navigation, on one line; your name, notifications,
    account and sign out in the header (issue 17: it wrapped at 1280 px)."""
    page = _page(chromium, viewport={"width": 1280, "height": 800}, bypass_csp=True)
    sign_in(page, live_server.url, journey.index_team, PASSWORD)
    page.goto(f"{live_server.url}/index-team/accounts/")
    items = page.locator(".govuk-service-navigation__item")
    assert items.count() == 9
    rows = {round(items.nth(i).bounding_box()["y"]) for i in range(items.count())}
    assert len(rows) == 1, rows
    header = page.locator("header nav[aria-label='Your account']")
    assert header.get_by_role("button", name="Sign out").is_visible()
    assert header.get_by_role("link", name="Your account").is_visible()
    assert axe_violations(page) == []


# Every page of the other roles' menus, and the first page each list links to.
ROLE_PAGES = {
    "index_team": [
        "/index-team/accounts/",
        "/index-team/shielding/",
        "/index-team/move/",
        "/index-team/death/",
        "/index-team/children-elsewhere/",
        "/index-team/review/",
        "/index-team/feeds/",
        "/index-team/merges/",
        "/index-team/reports/",
        "/index-team/reports/data-quality/",
        "/index-team/reports/coverage/",
        "/index-team/reports/planning/",
        "/index-team/reports/feed-health/",
        "/index-team/reports/subject-access/",
        "/directory/",
        "/notifications/",
        "/account/",
    ],
    "auditor": ["/audit/", "/audit/child/", "/audit/user/", "/audit/alerts/"],
    "national_operator": [
        "/national/",
        "/national/feeds/",
        "/national/users/",
        "/national/population-estimates/",
    ],
}
FOLLOWED = ("/index-team/accounts/", "/index-team/reports/data-quality/")


def test_the_other_roles_pages_have_no_wcag_22_a_or_aa_violation(
    chromium, live_server, journey, children
):
    """The index team's, the auditor's and the national operator's pages as each signs in to
    them, with one <h1> each (the core journey's pages are checked above)."""
    from childindex.access.models import Role
    from childindex.testkit.journey import journey_user

    people = {
        "index_team": journey.index_team,
        "auditor": journey_user("audrey", la=journey.la, role=Role.AUDITOR),
        "national_operator": journey_user("nadia", la=journey.la, role=Role.NATIONAL_OPERATOR),
    }
    checked: dict[str, list[str]] = {}
    for role, pages in ROLE_PAGES.items():
        page = _page(chromium, bypass_csp=True)
        sign_in(page, live_server.url, people[role], PASSWORD)
        paths = list(pages)
        for path in pages:
            page.goto(f"{live_server.url}{path}")
            if path in FOLLOWED:
                links = page.eval_on_selector_all(
                    f"main a[href^='{path}']", "links => links.map(a => a.getAttribute('href'))"
                )
                paths += [h for h in links if h != path and "?" not in h and ".csv" not in h][:1]
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            assert page.locator("h1").count() == 1, path
            checked[f"{role} {path}"] = axe_violations(page)
        page.context.close()
    failures = {name: found for name, found in checked.items() if found}
    assert not failures, f"axe-core WCAG 2.2 A/AA violations: {failures}"
    assert len(checked) >= sum(len(p) for p in ROLE_PAGES.values()) + len(FOLLOWED)
