"""The county government opens the county's budget from its menu in Chromium on the demo
county: 2027 as the congress approved it, by department and function, with the
government's return in its history, and goes down to a department's page and to a
project's. Screenshots go to test-output/."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_the_government_drills_down_from_the_county_budget(
    page: Page, log_in, demo_year, screenshot
):
    log_in("gov")
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="县级预算").click()
    expect(page.locator("h1")).to_have_text("县级预算 2027")
    expect(page.locator("dd.county-status")).to_contain_text("县人大已批准")
    expect(page.locator("dd.county-total")).to_have_text("1,140.00")
    expect(page.locator("#returns")).to_contain_text("胸痛中心建设分两年安排")
    health = page.locator("table.departments tr", has_text="县卫生健康局")
    expect(health).to_contain_text("胸痛中心建成运行")
    screenshot(page, "county")

    page.locator("table.projects").get_by_role("link", name="县域胸痛中心建设").click()
    expect(page.locator("h1")).to_contain_text("县域胸痛中心建设")
    page.go_back()
    health.get_by_role("link", name="县卫生健康局").click()
    expect(page.locator("h1")).to_have_text("县卫生健康局 2027")
    screenshot(page, "department")
