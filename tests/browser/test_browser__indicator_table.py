"""Indicator tables read as tables at the widths county offices use (1280 and 1920 px):
a row stays a line or two high and no column is squeezed to a character or two — on the
unit's target form (compilation-project-targets), on its quarterly monitoring report
(whose checkbox column once stood each box on its own line, 330 px a row) and on the
read-only copy finance reviews."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

OUTPUT = Path(__file__).parents[2] / "test-output"

WIDTHS = (1280, 1920)
ROW_MAX = 90  # px: a text box, a two-line text area, or two lines of checkboxes
COLUMN_MIN = 36  # px: two characters (分值 25), not one
MEASURE = """table => ({
    rows: Array.from(table.tBodies[0].rows, row => row.offsetHeight),
    columns: Array.from(table.tBodies[0].rows[0].cells, cell => cell.offsetWidth),
})"""


def open_task(page: Page, step: str) -> None:
    page.goto("/")
    page.locator("main tr", has_text=step).locator("a[href^='/tasks/']").first.click()
    page.wait_for_load_state("networkidle")


def measured(page: Page, selector: str, picture: Path) -> dict:
    """The table's row heights and first row's column widths; its picture saved."""
    table = page.locator(f"{selector} >> visible=true").first
    table.scroll_into_view_if_needed()
    OUTPUT.mkdir(exist_ok=True)
    table.locator("xpath=ancestor::*[self::fieldset or self::dd][1]").screenshot(path=str(picture))
    return table.evaluate(MEASURE)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "step", ["填报项目绩效目标", "填报季度绩效监控报告"], ids=["targets", "monitoring"]
)
def test_a_units_indicator_rows_stay_a_line_or_two_high(
    page: Page, log_in, demo_year, request, width, step
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in("unit")
    open_task(page, step)
    size = measured(
        page,
        "fieldset:has([name^='indicators-']) .table-rows > table",
        OUTPUT / f"{request.node.name}.png",
    )
    assert max(size["rows"]) <= ROW_MAX, size
    assert min(size["columns"]) >= COLUMN_MIN, size


@pytest.mark.parametrize("width", WIDTHS)
def test_finance_reads_the_units_indicators_without_squeezed_columns(
    page: Page, log_in, demo_year, request, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in("finance")
    open_task(page, "财政审核绩效目标")
    page.locator("details").evaluate_all(
        "all => all.forEach(d => { d.open = true; })"
    )  # 此前各步骤
    size = measured(
        page,
        "table.form-data-table:has(th:text-is('三级指标名称'))",
        OUTPUT / f"{request.node.name}.png",
    )
    assert max(size["rows"]) <= 60, size  # one line, two where a text is long
    assert min(size["columns"]) >= COLUMN_MIN, size
