"""Each test's own database, copied from a template built once per pytest run.

Running every Alembic migration and seeding the demo county (which deploys the fixture
processes) took most of the suite's time when each test did it. The root conftest does it
once into a template; a copy is then a page-by-page backup on SQLite and
`CREATE DATABASE ... TEMPLATE` on PostgreSQL, and each test still starts from a fresh
demo county of its own.

A test that needs more than the template (the demo county's whole year, seeded in a
couple of seconds) gets a copy of a *variant*: the template with that seeding done on
it, built the first time a test of the run asks for it and copied as cheaply as the
template from then on.

The template and the variants are built once per run, not once per pytest-xdist worker:
they are `Shared` between the run's processes through a folder of the run (the
controller's basetemp, which pytest makes anew for each run). Whichever process needs one
first builds it under that one's file lock and notes it done; the others wait on the lock
and then use it (on SQLite a file they copy; on PostgreSQL the template database, copied
under its lock since PostgreSQL copies a database nobody is on, and each variant's rows,
kept in a file).
"""

from __future__ import annotations

import fcntl
import os
import pickle
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, make_url, text

LOCAL_HOSTS = (None, "", "localhost", "127.0.0.1", "::1")


# Seeds a database (given by its URL): the template's build gets an empty one, a
# variant's build a copy of the template.
Build = Callable[[str], None]
# The environment variable naming the run (its first pytest process's pid), which the
# root conftest sets in that process and pytest-xdist's workers inherit.
RUN = "TEST_COPIES_RUN"


class Shared:
    """What the run's pytest processes build once between them, in `folder` (the run's):
    `once(name)` holds `name`'s lock, so that one process builds it while the others wait,
    and tells whether it is still to build; `done(name)` notes it built."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.built: list[str] = []  # what this process built (tests/test_database_copies.py)

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        with open(self.folder / f"{name}.lock", "a") as file:
            fcntl.flock(file, fcntl.LOCK_EX)  # let go when the file closes, or the process ends
            yield

    def is_done(self, name: str) -> bool:
        return (self.folder / f"{name}.done").exists()

    def done(self, name: str) -> None:
        (self.folder / f"{name}.done").touch()
        self.built.append(name)


class SqliteCopies:
    """The template and each variant are files in the run's shared folder; each copy is a
    file in the test's own tmp_path."""

    def __init__(self, shared: Shared):
        self.shared = shared
        self.template = shared.folder / "template.db"
        self.template_url = f"sqlite:///{self.template}"
        self.builds: dict[str, Build] = {}
        self.variants: dict[str, Path] = {}
        self.ready = False

    def add_variant(self, name: str, build: Build) -> None:
        self.builds[name] = build

    def build_template(self, build: Build) -> None:
        """The template, built by `build` unless another process of the run has."""
        with self.shared.lock("template"):
            if not self.shared.is_done("template"):
                self.template.unlink(missing_ok=True)
                build(self.template_url)
                self.shared.done("template")
        self.ready = True

    def copy(self, folder: Path, variant: str | None = None) -> str:
        assert self.ready, "build_template first"
        source = self.template if variant is None else self._variant(variant)
        target = folder / "test.db"
        _backup(source, target)
        return f"sqlite:///{target}"

    def _variant(self, name: str) -> Path:
        if name not in self.variants:
            path = self.shared.folder / f"{name}.db"
            with self.shared.lock(name):
                if not self.shared.is_done(name):
                    path.unlink(missing_ok=True)
                    _backup(self.template, path)
                    self.builds[name](f"sqlite:///{path}")
                    self.shared.done(name)
            self.variants[name] = path
        return self.variants[name]

    def drop(self, url: str) -> None:
        """Nothing to do: pytest removes the test's tmp_path."""

    def close(self) -> None:
        """Nothing to do: pytest removes the session's temporary folders."""


def _backup(source: Path, target: Path) -> None:
    # The online backup API copies a consistent database whatever its journal (the app
    # runs SQLite in WAL mode, where a plain file copy could miss pages).
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
        original.backup(copy)


