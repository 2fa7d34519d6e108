"""A mid-year request in Chromium: the school asks for new money; the department sees the
route the registry decided and why, and the request ends at the 人大常委会."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Task
from factories import SCHOOL_INDICATORS, approved_project

CODE, YEAR = "JY-2027-001", 2027


def test_new_money_is_reviewed_and_goes_on_to_the_congress(
    app, page: Page, log_in, real_processes, screenshot
):
    with app.app_context():
        approved_project(CODE, YEAR, SCHOOL_INDICATORS, approved_amount=300, adjusted_amount=300)
        db.session.remove()

    log_in("unit")
    page.goto("/start")
    card = page.locator("form:has(input[name=process][value=midyear_adjustment])")
    card.locator("input[name=title]").fill("校舍维修追加 20 万元")
    card.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("填报追加调整申请")

    page.fill("input[name=project_code]", CODE)
    page.fill("input[name=project_name]", "校舍维修改造")
    page.fill("input[name=fiscal_year]", str(YEAR))
    page.fill("input[name=unit_name]", "县第一中学")
    page.select_option("select[name=kind]", "追加资金")
    page.fill("input[name=addition]", "20")
    page.fill("input[name=reduction]", "0")
    page.fill("input[name=functional_category]", "2050203 初中教育")
    page.fill("input[name=economic_category]", "30213 维修（护）费")
    page.fill("textarea[name=reason]", "雨季后新增一栋教学楼屋面渗漏，需追加维修")
    rows = page.locator("tr:has(input[name^='indicator_changes-'][name$='-name'])")
    if rows.count() == 0:
        page.locator("button.add-row[value=indicator_changes]").click()
    page.select_option("select[name='indicator_changes-0-change']", "修改")
    page.select_option("select[name='indicator_changes-0-level1']", "产出指标")
    page.select_option("select[name='indicator_changes-0-level2']", "数量指标")
    page.fill("input[name='indicator_changes-0-name']", "维修校舍面积")
    page.select_option("select[name='indicator_changes-0-sign']", "≥")
    page.fill("input[name='indicator_changes-0-target']", "3500")
    screenshot(page, "request")
    page.click("form.task-form button[type=submit].primary")
    expect(page.locator("body")).to_contain_text("已提交")

    log_in("dept")
    page.goto("/")
    page.locator("tr", has_text="校舍维修追加 20 万元").get_by_role(
        "link", name=re.compile("办理")
    ).click()
    expect(page.locator("h1")).to_contain_text("部门审核")
    route = page.locator("fieldset", has_text="办理方式判定")
    expect(route).to_contain_text("审核")
    expect(route).to_contain_text("县人大常委会审批")
    expect(route).to_contain_text("320")  # 300 + 20, computed from the registry
    screenshot(page, "department-sees-the-route")
    page.select_option("select[name=dept_decision]", "approve")
    page.click("form.task-form button[type=submit].primary")
    expect(page.locator("body")).to_contain_text("已提交")

    for user, decision in (("finance", "finance_decision"), ("gov", "gov_decision")):
        log_in(user)
        page.goto("/")
        page.locator("tr", has_text="校舍维修追加 20 万元").get_by_role(
            "link", name=re.compile("办理")
        ).click()
        page.select_option(f"select[name={decision}]", "approve")
        page.click("form.task-form button[type=submit].primary")
        expect(page.locator("body")).to_contain_text("已提交")

    log_in("congress")
    page.goto("/")
    row = page.locator("tr", has_text="校舍维修追加 20 万元")
    expect(row).to_contain_text("县人大常委会审批")
    screenshot(page, "congress-inbox")
    with app.app_context():
        open_steps = db.session.scalars(select(Task.activity_id).where(Task.status == "ready"))
        assert list(open_steps) == ["congress_review"]
        db.session.remove()
