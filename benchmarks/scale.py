"""The read side at county-years of scale: 1,000,000 submissions, 100,000 open tasks.

A dedicated PostgreSQL database is seeded server-side (INSERT ... SELECT over
generate_series: one statement per table, no API, no ORM) and kept: a later run that
asks for the same size reuses it, a different size reseeds it. The queries are timed
through the very functions the app's routes call (services/runtime/queries.py), and each
statement they issue is EXPLAINed: a sequential scan of `task` or `process_instance`
fails the figure whatever its time, because on a busier or bigger database it would not
stay fast.

Shape of the data: the demo county plus 20 synthetic departments of 10 units each;
submissions spread evenly over the units, the five deployed processes and two years;
every tenth submission is running with one ready task (a third of them overdue), the
rest are completed; every submission has one completed task before it, which keeps its
due date as the app's completed tasks do and took from a few minutes to two weeks (so
the medians sort real spreads); every seventh submission was sent back once.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from figures import timed

ROOT = Path(__file__).parents[1]
DEPARTMENTS = 20
UNITS_PER_DEPARTMENT = 10
OPEN_SHARE = 10  # one submission in ten is running
SEQ_SCAN_GUARDED = {"task", "process_instance"}
# Bumped whenever the seeded data changes shape, so that a kept database is reseeded.
SEED_SHAPE = 3


@dataclass
class Plan:
    uses_index: bool
    seq_scanned: list[str]

    @property
    def verdict(self) -> str:
        if self.seq_scanned:
            return "seq scan of " + ",".join(sorted(set(self.seq_scanned)))
        return "index scan" if self.uses_index else "no index"


def ensure_seeded(admin_url: str, name: str, instances: int) -> str:
    """The URL of database `name` holding `instances` submissions, seeding it if needed."""
    import psycopg

    base = admin_url.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and _seeded_size(url) == (instances, SEED_SHAPE):
            _migrate(url)  # a new index migration lands on the kept data
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ANALYZE task")  # extended statistics need a fresh ANALYZE
            return url
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    _migrate(url, demo=True)
    with psycopg.connect(url, autocommit=True) as conn:
        _seed(conn, instances)
    return url


def tune(admin_url: str, name: str) -> None:
    """The planner settings deploy/README.md recommends for a server on SSD."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')
        admin.execute(f'ALTER DATABASE "{name}" SET jit = off')


def _seeded_size(url: str) -> tuple[int, int] | None:
    import psycopg

    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT to_regclass('bench_scale_seed')").fetchone()[0]
        if found is None:
            return None
        row = conn.execute("SELECT * FROM bench_scale_seed").fetchone()  # older: no shape
        return (row[0], row[1] if len(row) > 1 else 1) if row else None


def _migrate(url: str, demo: bool = False) -> None:
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as instance:
        env = dict(os.environ, DATABASE_URL=url, INSTANCE_PATH=instance, SECRET_KEY="bench")
        env["DEMO_MODE"] = "1"
        command = [str(Path(sys.executable).parent / "flask"), "--app", "app", "init-db"]
        subprocess.run(
            command + (["--demo"] if demo else []),
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
        )


