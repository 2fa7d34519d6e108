"""Every demo account, with the English interface chosen, walks the pages its menu
reaches (browser/page_walk.py's walk) and reads English: the platform's own words —
menus, headings, table headers, buttons, labels, badges, hints, flashes — have no Chinese,
and no role or status code shows in place of its label.

What people typed and what the county keeps is Chinese and stays so: project, org and
step names, form titles and fields (the deployed forms and diagrams), form data, stored
notifications. The rule that tells the two apart is the database: a run of Chinese
characters on the page is data when the same run occurs in a value the database holds
(split into runs at every non-Chinese character, so that "2026年教育项目" lends "年教育项目").
The role table is left out of that: a built-in role is named by its label, never by the
Chinese name its row keeps. Text marked lang="zh-CN" is Chinese on purpose (the language
switch's 简体中文, the workbook's sheet names), and a diagram's step labels are its own.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page
from sqlalchemy import String, Text, select
from sqlalchemy.types import JSON

from app.extensions import db
from app.models.department import EVALUATION_STATUSES, TARGET_STATUSES
from app.models.instance import InstanceStatus
from app.models.rectification import RECTIFICATION_STATUSES
from app.models.task import TASK_CANCELLED, TASK_COMPLETED, TASK_READY
from browser.page_walk import ACCOUNTS, MAX_PAGES, ROLE_CODES, walk, watch

# Chinese characters and Chinese punctuation (、，：（）), which an English page has no use for.
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+")
IDEOGRAPHS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
ROLE_CODE = re.compile(r"\b(?:" + "|".join(ROLE_CODES) + r")\b")
# A status code is an English word too ("completed"): it is raw only where it stands alone
# in a badge or a cell, lower-case, in place of its label ("Completed").
STATUS_CODES = {
    *(status.value for status in InstanceStatus),
    *TARGET_STATUSES,
    *EVALUATION_STATUSES,
    *RECTIFICATION_STATUSES,
    TASK_READY,
    TASK_COMPLETED,
    TASK_CANCELLED,
}
NOT_DATA_TABLES = {"role"}


def strings(value) -> list[str]:
    """Every string in a column's value, JSON included."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        return [value] if isinstance(parsed, str) else strings(parsed)
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (*strings(key), *strings(item))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in strings(item)]
    return []


def data_runs(app) -> set[str]:
    """The runs of Chinese characters in every text the database holds (but the roles')."""
    runs: set[str] = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in NOT_DATA_TABLES:
                continue
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                for value in row:
                    for text in strings(value):
                        # "预算编制" is data beside "预算编制（项目…）": a page may show
                        # part of a stored text; Chinese punctuation only as stored.
                        runs.update(CHINESE.findall(text), IDEOGRAPHS.findall(text))
        db.session.remove()
    return runs


def not_english(page: Page, data: set[str]) -> list[str]:
    """The page's Chinese that no stored value explains, and its raw role or status codes."""
    text = page.locator("body").inner_text()
    for chinese in page.locator("body [lang^=zh]").all_inner_texts():
        text = text.replace(chinese, "", 1)
    # A diagram's lanes are drawn from role codes, its steps from the diagram's own names.
    labels = page.locator(".djs-container svg text").all_text_contents()
    text += "\n" + "\n".join(labels)
    found = {run for run in CHINESE.findall(text) if run not in data}
    found.update(ROLE_CODE.findall(text))
    cells = page.locator(".badge, td, dd").evaluate_all(
        "nodes => nodes.map(n => n.textContent.trim())"
    )
    found.update(cell for cell in cells if cell in STATUS_CODES)
    return sorted(found)


@pytest.mark.parametrize("account", ACCOUNTS)
def test_every_page_an_account_reaches_speaks_english_when_chosen(
    app, page: Page, log_in, demo_year, screenshot, account
):
    data = data_runs(app)
    log_in(account)
    page.goto("/lang/en")
    problems = watch(page)
    result = walk(page, lambda p: not_english(p, data), screenshot)
    assert len(result.walked) > len(result.menu), (
        f"{account} reaches pages beyond the menu: {result.walked}"
    )
    assert result.unvisited == [], (
        f"{account}'s walk stopped at {MAX_PAGES} pages: {result.unvisited} unvisited"
    )
    assert result.findings == {}, f"{account} reads Chinese or codes in English: {result.findings}"
    assert problems == [], f"{account}: {problems}"
