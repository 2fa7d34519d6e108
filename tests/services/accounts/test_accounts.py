"""Accounts as services: the password policy, hashing, changing and resetting passwords,
and what an account administrator may do (and nobody else)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import AuditEvent, Org, Task, User
from app.services.accounts import credentials as accounts
from app.services.accounts import users
from app.services.accounts.passwords import password_problems
from app.services.foundation.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotAuthenticated,
    NotFound,
)
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import claim_task
from conftest import make_config

GOOD = "Budget-2027-plan"


@pytest.fixture
def submission(user):
    """submission() -> (instance, its fill_targets task), started by `unit`."""

    def start():
        instance, ready = start_instance(user("unit"), "simple_approval", title="校舍维修改造")
        return instance, ready[0]

    return start


def fields(user: User, **changes) -> users.UserFields:
    values = dict(
        display_name=user.display_name,
        org_id=user.org_id,
        role_codes=sorted(user.role_codes),
        email=user.email,
    )
    values.update(changes)
    return users.UserFields(**values)


def org_id(code: str) -> int:
    return db.session.scalar(select(Org.id).where(Org.code == code))


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "至少需要 10 个字符"),
        ("onlyletterslong", "至少两类"),
        ("12345678901234", "连续的字母或数字"),
        ("unit-school-2027", "不能包含用户名"),
        ("Password123", "常见密码"),
        ("aaaaaaaaaa1", "重复的字符或片段"),
        ("x" * 129 + "1", "不能超过 128 个字符"),
    ],
)
def test_a_weak_password_is_refused_with_its_reason(app, password, reason):
    problems = password_problems(password, "unit")
    assert any(reason in problem for problem in problems), problems


def test_good_passwords_pass_the_policy_including_chinese_ones(app):
    for password in (GOOD, "县财政局2027预算", "correct horse battery 7"):
        assert password_problems(password, "unit") == [], password


def test_passwords_are_hashed_with_scrypt_outside_tests(database_url):
    config = make_config(database_url)
    del config["PASSWORD_HASH_METHOD"]  # the tests' cheap hash; production has none set
    production = create_app(config)
    with production.app_context():
        user = User(username="x", display_name="x", org_id=1)
        user.set_password(GOOD)
        assert user.password_hash.startswith("scrypt:")
        assert user.check_password(GOOD) and not user.check_password("Budget-2027-plaN")


def test_changing_ones_password_needs_the_current_one_and_obeys_the_policy(user):
    unit = user("unit")
    with pytest.raises(NotAuthenticated, match="当前密码不正确"):
        accounts.change_password(unit, "wrong", GOOD)
    with pytest.raises(BadRequest, match="至少需要 10 个字符"):
        accounts.change_password(unit, "demo", "abc123")
    assert user("unit").check_password("demo")  # refused changes change nothing
    accounts.change_password(unit, "demo", GOOD)
    changed = user("unit")
    assert changed.check_password(GOOD) and not changed.must_change_password
    assert accounts.authenticate("unit", GOOD).id == changed.id


def test_a_password_that_falls_short_of_the_policy_is_flagged_for_change_at_sign_in(app, user):
    unit = user("unit")
    unit.set_password("weakpassword")  # set before the policy existed
    db.session.commit()
    assert accounts.sign_in("unit", "weakpassword").must_change_password
    # The demo accounts' "demo" is exempt in demo mode, and refused outside it.
    assert not accounts.sign_in("dept", "demo").must_change_password
    app.config["DEMO_MODE"] = False
    with pytest.raises(NotAuthenticated, match="演示密码只能在演示模式下使用"):
        accounts.sign_in("dept", "demo")


def test_only_account_administrators_manage_accounts(user):
    for name in ("unit", "finance", "gov"):
        actor = user(name)
        with pytest.raises(Forbidden, match="账号管理员"):
            users.list_users(actor)
        with pytest.raises(Forbidden):
            users.deactivate_user(actor, user("dept").id)
        with pytest.raises(Forbidden):
            users.create_user(actor, "new", fields(user("unit")), GOOD)
    assert "admin" in {u.username for u in users.list_users(user("admin"))}
    with pytest.raises(NotFound):
        users.get_user(user("admin"), 999_999)


def test_a_new_account_has_its_org_and_roles_and_must_change_its_password(user):
    admin = user("admin")
    template = fields(user("unit"), display_name="钱多（县实验小学）", org_id=org_id("edu-school2"))
    with pytest.raises(BadRequest, match="至少需要 10 个字符"):
        users.create_user(admin, "qianduo", template, "short")
    with pytest.raises(Conflict, match="已被使用"):
        users.create_user(admin, "UNIT", template, GOOD)
    with pytest.raises(BadRequest, match="用户名"):
        users.create_user(admin, "bad name!", template, GOOD)
    with pytest.raises(BadRequest, match="角色不存在"):
        users.create_user(admin, "qianduo", fields(user("unit"), role_codes=["king"]), GOOD)
    created = users.create_user(admin, "qianduo", template, GOOD)
    assert created.org.code == "edu-school2" and created.role_codes == {"budget_unit"}
    assert created.must_change_password
    with pytest.raises(Forbidden, match="请先在网页上修改密码"):
        accounts.issue_token(accounts.sign_in("qianduo", GOOD))


def test_deactivating_an_account_returns_its_claimed_tasks_to_the_pool(user, submission):
    instance, task = submission()
    claim_task(user("unit"), task.id)
    token, _ = accounts.issue_token(user("unit"))
    _, released = users.deactivate_user(user("admin"), user("unit").id)
    assert released == 1
    db.session.expire_all()
    assert db.session.get(Task, task.id).assignee_id is None
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance.id).order_by(AuditEvent.id)
    ).all()[-1]
    assert (event.action, event.actor_id) == ("unclaimed", user("admin").id)
    assert "账号已停用" in event.comment
    with pytest.raises(NotAuthenticated, match="用户名或密码错误"):
        accounts.authenticate("unit", "demo")
    with pytest.raises(NotAuthenticated):
        accounts.user_from_token(token)
    users.activate_user(user("admin"), user("unit").id)
    assert accounts.authenticate("unit", "demo").active


def test_an_administrator_cannot_lock_themselves_out(user):
    admin = user("admin")
    with pytest.raises(BadRequest, match="不能停用自己的账号"):
        users.deactivate_user(admin, admin.id)
    with pytest.raises(BadRequest, match="账号管理员角色"):
        users.update_user(admin, admin.id, fields(admin, role_codes=["process_admin"]))
    assert user("admin").active and "user_admin" in user("admin").role_codes


def test_moving_an_account_to_another_org_releases_the_tasks_it_may_no_longer_hold(
    user, submission
):
    _, task = submission()
    claim_task(user("unit"), task.id)
    kept, released = users.update_user(
        user("admin"), user("unit").id, fields(user("unit"), display_name="李明")
    )
    assert released == 0 and kept.display_name == "李明"
    _, released = users.update_user(
        user("admin"), user("unit").id, fields(user("unit"), org_id=org_id("health-hospital"))
    )
    assert released == 1
    db.session.expire_all()
    assert db.session.get(Task, task.id).assignee_id is None


def test_a_reset_password_ends_the_accounts_tokens_and_must_be_changed(user):
    token, _ = accounts.issue_token(user("dept"))
    with pytest.raises(BadRequest, match="至少两类"):
        users.reset_password(user("admin"), user("dept").id, "onlyletterslong")
    assert accounts.user_from_token(token).username == "dept"
    users.reset_password(user("admin"), user("dept").id, GOOD)
    with pytest.raises(NotAuthenticated, match="令牌已撤销"):
        accounts.user_from_token(token)
    assert accounts.sign_in("dept", GOOD).must_change_password


def test_the_operator_sets_a_password_from_the_command_line(app, user):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["set-password", "finance", "--password", "short"])
    assert weak.exit_code != 0 and "至少需要 10 个字符" in weak.output
    missing = runner.invoke(args=["set-password", "nobody", "--password", GOOD])
    assert missing.exit_code != 0 and "不存在" in missing.output
    done = runner.invoke(args=["set-password", "finance", "--password", GOOD])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    app.config["DEMO_MODE"] = False
    signed_in = accounts.sign_in("finance", GOOD)
    assert signed_in.must_change_password


@pytest.mark.parametrize(
    ("display_name", "email", "words"),
    [
        ("王\r\n芳", None, "一行"),
        ("王芳", "wang@x.cn\r\nBcc: all@x.cn", "不是一个地址"),
        ("王芳", "not-an-address", "不是一个地址"),
        ("王" * 101, None, "100"),
    ],
)
def test_an_account_name_or_address_that_would_break_a_header_is_refused(
    user, display_name, email, words
):
    from app.services.accounts.users import UserFields, create_user

    school = user("unit").org_id
    fields = UserFields(
        display_name=display_name, org_id=school, role_codes=["budget_unit"], email=email
    )
    with pytest.raises(BadRequest, match=words):
        create_user(user("admin"), "newclerk", fields, "Zhang-2027-shuxue")
