"""Every demo account walks every page its menu reaches, in the demo county's year, and
reads nothing a county official would have to phone about: no role codes, no UTC, no ISO
durations, no English decision words, no numbers with five decimals — in the page's text
and in its diagrams' labels — and the browser reports no script error and no failed
request. A screenshot of each page goes to test-output/ to be looked at.

The walk itself (which pages, how far) is browser/page_walk.py's, shared with the
English-interface walk.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from browser.page_walk import ACCOUNTS, MAX_PAGES, ROLE_CODES, walk, watch

RAW = re.compile(
    r"\b(?:" + "|".join(ROLE_CODES) + r")\b"
    r"|\bUTC\b|\bP\d+[DWMY]\b|\bP\d+DT\d+[HMS]\b|\bPT\d+[HMS]\b"
    r"|\b(?:approved?|returned|return|rejected|reject|passed)\b"
    r"|\d[.,]\d{5,}"
)


def visible_text(page: Page) -> str:
    """What the page shows: its text and its diagrams' labels (lanes, steps)."""
    labels = page.locator("svg text").evaluate_all("nodes => nodes.map(n => n.textContent)")
    return page.locator("body").inner_text() + "\n" + "\n".join(labels)


def raw_words(page: Page) -> list[str]:
    return sorted({m.group(0) for m in RAW.finditer(visible_text(page))})


@pytest.mark.parametrize("account", ACCOUNTS)
def test_every_page_an_account_reaches_speaks_plainly(
    page: Page, log_in, demo_year, screenshot, account
):
    log_in(account)
    problems = watch(page)
    result = walk(page, raw_words, screenshot)
    assert result.menu, "every account has a menu"
    assert len(result.walked) > len(result.menu), (
        f"{account} reaches pages beyond the menu: {result.walked}"
    )
    assert result.unvisited == [], (
        f"{account}'s walk stopped at {MAX_PAGES} pages: {result.unvisited} unvisited"
    )
    assert result.findings == {}, (
        f"{account} sees raw codes, durations or figures: {result.findings}"
    )
    assert page.request.get("/favicon.ico").status == 200
    assert problems == [], f"{account}: {problems}"
