"""Accounts in the browser's terms: throttled sign-in, cookies and session expiry, signing
out everywhere, changing a password, the account administrators' pages, and the security
headers every page carries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.config import default_config
from app.extensions import db
from app.models import Org, Task, User
from app.services.runtime.tasks import claim_task
from conftest import make_config
from html_page import attributes, one, parse, text

GOOD = "Budget-2027-plan"


def sign_in(client, username: str, password: str = "demo"):
    return client.post("/login", data={"username": username, "password": password})


@pytest.fixture
def new_client(client):
    """new_client(app, address) -> another browser, as the `client` fixture's kind."""

    def make(app, address: str = "127.0.0.1"):
        other = type(client)(app, app.response_class, use_cookies=True)
        other.environ_base["REMOTE_ADDR"] = address
        return other

    return make


@pytest.fixture
def production_lifetimes(app, tmp_path):
    """The session and token lifetimes a deployment has (the tests' own are ten years)."""
    defaults = default_config(str(tmp_path))
    for key in ("SESSION_MAX_AGE", "SESSION_IDLE_MAX", "API_TOKEN_MAX_AGE"):
        app.config[key] = defaults[key]
    return defaults


# --- Throttling --------------------------------------------------------------------------


def test_five_failed_sign_ins_for_one_account_answer_429_with_a_clear_message(
    client, app, new_client
):
    for _ in range(5):
        assert sign_in(client, "unit", "wrong").status_code == 401
    refused = sign_in(client, "unit", "demo")  # even the right password waits now
    assert refused.status_code == 429
    assert "该账号登录失败次数过多" in refused.text and "15 分钟后再试" in refused.text
    assert refused.headers["Retry-After"]
    assert sign_in(client, "dept").status_code == 302  # other accounts are not locked
    elsewhere = new_client(app, "10.1.2.3")
    assert sign_in(elsewhere, "UNIT ", "demo").status_code == 429  # the account, anywhere


def test_twenty_failures_from_one_address_answer_429_for_every_account(app, new_client):
    attacker = new_client(app, "10.9.9.9")
    names = ["unit", "dept", "unit2", "dept2", "finance"]
    for attempt in range(20):
        assert sign_in(attacker, names[attempt % 5], "wrong").status_code == 401
    refused = sign_in(attacker, "gov", "demo")
    assert refused.status_code == 429 and "该地址登录失败次数过多" in refused.text
    assert sign_in(new_client(app, "10.1.1.1"), "gov").status_code == 302


def test_successful_sign_ins_are_never_throttled(client):
    for _ in range(12):
        assert sign_in(client, "unit").status_code == 302
        client.post("/logout")


# --- Cookies, expiry, signing out everywhere --------------------------------------------------


def test_the_session_cookie_is_http_only_same_site_and_secure_when_configured(
    app, database_url, new_client
):
    cookie = sign_in(new_client(app), "unit").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = create_app(make_config(database_url, SESSION_COOKIE_SECURE=True))
    cookie = sign_in(secure.test_client(), "unit").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_cookies_are_secure_by_default_unless_the_environment_says_otherwise(tmp_path, monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    assert default_config(str(tmp_path))["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")  # what `make run` sets
    assert default_config(str(tmp_path))["SESSION_COOKIE_SECURE"] is False


def test_an_idle_session_ends_after_an_hour(client, login, clock, production_lifetimes):
    login("unit")
    clock.at += timedelta(minutes=59)
    assert client.get("/").status_code == 200
    clock.at += timedelta(minutes=61)
    ended = client.get("/instances")
    assert ended.status_code == 302 and ended.location.startswith("/login")
    assert "会话已结束" in client.get("/login").text
    assert client.get("/").status_code == 302


def test_a_busy_session_still_ends_ten_hours_after_sign_in(
    client, login, clock, production_lifetimes
):
    login("unit")
    start = clock.at
    while clock.at - start < timedelta(hours=9, minutes=50):
        clock.at += timedelta(minutes=50)
        assert client.get("/").status_code == 200
    clock.at = start + timedelta(hours=10, minutes=1)
    assert client.get("/").status_code == 302


def test_signing_out_everywhere_ends_the_other_sessions_too(app, client, login, new_client):
    login("unit")
    other = new_client(app)
    assert sign_in(other, "unit").status_code == 302 and other.get("/").status_code == 200
    answer = client.post("/account/sign-out-everywhere")
    assert answer.status_code == 302 and answer.location.startswith("/login")
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 302
    assert sign_in(other, "unit").status_code == 302  # signing in again works


# --- One's own password ---------------------------------------------------------------------


def test_a_weak_new_password_is_refused_with_the_reason(client, login, user):
    login("unit")
    page = client.get("/account")
    assert page.status_code == 200 and "修改密码" in page.text and "至少 10 个字符" in page.text
    refused = client.post(
        "/account/password", data={"current": "demo", "new": "abc12", "confirm": "abc12"}
    )
    assert refused.status_code == 400 and "密码至少需要 10 个字符" in refused.text
    assert "(a password needs" not in refused.text  # one language at a time
    client.get("/lang/en")
    english = client.post(
        "/account/password", data={"current": "demo", "new": "abc12", "confirm": "abc12"}
    )
    assert "A password needs at least 10 characters." in english.text
    assert "密码至少需要" not in english.text
    client.get("/lang/zh_Hans_CN")
    mismatch = client.post(
        "/account/password", data={"current": "demo", "new": GOOD, "confirm": GOOD + "x"}
    )
    assert mismatch.status_code == 400 and "两次输入的新密码不一致" in mismatch.text
    assert user("unit").check_password("demo")


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    app, client, login, new_client
):
    login("unit")
    other = new_client(app)
    sign_in(other, "unit")
    answer = client.post(
        "/account/password", data={"current": "demo", "new": GOOD, "confirm": GOOD}
    )
    assert answer.status_code == 302
    assert "密码已修改" in client.get("/account").text
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert sign_in(other, "unit", GOOD).status_code == 302


