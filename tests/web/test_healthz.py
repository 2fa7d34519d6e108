"""The load balancer's probe: 200 while the database answers, 503 with the reason when not."""

from __future__ import annotations

from app import create_app
from conftest import make_config


def test_healthz_answers_ok_without_a_login_when_the_database_answers(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "database": "ok"}
    assert "Set-Cookie" not in answer.headers


def test_healthz_answers_503_naming_the_database_when_it_cannot_be_reached(tmp_path):
    unreachable = f"sqlite:///{tmp_path / 'no-such-folder' / 'app.db'}"
    app = create_app(make_config(unreachable))
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "unavailable"
    assert body["database"] == "error"
    assert "OperationalError" in body["reason"]
