"""Shared fixtures: an app on a fresh database holding the demo county and the fixture
processes, and helpers to act as each demo account.

Set TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run the
database-backed tests on PostgreSQL instead of a SQLite file.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from app import create_app
from app.extensions import db
from app.migrations import upgrade_schema
from app.models import User
from app.services.setup import create_demo_county, deploy_folder

FIXTURES = Path(__file__).parent / "fixtures"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
TEN_YEARS = 10 * 366 * 24 * 3600


def make_config(database_url: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DEMO_MODE": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "WTF_CSRF_ENABLED": False,
        "PROCESSES_DIR": str(FIXTURES / "processes"),
        "FORMS_DIR": str(FIXTURES / "forms"),
        # Plain HTTP on loopback, as `make run`: a Secure cookie would never come back.
        "SESSION_COOKIE_SECURE": False,
        # Many tests move the clock by days or years to make tasks overdue; sessions and
        # tokens outlive that here. tests/accounts checks the real lifetimes.
        "API_TOKEN_MAX_AGE": TEN_YEARS,
        "SESSION_MAX_AGE": TEN_YEARS,
        "SESSION_IDLE_MAX": TEN_YEARS,
    }
    config.update(extra)
    return config


def reset_database() -> None:
    """An empty schema at the newest migration."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade_schema()


def seed_demo() -> None:
    create_demo_county()
    deploy_folder(FIXTURES / "processes", FIXTURES / "forms")


@pytest.fixture
def database_url(tmp_path) -> str:
    if POSTGRES_URL:
        url = POSTGRES_URL
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(make_config(database_url))
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        reset_database()
        seed_demo()
        db.session.remove()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def user(app):
    """user("unit") -> the demo account, fresh from the database."""

    def get(username: str) -> User:
        found = db.session.scalar(select(User).where(User.username == username))
        assert found is not None, f"no demo user {username}"
        return found

    return get


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


class Inbox:
    """What the loopback SMTP server of the `smtp` fixture received."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1; the app sends its e-mail there."""
    inbox = Inbox()
    with socket.socket() as probe:  # a free loopback port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    controller.stop()
    app.config["MAIL_SERVER"] = None
