"""API bearer tokens: they expire by the app's clock, can be revoked one by
one or all at once, die with a deactivated account, and signing in is throttled."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import CLOCK_START

T0 = CLOCK_START  # where the clock fixture starts: a Monday, 09:00


@pytest.fixture
def clock(clock, app):
    """The shared clock, with 12-hour tokens as in production."""
    app.config["API_TOKEN_MAX_AGE"] = 12 * 3600
    return clock


def bearer(anonymous, token: str):
    """A client of the same kind as `anonymous`, signing with `token`."""
    return anonymous.signing_with(token)


def token_for(anonymous, username: str = "unit", password: str = "demo") -> dict:
    answer = anonymous.post("/auth/token", {"username": username, "password": password})
    assert answer.status == 200, answer.body
    return answer.body


def test_a_token_answer_keeps_the_contract_and_says_when_it_expires(anonymous, clock, conforms):
    answer = anonymous.post("/auth/token", {"username": "unit", "password": "demo"})
    conforms("/auth/token", "post", answer)
    assert set(answer.body) == {"token", "token_id", "username", "expires_at"}
    assert answer.body["expires_at"] == "2027-03-01T21:00:00Z"


def test_a_token_expires_when_the_clock_passes_its_twelve_hours(anonymous, clock):
    body = token_for(anonymous)
    client = bearer(anonymous, body["token"])
    clock.at = T0 + timedelta(hours=11, minutes=59)
    assert client.get("/tasks").status == 200
    clock.at = T0 + timedelta(hours=12)
    expired = client.get("/tasks")
    assert expired.status == 401 and expired.error == "unauthorized"
    assert "令牌已过期" in expired.body["message"]


def test_a_revoked_token_answers_401_and_others_go_on(anonymous, conforms):
    first = bearer(anonymous, token_for(anonymous)["token"])
    second = bearer(anonymous, token_for(anonymous)["token"])
    answer = first.request("DELETE", "/auth/token")
    assert answer.status == 200 and answer.body == {"revoked": 1}
    conforms("/auth/token", "delete", answer)
    refused = first.get("/tasks")
    assert refused.status == 401 and "令牌已撤销" in refused.body["message"]
    assert second.get("/tasks").status == 200


def test_revoking_all_tokens_signs_out_everywhere(anonymous, conforms):
    clients = [bearer(anonymous, token_for(anonymous)["token"]) for _ in range(3)]
    other_user = bearer(anonymous, token_for(anonymous, "dept")["token"])
    answer = clients[0].request("DELETE", "/auth/tokens")
    assert answer.status == 200 and answer.body == {"revoked": 3}
    conforms("/auth/tokens", "delete", answer)
    assert [c.get("/tasks").status for c in clients] == [401, 401, 401]
    assert other_user.get("/tasks").status == 200


def test_a_deactivated_accounts_token_answers_401(anonymous, user):
    from app.services.accounts.users import deactivate_user

    client = bearer(anonymous, token_for(anonymous, "dept")["token"])
    deactivate_user(user("admin"), user("dept").id)
    assert client.get("/tasks").status == 401
    refused = anonymous.post("/auth/token", {"username": "dept", "password": "demo"})
    assert refused.status == 401


def test_a_password_change_ends_the_accounts_tokens(anonymous, user):
    from app.services.accounts.credentials import change_password

    client = bearer(anonymous, token_for(anonymous)["token"])
    change_password(user("unit"), "demo", "Budget-2027-plan")
    assert client.get("/tasks").status == 401


def test_failed_sign_ins_for_one_account_answer_a_json_429(anonymous, conforms):
    for _ in range(5):
        assert anonymous.post("/auth/token", {"username": "unit", "password": "x"}).status == 401
    refused = anonymous.post("/auth/token", {"username": "unit", "password": "demo"})
    assert refused.status == 429 and refused.error == "too_many_requests"
    assert "该账号登录失败次数过多" in refused.body["message"]
    assert "请 15 分钟后再试" in refused.body["message"]
    assert int(refused.headers["Retry-After"]) > 0
    conforms("/auth/token", "post", refused)
    english = anonymous.post(
        "/auth/token", {"username": "unit", "password": "demo"}, headers={"Accept-Language": "en"}
    )
    assert english.status == 429 and english.error == "too_many_requests"
    assert english.body["message"] == (
        "Too many failed sign-ins for this account (5 in 15 minutes): try again in 15 minutes."
    )
    assert anonymous.post("/auth/token", {"username": "dept", "password": "demo"}).status == 200


def test_failures_on_the_web_and_the_api_add_up(client, anonymous):
    for _ in range(3):
        client.post("/login", data={"username": "unit", "password": "x"})
    for _ in range(2):
        anonymous.post("/auth/token", {"username": "unit", "password": "x"})
    assert anonymous.post("/auth/token", {"username": "unit", "password": "demo"}).status == 429


def test_api_answers_carry_the_security_headers(anonymous, api):
    for answer in (anonymous.get("/openapi.json"), api("unit").get("/tasks")):
        assert answer.status == 200
        assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
