"""create_app(): the one place that wires the product together."""

from __future__ import annotations

import sqlite3
import time

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from werkzeug.routing import IntegerConverter

from app.config import default_config, engine_options, instance_path
from app.extensions import babel, csrf, db, login_manager


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=instance_path(), instance_relative_config=True)
    app.config.update(default_config(app.instance_path))
    if config:
        app.config.update(config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS")
    )

    from app.params import PathText, StrictJSONProvider

    app.json = StrictJSONProvider(app)  # every JSON body read strictly, whoever reads it
    app.json.ensure_ascii = False  # Chinese stays readable in API answers
    # Ids in paths fit the database's INTEGER columns: a larger one is simply not found
    # (404) instead of overflowing the driver (a 500 that fuzzing found).
    app.url_map.converters["int"] = DatabaseId
    # Text in paths holds no control character: NUL would fail PostgreSQL's driver.
    app.url_map.converters["default"] = app.url_map.converters["string"] = PathText

    from app.security import init_security  # trusts PROXY_COUNT proxies, once

    init_security(app)
    db.init_app(app)
    with app.app_context():
        ping_when_idle(db.engine)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"

    from app.web.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)

    from app.services.accounts.credentials import load_user

    login_manager.user_loader(load_user)

    from app.api import api_blueprint
    from app.api.engine_rest import engine_rest_blueprint
    from app.web import web_blueprint
    from app.web.health import health_blueprint

    app.register_blueprint(web_blueprint)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(api_blueprint)
    csrf.exempt(api_blueprint)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(engine_rest_blueprint)  # Camunda's external-task workers

    _register_error_pages(app)
    _set_up_diagram_code(app)
    _register_job_handlers(app)

    from app.cli import register_commands

    register_commands(app)
    return app


class DatabaseId(IntegerConverter):
    def __init__(self, map, *args, **kwargs) -> None:
        from app.models import MAX_ID

        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _set_up_diagram_code(app: Flask) -> None:
    """Scripts and service tasks call the domain's functions by name, within the bounds
    the settings give; the runtime holding both lives on the app."""
    from app.engine import Limits, ScriptRuntime
    from app.performance.operators import OPERATORS, set_thresholds_provider
    from app.performance.registry_operators import REGISTRY_OPERATORS
    from app.services.registry.settings import performance_thresholds

    functions = {**OPERATORS, **REGISTRY_OPERATORS}
    ScriptRuntime(functions, Limits.from_settings(app.config)).init_app(app)
    set_thresholds_provider(performance_thresholds)


def _register_job_handlers(app: Flask) -> None:
    """The functions the workers run, by job kind, and what each worker round queues
    first, kept on the app: the job queue knows them by this registration, not by import."""
    from app.services.foundation import notify
    from app.services.foundation.jobs import (
        handlers_in,
        register_job_handlers,
        register_worker_round,
    )
    from app.services.operations import schedules
    from app.services.runtime import catch_timers, escalation, external_tasks, messages, withdrawal

    modules = (catch_timers, escalation, external_tasks, messages, notify, schedules, withdrawal)
    register_job_handlers(app, *handlers_in(*modules))
    register_worker_round(app, schedules.schedule_recurring_jobs)


def _register_error_pages(app: Flask) -> None:
    """API paths answer JSON errors; pages answer an error page in the person's language."""
    from flask import request
    from sqlalchemy.exc import OperationalError
    from werkzeug.exceptions import HTTPException

    from app.api.errors import json_http_error, json_service_error
    from app.services.foundation.errors import DatabaseUnavailable, ServiceError
    from app.web.errors import html_http_error, html_service_error

    def on_service_error(exc: ServiceError):
        if request.path.startswith("/api/"):
            return json_service_error(exc)
        return html_service_error(exc)

    def on_http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return json_http_error(exc)
        return html_http_error(exc)

    def on_database_lost(exc: OperationalError):
        db.session.rollback()
        app.logger.warning("database unavailable: %s", exc)
        return on_service_error(DatabaseUnavailable())

    app.register_error_handler(ServiceError, on_service_error)
    app.register_error_handler(OperationalError, on_database_lost)
    app.register_error_handler(HTTPException, on_http_error)


# A pooled connection that sat unused for this long is pinged before it is handed out,
# and replaced if the database has gone away meanwhile (a restart, a failover).
IDLE_BEFORE_PING = 5.0  # seconds


def ping_when_idle(engine: Engine) -> None:
    """Ping pooled connections that have been idle, not those in steady use.

    SQLAlchemy's `pool_pre_ping` pings at every checkout: a round trip on every request,
    as dear as any statement of a task completion. A connection in use a moment ago is
    almost surely alive; if it died even so, its request fails as any lost connection
    does (503 database_unavailable, nothing saved) and SQLAlchemy replaces the pool's
    connections, so the next request gets a live one.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from_now(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:  # the pool connects anew
            raise DisconnectionError(str(exc)) from exc


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers go on while one writer commits; writers wait instead of failing."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
