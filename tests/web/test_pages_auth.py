"""Signing in and out, the language switch and CSRF protection of the pages."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest
import werkzeug.security
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from app.services.accounts import users
from app.web.navigation import local_path
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
    assert "wrong username" not in answer.text.lower()  # the Chinese page is Chinese only
    assert client.get("/").status_code == 302


def test_after_the_switch_to_english_a_refusal_is_in_english_only(client):
    client.get("/lang/en")
    answer = client.post("/login", data={"username": "unit", "password": "wrong"})
    assert answer.status_code == 401
    assert "Wrong username or password." in answer.text
    assert "用户名或密码错误" not in answer.text


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


# --- Sign-in tells nothing by its time; `next` never leaves the site -------------------------


@pytest.fixture
def hashes(monkeypatch):
    """The password hash computations made, by method: werkzeug hashes in one function
    (`_hash_internal`, for new hashes and for checks alike), which this wraps."""
    made: list[str] = []
    real = werkzeug.security._hash_internal

    def counting(method: str, salt: str, password: str):
        made.append(method)
        return real(method, salt, password)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", counting)
    return made


def _attempt(client, via: str, username: str, password: str):
    if via == "web":
        return client.post("/login", data={"username": username, "password": password})
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


@pytest.mark.parametrize("via", ["web", "api"])
def test_every_failed_sign_in_costs_one_password_hash_of_the_same_method(client, user, hashes, via):
    users.deactivate_user(user("admin"), user("unit2").id)
    _attempt(client, via, "nobody-here", "warm-up")  # the stand-in hash is made once
    costs = {}
    for case, username, password in (
        ("unknown account", "nobody-here", "Budget-2027-plan"),
        ("wrong password", "unit", "Budget-2027-plan"),
        ("inactive account", "unit2", "demo"),
        ("NUL in the name", "un\x00it", "demo"),
        ("right password", "unit", "demo"),
    ):
        hashes.clear()
        answer = _attempt(client, via, username, password)
        expected = 302 if via == "web" else 200
        assert answer.status_code == (expected if case == "right password" else 401), case
        costs[case] = list(hashes)
    method = current_app.config["PASSWORD_HASH_METHOD"]
    assert costs == dict.fromkeys(costs, [method])


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\\/evil.example",
        "/%0d%0aSet-Cookie:%20taken=1",
        "/\r\nSet-Cookie: taken=1",
        "/\t/evil.example",
        "/\n/evil.example",
        "/%5Cevil.example",
        "/%2F%2Fevil.example",
        "/%2f/evil.example",
        "/\x00/evil.example",
        "/\u2028/evil.example",
        " //evil.example",
        "javascript:alert(1)",
    ],
)
def test_a_hostile_next_is_ignored_and_the_inbox_opens(client, target):
    answer = client.post("/login", data={"username": "unit", "password": "demo", "next": target})
    assert answer.status_code == 302 and answer.location == "/", answer.location
    page = client.get(f"/login?next={quote(target)}")
    assert page.status_code == 200


def _browser_goes_to(location: str) -> str:
    """The host a browser lands on: it drops tabs and line breaks and reads "\\" as "/"."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin("https://budget.example/", cleaned)).netloc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.text(alphabet=st.sampled_from("/\\:.%0aAdD5cC2fF\t\r\n\x00 ?#@e"), max_size=12))
def test_no_next_whatever_it_holds_leads_off_the_site_or_fails(target):
    kept = local_path(target)
    if kept is not None:
        assert _browser_goes_to(kept) == "budget.example", kept
        assert _browser_goes_to(unquote(kept)) == "budget.example", kept
        assert not re.search(r"[\x00-\x20\x7f]", kept), kept
