"""The real project performance target form (项目支出绩效目标申报表) filled in Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

PROJECT = {
    "project_code": "JY-2027-009",
    "project_name": "县第一中学教室改造",
    "fiscal_year": "2027",
    "department_name": "县教育局",
    "unit_name": "县第一中学",
    "total_fiscal_funds": "320",
    "requested_amount": "320",
    "functional_category": "2050203 初中教育",
    "special_fund": "教育发展专项资金",
}

ROWS = [
    ("产出指标", "数量指标", "改造教室数量", "≥", "12", "间", "50"),
    ("效益指标", "社会效益指标", "学生学习条件改善", "定性", "明显改善", "", "30"),
    ("满意度指标", "服务对象满意度指标", "师生满意度", "≥", "90", "%", "10"),
]
TEXTS = {
    "overall_goal": "三年内完成全校教室标准化改造",
    "annual_goal": "完成 12 间教室改造并投入使用",
    "project_content": "改造 12 间普通教室为标准化教室，更新课桌椅和照明",
    "cost_basis": "12 间 × 25 万元/间 = 300 万元",
    "safeguards": "成立改造工作专班，按政府采购程序实施",
}


def fill_row(page: Page, index: int, row: tuple) -> None:
    level1, level2, name, sign, target, unit, points = row
    page.select_option(f"select[name='indicators-{index}-level1']", level1)
    page.select_option(f"select[name='indicators-{index}-level2']", level2)
    page.fill(f"input[name='indicators-{index}-name']", name)
    page.select_option(f"select[name='indicators-{index}-sign']", sign)
    page.fill(f"input[name='indicators-{index}-target']", target)
    page.fill(f"input[name='indicators-{index}-unit']", unit)
    page.fill(f"input[name='indicators-{index}-points']", points)


def test_a_unit_proposes_a_project_with_three_indicator_rows(
    page: Page, log_in, real_processes, screenshot
):
    log_in("unit")
    page.goto("/start")
    card = page.locator("form:has(input[name=process][value=budget_compilation])")
    card.locator("input[name=title]").fill("教室改造 2027")
    card.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("填报项目绩效目标")

    for name, value in PROJECT.items():
        page.fill(f"input[name={name}]", value)
    page.select_option("select[name=nature]", "新增")
    page.select_option("select[name=project_type]", "一次性")
    page.fill("input[name=plan_start_date]", "2027-03-01")
    page.fill("input[name=plan_end_date]", "2027-08-31")
    for name, value in TEXTS.items():
        page.fill(f"textarea[name={name}]", value)
    rows = page.locator("tr:has(input[name^='indicators-'][name$='-name'])")
    while rows.count() < len(ROWS):
        page.locator("fieldset:has(input[name^='indicators-']) button.add-row").click()
    for index, row in enumerate(ROWS):
        fill_row(page, index, row)
    screenshot(page, "filled")
    page.click("form.task-form button[type=submit].primary")

    expect(page.locator("body")).to_contain_text("已提交")
    page.goto("/instances")
    row = page.locator("tr", has_text="教室改造 2027")
    expect(row).to_contain_text("部门审核项目")
    row.get_by_role("link").first.click()
    expect(page.locator("body")).to_contain_text("师生满意度")
    screenshot(page, "submitted")
