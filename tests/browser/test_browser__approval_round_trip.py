"""A round trip in Chromium: start, fill table rows, fix an error, return, see it back."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def fill_row(
    page: Page, row: int, level1: str, name: str, sign: str, target: str, unit: str
) -> None:
    page.select_option(f"select[name='indicators-{row}-level1']", level1)
    page.fill(f"input[name='indicators-{row}-name']", name)
    page.select_option(f"select[name='indicators-{row}-sign']", sign)
    page.fill(f"input[name='indicators-{row}-target']", target)
    page.fill(f"input[name='indicators-{row}-unit']", unit)


def test_unit_submits_dept_returns_and_unit_sees_it_prefilled(page: Page, screenshot, log_in):
    log_in("unit")
    page.goto("/start")
    page.locator("form:has(input[name=process][value=simple_approval]) input[name=title]").fill(
        "校舍维修改造 2027"
    )
    page.locator("form:has(input[name=process][value=simple_approval]) button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("校舍维修改造 2027")

    page.fill("input[name=project_name]", "校舍维修改造")
    page.fill("input[name=total_amount]", "120.5")
    page.fill("textarea[name=annual_goal]", "完成三栋教学楼的维修改造")
    rows = page.locator("tr:has(input[name$='-name'])")
    expect(rows).to_have_count(1)
    page.click("button.add-row")
    page.click("button.add-row")
    expect(rows).to_have_count(3)
    fill_row(page, 0, "产出指标", "维修面积", "≥", "3000", "平方米")
    fill_row(page, 1, "效益指标", "学生满意度", "≥", "90", "%")
    page.locator("tr:has(input[name$='-name'])").nth(2).locator("button.remove-row").click()
    expect(rows).to_have_count(2)
    # An error the browser lets through but the schema refuses: a lower-case project code.
    page.fill("input[name=project_code]", "jy 001")
    page.evaluate("document.querySelector('form.task-form').noValidate = true")
    screenshot(page, "form-before-submit")
    page.click("form.task-form button[type=submit].primary")

    error = page.locator(".field:has(input[name=project_code]) .field-error")
    expect(error).to_be_visible()
    expect(page.locator(".form-errors")).to_be_visible()
    expect(page.locator("input[name='indicators-1-name']")).to_have_value("学生满意度")
    screenshot(page, "form-with-error")
    page.fill("input[name=project_code]", "JY-001")
    page.click("form.task-form button[type=submit].primary")
    expect(page.locator("body")).to_contain_text("已提交")

    log_in("dept")
    page.goto("/")
    row = page.locator("tr", has_text="校舍维修改造 2027")
    expect(row).to_contain_text("部门审核")
    screenshot(page, "dept-inbox")
    row.get_by_role("link", name=re.compile("办理")).click()
    page.select_option("select[name=decision]", "return")
    page.fill("input[name=comment], textarea[name=comment]", "请补充时效指标")
    page.click("form.task-form button[type=submit].primary")
    # the page says what happened: sent back, not "submitted"
    expect(page.locator(".flash").first).to_contain_text("已退回")
    expect(page.locator(".flash").first).to_contain_text("已通知")
    expect(page.locator("body")).not_to_contain_text("已提交")

    log_in("unit")
    page.goto("/")
    back = page.locator("tr", has_text="校舍维修改造 2027")
    expect(back).to_contain_text("填报绩效目标")
    expect(back.locator(".badge-returned")).to_have_text("已退回")  # marked as returned work
    expect(back.locator(".return-note")).to_contain_text("退回")  # by whom, and why
    expect(back.locator(".return-note")).to_contain_text("请补充时效指标")
    screenshot(page, "unit-inbox")
    # ... and the unit was told, with the department's opinion
    page.goto("/notifications")
    note = page.locator("li.notification[data-kind=returned]")
    expect(note).to_contain_text("退回：校舍维修改造 2027 · 填报绩效目标")
    expect(note).to_contain_text("请补充时效指标")
    screenshot(page, "unit-notified")
    page.goto("/")
    back.get_by_role("link", name=re.compile("办理")).click()
    expect(page.locator("input[name=project_name]")).to_have_value("校舍维修改造")
    expect(page.locator("input[name=project_code]")).to_have_value("JY-001")
    expect(page.locator("input[name='indicators-1-name']")).to_have_value("学生满意度")
    expect(page.locator("body")).to_contain_text("请补充时效指标")
    screenshot(page, "returned-form")