class PostgresCopies:
    """Databases on the server of `url`: the run's template `<its database>_<run>_template`
    (`run` the pid of the run's first pytest process) and each process's working copy
    `<its database>_<pid>_<n>`.

    `CREATE DATABASE ... TEMPLATE` writes the whole database (catalogs included, about
    10 MB) through the write-ahead log, and dropping it again syncs files: on this 2-core
    machine, shared with other test runs, that was 0.6-0.8 s a test, most of the
    PostgreSQL pass. So each pytest process (each xdist worker) copies the template once,
    and before each next test puts back what the last test changed in that copy.

    What changed is recorded by the copy itself (`TRACKING`, put into the template once it
    is seeded): a statement-level trigger on every table notes the table's name in
    `test_copies.dirty` whenever a statement inserts, updates, deletes or truncates there,
    and an event trigger notes any DDL in `test_copies.ddl`. The reset (one connection per
    process, kept open) empties and refills from the template's rows (COPY, with triggers
    and foreign keys off for that moment, as a restore does) only the tables noted, sets
    back the sequences that moved, and forgets the notes: about 1.5 ms for a test that
    only read or wrote a few tables, where refilling every table took 20 ms or more. A
    test that changed the schema (dropped it, ran a migration down) gets its copy dropped
    and made anew from the template.

    The template is the run's (built by the first process to need it, `Shared`), and so
    are the variants' rows (a variant is built in a database of its own, its rows taken
    and kept in the shared folder, the database dropped). The pids keep two pytest runs
    against one server from ever touching each other's databases. `url`'s own database is
    only where CREATE and DROP DATABASE are sent from; no test writes to it. Each process
    drops its working copy as it ends; the run's first process drops the template
    (`drop_template`, once its workers are done). A run that was killed (by a timeout,
    say) cannot drop its databases; the next run on this machine drops those whose pid
    names no living process.
    """

    def __init__(self, url: str, shared: Shared):
        server = make_url(url)
        if server.drivername in ("postgresql", "postgres"):
            server = server.set(drivername="postgresql+psycopg")
        self.server = server
        self.shared = shared
        self.prefix = f"{server.database}_{os.getpid()}"
        self.run = int(os.environ.get(RUN) or os.getpid())
        self.numbers = count(1)
        # Autocommit: CREATE and DROP DATABASE cannot run inside a transaction.
        self.admin = create_engine(server, isolation_level="AUTOCOMMIT", pool_size=1)
        self._drop_orphans()
        self.template_name = template_name(server.database, self.run)
        self.template_url = self._url(self.template_name)
        self.working: str | None = None  # this process's copy, reset before each test
        self.resetter: psycopg.Connection | None = None  # kept open on the working copy
        self.snapshot: Snapshot | None = None  # what the template holds, once it is seeded
        self.builds: dict[str, Build] = {}
        self.variants: dict[str, Snapshot] = {}  # what each variant holds, once built
        # The variant whose rows the working copy holds outside the tables a test noted
        # as changed (None: the template's), and whether a test used it since.
        self.holds: str | None = None
        self.used = False
        self.full_resets = 0  # copies made anew (the first, and after a test's DDL)
        self.resets = 0

    def add_variant(self, name: str, build: Build) -> None:
        self.builds[name] = build

    def build_template(self, build: Build) -> None:
        """The run's template, built by `build` (which must leave no connection open on
        it: PostgreSQL copies a database nobody is on) unless another process of the run
        has, with TRACKING put in; and what it holds."""
        with self.shared.lock("template"):
            if not self.shared.is_done("template"):
                self._drop(self.template_name)  # left over by an earlier run of this pid
                self._execute(f'CREATE DATABASE "{self.template_name}"')
                build(self.template_url)
                with closing(psycopg.connect(_libpq(self.template_url), autocommit=True)) as conn:
                    conn.execute(TRACKING)
                self.shared.done("template")
            self.snapshot = Snapshot.take(self.template_url)

    def copy(self, folder: Path, variant: str | None = None) -> str:
        """A database holding what the template (or `variant`) holds: this process's copy,
        put back as that when the last test used it or held another variant."""
        assert self.snapshot is not None, "build_template first"
        if self.working is not None and (self.used or variant != self.holds):
            self._put_back(variant)
        if self.working is None:
            name = f"{self.prefix}_{next(self.numbers)}"
            self._copy_template(name)
            self.full_resets += 1
            self.working = self._url(name)
            self.resetter = psycopg.connect(_libpq(self.working), autocommit=True)
            self.holds = None
            if variant is not None:
                self._put_back(variant)
                if self.working is None:
                    raise RuntimeError(f"could not put the {variant} variant's rows back")
        self.used = False
        return self.working

    def _copy_template(self, name: str) -> None:
        self._drop(name)
        with self.shared.lock("template"):  # another process's copy or snapshot is on it
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"')

    def drop(self, url: str) -> None:
        """Done with the test's database: the next `copy` puts it back (once, as whatever
        that test asks for)."""
        assert url == self.working
        self.used = True

    def _put_back(self, variant: str | None) -> None:
        """Make the working copy hold `variant`'s rows (a variant differs from the template
        by its rows only), or drop it when its schema changed: the caller makes anew."""
        wanted = self._variant(variant)
        try:
            restored = wanted.restore(self.resetter, self._variant(self.holds))
        except Exception:
            restored = False  # a test left it in a state no reset can mend
        if restored:
            self.resets += 1
            self.holds = variant
        else:
            self._drop_working()

    def _variant(self, name: str | None) -> Snapshot:
        """What the template holds once `name`'s build has seeded it: built in a database
        of its own the first time, which is dropped once its rows are taken."""
        if name is None:
            return self.snapshot
        if name not in self.variants:
            kept = self.shared.folder / f"{name}.rows"
            with self.shared.lock(name):
                if not self.shared.is_done(name):
                    database = f"{self.prefix}_{name}"
                    self._copy_template(database)
                    self.builds[name](self._url(database))
                    variant = Snapshot.take(self._url(database))
                    self._drop(database)
                    if variant.fingerprint != self.snapshot.fingerprint:
                        raise RuntimeError(f"the {name} variant's schema is not the template's")
                    kept.write_bytes(pickle.dumps(variant))
                    self.shared.done(name)
                    self.variants[name] = variant
                else:
                    self.variants[name] = pickle.loads(kept.read_bytes())
        return self.variants[name]

    def _drop_working(self) -> None:
        if self.resetter is not None:
            self.resetter.close()
            self.resetter = None
        if self.working is not None:
            self._drop(make_url(self.working).database)
            self.working = None

    def close(self) -> None:
        """Drop this process's copy; the run's template is `drop_template`'s."""
        self._drop_working()
        self.admin.dispose()
        if os.environ.get("TEST_COPIES_STATS"):
            print(f"\n{self.prefix}: {self.resets} resets, {self.full_resets} new copies")

    def _drop_orphans(self) -> None:
        if self.server.host not in LOCAL_HOSTS:
            return  # another machine's pids cannot be checked from here
        ours = re.compile(rf"{re.escape(self.server.database)}_(\d+)_\w+")
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


