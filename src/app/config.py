"""Settings, read from the environment so that gunicorn and systemd need no code."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def instance_path() -> str | None:
    """INSTANCE_PATH, else `instance/` of a source checkout; None lets Flask choose."""
    if os.environ.get("INSTANCE_PATH"):
        return os.environ["INSTANCE_PATH"]
    if (PROJECT_ROOT / "pyproject.toml").exists():
        return str(PROJECT_ROOT / "instance")
    return None


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str) -> bool | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    return value.lower() in ("1", "true", "yes", "on")


def default_config(instance_path: str) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'app.db'}"
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # No pool_pre_ping: connections idle for a while are pinged (app.ping_when_idle).
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "DEMO_MODE": _flag("DEMO_MODE"),
        "PROCESSES_DIR": os.environ.get("PROCESSES_DIR", str(PROJECT_ROOT / "processes")),
        "FORMS_DIR": os.environ.get("FORMS_DIR", str(PROJECT_ROOT / "forms")),
        "MAX_ATTACHMENT_BYTES": int(os.environ.get("MAX_ATTACHMENT_MB", "20")) * 1024 * 1024,
        # A request carries at most one 20 MB attachment as base64 (27 MB) and the form;
        # anything larger is refused with 413 before it is read.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_REQUEST_MB", "32")) * 1024 * 1024,
        "API_TOKEN_MAX_AGE": int(os.environ.get("API_TOKEN_HOURS", "12")) * 3600,
        # Sessions end after SESSION_HOURS signed in, or SESSION_IDLE_MINUTES without a request.
        "SESSION_MAX_AGE": int(os.environ.get("SESSION_HOURS", "10")) * 3600,
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("SESSION_HOURS", "10")) * 3600,
        # The cookie is re-sent only when the session changes, not with every answer (a
        # stylesheet's answer racing a sign-out would otherwise put the cookie back).
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_IDLE_MAX": int(os.environ.get("SESSION_IDLE_MINUTES", "60")) * 60,
        "PASSWORD_MIN_LENGTH": int(os.environ.get("PASSWORD_MIN_LENGTH", "10")),
        # Failed sign-ins allowed per account and per address (Flask-Limiter notation).
        # RATELIMIT_STORAGE_URI (e.g. redis://...) shares the counts between workers and hosts.
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes"),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # How many reverse proxies (nginx) stand in front and set X-Forwarded-For/-Proto:
        # the sign-in throttle and the audit log then take the client's address from them.
        # 0 trusts none (else anyone could claim any address).
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        # The county's time zone: every page, export, reminder and e-mail shows times in it.
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIME_ZONE", "Asia/Shanghai"),
        "LANGUAGES": {"zh_Hans_CN": "简体中文", "en": "English"},
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Secure unless SESSION_COOKIE_SECURE=0 says otherwise: `make run` and the tests serve
        # plain HTTP on loopback; production sits behind nginx with TLS.
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE") is not False,
        "CLOCK": None,
        # E-mail for reminders and digests; none is sent while MAIL_SERVER is unset.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "perfbudget@localhost"),
        # The worker: how long a claimed job is a worker's before another may take it
        # back (longer than any job runs), tries before a job becomes an incident, and
        # the hour (UTC) of the daily digest of overdue tasks (0 = 08:00 in China).
        "JOB_LEASE_SECONDS": int(os.environ.get("JOB_LEASE_SECONDS", "300")),
        "JOB_MAX_ATTEMPTS": int(os.environ.get("JOB_MAX_ATTEMPTS", "5")),
        "DIGEST_HOUR_UTC": int(os.environ.get("DIGEST_HOUR_UTC", "0")),
        # The longest a Camunda worker's fetchAndLock waits for a task (its
        # asyncResponseTimeout, bounded): it holds a web thread meanwhile. At most 30.
        "EXTERNAL_TASK_LONG_POLL_SECONDS": min(
            int(os.environ.get("EXTERNAL_TASK_LONG_POLL_SECONDS", "10")), 30
        ),
        # Bounds of the scripts and conditions drawn into diagrams (engine/limits.py). A
        # completion holds its submission's lock (on SQLite the database's write lock)
        # while they run, so each bound is also how long one hostile diagram can make
        # others wait; STEP_TIME_LIMIT stays well under SQLite's 30 s busy timeout.
        # Seconds one script or condition may run; a call the interpreter cannot
        # interrupt is ended by killing the worker process that runs it.
        "SCRIPT_TIME_LIMIT": float(os.environ.get("SCRIPT_TIME_LIMIT", "1")),
        # Seconds all the diagram code and engine work of one step may take together.
        "STEP_TIME_LIMIT": float(os.environ.get("STEP_TIME_LIMIT", "3")),
        # Address space of the worker process that runs diagram code (RLIMIT_AS).
        "SCRIPT_MEMORY_MB": int(os.environ.get("SCRIPT_MEMORY_MB", "256")),
        # Engine tasks (scripts, gateways, events) one step may pass before a wait state;
        # at most 900 (SpiffWorkflow loses sight of deeper tasks, see engine/limits.py).
        "ENGINE_STEP_LIMIT": int(os.environ.get("ENGINE_STEP_LIMIT", "500")),
        # The task data a script leaves (and any value diagram code hands out), as JSON,
        # with shared parts counted at every appearance.
        "SCRIPT_DATA_LIMIT_KB": int(os.environ.get("SCRIPT_DATA_LIMIT_KB", "1024")),
        # The engine state one step may store.
        "STATE_LIMIT_MB": int(os.environ.get("STATE_LIMIT_MB", "16")),
        # Uploads checked before anything is unpacked (services/foundation/uploads.py). A process
        # import's limits hold over all files of one request together; a workbook's
        # sheets are refused when they claim or hold more rows or columns than these.
        "IMPORT_ZIP_MAX_MEMBERS": int(os.environ.get("IMPORT_ZIP_MAX_MEMBERS", "500")),
        "IMPORT_ZIP_MAX_MEMBER_BYTES": int(os.environ.get("IMPORT_ZIP_MAX_MEMBER_MB", "5")) << 20,
        "IMPORT_ZIP_MAX_TOTAL_BYTES": int(os.environ.get("IMPORT_ZIP_MAX_TOTAL_MB", "20")) << 20,
        "XLSX_MAX_BYTES": int(os.environ.get("XLSX_MAX_MB", "5")) << 20,
        "XLSX_MAX_UNPACKED_BYTES": int(os.environ.get("XLSX_MAX_UNPACKED_MB", "10")) << 20,
        "XLSX_MAX_MEMBERS": int(os.environ.get("XLSX_MAX_MEMBERS", "200")),
        "XLSX_MAX_ROWS": int(os.environ.get("XLSX_MAX_ROWS", "20000")),
        "XLSX_MAX_COLUMNS": int(os.environ.get("XLSX_MAX_COLUMNS", "50")),
    }


def engine_options(database_uri: str, options: dict | None) -> dict:
    """PostgreSQL connections run without JIT: compiling a plan costs 100+ ms, far more
    than the short, indexed queries a person waits for (jit = off in deploy/README.md)."""
    options = dict(options or {})
    if database_uri.startswith("postgresql"):
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("options", "-c jit=off")
        options["connect_args"] = connect_args
    return options
