"""Sessions end on the server: a copy of a session cookie, taken before signing out, before
a password change or a deactivation, or before the session idled out, opens nothing
afterwards; other browsers of the same person stay signed in when one signs out; and the
check costs no extra statement per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import User, WebSession
from app.services.accounts import credentials as accounts

GOOD = "Budget-2027-plan"


@pytest.fixture
def browser(app, client):
    """browser() -> another browser, as the `client` fixture's kind, signed in as nobody."""

    def make():
        return type(client)(app, app.response_class, use_cookies=True)

    return make


def sign_in(client, username: str, password: str = "demo"):
    answer = client.post("/login", data={"username": username, "password": password})
    assert answer.status_code == 302, answer.text
    return answer


def copy_cookie(source, target) -> None:
    """What an attacker who read the session cookie off a screen, a log or a shared
    computer does: send the same cookie from another browser."""
    cookie = source.get_cookie("session")
    assert cookie is not None, "the browser holds no session cookie"
    target.set_cookie("session", cookie.value)


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def sessions_of(username: str) -> int:
    db.session.rollback()  # see what the requests committed
    return db.session.scalar(
        select(func.count(WebSession.id)).join(User).where(User.username == username)
    )


def test_a_cookie_copied_before_signing_out_is_dead_afterwards(client, browser):
    sign_in(client, "unit")
    thief = browser()
    copy_cookie(client, thief)
    assert signed_in(thief)  # the copy works while the session lives
    assert client.post("/logout").status_code == 302
    assert not signed_in(thief)
    answer = thief.get("/instances")
    assert answer.status_code == 302 and answer.location.startswith("/login")
    assert sessions_of("unit") == 0


def test_signing_out_in_one_browser_leaves_the_others_signed_in(client, browser):
    sign_in(client, "unit")
    laptop = browser()
    sign_in(laptop, "unit")
    assert sessions_of("unit") == 2
    client.post("/logout")
    assert not signed_in(client)
    assert signed_in(laptop)
    assert sessions_of("unit") == 1


def test_signing_in_again_ends_the_browsers_previous_session(client, browser):
    sign_in(client, "unit")
    thief = browser()
    copy_cookie(client, thief)
    sign_in(client, "dept")  # someone else signs in on the shared computer
    assert not signed_in(thief)
    assert "李明" not in client.get("/").text
    assert sessions_of("unit") == 0 and sessions_of("dept") == 1


@pytest.mark.parametrize("ending", ["change_password", "deactivate", "reset_password"])
def test_a_new_password_or_a_deactivation_ends_every_copy_of_the_accounts_cookies(
    client, browser, ending
):
    owner = browser()
    sign_in(owner, "unit")
    thief = browser()
    copy_cookie(owner, thief)
    if ending == "change_password":
        answer = owner.post(
            "/account/password", data={"current": "demo", "new": GOOD, "confirm": GOOD}
        )
        assert answer.status_code == 302
        assert signed_in(owner)  # the one who changed it goes on, on a new session
    else:
        sign_in(client, "admin")
        unit_id = db.session.scalar(select(User.id).where(User.username == "unit"))
        if ending == "deactivate":
            answer = client.post(f"/admin/users/{unit_id}/deactivate")
        else:
            answer = client.post(f"/admin/users/{unit_id}/password", data={"password": GOOD})
        assert answer.status_code == 302, answer.text
        assert not signed_in(owner)
    assert not signed_in(thief)


def test_an_idle_session_is_ended_on_the_server_not_only_in_that_browser(
    app, client, browser, clock
):
    app.config["SESSION_IDLE_MAX"] = 3600
    sign_in(client, "unit")
    thief = browser()
    copy_cookie(client, thief)
    clock.at += timedelta(minutes=61)
    assert not signed_in(client)  # the owner comes back after lunch: ended
    assert sessions_of("unit") == 0
    clock.at -= timedelta(minutes=30)  # a copy that looks fresher opens nothing
    assert not signed_in(thief)


@pytest.mark.parametrize(
    "forge",
    [
        lambda user_id, key: f"{user_id}.0",  # the session generation of older versions
        lambda user_id, key: f"{user_id}.{key}x",
        lambda user_id, key: f"{int(user_id) + 1}.{key}",  # someone else's id, this key
        lambda user_id, key: user_id,
        lambda user_id, key: f"x.{key}",
    ],
)
def test_a_cookie_naming_no_live_session_opens_nothing_even_when_signed(client, forge):
    """What someone holding the SECRET_KEY could sign: still no session without a row."""
    sign_in(client, "unit")
    with client.session_transaction() as session:
        user_id, _, key = session["_user_id"].partition(".")
        session["_user_id"] = forge(user_id, key)
    assert not signed_in(client)


def test_the_cookie_carries_a_key_whose_digest_alone_is_stored(client):
    sign_in(client, "unit")
    with client.session_transaction() as session:
        key = session["_user_id"].partition(".")[2]
    db.session.rollback()
    digests = set(db.session.scalars(select(WebSession.digest)))
    assert len(digests) == 1 and key not in digests and len(key) >= 40


def test_loading_the_signed_in_person_costs_one_statement(app, client):
    sign_in(client, "unit")
    with client.session_transaction() as session:
        session_id = session["_user_id"]
    db.session.remove()
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        person = accounts.load_user(session_id)
        seen = (person.username, person.org.name, sorted(person.role_codes))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert seen == ("unit", "县第一中学", ["budget_unit"])
    assert len(statements) == 1, statements


def test_sessions_nobody_came_back_to_are_cleared_at_the_next_sign_in(app, client, browser, clock):
    app.config["SESSION_MAX_AGE"] = 10 * 3600
    abandoned = browser()
    sign_in(abandoned, "unit")
    clock.at += timedelta(hours=11)
    sign_in(client, "unit")
    assert sessions_of("unit") == 1
    assert not signed_in(abandoned)