# What a test changes, noted by the copy itself: put into the seeded template (and so into
# each copy of it). A statement-level trigger on every table notes the table in `dirty`
# (AFTER ... FOR EACH STATEMENT fires once a statement even when it touched no row, and
# for each table a TRUNCATE ... CASCADE or a foreign key's ON DELETE empties); an event
# trigger notes each DDL command in `ddl`. Both rows go away with a rolled-back
# transaction, as what they note does. `dirty` has no unique key, so that two
# transactions noting the same table never wait for each other (nor deadlock); it is
# unlogged, as nothing in it must outlive a crash.
TRACKING = """
CREATE SCHEMA test_copies;
CREATE UNLOGGED TABLE test_copies.dirty (name text NOT NULL);
CREATE UNLOGGED TABLE test_copies.ddl (tag text);
CREATE FUNCTION test_copies.note_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM test_copies.dirty WHERE name = TG_ARGV[0]) THEN
        INSERT INTO test_copies.dirty VALUES (TG_ARGV[0]);
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION test_copies.note_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO test_copies.ddl VALUES (tg_tag);
END $$;
DO $$
DECLARE
    name text;
BEGIN
    FOR name IN
        SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'test_copies')
    LOOP
        EXECUTE format('CREATE TRIGGER test_copies_dirty AFTER INSERT OR UPDATE OR DELETE'
                       ' OR TRUNCATE ON %s FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION test_copies.note_dirty(%L)', name, name);
    END LOOP;
END $$;
CREATE EVENT TRIGGER test_copies_ddl ON ddl_command_end
    EXECUTE FUNCTION test_copies.note_ddl();
"""

# Everything a test could change in a database's shape, outside the rows: schemas,
# relations, columns, constraints, indexes, triggers, functions, types. Names and
# definitions only (never oids), so a schema dropped and migrated anew to the same head
# fingerprints the same as the template's; what TRACKING adds is left out. It tells that a
# variant's build left the template's schema as it was.
FINGERPRINT = """
SELECT md5(string_agg(item, E'\n' ORDER BY item) FILTER (WHERE item NOT LIKE '%test_copies%'))
FROM (
    SELECT 'schema ' || nspname AS item FROM pg_namespace
    WHERE nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'
    UNION ALL
    SELECT format('rel %s.%s %s %s', n.nspname, c.relname, c.relkind, c.relpersistence)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
    UNION ALL
    SELECT format('col %s.%s %s %s %s %s', n.nspname, c.relname, a.attname,
                  format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND n.nspname NOT IN ('pg_catalog',
          'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'
    UNION ALL
    SELECT format('con %s.%s %s', n.nspname, co.conname, pg_get_constraintdef(co.oid))
    FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT 'idx ' || pg_get_indexdef(i.indexrelid) FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    UNION ALL
    SELECT 'trg ' || pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT t.tgisinternal
    UNION ALL
    SELECT format('fn %s.%s %s', n.nspname, p.proname, md5(p.prosrc)) FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT format('type %s.%s %s', n.nspname, t.typname, t.typtype) FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
    UNION ALL
    SELECT format('enum %s %s %s', e.enumtypid::regtype, e.enumsortorder, e.enumlabel)
    FROM pg_enum e
    UNION ALL
    SELECT 'ext ' || extname || ' ' || extversion FROM pg_extension
) AS shape
"""

