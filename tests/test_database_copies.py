"""The PostgreSQL reset of tests/database_copies.py puts back what a test changed, and
only that: rows inserted, updated, deleted or truncated (a foreign key's cascade
included), sequences moved, a table created, and a variant's rows as the variant's.
And on both databases, another process of the run builds neither the template nor a
variant again: it copies what the first built, and gets the same rows.

Each test here takes the process's working copy itself (`copy`, then `drop` as the
`database_url` fixture does) and writes to it over a connection of its own, as a test's
app, a live server or a forked worker would.
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing

import psycopg
import pytest

from database_copies import SEQUENCES, TABLES, PostgresCopies, Shared, SqliteCopies, _libpq


@pytest.fixture
def copies(database_copies):
    if not isinstance(database_copies, PostgresCopies):
        pytest.skip("the reset by noted tables is PostgreSQL's: run with TEST_DATABASE_URL")
    yield database_copies
    if database_copies.working is not None:
        database_copies.drop(database_copies.working)  # the next test gets it put back


def _next(copies, tmp_path, variant=None) -> str:
    """What the next test would get: the copy, put back as `variant` (or the template)."""
    if copies.working is not None:
        copies.drop(copies.working)
    return copies.copy(tmp_path, variant)


def _run(url: str, *statements: str) -> list[tuple]:
    with closing(psycopg.connect(_libpq(url), autocommit=True)) as conn:
        rows = []
        for statement in statements:
            cursor = conn.execute(statement)
            rows = cursor.fetchall() if cursor.description else []
        return rows


def _contents(url: str) -> dict[str, str]:
    """Every table's rows (as a digest) and every sequence's position."""
    with closing(psycopg.connect(_libpq(url), autocommit=True)) as conn:
        tables = [name for (name,) in conn.execute(TABLES)]
        found = {
            table: conn.execute(
                f"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"
                f" FROM {table} t"
            ).fetchone()[0]
            for table in tables
        }
        for name, value, called in conn.execute(SEQUENCES):
            found[f"sequence {name}"] = f"{value} {called}"
    return found


def test_rows_inserted_updated_deleted_and_truncated_are_put_back(copies, tmp_path):
    url = _next(copies, tmp_path)
    template = _contents(url)
    assert _run(url, 'SELECT count(*) FROM "user"')[0][0] > 0
    _run(
        url,
        "INSERT INTO setting (key, value) VALUES ('test_copies', '1')",
        """UPDATE "user" SET display_name = 'changed' WHERE username = 'finance'""",
        "DELETE FROM user_role WHERE user_id = (SELECT min(user_id) FROM user_role)",
        "TRUNCATE web_session, idempotency_record CASCADE",
    )
    changed = _contents(url)
    assert {"public.setting", 'public."user"', "public.user_role"} <= {
        table for table in template if changed[table] != template[table]
    }
    assert _next(copies, tmp_path) == url  # put back, not made anew
    assert _contents(url) == template


def test_rows_a_foreign_keys_cascade_deleted_are_put_back(copies, tmp_path):
    """A demo account deleted takes its roles with it (user_role's ON DELETE CASCADE):
    user_role's own trigger notes that, or its rows would not come back."""
    url = _next(copies, tmp_path)
    template = _contents(url)
    candidates = _run(url, "SELECT DISTINCT user_id FROM user_role ORDER BY 1 DESC")
    with closing(psycopg.connect(_libpq(url), autocommit=True)) as conn:
        for (user_id,) in candidates:  # the first one nothing else refers to
            try:
                conn.execute('DELETE FROM "user" WHERE id = %s', [user_id])
                break
            except psycopg.errors.ForeignKeyViolation:
                continue
        else:
            pytest.fail("every account with a role is referred to by other rows")
    assert _run(url, f"SELECT count(*) FROM user_role WHERE user_id = {user_id}") == [(0,)]
    assert _next(copies, tmp_path) == url
    assert _contents(url) == template


def test_sequences_moved_by_a_rolled_back_insert_are_put_back(copies, tmp_path):
    """A rolled-back insert leaves no row and no note, but its sequence moved."""
    url = _next(copies, tmp_path)
    template = _contents(url)
    with closing(psycopg.connect(_libpq(url))) as conn:
        conn.execute("SELECT nextval('task_id_seq'), nextval('user_id_seq')")
        conn.execute(
            "INSERT INTO setting (key, value) VALUES ('test_copies', '1')"
        )  # noted, then the note is rolled back with the row
        conn.rollback()
    assert _contents(url) != template  # the sequences did move
    assert _next(copies, tmp_path) == url
    assert _contents(url) == template


def test_a_table_a_test_created_is_gone(copies, tmp_path):
    """DDL (noted by the event trigger) gets the test a copy made anew."""
    url = _next(copies, tmp_path)
    template = _contents(url)
    _run(url, "CREATE TABLE scratch (x int)", "INSERT INTO scratch VALUES (1)")
    again = _next(copies, tmp_path)
    assert again != url
    assert _run(again, "SELECT to_regclass('public.scratch')") == [(None,)]
    assert _contents(again) == template
    # The new copy notes what its next test does, as the first did.
    _run(again, "INSERT INTO setting (key, value) VALUES ('test_copies', '1')")
    assert _next(copies, tmp_path) == again
    assert _contents(again) == template


def test_a_variants_rows_come_back_as_the_variants(copies, tmp_path):
    url = _next(copies, tmp_path)
    template = _contents(url)
    url = _next(copies, tmp_path, "demo_year")
    variant = _contents(url)
    assert variant != template
    _run(
        url,
        "DELETE FROM notification",
        """UPDATE "user" SET display_name = 'changed' WHERE username = 'finance'""",
        "SELECT nextval('task_id_seq')",
    )
    assert _next(copies, tmp_path, "demo_year") == url
    assert _contents(url) == variant
    _run(url, "INSERT INTO setting (key, value) VALUES ('test_copies', '1')")
    assert _next(copies, tmp_path) == url  # the template again: every table that differs
    assert _contents(url) == template


def _sqlite_contents(url: str) -> dict[str, str]:
    """Every table's rows (as a digest) and the schema, of a SQLite copy."""
    with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
        found = {
            "schema": "\n".join(
                sql for (sql,) in conn.execute("SELECT sql FROM sqlite_master ORDER BY name") if sql
            )
        }
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            rows = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{table}"'))
            found[table] = hashlib.md5("\n".join(rows).encode()).hexdigest()
    return found


@pytest.mark.parametrize("variant", [None, "demo_year", "initialised_demo"])
def test_another_process_of_the_run_copies_what_the_first_built(database_copies, tmp_path, variant):
    """A second copier on the run's shared folder (as another xdist worker has) builds
    nothing (its builds would fail) and its copy holds what this process's copy holds."""
    first = database_copies
    if isinstance(first, PostgresCopies) and first.working is not None:
        first.drop(first.working)
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    mine = first.copy(tmp_path / "first", variant)

    def built_again(url: str) -> None:
        raise AssertionError(f"built again at {url}")

    shared = Shared(first.shared.folder)
    if isinstance(first, PostgresCopies):
        second = PostgresCopies(first.server.render_as_string(hide_password=False), shared)
        second.prefix += "_second"  # as another process's pid would
        contents = _contents
    else:
        second = SqliteCopies(shared)
        contents = _sqlite_contents
    second.add_variant("demo_year", built_again)
    second.add_variant("initialised_demo", built_again)
    try:
        second.build_template(built_again)
        theirs = second.copy(tmp_path / "second", variant)
        assert theirs != mine
        assert contents(theirs) == contents(mine)
        if variant is not None:  # what a variant adds is there
            assert contents(theirs) != contents(second.copy(tmp_path / "second", None))
        assert shared.built == []
    finally:
        second.close()
        if isinstance(first, PostgresCopies):
            first.drop(mine)
