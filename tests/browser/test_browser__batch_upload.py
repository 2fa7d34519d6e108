"""The batch upload of monitoring reports in Chromium: an upload missing what a report
behind time needs is refused naming every such cell at once, with 很多 refused where a
number is expected; the corrected file is submitted and the report behind time links to
its new 纠偏 task. Screenshots under test-output/."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from app.extensions import db
from factories import approved_project, launched_monitoring_round

AREA = {"level1": "产出指标", "level2": "数量指标", "name": "维修校舍面积", "sign": "≥",
        "target": "3000", "unit": "平方米", "period": "年度"}  # fmt: skip


def put(sheet, header: str, value) -> None:
    column = [c.value for c in sheet[1]].index(header) + 1
    sheet.cell(row=2, column=column).value = value


def test_a_batch_upload_names_every_missing_cell_then_links_the_correction(
    app, page: Page, log_in, real_processes, screenshot, tmp_path
):
    with app.app_context():
        approved_project("JY-2027-001", 2027, [AREA])
        launched_monitoring_round(2027, 1)
        db.session.remove()

    log_in("unit")
    page.goto("/batch/monitoring")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载填报模板").click()
    book = load_workbook(BytesIO(download.value.path().read_bytes()))
    projects, indicators = book["项目"], book["指标"]
    put(projects, "截至本季度末支出数（万元）", 1)  # 1 % spent by the end of Q1: behind
    put(projects, "是否达到阶段性目标（是/否）", "否")
    put(indicators, "截至本季度末实际完成值", "很多")
    put(indicators, "完成可能性", "有可能")
    first = tmp_path / "第一次.xlsx"
    book.save(first)
    page.set_input_files("input[name=file]", str(first))
    page.get_by_role("button", name="上传并提交").click()

    errors = page.locator("section.batch-errors tbody tr")
    expect(errors).to_have_count(5)
    for column in ("未达序时进度原因类型", "进度分析", "截至本季度末实际完成值", "偏差原因"):
        expect(page.locator("section.batch-errors")).to_contain_text(column)
    expect(page.locator("section.batch-errors")).to_contain_text("定量指标的完成值须为数字")
    screenshot(page, "refused")

    put(projects, "未达序时进度原因类型", "政府采购程序")
    put(projects, "进度分析", "招标延期，四月开标")
    put(indicators, "截至本季度末实际完成值", 100)
    put(indicators, "偏差原因（可多选，逗号分隔）", "制度")
    put(indicators, "拟采取的措施", "四月底前完成招标")
    second = tmp_path / "第二次.xlsx"
    book.save(second)
    page.set_input_files("input[name=file]", str(second))
    page.get_by_role("button", name="上传并提交").click()

    summary = page.locator("section.batch-summary")
    expect(summary).to_contain_text("已提交 1 份报告")
    link = summary.get_by_role("link", name="填写纠偏措施")
    expect(link).to_be_visible()
    screenshot(page, "submitted")
    link.click()
    expect(page.locator("h1")).to_contain_text("制定纠偏措施")
