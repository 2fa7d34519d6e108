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
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "DEMO_MODE": _flag("DEMO_MODE"),
        "PROCESSES_DIR": os.environ.get("PROCESSES_DIR", str(PROJECT_ROOT / "processes")),
        "FORMS_DIR": os.environ.get("FORMS_DIR", str(PROJECT_ROOT / "forms")),
        "MAX_ATTACHMENT_BYTES": int(os.environ.get("MAX_ATTACHMENT_MB", "20")) * 1024 * 1024,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_REQUEST_MB", "50")) * 1024 * 1024,
        "API_TOKEN_MAX_AGE": int(os.environ.get("API_TOKEN_HOURS", "12")) * 3600,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {"zh_Hans_CN": "简体中文", "en": "English"},
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CLOCK": None,
        # E-mail for reminders and digests; none is sent while MAIL_SERVER is unset.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "perfbudget@localhost"),
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
