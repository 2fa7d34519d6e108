"""Finance verifies a rectification item in Chromium on the demo county: the department's
report is shown read-only, 核实通过 closes the item, and the 整改清单 page then shows it
closed with its verifier beside the accountability list. Screenshots go to test-output/."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_finance_verifies_a_claimed_item_and_the_list_shows_it_closed(
    page: Page, log_in, demo_year, screenshot
):
    log_in("finance")
    page.goto("/")
    row = page.locator("tr", has_text="财政核实整改事项")
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("财政核实整改事项")
    form = page.locator("form").filter(has=page.locator("[name^='rectification_items-0-']"))
    expect(form).to_contain_text("优化营养餐配餐方案")
    expect(form).to_contain_text("聘请营养师重订四周轮换食谱")  # the department's report
    expect(page.locator("textarea[name='rectification_items-0-action_taken']")).to_have_count(0)
    page.select_option("select[name='rectification_items-0-verification']", "核实通过")
    screenshot(page, "verify")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("body")).not_to_contain_text("表单有")

    page.goto("/rectifications?year=2026")
    item = page.locator("table.rectifications tr", has_text="优化营养餐配餐方案")
    expect(item.locator("td").nth(5)).to_have_text("已销号")
    expect(item.locator("td.verifier")).to_contain_text("张伟")
    overdue = page.locator("table.accountability tr", has_text="建立签约居民健康档案动态更新机制")
    expect(overdue.locator("td.grounds")).to_have_text("逾期未销号")
    screenshot(page, "list")

    log_in("dept2")
    page.goto("/rectifications?year=2026")
    expect(page.locator("table.rectifications")).not_to_contain_text("优化营养餐配餐方案")
    expect(page.locator("table.rectifications")).to_contain_text("补齐家庭医生团队人员配备")


def test_a_department_sees_finances_reason_and_reports_again(
    page: Page, log_in, demo_year, screenshot
):
    log_in("dept2")
    page.goto("/")
    page.locator("tr", has_text="整改落实").get_by_role("link").first.click()
    form = page.locator("form").filter(has=page.locator("[name^='rectification_items-0-']"))
    expect(form).to_contain_text("随访记录仍不规范：抽查 20 户，6 户未按期随访")
    expect(page.locator("[name='rectification_items-0-status']")).to_have_count(0)
    page.fill("textarea[name='rectification_items-0-action_taken']", "补齐 6 户随访并建立月度抽查")
    page.select_option("select[name='rectification_items-0-progress']", "已完成")
    page.select_option("select[name='rectification_items-1-progress']", "正在整改")
    screenshot(page, "follow-up")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("body")).not_to_contain_text("表单有")

    page.goto("/rectifications?year=2026")
    item = page.locator("table.rectifications tr", has_text="补齐家庭医生团队人员配备")
    expect(item.locator("td").nth(5)).to_have_text("待核实")
