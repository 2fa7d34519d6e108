"""Upgrading to 0014 and back: web sessions move to the server, accounts stay intact."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select

from app.extensions import db
from app.migrations import alembic_config, upgrade_schema
from app.models import User, WebSession
from app.services.accounts import credentials as accounts


def test_sessions_move_to_their_own_table_and_back_without_touching_accounts(user):
    key = accounts.open_session(user("unit"))
    db.session.remove()
    before = {row.username: row.password_hash for row in db.session.scalars(select(User))}
    db.session.remove()  # an open read would hold the lock ALTER TABLE waits for

    command.downgrade(alembic_config(), "0013")
    db.session.remove()
    schema = inspect(db.engine)
    assert "web_session" not in schema.get_table_names()
    assert "session_generation" in {column["name"] for column in schema.get_columns("user")}

    upgrade_schema()
    db.session.remove()
    schema = inspect(db.engine)
    assert "session_generation" not in {column["name"] for column in schema.get_columns("user")}
    assert db.session.scalars(select(WebSession)).all() == []
    assert accounts.load_user(f"{user('unit').id}.{key}") is None  # everyone signs in again
    after = {row.username: row.password_hash for row in db.session.scalars(select(User))}
    assert after == before
    key = accounts.open_session(user("unit"))
    assert accounts.load_user(f"{user('unit').id}.{key}").username == "unit"
