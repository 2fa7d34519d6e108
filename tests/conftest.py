"""Shared fixtures: an app on a fresh database holding the demo county and the fixture
processes, and helpers to act as each demo account.

The schema is migrated and the demo county seeded once per run (by whichever
pytest-xdist worker needs it first, the others waiting for it), into a template that each
test gets a copy of (tests/database_copies.py).

Set TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run the
database-backed tests on PostgreSQL instead of SQLite files: the tests' databases are then
created beside that one, named after the run's and each worker's pid, and dropped as the
run ends (each process makes one copy and puts it back as the template left it after
every test).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import Result
from flask.testing import FlaskClient
from sqlalchemy import select, text
from werkzeug.routing import rules

from app import create_app
from app.extensions import db
from app.migrations import upgrade_schema
from app.models import User
from app.models.org import ACTING
from app.services.operations.setup import create_demo_county, deploy_folder
from app.services.runtime.definitions import forget_versions
from database_copies import RUN, PostgresCopies, Shared, SqliteCopies, drop_template

FIXTURES = Path(__file__).parent / "fixtures"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
TEN_YEARS = 10 * 366 * 24 * 3600
CLOCK_START = datetime(2027, 3, 1, 9, 0)  # a Monday morning in the demo's budget year


def _remember_url_builders() -> None:
    """Every test creates its own app, and most of create_app's time (50 of 58 ms) went
    to werkzeug generating and compiling, with `compile()`, the same two URL-builder
    functions for each of its ~140 rules. A builder is a function of the rule alone (its
    text, its parsed parts and, with `append_unknown`, the query-string tail; the
    converters are read at call time through the rule passed in), so this process keeps
    each one it made and hands it to the next app's identical rule. A rule whose default
    fills one of its own variables bakes that converter's output in: those are built
    afresh."""
    compile_builder = rules.Rule._compile_builder
    made: dict[tuple, object] = {}

    def remembered(rule, append_unknown=True):
        defaults = rule.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in rule._trace):
            return compile_builder(rule, append_unknown)
        key = (rule.rule, tuple(rule._trace), tuple(sorted(defaults)), append_unknown)
        if key not in made:
            made[key] = compile_builder(rule, append_unknown)
        return made[key]

    rules.Rule._compile_builder = remembered


_remember_url_builders()


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
        # A step's diagram code and engine work may take 3 s in production. On this 2-core
        # machine shared with other test runs (load 8), ordinary steps of the budget
        # processes passed that and failed with LimitExceeded; here they get 20 s (under
        # SQLite's 30 s busy timeout). The tests of the limits keep theirs: tests/engine
        # and tests/security/test_script_bounds.py set their own, and a script's or
        # condition's own limit (SCRIPT_TIME_LIMIT, 1 s) stays as in production.
        "STEP_TIME_LIMIT": 20.0,
    }
    config.update(extra)
    return config


def shipped_config(database_url: str) -> dict:
    """`make_config` on the repository's own processes/ and forms/ (not the fixtures)."""
    root = Path(__file__).parents[1]
    return make_config(
        database_url, PROCESSES_DIR=str(root / "processes"), FORMS_DIR=str(root / "forms")
    )


def reset_database() -> None:
    """An empty schema at the newest migration, whatever the database held before (the
    tests' databases start as copies of the seeded template)."""
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    elif db.engine.url.database not in (None, "", ":memory:"):
        db.engine.dispose()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(db.engine.url.database + suffix).unlink(missing_ok=True)
    upgrade_schema()


def seed_demo() -> None:
    create_demo_county()
    deploy_folder(FIXTURES / "processes", FIXTURES / "forms")


def pytest_configure(config):
    """The run's first process (pytest-xdist's controller, or the only process) names the
    run for tests/database_copies.py: its workers inherit the variable as they start."""
    if not hasattr(config, "workerinput"):
        os.environ[RUN] = str(os.getpid())


def pytest_sessionfinish(session):
    """The run's first process drops the run's PostgreSQL template once every process is
    done with it (its workers have ended; its own copies went as its session did)."""
    if POSTGRES_URL and not hasattr(session.config, "workerinput"):
        drop_template(POSTGRES_URL, os.getpid())


def run_folder(tmp_path_factory) -> Path:
    """The run's own folder: pytest's basetemp, of which an xdist worker's is a child."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def database_copies(tmp_path_factory):
    """The run's template database, migrated and seeded once for all its processes, and
    how to copy it.

    Seeded with make_config's settings (the cheap password hash, the fixture processes)
    at the real time: nothing in the demo county depends on a test's clock or settings.
    """
    shared = Shared(run_folder(tmp_path_factory))
    copies = PostgresCopies(POSTGRES_URL, shared) if POSTGRES_URL else SqliteCopies(shared)
    copies.add_variant("demo_year", _seed_demo_year)
    copies.add_variant("initialised_demo", _initialise_demo)
    copies.add_variant("county_budget_approved", _approve_county_budget)
    try:
        copies.build_template(lambda url: _seed_template(url, shared.folder / "instance"))
        yield copies
    finally:
        copies.close()


def _seed_template(url: str, instance_path: Path) -> None:
    template = create_app(make_config(url))
    template.instance_path = str(instance_path)
    with template.app_context():
        upgrade_schema()
        seed_demo()
        db.session.remove()
        db.engine.dispose()  # PostgreSQL copies a template only while nobody is on it


def _seed_demo_year(url: str) -> None:
    """The template, the four shipped processes deployed beside the fixture ones, and the
    demo county's year driven through them (at the real time, as `init-db --demo`)."""
    from demo_year import seed_demo_county_year

    app = create_app(make_config(url))
    with app.app_context():
        seed_demo_county_year()
        db.session.remove()
        db.engine.dispose()
    forget_versions()


