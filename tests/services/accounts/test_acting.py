"""The caller a credential signs in is read as plain columns and put in the session as
loaded (services/accounts/acting.py): it must be the same object a query would give."""

from __future__ import annotations

from sqlalchemy import inspect, select

from app.extensions import db
from app.models import Role, User
from app.services.accounts import credentials as accounts


def _fresh_token(username: str) -> str:
    user = db.session.scalar(select(User).where(User.username == username))
    token, _ = accounts.issue_token(user)
    db.session.remove()
    return token


def test_the_caller_is_loaded_with_org_and_roles_and_nothing_to_flush(app):
    token = _fresh_token("dept")
    caller = accounts.user_from_token(token)
    state = inspect(caller)
    assert state.persistent and not db.session.new and not db.session.dirty
    assert caller.username == "dept" and caller.org.kind == "department"
    assert caller.role_codes == {"budget_department"}
    # Read by their identity, the session answers with the same objects, no query.
    assert db.session.get(User, caller.id) is caller
    assert db.session.get(Role, "budget_department") is caller.roles[0]
    # A change made through them is a change like any other.
    caller_id, caller.display_name = caller.id, "改名"
    db.session.commit()
    db.session.remove()
    assert db.session.get(User, caller_id).display_name == "改名"


def test_a_caller_the_session_already_holds_is_that_object_given_what_it_lacked(app):
    token = _fresh_token("unit")
    held = db.session.scalar(select(User).where(User.username == "unit"))  # no org, roles
    caller = accounts.user_from_token(token)
    assert caller is held
    assert caller.role_codes == {"budget_unit"} and caller.org.code == "edu-school1"
    assert not db.session.new and not db.session.dirty


def test_roles_changed_since_the_last_request_are_the_next_requests(app):
    token = _fresh_token("unit")
    assert accounts.user_from_token(token).role_codes == {"budget_unit"}
    db.session.remove()
    user = db.session.scalar(select(User).where(User.username == "unit"))
    user_role = User.roles.property.secondary
    db.session.execute(user_role.insert().values(user_id=user.id, role_code="expert"))
    db.session.commit()
    db.session.remove()
    assert accounts.user_from_token(token).role_codes == {"budget_unit", "expert"}


def test_a_user_without_roles_is_loaded_with_none(app):
    token = _fresh_token("unit")
    user = db.session.scalar(select(User).where(User.username == "unit"))
    user_role = User.roles.property.secondary
    db.session.execute(user_role.delete().where(user_role.c.user_id == user.id))
    db.session.commit()
    db.session.remove()
    assert accounts.user_from_token(token).roles == []


def test_a_web_session_key_loads_its_user_the_same_way(app):
    user = db.session.scalar(select(User).where(User.username == "finance"))
    user_id, key = user.id, accounts.open_session(user)
    db.session.commit()
    db.session.remove()
    loaded = accounts.load_user(f"{user_id}.{key}")
    assert loaded.username == "finance" and "finance_bureau" in loaded.role_codes
    assert loaded.session_key == key and not db.session.dirty
    assert accounts.load_user(f"{user_id + 1}.{key}") is None  # another user's id with this key
