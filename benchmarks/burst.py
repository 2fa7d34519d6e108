"""Deadline day: many people completing their tasks at once on gunicorn + PostgreSQL.

A scratch database gets the demo county and `tasks` submissions of simple_approval, each
waiting at its first step: one is started through the real service, the rest are copies
of its rows made server-side (same state, same first task), so that seeding 20,000 takes
seconds rather than the minutes 20,000 API starts would. gunicorn runs with
deploy/gunicorn.conf.py as production does (workers by cores, threads). `clients`
concurrent HTTP clients, spread over a few processes so the clients' own GIL does not
throttle them, each complete their own share of the tasks through the JSON API.

Afterwards the database is checked: every task completed exactly once (its row, one
"completed" event, one 200 answer), and every submission stands where its history
says: one completed first step, the next step open in the task table, and the engine
state holding exactly that step as ready.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from http_api import FIXTURES, TARGETS, _wait_until_up, free_port, scratch_name

ROOT = Path(__file__).parents[1]
CLIENT_PROCESSES = 4
FIRST_STEP, NEXT_STEP = "fill_targets", "dept_review"


@dataclass
class BurstRun:
    tasks: int
    clients: int
    seconds: float
    samples_ms: list[float]
    errors: dict[str, int]
    problems: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.tasks / self.seconds if self.seconds else 0.0


def run_burst(admin_url: str, tasks: int, clients: int) -> BurstRun:
    with (
        _scratch(admin_url, scratch_name(admin_url, "burst")) as url,
        tempfile.TemporaryDirectory() as instance,
    ):
        env = dict(
            os.environ,
            DATABASE_URL=url,
            INSTANCE_PATH=instance,
            SECRET_KEY="bench-burst",
            DEMO_MODE="1",
            PROCESSES_DIR=str(FIXTURES / "processes"),
            FORMS_DIR=str(FIXTURES / "forms"),
        )
        flask = str(Path(sys.executable).parent / "flask")
        subprocess.run(
            [flask, "--app", "app", "init-db", "--demo"],
            env=env,
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        task_ids = _seed_waiting_submissions(url, tasks)
        port = free_port()
        env["BIND"] = f"127.0.0.1:{port}"
        log = open(Path(instance) / "gunicorn.log", "w")  # noqa: SIM115 - closed below
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "deploy/gunicorn.conf.py",
                "--access-logfile",
                "/dev/null",  # 20,000 lines of access log would time the terminal
                "app:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(port, server)
            token = _token(port)
            shares = [task_ids[i::clients] for i in range(clients)]
            per_process = [shares[p::CLIENT_PROCESSES] for p in range(CLIENT_PROCESSES)]
            context = multiprocessing.get_context("spawn")
            with context.Pool(CLIENT_PROCESSES) as pool:
                started = time.perf_counter()
                results = pool.starmap(_client_process, [(port, token, s) for s in per_process])
                seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
        samples, errors = [], {}
        for process_samples, process_errors in results:
            samples.extend(process_samples)
            for kind, count in process_errors.items():
                errors[kind] = errors.get(kind, 0) + count
        run = BurstRun(len(task_ids), clients, seconds, samples, errors)
        run.problems = check_consistency(url, task_ids)
        return run


@contextmanager
def _scratch(admin_url: str, name: str):
    import psycopg

    base = admin_url.rsplit("/", 1)[0]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed_waiting_submissions(url: str, count: int) -> list[int]:
    """One submission started by the real service, then `count - 1` server-side copies."""
    import psycopg
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import User
    from app.models.org import ACTING
    from app.services.runtime.instances import start_instance

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
            "SECRET_KEY": "bench-burst",
        }
    )
    with app.app_context():
        unit = db.session.scalar(select(User).where(User.username == "unit").options(*ACTING))
        instance, _ = start_instance(unit, "simple_approval", title="截止日 0")
        source = instance.id
        db.session.remove()
        db.engine.dispose()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            """
            WITH copies AS (
                INSERT INTO process_instance (definition_id, process_key, version, title,
                    org_id, org_path, started_by_id, status, started_at, data, engine_state,
                    lock_version)
                SELECT definition_id, process_key, version, '截止日 ' || g, org_id, org_path,
                    started_by_id, status, started_at, data, engine_state, lock_version
                FROM process_instance, generate_series(1, %(more)s) AS g
                WHERE id = %(source)s
                RETURNING id
            ), tasks AS (
                INSERT INTO task (instance_id, engine_task_id, process_key, version,
                    activity_id, name, role_code, org_id, org_path, form_schema, form_ui,
                    status, created_at, due_at)
                SELECT c.id, t.engine_task_id, t.process_key, t.version, t.activity_id, t.name,
                    t.role_code, t.org_id, t.org_path, t.form_schema, t.form_ui, t.status,
                    t.created_at, t.due_at
                FROM copies c, task t WHERE t.instance_id = %(source)s
                RETURNING id
            )
            INSERT INTO audit_event (instance_id, at, actor_id, action)
            SELECT c.id, e.at, e.actor_id, e.action
            FROM copies c, audit_event e WHERE e.instance_id = %(source)s
            """,
            {"more": count - 1, "source": source},
        )
        conn.execute("ANALYZE")
        return [
            row[0]
            for row in conn.execute(
                "SELECT id FROM task WHERE activity_id = %s AND status = 'ready' ORDER BY id",
                (FIRST_STEP,),
            )
        ]


def _token(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"username": "unit", "password": "demo"})
    conn.request("POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
    answer = conn.getresponse()
    token = json.loads(answer.read())["token"]
    conn.close()
    return token


def _client_process(port: int, token: str, shares: list[list[int]]):
    """One process of clients: a thread per client, each on its own keep-alive connection."""
    samples: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    payload = json.dumps({"data": TARGETS}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def client(task_ids: list[int]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine, failed = [], {}
        for task_id in task_ids:
            start = time.perf_counter()
            try:
                conn.request("POST", f"/api/v1/tasks/{task_id}/complete", payload, headers)
                answer = conn.getresponse()
                answer.read()
                status = str(answer.status)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            mine.append((time.perf_counter() - start) * 1000)
            if status != "200":
                failed[status] = failed.get(status, 0) + 1
        conn.close()
        with lock:
            samples.extend(mine)
            for kind, count in failed.items():
                errors[kind] = errors.get(kind, 0) + count

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, errors


def check_consistency(url: str, task_ids: list[int]) -> list[str]:
    """What is wrong in the database after the burst; empty when every check holds."""
    import psycopg
    from SpiffWorkflow.util.task import TaskState

    problems = []
    with psycopg.connect(url) as conn:
        not_done = conn.execute(
            "SELECT count(*) FROM task WHERE id = ANY(%s) AND status <> 'completed'", (task_ids,)
        ).fetchone()[0]
        if not_done:
            problems.append(f"{not_done} tasks not completed")
        twice = conn.execute(
            "SELECT count(*) FROM (SELECT task_id FROM audit_event WHERE action = 'completed' "
            "AND task_id = ANY(%s) GROUP BY task_id HAVING count(*) <> 1) AS x",
            (task_ids,),
        ).fetchone()[0]
        if twice:
            problems.append(f"{twice} tasks without exactly one completion in the history")
        rows = conn.execute(
            """
            SELECT i.id, i.engine_state,
                (SELECT array_agg(t.activity_id || ':' || t.engine_task_id) FROM task t
                 WHERE t.instance_id = i.id AND t.status = 'ready'),
                (SELECT count(*) FROM audit_event e WHERE e.instance_id = i.id
                 AND e.action = 'completed' AND e.activity_id = %s)
            FROM process_instance i
            WHERE i.id IN (SELECT instance_id FROM task WHERE id = ANY(%s))
            """,
            (FIRST_STEP, task_ids),
        ).fetchall()
    misplaced = 0
    for _instance_id, state, ready_rows, completions in rows:
        engine_ready = {
            f"{task['task_spec']}:{tid}"
            for tid, task in json.loads(state)["tasks"].items()
            if task["state"] == TaskState.READY and task["task_spec"] == NEXT_STEP
        }
        if completions != 1 or set(ready_rows or []) != engine_ready or len(engine_ready) != 1:
            misplaced += 1
    if misplaced:
        problems.append(f"{misplaced} submissions not where their history says")
    if len(rows) != len(task_ids):
        problems.append(f"{len(task_ids) - len(rows)} submissions missing")
    return problems