TABLES = """
SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'test_copies') ORDER BY 1
"""

# Where each sequence stands, as setval's arguments: a sequence never used gives its
# start value again at the next nextval.
SEQUENCES = """
SELECT format('%I.%I', schemaname, sequencename), coalesce(last_value, start_value),
       last_value IS NOT NULL
FROM pg_sequences WHERE schemaname <> 'test_copies' ORDER BY 1
"""


@dataclass
class Snapshot:
    """What a seeded template holds: its shape's fingerprint, each table's rows (in
    COPY's binary format) and each sequence's position."""

    fingerprint: str
    tables: list[str]
    rows: dict[str, bytes]  # the tables that hold any
    sequences: list[tuple[str, int, bool]]

    @classmethod
    def take(cls, url: str) -> Snapshot:
        with closing(psycopg.connect(_libpq(url), autocommit=True)) as conn:
            fingerprint = conn.execute(FINGERPRINT).fetchone()[0]
            tables = [name for (name,) in conn.execute(TABLES)]
            rows = {}
            for table in tables:
                if conn.execute(f"SELECT EXISTS (SELECT FROM {table})").fetchone()[0]:
                    with conn.cursor().copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as copy:
                        rows[table] = b"".join(bytes(block) for block in copy)
            sequences = [tuple(row) for row in conn.execute(SEQUENCES)]
        return cls(fingerprint, tables, rows, sequences)

    def restore(self, conn: psycopg.Connection, holding: Snapshot) -> bool:
        """Put the rows and sequences of the database `conn` is on back as they were, from
        what it holds (`holding`'s rows but in the tables a test noted as changed); False
        (and nothing changed) when a test changed its schema."""
        # What a test left connected (a live server's threads, a forked worker) could hold
        # locks or write after the reset; PostgreSQL ends them.
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        dirty, ddl = conn.execute(
            "SELECT array(SELECT DISTINCT name FROM test_copies.dirty),"
            " EXISTS (SELECT FROM test_copies.ddl)"
        ).fetchone()
        if ddl:
            return False
        changed = set(dirty)
        if holding is not self:
            changed |= {t for t in self.tables if self.rows.get(t) != holding.rows.get(t)}
        if changed - set(self.tables):
            return False  # a table the template has not: caught as DDL first, but be sure
        tables = [table for table in self.tables if table in changed]
        with conn.transaction():
            # A restore's setting: no trigger fires and no foreign key is checked (the
            # append-only audit trigger would refuse the emptying, rightly so anywhere
            # but here; the noting triggers stay quiet), so tables empty and refill in
            # any order. DELETE, not TRUNCATE: for tables this small, TRUNCATE's new files
            # cost 40 times more.
            conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute("SET LOCAL lock_timeout = '10s'")  # what ended lets go soon
            if tables:
                conn.execute("; ".join(f"DELETE FROM {table}" for table in tables))
            for table in tables:
                if table in self.rows:
                    with conn.cursor().copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                        copy.write(self.rows[table])
            # A sequence moves outside transactions (a rolled-back insert still took its
            # number), so each is compared, not only those of the noted tables.
            now = {row[0]: tuple(row) for row in conn.execute(SEQUENCES)}
            moved = [position for position in self.sequences if now.get(position[0]) != position]
            if moved:
                conn.execute(
                    "SELECT " + ", ".join("setval(%s::regclass, %s, %s)" for _ in moved),
                    [value for position in moved for value in position],
                )
            conn.execute("DELETE FROM test_copies.dirty")
        return True


def template_name(database: str, run: int) -> str:
    return f"{database}_{run}_template"


def drop_template(url: str, run: int) -> None:
    """Drop the run's template once its processes are done: the run's first process does,
    as it ends (after its own tests, if it ran any)."""
    name = template_name(make_url(url).database, run)
    with closing(psycopg.connect(_libpq(url), autocommit=True)) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _libpq(url: str) -> str:
    """The URL without SQLAlchemy's driver suffix, as psycopg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True
