"""Every demo account walks the pages its menu offers, in the demo county's year, and
reads nothing a county official would have to phone about: no role codes, no UTC, no
ISO durations, no English decision words, no ratios with five decimals — and the
browser reports no script error and no failed request."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from app.extensions import db
from app.services.demo import seed_demo_year

ACCOUNTS = ("unit", "dept", "finance", "expert", "gov", "congress", "admin")
RAW = re.compile(
    r"\b(budget_unit|budget_department|finance_bureau|county_government|peoples_congress"
    r"|process_admin|user_admin)\b"
    r"|\bUTC\b|\bP\d+[DWMY]\b|\bPT\d+[HMS]\b"
    r"|\b(return|approve|reject)\b"
    r"|\d\.\d{5,}"
)


@pytest.fixture
def demo_year(app, real_processes):
    with app.app_context():
        assert seed_demo_year()
        db.session.remove()


def watch(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    return problems


def first_links(page: Page, path: str, pattern: str, count: int) -> list[str]:
    """The first `count` links on `path` whose address matches `pattern` (a task, a
    submission, a diagram): pages one menu click away."""
    page.goto(path)
    found = page.locator("main a").evaluate_all("links => links.map(a => a.pathname)")
    return list(dict.fromkeys(p for p in found if re.fullmatch(pattern, p)))[:count]


@pytest.mark.parametrize("account", ACCOUNTS)
def test_each_menu_page_speaks_the_users_language(
    page: Page, log_in, demo_year, screenshot, account
):
    log_in(account)
    problems = watch(page)
    menu = page.locator("nav.main-nav a").evaluate_all("links => links.map(a => a.pathname)")
    assert menu, "every account has a menu"
    beyond = [
        *first_links(page, "/", r"/tasks/\d+", 2),
        *first_links(page, "/instances", r"/instances/\d+", 2),
        *first_links(page, "/start", r"/processes/\w+/diagram", 1),
    ]
    for path in [*menu, *beyond, "/notifications", "/account"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        text = page.locator("body").inner_text()
        found = sorted({m.group(0) for m in RAW.finditer(text)})
        assert found == [], f"{account} sees {found} on {path}"
        screenshot(page, path.strip("/").replace("/", "-") or "inbox")
    assert problems == [], f"{account}: {problems}"
