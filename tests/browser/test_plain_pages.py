"""Every demo account walks every page its menu reaches, in the demo county's year, and
reads nothing a county official would have to phone about: no role codes, no UTC, no ISO
durations, no English decision words, no numbers with five decimals — in the page's text
and in its diagrams' labels — and the browser reports no script error and no failed
request. A screenshot of each page goes to test-output/ to be looked at.

"Reachable" is the menu's pages and, from each, one page of every kind it links to (a
task, a submission, a project, a diagram, a version list…): the kinds, not every row, so
that the walk stays within minutes.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from playwright.sync_api import Page

ACCOUNTS = ("unit", "dept", "finance", "expert", "gov", "congress", "admin")
ROLE_CODES = (
    "budget_unit",
    "budget_department",
    "finance_bureau",
    "county_government",
    "peoples_congress",
    "process_admin",
    "user_admin",
    "service_worker",
)
RAW = re.compile(
    r"\b(?:" + "|".join(ROLE_CODES) + r")\b"
    r"|\bUTC\b|\bP\d+[DWMY]\b|\bP\d+DT\d+[HMS]\b|\bPT\d+[HMS]\b"
    r"|\b(?:approved?|returned|return|rejected|reject|passed)\b"
    r"|\d[.,]\d{5,}"
)
# Addresses a walk does not follow: downloads, language switches, leaving, other sites.
NOT_PAGES = re.compile(
    r"^/(?:logout|lang/|api/|static/|attachments/)|/documents/|\.(?:pdf|xlsx|bpmn|json|zip)$"
    r"|/export|/template|/download"
)
MAX_PAGES = 45  # per account: a guard on the walk's length, never reached by the demo
# Pages of one kind that differ by what they hold: a few of each (a task's form is its
# step's; a submission's history is its process's).
SAMPLES = {"/tasks/N": 3, "/instances/N": 2}


def watch(page: Page) -> list[str]:
    """Console errors, failed requests and error answers from here on."""
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(f"script: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    return problems


def kind(path: str) -> str:
    """A page's kind: its address with numbers as N (/tasks/12 and /tasks/31 are one)."""
    return re.sub(r"\d+", "N", path)


def links(page: Page) -> list[str]:
    """The same-site pages the content links to (paths, in order, without repeats)."""
    found = page.locator("main a[href]").evaluate_all(
        """links => links
            .filter(a => a.origin === location.origin && !a.hasAttribute('download'))
            .map(a => a.pathname)"""
    )
    return list(dict.fromkeys(p for p in found if not NOT_PAGES.search(p)))


def visible_text(page: Page) -> str:
    """What the page shows: its text and its diagrams' labels (lanes, steps)."""
    labels = page.locator("svg text").evaluate_all("nodes => nodes.map(n => n.textContent)")
    return page.locator("body").inner_text() + "\n" + "\n".join(labels)


def settled(page: Page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    if page.locator("figure.diagram").count():  # bpmn-js draws after fetching the XML
        page.locator("figure.diagram .djs-container").first.wait_for(state="attached")


@pytest.mark.parametrize("account", ACCOUNTS)
def test_every_page_an_account_reaches_speaks_plainly(
    page: Page, log_in, demo_year, screenshot, account
):
    log_in(account)
    problems = watch(page)
    menu = page.locator("nav.main-nav a").evaluate_all("links => links.map(a => a.pathname)")
    assert menu, "every account has a menu"
    queue = list(dict.fromkeys([*menu, "/notifications", "/account"]))
    seen_kinds = Counter(kind(p) for p in queue)
    walked: list[str] = []
    findings: dict[str, list[str]] = {}
    while queue and len(walked) < MAX_PAGES:
        path = queue.pop(0)
        settled(page, path)
        walked.append(path)
        found = sorted({m.group(0) for m in RAW.finditer(visible_text(page))})
        if found:
            findings[path] = found
        screenshot(page, path.strip("/").replace("/", "-") or "inbox")
        if path in menu:  # one step beyond the menu: one page of each kind it links to
            for link in links(page):
                if link not in queue and seen_kinds[kind(link)] < SAMPLES.get(kind(link), 1):
                    seen_kinds[kind(link)] += 1
                    queue.append(link)
    assert len(walked) > len(menu), f"{account} reaches pages beyond the menu: {walked}"
    assert queue == [], f"{account}'s walk stopped at {MAX_PAGES} pages: {queue} unvisited"
    assert findings == {}, f"{account} sees raw codes, durations or figures: {findings}"
    assert page.request.get("/favicon.ico").status == 200
    assert problems == [], f"{account}: {problems}"
