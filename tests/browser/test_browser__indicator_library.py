"""A unit picks indicators from the library (指标库) into the project target form's
indicator table in Chromium: the picker's 选用 and the name's suggestions fill a row's
levels, sign, unit and scoring standard, a new indicator is still typed, and it submits."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Org
from app.services.demo.indicators import seed_indicator_library

OUTPUT = Path(__file__).parents[2] / "test-output"
PROJECT = {
    "project_code": "JY-2027-011",
    "project_name": "县第一中学实验室改造",
    "fiscal_year": "2027",
    "department_name": "县教育局",
    "unit_name": "县第一中学",
    "total_fiscal_funds": "180",
    "requested_amount": "180",
    "functional_category": "2050203 初中教育",
    "special_fund": "教育发展专项资金",
}
TEXTS = {
    "overall_goal": "两年内完成理化生实验室标准化改造",
    "annual_goal": "完成 2 间实验室改造并投入使用",
    "project_content": "改造物理、化学实验室各 1 间，更新实验台和通风设备",
    "cost_basis": "2 间 × 90 万元/间 = 180 万元",
    "safeguards": "成立改造工作专班，按政府采购程序实施",
}


def cell(page: Page, row: int, column: str):
    return page.locator(f"[name='indicators-{row}-{column}']")


def test_a_unit_picks_library_indicators_into_the_target_rows_and_submits(
    app, page: Page, log_in, real_processes, screenshot
):
    with app.app_context():
        seed_indicator_library({org.code: org for org in db.session.scalars(select(Org))})
        db.session.commit()
        db.session.remove()
    log_in("unit")
    page.goto("/start")
    card = page.locator("form:has(input[name=process][value=budget_compilation])")
    card.locator("input[name=title]").fill("实验室改造 2027")
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

    # 1. From the picker: the common library's 验收合格率 goes into the blank first row.
    picker = page.locator("details.library-picker")
    picker.locator("summary").click()
    expect(picker.locator("summary")).to_contain_text("从指标库选择")
    picker.get_by_label("筛选指标").fill("验收")
    picker.get_by_role("button", name="选用“验收合格率”填入指标表").click()
    expect(cell(page, 0, "level1")).to_have_value("产出指标")
    expect(cell(page, 0, "level2")).to_have_value("质量指标")
    expect(cell(page, 0, "name")).to_have_value("验收合格率")
    expect(cell(page, 0, "sign")).to_have_value("=")
    expect(cell(page, 0, "unit")).to_have_value("%")
    expect(cell(page, 0, "standard")).to_have_value(
        "达到指标值得满分；每低1个百分点扣分值的10%，扣完为止"
    )
    expect(cell(page, 0, "target")).to_be_focused()  # what is left for the person to give
    page.keyboard.type("100")
    cell(page, 0, "points").fill("25")

    # 2. Typed into a new row's name: the library's 受益人数 fills the rest of the row.
    page.locator("fieldset:has(input[name^='indicators-']) button.add-row").click()
    cell(page, 1, "name").fill("受益人数")
    expect(cell(page, 1, "level1")).to_have_value("效益指标")
    expect(cell(page, 1, "level2")).to_have_value("社会效益指标")
    expect(cell(page, 1, "unit")).to_have_value("人")
    cell(page, 1, "target").fill("1800")
    cell(page, 1, "points").fill("30")

    # 3. The department's own 个性指标 are offered too: a new row for 师生满意度.
    picker.get_by_label("筛选指标").fill("师生")
    picker.get_by_role("button", name="选用“师生满意度”填入指标表").click()
    expect(cell(page, 2, "level1")).to_have_value("满意度指标")
    expect(cell(page, 2, "sign")).to_have_value("≥")
    cell(page, 2, "target").fill("90")
    cell(page, 2, "points").fill("10")

    # 4. An indicator the library lacks is typed as before.
    page.locator("fieldset:has(input[name^='indicators-']) button.add-row").click()
    page.select_option("select[name='indicators-3-level1']", "产出指标")
    page.select_option("select[name='indicators-3-level2']", "数量指标")
    cell(page, 3, "name").fill("改造实验室间数")
    expect(cell(page, 3, "level1")).to_have_value("产出指标")  # left as chosen
    page.select_option("select[name='indicators-3-sign']", "≥")
    cell(page, 3, "target").fill("2")
    cell(page, 3, "unit").fill("间")
    cell(page, 3, "points").fill("25")
    expect(page.locator("[data-library-status]")).to_have_text(
        "第3行已从指标库填入“师生满意度”：一级指标、二级指标、符号、计量单位、评分标准"
    )

    picker.get_by_label("筛选指标").fill("")
    table = page.locator("fieldset:has(details.library-picker)")
    table.locator(".table-rows").evaluate("rows => { rows.scrollLeft = 0; }")
    table.scroll_into_view_if_needed()
    OUTPUT.mkdir(exist_ok=True)
    table.screenshot(path=str(OUTPUT / "indicator-library-picker.png"))
    screenshot(page, "picked")

    page.click("form.task-form button[type=submit].primary")
    expect(page.locator("body")).to_contain_text("已提交")
    page.goto("/instances")
    page.locator("tr", has_text="实验室改造 2027").get_by_role("link").first.click()
    for name in ("验收合格率", "受益人数", "师生满意度", "改造实验室间数"):
        expect(page.locator("body")).to_contain_text(name)
    screenshot(page, "submitted")