def init_db_demo(url: str, instance_path: str | None = None) -> Result:
    """`flask init-db --demo` run on an emptied database at `url`, the shipped processes
    only; its result (exit code and output) is returned."""
    app = create_app(shipped_config(url))
    if instance_path:
        app.instance_path = instance_path
    with app.app_context():
        reset_database()
        db.session.remove()
        result = app.test_cli_runner().invoke(args=["init-db", "--demo"])
        db.session.remove()
        db.engine.dispose()
    forget_versions()
    return result


def _initialise_demo(url: str) -> None:
    result = init_db_demo(url)
    assert result.exit_code == 0, result.output


def _approve_county_budget(url: str) -> None:
    """The template, the four shipped processes deployed, both demo departments' 2027
    targets approved, three projects selected through budget_compilation and the county's
    2027 budget approved by the government and the congress (at the real time)."""
    from tests.processes.test_county_budget_review import selected_project

    from compilation_data import department_targets_approved
    from county_review import approve_county_budget

    root = Path(__file__).parents[1]
    app = create_app(make_config(url))
    with app.app_context():
        deploy_folder(root / "processes", root / "forms")
        db.session.commit()
        department_targets_approved("edu", 2027, {"义务教育": 130})
        department_targets_approved("health", 2027, {"基层医疗": 60})
        selected_project(demo_user, "unit", "dept", "JY-2027-001", "教室改造", 80, 1)
        selected_project(demo_user, "unit", "dept", "JY-2027-002", "校舍维修", 50, 2)
        selected_project(
            demo_user, "unit2", "dept2", "WS-2027-001", "村卫生室建设", 60, 1, "基层医疗"
        )
        approve_county_budget(demo_user, 2027)
        db.session.remove()
        db.engine.dispose()
    forget_versions()


# A test asking for one of these fixtures gets a copy of the template variant of that name.
VARIANT_FIXTURES = ("demo_year", "initialised_demo", "county_budget_approved")


@pytest.fixture
def database_url(database_copies, tmp_path, request):
    """This test's own database: the demo county and fixture processes as the template
    holds them (or as the variant the test asks for), whatever the previous test did."""
    variant = next((name for name in VARIANT_FIXTURES if name in request.fixturenames), None)
    url = database_copies.copy(tmp_path, variant)
    yield url
    database_copies.drop(url)


@pytest.fixture
def demo_year(app) -> None:
    """The demo county's year (what `init-db --demo` seeds) on the shipped processes,
    beside the fixture processes. Asking for it is what puts it there: `database_url`
    copies the template variant that holds it, seeded once per process."""


@pytest.fixture
def county_budget_approved(app) -> None:
    """The county's 2027 budget approved over three selected projects of both demo
    departments (`_approve_county_budget`): `database_url` copies the variant."""


@pytest.fixture
def initialised_demo(database_url) -> str:
    """The URL of a database as `flask init-db --demo` leaves an empty one: the demo
    county and its year on the shipped processes only (`database_url` copies it)."""
    return database_url


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(make_config(database_url))
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    # Every copy deploys the same versions at the same moment, so their in-memory caches
    # would carry over; a test that rewrites a deployed form in place must not leak it.
    forget_versions()


@dataclass
class Clock:
    """The time every service sees while the `clock` fixture holds the app's clock."""

    at: datetime


@pytest.fixture
def clock(app):
    """The app's clock stopped at CLOCK_START; `clock.at = moment` moves it, so tests make
    tasks overdue without sleeping. Real time again when the test ends."""
    stopped = Clock(CLOCK_START)
    app.config["CLOCK"] = lambda: stopped.at
    yield stopped
    app.config["CLOCK"] = None


def demo_user(username: str) -> User:
    """The demo account, fresh from the database of the app in context."""
    found = db.session.scalar(select(User).where(User.username == username).options(*ACTING))
    assert found is not None, f"no demo user {username}"
    return found


@pytest.fixture
def user(app):
    """user("unit") -> the demo account, fresh from the database."""
    return demo_user


class RequestPerContextClient(FlaskClient):
    """Each request in its own app context, as in production.

    The `app` fixture keeps one app context open for the whole test, and Flask reuses
    an open context for requests: `g` (the signed-in user, the chosen language) would
    then leak from one request into the next. Tests that read the database themselves
    after a request should `db.session.rollback()` first to see what it committed.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    # shutdown() waits for the loop's next look at its flag: every poll_interval (half a
    # second by default, which was most of a live-server test's teardown).
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
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


def pytest_collection_modifyitems(items):
    """A test that drives Chromium carries the `browser` mark, so that `-m "not browser"`
    (the Makefile's SQLite pass when the PostgreSQL pass runs them) leaves it out."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
