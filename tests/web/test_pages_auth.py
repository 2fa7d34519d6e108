"""Signing in and out, the language switch and CSRF protection of the pages."""

from __future__ import annotations

from app import create_app
from conftest import make_config


def test_login_page_is_in_chinese_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "全过程绩效预算管理平台" in page.text
    assert "用户名" in page.text and "密码" in page.text and 'lang="zh-CN"' in page.text


def test_every_page_sends_an_anonymous_visitor_to_login_and_back(client):
    for url in ("/", "/start", "/instances", "/tasks/1", "/admin/deploy", "/attachments/1"):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer.location.startswith("/login?next=" + url.replace("/", "%2F")) or (
            answer.location.startswith("/login?next=" + url)
        ), answer.location


def test_good_login_opens_the_inbox_with_name_org_and_role(client):
    answer = client.post("/login", data={"username": "unit", "password": "demo"})
    assert answer.status_code == 302 and answer.location == "/"
    inbox = client.get("/")
    assert "李明（县第一中学）" in inbox.text
    assert "县第一中学" in inbox.text and "部门预算单位" in inbox.text
    assert "退出" in inbox.text


def test_wrong_password_says_so_and_signs_nobody_in(client):
    answer = client.post("/login", data={"username": "unit", "password": "wrong"})
    assert answer.status_code == 401
    assert "用户名或密码错误" in answer.text
    assert client.get("/").status_code == 302


def test_next_is_followed_only_to_local_paths(client):
    local = client.post("/login", data={"username": "unit", "password": "demo", "next": "/start"})
    assert local.location == "/start"
    client.post("/logout")
    for outside in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        answer = client.post(
            "/login", data={"username": "unit", "password": "demo", "next": outside}
        )
        assert answer.location == "/", outside
        client.post("/logout")


def test_logout_is_a_post_and_signs_out(client, login):
    login("unit")
    assert client.get("/logout").status_code == 405
    answer = client.post("/logout")
    assert answer.status_code == 302 and answer.location.startswith("/login")
    assert client.get("/").status_code == 302


def test_language_switch_shows_english_and_chinese_again(client, login):
    login("unit")
    assert "我的待办" in client.get("/").text
    answer = client.get("/lang/en?next=/instances")
    assert answer.status_code == 302 and answer.location == "/instances"
    english = client.get("/")
    assert "Claimed by me (0)" in english.text and "Performance Budget" in english.text
    assert 'lang="en"' in english.text
    client.get("/lang/zh_Hans_CN")
    assert "角色待办 (0)" in client.get("/").text


def test_language_switch_ignores_unknown_languages_and_outside_targets(client):
    answer = client.get("/lang/xx?next=https://evil.example/")
    assert answer.status_code == 302 and answer.location == "/"
    assert "登录" in client.get("/login").text


def test_a_post_without_csrf_token_is_refused_when_csrf_is_on(app, database_url):
    protected = create_app(make_config(database_url, WTF_CSRF_ENABLED=True))
    client = protected.test_client()
    refused = client.post("/login", data={"username": "unit", "password": "demo"})
    assert refused.status_code == 400
    assert "表单已过期" in refused.text
    page = client.get("/login")
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    accepted = client.post(
        "/login", data={"username": "unit", "password": "demo", "csrf_token": token}
    )
    assert accepted.status_code == 302
    assert client.post("/logout").status_code == 400  # a signed-in post needs its token too
