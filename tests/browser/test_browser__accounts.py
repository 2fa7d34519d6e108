"""Accounts in Chromium: every kind of page renders under the Content Security Policy (the
`page` fixture fails a test on any CSP report), an administrator deactivates an account,
and its owner chooses a password at first sign-in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

PAGES = {
    "finance": ["/", "/start", "/instances", "/projects", "/tracking", "/campaigns", "/account"],
    "admin": ["/admin/users", "/admin/users/new", "/admin/deploy", "/admin/processes"],
}


@pytest.mark.parametrize("username", list(PAGES))
def test_every_kind_of_page_renders_under_the_content_security_policy(page: Page, log_in, username):
    log_in(username)
    for path in PAGES[username]:
        answer = page.goto(path)
        assert answer.status == 200, path
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        # The stylesheet applied: the header has its brand colour, not the browser's default.
        header = page.locator("header.site-header")
        expect(header).to_have_css("background-color", "rgb(30, 58, 138)")


def test_an_administrator_deactivates_an_account_and_it_can_no_longer_sign_in(
    page: Page, log_in, screenshot
):
    log_in("admin")
    page.click("nav.main-nav >> text=用户管理")
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    page.click("tr[data-user=unit2] a")
    expect(page.locator("h1")).to_contain_text("赵强（县人民医院）")
    page.click("button.danger:has-text('停用')")
    expect(page.locator(".flash-success")).to_contain_text("账号 unit2 已停用")
    screenshot(page, "deactivated")
    page.click("a:has-text('用户管理')")
    expect(page.locator("tr[data-user=unit2]")).to_have_class("is-inactive")

    page.context.clear_cookies()
    page.goto("/login")
    page.fill("input[name=username]", "unit2")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    expect(page.locator(".alert-error")).to_contain_text("用户名或密码错误")


def test_a_new_account_chooses_its_own_password_at_first_sign_in(page: Page, log_in, screenshot):
    log_in("admin")
    page.goto("/admin/users/new")
    page.fill("input[name=username]", "qianduo")
    page.fill("input[name=display_name]", "钱多（县实验小学）")
    page.select_option("select[name=org_id]", label="县实验小学")
    page.check("input[name=roles][value=budget_unit]")
    page.fill("input[name=password]", "Temp-2027-pass")
    page.click("button[type=submit].primary")
    expect(page.locator(".flash-success")).to_contain_text("已创建账号 qianduo")

    log_in("qianduo", "Temp-2027-pass")
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.locator(".alert-warning")).to_contain_text("请设置您自己的密码")
    page.fill("input[name=current]", "Temp-2027-pass")
    page.fill("input[name=new]", "short")
    page.fill("input[name=confirm]", "short")
    page.click("form[action$='/account/password'] button[type=submit]")
    expect(page.locator(".alert-error")).to_contain_text("密码至少需要 10 个字符")
    screenshot(page, "weak-password")
    page.fill("input[name=current]", "Temp-2027-pass")
    page.fill("input[name=new]", "Mine-2027-budget")
    page.fill("input[name=confirm]", "Mine-2027-budget")
    page.click("form[action$='/account/password'] button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("密码已修改")
    page.goto("/")
    expect(page.locator(".who")).to_contain_text("钱多（县实验小学）")
