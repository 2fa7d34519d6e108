"""What belongs together in a form, checked in Chromium as a person fills it in: dates in
order, the year's request within the project's total, 二级指标 narrowed to its 一级指标, a
number where a quantity is expected; and every pattern of forms/*.json compiles in the
browser's `v` mode (or the in-page check would be off without a word). Screenshots under
test-output/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.forms.browser_regex import v_mode_problem

FORMS = Path(__file__).parents[2] / "forms"


def patterns_of(value) -> list[str]:
    if isinstance(value, dict):
        found = [value["pattern"]] if isinstance(value.get("pattern"), str) else []
        return found + [p for v in value.values() for p in patterns_of(v)]
    if isinstance(value, list):
        return [p for v in value for p in patterns_of(v)]
    return []


def compiles_in_v_mode(page, patterns: list[str]) -> dict[str, bool]:
    """Chromium's own judgement, as an input's `pattern` attribute is compiled."""
    return page.evaluate(
        """patterns => Object.fromEntries(patterns.map(p => {
             try { new RegExp("^(?:" + p + ")$", "v"); return [p, true]; }
             catch (e) { return [p, false]; } }))""",
        patterns,
    )


def test_every_pattern_of_the_shipped_forms_compiles_in_the_browsers_v_mode(browser):
    shipped = sorted(
        {
            p
            for path in FORMS.glob("*.json")
            for p in patterns_of(json.loads(path.read_text("utf-8")))
        }
    )
    assert shipped, "the shipped forms have patterns"
    page = browser.new_page()
    try:
        judged = compiles_in_v_mode(page, shipped)
        # The check that decides what reaches a page agrees with Chromium on each of them,
        # and on patterns it must refuse (so this test can fail).
        refused = [r"^[A-Za-z0-9-]+$", r"^\d{4}\-\d{2}$", r"^[a&&]$", r"^x{$", r"^[-A-Z]+$"]
        refused_judged = compiles_in_v_mode(page, refused)
    finally:
        page.close()
    assert [p for p, ok in judged.items() if not ok] == []
    assert [p for p in shipped if v_mode_problem(p)] == []
    assert [p for p, ok in refused_judged.items() if ok] == []
    assert [p for p in refused if v_mode_problem(p) is None] == []


@pytest.fixture
def targets_form(page: Page, log_in, real_processes):
    log_in("unit")
    page.goto("/start")
    card = page.locator("form:has(input[name=process][value=budget_compilation])")
    card.locator("input[name=title]").fill("教室改造 2027")
    card.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("填报项目绩效目标")
    return page


def note_of(page: Page, name: str):
    control = page.locator(f"[name='{name}']")
    return page.locator(f"#{control.get_attribute('id')}-page-check")


def test_the_target_form_says_what_does_not_belong_together_before_it_is_sent(
    targets_form: Page, screenshot
):
    page = targets_form
    page.fill("input[name=plan_start_date]", "2027-08-31")
    page.fill("input[name=plan_end_date]", "2027-03-01")
    page.locator("input[name=plan_end_date]").dispatch_event("change")
    expect(note_of(page, "plan_end_date")).to_have_text("计划完成日期不得早于计划开始日期")

    page.fill("input[name=total_fiscal_funds]", "100")
    page.fill("input[name=requested_amount]", "320")
    page.locator("input[name=requested_amount]").dispatch_event("change")
    expect(note_of(page, "requested_amount")).to_contain_text(
        "当年财政拨款不得超过项目资金总额中的财政资金"
    )

    # 二级指标 offers only the kinds of the chosen 一级指标, and follows a change of it.
    level2 = page.locator("select[name='indicators-0-level2']")
    page.select_option("select[name='indicators-0-level1']", "产出指标")
    offered = level2.locator("option:not([hidden])")
    expect(offered).to_have_text(["请选择…", "数量指标", "质量指标", "时效指标", "成本指标"])
    level2.select_option("质量指标")
    page.select_option("select[name='indicators-0-level1']", "满意度指标")
    expect(level2).to_have_value("")
    expect(offered).to_have_text(["请选择…", "服务对象满意度指标"])

    page.select_option("select[name='indicators-0-sign']", "≥")
    page.fill("input[name='indicators-0-target']", "很多")
    page.locator("input[name='indicators-0-target']").dispatch_event("change")
    expect(note_of(page, "indicators-0-target")).to_contain_text("定量指标的指标值须为数字")

    # A row added in place narrows the same way.
    page.locator("fieldset:has(input[name^='indicators-']) button.add-row").click()
    page.select_option("select[name='indicators-1-level1']", "效益指标")
    added = page.locator("select[name='indicators-1-level2'] option:not([hidden])")
    expect(added).to_have_text(
        ["请选择…", "经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"]
    )
    screenshot(page, "refused-in-page")

    # The browser will not send it: the first refused field says why.
    page.click("form.task-form button[type=submit].primary")
    expect(page.locator("h1")).to_contain_text("填报项目绩效目标")
    expect(page.locator("body")).not_to_contain_text("已提交")

    # Corrected, the notes go.
    page.fill("input[name=plan_end_date]", "2027-09-30")
    page.fill("input[name=requested_amount]", "80")
    page.fill("input[name='indicators-0-target']", "90")
    page.locator("input[name='indicators-0-target']").dispatch_event("change")
    expect(page.locator("[data-page-check]")).to_have_count(0)
    screenshot(page, "corrected")


def test_the_server_names_the_same_fields_when_the_page_check_is_bypassed(
    targets_form: Page, screenshot
):
    page = targets_form
    page.fill("input[name=plan_start_date]", "2027-08-31")
    page.fill("input[name=plan_end_date]", "2027-03-01")
    page.fill("input[name=total_fiscal_funds]", "100")
    page.fill("input[name=requested_amount]", "320")
    page.select_option("select[name='indicators-0-sign']", "≥")
    page.fill("input[name='indicators-0-target']", "很多")
    page.evaluate("document.querySelector('form.task-form').noValidate = true")
    page.click("form.task-form button[type=submit].primary")
    summary = page.locator(".form-errors")
    expect(summary).to_contain_text("计划完成日期：计划完成日期不得早于计划开始日期")
    expect(summary).to_contain_text("当年财政拨款不得超过项目资金总额中的财政资金")
    expect(summary).to_contain_text("定量指标的指标值须为数字")
    screenshot(page, "refused-by-server")


def test_a_monitoring_report_asks_for_a_number_where_a_quantity_is_expected(
    app, page: Page, log_in, real_processes, screenshot
):
    """The indicator's 符号 is approved (shown as text); the achieved value of a
    quantitative one must be a number, said beside the cell as it is typed and by the
    server when the page's check is bypassed."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Task
    from factories import approved_project, launched_monitoring_round

    area = {"level1": "产出指标", "level2": "数量指标", "name": "维修校舍面积", "sign": "≥",
            "target": "3000", "unit": "平方米", "period": "年度"}  # fmt: skip
    with app.app_context():
        approved_project("JY-2027-001", 2027, [area])
        launched_monitoring_round(2027, 1)
        task_id = db.session.scalar(
            select(Task.id).where(Task.activity_id == "fill_monitoring_report")
        )
        db.session.remove()

    log_in("unit")
    page.goto(f"/tasks/{task_id}")
    actual = page.locator("input[name='indicators-0-actual']")
    actual.fill("很多")
    actual.dispatch_event("change")
    expect(note_of(page, "indicators-0-actual")).to_have_text(
        "定量指标的完成值须为数字（如 12、95.5 或 95.5%）"
    )
    screenshot(page, "monitoring-refused-in-page")
    actual.fill("95.5%")
    actual.dispatch_event("change")
    expect(page.locator("[data-page-check]")).to_have_count(0)

    actual.fill("很多")
    page.evaluate("document.querySelector('form.task-form').noValidate = true")
    page.click("form.task-form button[type=submit].primary")
    expect(page.locator(".form-errors")).to_contain_text("定量指标的完成值须为数字")