def _seed(conn, instances: int) -> None:
    """Orgs, then submissions, then their tasks: three set-based statements."""
    conn.execute("SET synchronous_commit = off")
    county = conn.execute("SELECT id, path FROM org WHERE kind = 'county' ORDER BY id").fetchone()
    for d in range(DEPARTMENTS):
        dept_id = conn.execute(
            "INSERT INTO org (code, name, kind, parent_id, path) "
            "VALUES (%s, %s, 'department', %s, '') RETURNING id",
            (f"bench-d{d}", f"基准部门{d}", county[0]),
        ).fetchone()[0]
        conn.execute("UPDATE org SET path = %s WHERE id = %s", (f"{county[1]}{dept_id}/", dept_id))
        for u in range(UNITS_PER_DEPARTMENT):
            unit_id = conn.execute(
                "INSERT INTO org (code, name, kind, parent_id, path) "
                "VALUES (%s, %s, 'unit', %s, '') RETURNING id",
                (f"bench-d{d}-u{u}", f"基准单位{d}-{u}", dept_id),
            ).fetchone()[0]
            conn.execute(
                "UPDATE org SET path = %s WHERE id = %s",
                (f"{county[1]}{dept_id}/{unit_id}/", unit_id),
            )
    starter = conn.execute(
        'INSERT INTO "user" (username, display_name, password_hash, org_id, active) '
        "VALUES ('bench_seed', '基准数据', '!', %s, true) RETURNING id",
        (county[0],),
    ).fetchone()[0]
    conn.execute(
        "CREATE TEMP TABLE units AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, path "
        "FROM org WHERE kind = 'unit'"
    )
    conn.execute(
        "CREATE TEMP TABLE defs AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, key, "
        "version FROM process_definition"
    )
    unit_count = conn.execute("SELECT count(*) FROM units").fetchone()[0]
    def_count = conn.execute("SELECT count(*) FROM defs").fetchone()[0]
    first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM process_instance").fetchone()[0]
    conn.execute(
        """
        INSERT INTO process_instance (id, definition_id, process_key, version, title, org_id,
            org_path, started_by_id, status, started_at, ended_at, data, engine_state,
            lock_version, returned)
        SELECT %(first)s + g, d.id, d.key, d.version, '基准提交 ' || g, u.id, u.path,
            %(starter)s, CASE WHEN g %% %(share)s = 0 THEN 'running' ELSE 'completed' END,
            now() - (g %% 730) * interval '1 day' - (g %% 86400) * interval '1 second',
            CASE WHEN g %% %(share)s = 0 THEN NULL
                 ELSE now() - (g %% 730) * interval '1 day' + interval '20 days' END,
            '{}', '{}', 0, g %% 7 = 0
        FROM generate_series(0, %(count)s - 1) AS g
        JOIN units u ON u.n = g %% %(units)s
        JOIN defs d ON d.n = (g / %(units)s) %% %(defs)s
        """,
        dict(
            first=first,
            starter=starter,
            share=OPEN_SHARE,
            count=instances,
            units=unit_count,
            defs=def_count,
        ),
    )
    # Every submission's first step, done by the seeding user.
    conn.execute(
        """
        INSERT INTO task (instance_id, engine_task_id, process_key, version, activity_id,
            name, role_code, org_id, org_path, status, created_at, due_at, completed_at,
            completed_by_id)
        SELECT i.id, md5(i.id::text)::uuid::text, i.process_key, i.version, 'fill', '填报',
            'budget_unit', i.org_id, i.org_path, 'completed', i.started_at,
            i.started_at + interval '10 days',
            i.started_at + (i.id %% 337) * interval '1 hour' + (i.id %% 3599) * interval '1 second',
            %(starter)s
        FROM process_instance i WHERE i.id >= %(first)s
        """,
        dict(first=first, starter=starter),
    )
    # The running ones wait at one of four steps, each owned by a different role.
    conn.execute(
        """
        INSERT INTO task (instance_id, engine_task_id, process_key, version, activity_id,
            name, role_code, org_id, org_path, status, created_at, due_at)
        SELECT i.id, md5('open' || i.id)::uuid::text, i.process_key, i.version, s.activity, s.name,
            s.role, i.org_id, i.org_path, 'ready', i.started_at + interval '2 days',
            CASE WHEN i.id %% 3 = 0 THEN now() - interval '1 day'
                 ELSE now() + (i.id %% 20) * interval '1 day' END
        FROM process_instance i
        JOIN (VALUES (0, 'unit_fix', '单位修改', 'budget_unit'),
                     (1, 'dept_review', '部门审核', 'budget_department'),
                     (2, 'finance_review', '财政审核', 'finance_bureau'),
                     (3, 'expert_review', '专家评审', 'expert'))
             AS s(n, activity, name, role) ON s.n = (i.id / %(units)s) %% 4
        WHERE i.id >= %(first)s AND i.status = 'running'
        """,
        dict(first=first, units=unit_count),
    )
    conn.execute(
        "CREATE TABLE bench_scale_seed (instances integer NOT NULL, shape integer NOT NULL)"
    )
    conn.execute("INSERT INTO bench_scale_seed VALUES (%s, %s)", (instances, SEED_SHAPE))
    conn.execute("VACUUM ANALYZE process_instance")
    conn.execute("VACUUM ANALYZE task")
    conn.execute("ANALYZE")