# --- Account administration ----------------------------------------------------------------


@pytest.mark.parametrize("username", ["unit", "finance"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/users"),
        ("get", "/admin/users/new"),
        ("post", "/admin/users/new"),
        ("get", "/admin/users/1"),
        ("post", "/admin/users/1"),
        ("post", "/admin/users/1/password"),
        ("post", "/admin/users/1/deactivate"),
        ("post", "/admin/users/1/activate"),
    ],
)
def test_account_administration_is_forbidden_to_everyone_else(
    client, login, username, method, path
):
    login(username)
    answer = getattr(client, method)(path)
    assert answer.status_code == 403, (username, path)
    assert "只有账号管理员可以管理用户" in answer.text
    assert 'href="/admin/users"' not in client.get("/account").text


def test_the_users_page_lists_accounts_with_org_roles_and_status(client, login):
    login("admin")
    page = client.get("/admin/users")
    assert page.status_code == 200 and 'href="/admin/users"' in page.text
    doc = parse(page)
    row = text(one(doc, 'tr[data-user="dept2"]'))
    assert "陈静（县卫生健康局）" in row and "县卫生健康局" in row and "预算部门" in row
    admin_row = text(one(doc, 'tr[data-user="admin"]'))
    assert "流程管理员" in admin_row and "账号管理员" in admin_row
    found = attributes(parse(client.get("/admin/users?q=县人民")), "tr[data-user]", "data-user")
    assert "unit2" in found and "unit" not in found
    assert client.get("/admin/users/999999").status_code == 404


def test_an_administrator_creates_an_account_whose_owner_must_choose_a_password(
    app, client, login, new_client
):
    login("admin")
    school2 = db.session.scalar(select(Org.id).where(Org.code == "edu-school2"))
    post = {
        "username": "qianduo",
        "display_name": "钱多（县实验小学）",
        "email": "qd@example.gov.cn",
        "org_id": str(school2),
        "roles": ["budget_unit"],
        "password": "short",
    }
    weak = client.post("/admin/users/new", data=post)
    assert weak.status_code == 400 and "密码至少需要 10 个字符" in weak.text
    assert 'value="钱多（县实验小学）"' in weak.text  # what was typed stays
    created = client.post("/admin/users/new", data={**post, "password": GOOD})
    assert created.status_code == 302
    assert "已创建账号 qianduo" in client.get("/admin/users").text

    owner = new_client(app)
    first = sign_in(owner, "qianduo", GOOD)
    assert first.status_code == 302 and first.location == "/account"
    held = owner.get("/instances")
    assert held.status_code == 302 and held.location == "/account"
    assert "请设置您自己的密码" in owner.get("/account").text
    owner.post(
        "/account/password", data={"current": GOOD, "new": "Mine-2027-x", "confirm": "Mine-2027-x"}
    )
    inbox = owner.get("/")
    assert (
        inbox.status_code == 200
        and "钱多（县实验小学）" in inbox.text
        and "县实验小学" in inbox.text
    )


