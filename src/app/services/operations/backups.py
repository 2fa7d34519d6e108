"""Backing up and restoring the whole state: attachments live in the database, so one
file holds everything (submissions, history, files, definitions, settings).

SQLite: sqlite3's online backup API copies a consistent snapshot while the app runs
(readers and the one writer carry on; WAL pages not yet checkpointed are included).
PostgreSQL: `pg_dump -Fc` (a consistent snapshot too) and `pg_restore`; the client
tools must be installed (`apt-get install postgresql-client`) and match the server's
major version.

Restoring replaces the target database's contents; stop the app first.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def backup_database(database_uri: str, target: Path) -> Path:
    """Write a backup of the database at `database_uri` to `target`. Returns `target`."""
    url = make_url(database_uri)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = _sqlite_path(url)
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        with sqlite3.connect(target) as dst:
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        return target
    if url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(url)])
        return target
    raise BackupError(_l("Cannot back up a %(backend)s database.", backend=url.get_backend_name()))


def restore_database(database_uri: str, source: Path) -> None:
    """Replace the contents of the database at `database_uri` with backup `source`."""
    url = make_url(database_uri)
    source = Path(source)
    if not source.is_file():
        raise BackupError(_l("There is no backup file at %(source)s.", source=str(source)))
    if url.get_backend_name() == "sqlite":
        try:
            with sqlite3.connect(source) as check:
                healthy = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        except sqlite3.DatabaseError:
            healthy = False
        if not healthy:
            raise BackupError(
                _l("The backup %(source)s is not a sound SQLite file.", source=str(source))
            )
        target = _sqlite_path(url)
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return
    if url.get_backend_name() == "postgresql":
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={_libpq(url)}",
                str(source),
            ]
        )
        return
    raise BackupError(_l("Cannot restore a %(backend)s database.", backend=url.get_backend_name()))


def pg_tools_missing() -> list[str]:
    return [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]


def _sqlite_path(url) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError(_l("An in-memory database has no file to back up."))
    return url.database


def _libpq(url) -> str:
    """The URL as libpq understands it (without SQLAlchemy's +driver)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    missing = pg_tools_missing()
    if missing:
        raise BackupError(
            _l(
                "%(tools)s missing: install postgresql-client matching the server's major version.",
                tools=", ".join(missing),
            )
        )
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(
            _l(
                "%(command)s failed: %(reason)s",
                command=command[0],
                reason=result.stderr.strip()[-2000:],
            )
        )
