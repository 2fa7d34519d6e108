"""Each test's own database, copied from a template built once per pytest session.

Running every Alembic migration and seeding the demo county (which deploys the fixture
processes) took most of the suite's time when each test did it. The root conftest does it
once into a template; a copy is then a page-by-page backup on SQLite and
`CREATE DATABASE ... TEMPLATE` on PostgreSQL, and each test still starts from a fresh
demo county of its own.
"""

from __future__ import annotations

import os
import re
import sqlite3
from contextlib import closing
from itertools import count
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

LOCAL_HOSTS = (None, "", "localhost", "127.0.0.1", "::1")


class SqliteCopies:
    """The template is a file; each copy is a file in the test's own tmp_path."""

    def __init__(self, folder: Path):
        self.template = folder / "template.db"
        self.template_url = f"sqlite:///{self.template}"

    def copy(self, folder: Path) -> str:
        target = folder / "test.db"
        # The online backup API copies a consistent database whatever its journal (the
        # app runs SQLite in WAL mode, where a plain file copy could miss pages).
        with (
            closing(sqlite3.connect(self.template)) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        """Nothing to do: pytest removes the test's tmp_path."""

    def close(self) -> None:
        """Nothing to do: pytest removes the session's temporary folders."""


class PostgresCopies:
    """Databases on the server of `url`, named `<its database>_<pid>_...`.

    The pid keeps two pytest runs against one server (several engineers, or CI beside a
    developer) from ever touching each other's databases. `url`'s own database is only
    where CREATE and DROP DATABASE are sent from; no test writes to it. A run that was
    killed (by a timeout, say) cannot drop its databases; the next run on this machine
    drops those whose pid names no living process.
    """

    def __init__(self, url: str):
        server = make_url(url)
        if server.drivername in ("postgresql", "postgres"):
            server = server.set(drivername="postgresql+psycopg")
        self.server = server
        self.prefix = f"{server.database}_{os.getpid()}"
        self.numbers = count(1)
        # Autocommit: CREATE and DROP DATABASE cannot run inside a transaction.
        self.admin = create_engine(server, isolation_level="AUTOCOMMIT", pool_size=1)
        self._drop_orphans()
        self.template_name = f"{self.prefix}_template"
        self._drop(self.template_name)  # left over by an earlier run that had this pid
        self._execute(f'CREATE DATABASE "{self.template_name}"')
        self.template_url = self._url(self.template_name)

    def copy(self, folder: Path) -> str:
        """A new database holding what the template holds. The template must have no open
        connection (PostgreSQL refuses to copy it otherwise): its builder disposed them."""
        name = f"{self.prefix}_{next(self.numbers)}"
        self._drop(name)
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"')
        return self._url(name)

    def drop(self, url: str) -> None:
        self._drop(make_url(url).database)

    def close(self) -> None:
        self._drop(self.template_name)
        self.admin.dispose()

    def _drop_orphans(self) -> None:
        if self.server.host not in LOCAL_HOSTS:
            return  # another machine's pids cannot be checked from here
        ours = re.compile(rf"{re.escape(self.server.database)}_(\d+)_(?:template|\d+)")
        with self.admin.connect() as conn:
            names = conn.execute(text("SELECT datname FROM pg_database")).scalars().all()
        for name in names:
            found = ours.fullmatch(name)
            if found and not _alive(int(found.group(1))):
                self._drop(name)

    def _url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def _drop(self, name: str) -> None:
        # FORCE ends what a test left connected (a live server's threads, a forked child).
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _execute(self, statement: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(statement))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True