def test_an_administrator_changes_an_accounts_org_and_roles(client, login, user):
    login("admin")
    dept = user("dept")
    page = client.get(f"/admin/users/{dept.id}")
    assert page.status_code == 200
    assert attributes(parse(page), "input[name=roles][checked]", "value") == ["budget_department"]
    finance = db.session.scalar(select(Org.id).where(Org.code == "finance"))
    answer = client.post(
        f"/admin/users/{dept.id}",
        data={
            "display_name": "王芳",
            "org_id": str(finance),
            "roles": ["finance_bureau", "budget_department"],
        },
    )
    assert answer.status_code == 302
    db.session.rollback()
    changed = user("dept")
    assert changed.display_name == "王芳" and changed.org.code == "finance"
    assert changed.role_codes == {"finance_bureau", "budget_department"}


def test_a_deactivated_user_cannot_sign_in_and_their_claimed_task_is_back_in_the_pool(
    app, client, login, user, submission, new_client
):
    _, task = submission()
    claim_task(user("unit"), task.id)
    unit_browser = new_client(app)
    sign_in(unit_browser, "unit")
    login("admin")
    answer = client.post(f"/admin/users/{user('unit').id}/deactivate")
    assert answer.status_code == 302
    assert "已停用；1 项已认领的任务已退回待认领" in client.get(answer.location).text
    db.session.rollback()
    assert db.session.get(Task, task.id).assignee_id is None
    assert unit_browser.get("/").status_code == 302  # the open session ended
    refused = sign_in(new_client(app), "unit")
    assert refused.status_code == 401 and "用户名或密码错误" in refused.text
    assert 'data-user="unit" class="is-inactive"' in client.get("/admin/users").text
    client.post(f"/admin/users/{user('unit').id}/activate")
    assert sign_in(new_client(app), "unit").status_code == 302


def test_a_reset_password_must_be_changed_at_next_sign_in(app, client, login, user, new_client):
    login("admin")
    dept_id = user("dept").id
    refused = client.post(f"/admin/users/{dept_id}/password", data={"password": "abc"})
    assert refused.status_code == 400 and "至少需要 10 个字符" in refused.text
    assert (
        client.post(f"/admin/users/{dept_id}/password", data={"password": GOOD}).status_code == 302
    )
    owner = new_client(app)
    assert sign_in(owner, "dept", GOOD).location == "/account"


# --- CSRF on the new forms, and the headers -------------------------------------------------------


def test_the_new_forms_refuse_a_post_without_its_csrf_token(database_url, new_client):
    protected = create_app(make_config(database_url, WTF_CSRF_ENABLED=True))
    client = new_client(protected)
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": "admin", "password": "demo", "csrf_token": token})
    with protected.app_context():
        unit_id = db.session.scalar(select(User.id).where(User.username == "unit"))
    for path, data in (
        ("/account/password", {"current": "demo", "new": GOOD, "confirm": GOOD}),
        ("/account/sign-out-everywhere", {}),
        ("/admin/users/new", {"username": "x1", "display_name": "x", "password": GOOD}),
        (f"/admin/users/{unit_id}", {"display_name": "x"}),
        (f"/admin/users/{unit_id}/password", {"password": GOOD}),
        (f"/admin/users/{unit_id}/deactivate", {}),
    ):
        refused = client.post(path, data=data)
        assert refused.status_code == 400 and "表单已过期" in refused.text, path
    with protected.app_context():
        unit = db.session.get(User, unit_id)
        assert unit.active and unit.check_password("demo") and unit.display_name != "x"
    assert client.get("/").status_code == 200  # and admin is still signed in


@pytest.mark.parametrize("path", ["/login", "/", "/account", "/static/app.css"])
def test_pages_carry_the_security_headers(client, login, path):
    login("admin")
    answer = client.get(path)
    assert answer.status_code == 200, path
    csp = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_template_has_an_inline_script_style_or_event_handler():
    """The CSP would refuse them; data for scripts goes in application/json blocks."""
    from pathlib import Path

    import app as package

    root = Path(package.__file__).parent / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
            r"<style",
            r"\sstyle=",
            r"\son[a-z]+=",
            r"javascript:",
        ):
            offenders += [f"{template.name}: {m}" for m in re.findall(pattern, text)]
    assert offenders == []


def test_the_account_form_names_organisations_and_roles_without_their_codes(client, login):
    login("admin")
    page = client.get("/admin/users/new").text
    assert ">县第一中学</option>" in page and "edu-school1" not in page
    assert "部门预算单位" in page and "（budget_unit）" not in page
    assert 'value="budget_unit"' in page  # the code stays the value the form posts
