"""The walk through every page a demo account reaches, shared by the plain-language walk
(test_plain_pages.py) and the English-interface walk (test_english_pages.py): which pages
count, how one waits for a page to settle, and what the browser reports on the way.

"Reachable" is the menu's pages and, from each, one page of every kind it links to (a
task, a submission, a project, a diagram, a version list…): the kinds, not every row, so
that a walk stays within minutes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from time import monotonic

from playwright.sync_api import Page

from app.models.org import RoleCode

ACCOUNTS = ("unit", "dept", "finance", "expert", "gov", "congress", "admin")
# The roles' codes that are no word of their own ("expert" is one a page may well say).
ROLE_CODES = tuple(code.value for code in RoleCode if "_" in code.value)
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


class Requests:
    """The page's requests still on their way, and when the last one began or ended.

    Playwright's "networkidle" waits for half a second without a request on every page:
    most of a walk's time, as the pages here load in a tenth of that. A page is settled
    here once nothing has been on its way for QUIET_MS, which still lets a script that
    fetches once another fetch has answered (bpmn-js: the XML, then the drawing) begin.
    """

    QUIET_MS = 100

    def __init__(self, page: Page):
        self.page = page
        self.pending: set = set()
        self.last_change = monotonic()
        page.on("request", self._began)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _began(self, request) -> None:
        self.pending.add(request)
        self.last_change = monotonic()

    def _ended(self, request) -> None:
        self.pending.discard(request)
        self.last_change = monotonic()

    def settled(self, path: str) -> None:
        """Open `path` and wait until its requests are done and its diagrams drawn."""
        self.page.goto(path)  # returns at the load event: the page, its scripts and styles
        if self.page.locator("figure.diagram").count():  # drawn after fetching the XML
            self.page.locator("figure.diagram .djs-container").first.wait_for(state="attached")
        # Events arrive while Playwright waits, so wait in short steps.
        while self.pending or monotonic() - self.last_change < self.QUIET_MS / 1000:
            self.page.wait_for_timeout(20)


def screenshot_name(path: str) -> str:
    return path.strip("/").replace("/", "-") or "inbox"


@dataclass
class Walk:
    """Where a walk went, what it left unvisited and what `check` found on each page."""

    menu: list[str]
    walked: list[str] = field(default_factory=list)
    unvisited: list[str] = field(default_factory=list)
    findings: dict[str, list[str]] = field(default_factory=dict)


def walk(page: Page, check: Callable[[Page], list[str]], screenshot) -> Walk:
    """Visit the signed-in account's menu pages, then one page of each kind they link to;
    on each, save a screenshot and keep what `check(page)` finds."""
    menu = page.locator("nav.main-nav a").evaluate_all("links => links.map(a => a.pathname)")
    result = Walk(menu=menu)
    requests = Requests(page)
    queue = list(dict.fromkeys([*menu, "/notifications", "/account"]))
    seen_kinds = Counter(kind(p) for p in queue)
    while queue and len(result.walked) < MAX_PAGES:
        path = queue.pop(0)
        requests.settled(path)
        result.walked.append(path)
        found = check(page)
        if found:
            result.findings[path] = found
        screenshot(page, screenshot_name(path))
        if path in menu:  # one step beyond the menu: one page of each kind it links to
            for link in links(page):
                if link not in queue and seen_kinds[kind(link)] < SAMPLES.get(kind(link), 1):
                    seen_kinds[kind(link)] += 1
                    queue.append(link)
    result.unvisited = queue
    return result