def explain(app, call: Callable[[], object]) -> Plan:
    """Run `call` once, EXPLAIN every statement it issued, and judge the plans."""
    from sqlalchemy import event

    from app.extensions import db

    issued: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        issued.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    uses_index, seq = False, []
    with db.engine.connect() as conn:
        for statement, parameters in issued:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
            for node in _nodes(plan.scalar()[0]["Plan"]):
                kind = node.get("Node Type", "")
                if "Index" in kind:
                    uses_index = True
                if kind == "Seq Scan" and node.get("Relation Name") in SEQ_SCAN_GUARDED:
                    seq.append(node["Relation Name"])
    return Plan(uses_index, seq)


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


@dataclass
class QueryRun:
    label: str
    samples_ms: list[float]
    plan: Plan
    rows: int


def run_queries(url: str, repeat: int) -> list[QueryRun]:
    """Each read as a request does it: a fresh session, the actor loaded, the service called."""
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import ProcessInstance, User
    from app.services.runtime import queries
    from app.services.tracking import dashboard, submissions

    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        ids = {u.username: u.id for u in db.session.scalars(select(User))}
        key = db.session.scalar(select(ProcessInstance.process_key).limit(1))

        def as_user(username: str, fn: Callable[[User], object]) -> Callable[[], object]:
            def call() -> object:
                db.session.remove()
                return fn(db.session.get(User, ids[username]))

            return call

        reads = [
            ("inbox page, unit (own org)", as_user("unit", lambda a: queries.list_inbox(a).tasks)),
            (
                "inbox page, dept (org subtree)",
                as_user("dept", lambda a: queries.list_inbox(a).tasks),
            ),
            (
                "inbox page, finance (all)",
                as_user("finance", lambda a: queries.list_inbox(a).tasks),
            ),
            (
                "instance filter, finance: process+running+step",
                as_user(
                    "finance",
                    lambda a: queries.list_instances(
                        a, process=key, status="running", activity="finance_review"
                    ),
                ),
            ),
            (
                "instance filter, finance: overdue",
                as_user("finance", lambda a: queries.list_instances(a, overdue=True)),
            ),
            (
                "instance filter, dept: own subtree, running",
                as_user("dept", lambda a: queries.list_instances(a, status="running")),
            ),
            ("tracking summary, finance (all)", as_user("finance", queries.tracking_summary)),
            ("tracking summary, dept (org subtree)", as_user("dept", queries.tracking_summary)),
            # The tracking screen's own tables: every step with its times, and the league.
            (
                "tracking dashboard, finance: steps with median/p90",
                as_user("finance", lambda a: dashboard.step_stats(a, key)),
            ),
            (
                "tracking dashboard, finance: organisation league",
                as_user("finance", lambda a: dashboard.org_league(a, key)),
            ),
            (
                "tracking dashboard, dept: steps of its subtree",
                as_user("dept", lambda a: dashboard.step_stats(a, key)),
            ),
            (
                "tracking dashboard, dept: league of its subtree",
                as_user("dept", lambda a: dashboard.org_league(a, key)),
            ),
            # No process chosen: the tracking page's first view, every process at once, as
            # the page asks for it (step table, league, the list's first page).
            (
                "tracking page, finance: every process",
                as_user(
                    "finance",
                    lambda a: [
                        dashboard.tracking_dashboard(a),
                        submissions.search_submissions(a, submissions.SubmissionFilter()),
                        submissions.filter_choices(a),
                        submissions.role_names(),
                    ],
                ),
            ),
        ]
        # As each gunicorn worker does once the app is loaded (deploy/gunicorn.conf.py).
        gc.freeze()
        runs = []
        for label, call in reads:
            plan = explain(app, call)
            rows = len(call())
            runs.append(QueryRun(label, timed(call, repeat), plan, rows))
            db.session.remove()
        db.engine.dispose()
        return runs
