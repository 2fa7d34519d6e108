"""Pooled connections: one that sat idle is pinged and replaced if the database went away
meanwhile; one in steady use costs no ping (app.ping_when_idle)."""

from __future__ import annotations

import psycopg
import pytest

import app as app_package
from app.extensions import db
from conftest import RequestPerContextClient

needs_postgres = pytest.mark.skipif(
    not __import__("conftest").POSTGRES_URL,
    reason="needs PostgreSQL: set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> "
    "(make test runs these when PG_URL's server is reachable)",
)


def _signed_in(app):
    # Each request in its own app context: its connection goes back to the pool at the
    # end, as in production.
    client = RequestPerContextClient(app, app.response_class)
    token = client.post("/api/v1/auth/token", json={"username": "unit", "password": "demo"})
    return client, {"Authorization": "Bearer " + token.get_json()["token"]}


def _pings(app, monkeypatch) -> list:
    pings, real_ping = [], db.engine.dialect.do_ping

    def counted(dbapi_connection):
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return pings


def test_a_connection_in_steady_use_is_not_pinged_and_an_idle_one_is(app, monkeypatch):
    client, auth = _signed_in(app)
    db.session.remove()
    pings = _pings(app, monkeypatch)
    for _ in range(3):
        assert client.get("/api/v1/tasks", headers=auth).status_code == 200
    assert pings == []
    monkeypatch.setattr(app_package, "IDLE_BEFORE_PING", 0.0)
    assert client.get("/api/v1/tasks", headers=auth).status_code == 200
    assert len(pings) == 1


@needs_postgres
def test_an_idle_connection_the_database_dropped_is_replaced_before_use(app, monkeypatch):
    client, auth = _signed_in(app)
    db.session.remove()
    # Every connection the app's pool holds is dropped by the server (as a restart does).
    admin_url = app.config["SQLALCHEMY_DATABASE_URI"].replace("+psycopg", "")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        dropped = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = ''"
        ).fetchall()
    assert dropped, "the app's pooled connection was not found"
    monkeypatch.setattr(app_package, "IDLE_BEFORE_PING", 0.0)  # it has sat idle long enough
    answer = client.get("/api/v1/tasks", headers=auth)
    assert answer.status_code == 200, answer.get_json()
