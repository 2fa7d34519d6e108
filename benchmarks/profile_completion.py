"""Where the time of an API task completion goes: its SQL statements and a profile.

    .venv/bin/python benchmarks/profile_completion.py            # SQLite scratch file
    BENCH_DB_URL=postgresql://postgres@127.0.0.1:5432/wt_bench_prof \
        .venv/bin/python benchmarks/profile_completion.py        # an (emptied!) PostgreSQL db

Runs the app in-process through Flask's test client (no HTTP, no gunicorn) so that the
profile shows only the host's own work: prints every SQL statement of one completion,
then pyinstrument's tree over PROFILE_N further completions (starts with PROFILE_START=1,
every frame with PROFILE_ALL=1). With PROFILE_TIME=1 it only
times PROFILE_N starts and completions (p50, no profiler): a quick check between edits.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pyinstrument import Profiler
from sqlalchemy import event, text

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).parent))

from http_api import TARGETS  # noqa: E402


def main() -> int:
    from app import create_app
    from app.extensions import db
    from app.migrations import upgrade_schema
    from app.services.operations.setup import create_demo_county, deploy_folder

    count = int(os.environ.get("PROFILE_N", "200"))
    folder = tempfile.mkdtemp(prefix="profile-")
    url = os.environ.get("BENCH_DB_URL") or f"sqlite:///{folder}/profile.db"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    fixtures = ROOT / "tests" / "fixtures"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "profile",
            "DEMO_MODE": True,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "PROCESSES_DIR": str(fixtures / "processes"),
            "FORMS_DIR": str(fixtures / "forms"),
        }
    )
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade_schema()
        create_demo_county()
        deploy_folder(fixtures / "processes", fixtures / "forms")
        db.session.remove()
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"username": "unit", "password": "demo"})
        auth = {"Authorization": "Bearer " + token.get_json()["token"]}

        def fresh_task() -> int:
            started = client.post(
                "/api/v1/processes/simple_approval/instances", json={"title": "p"}, headers=auth
            )
            return started.get_json()["tasks"][0]["id"]

        def complete(task_id: int) -> None:
            answer = client.post(
                f"/api/v1/tasks/{task_id}/complete", json={"data": TARGETS}, headers=auth
            )
            assert answer.status_code == 200, answer.get_json()

        for _ in range(5):
            complete(fresh_task())
        if os.environ.get("PROFILE_TIME"):
            starts, completions = [], []
            for _ in range(count):
                began = time.perf_counter()
                task_id = fresh_task()
                starts.append(time.perf_counter() - began)
                began = time.perf_counter()
                complete(task_id)
                completions.append(time.perf_counter() - began)
            for name, times in (("start", starts), ("completion", completions)):
                print(f"{name} p50 {statistics.median(times) * 1000:.2f} ms ({count}, in-process)")
            return 0
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(" ".join(statement.split())[:160])

        task_id = fresh_task()
        event.listen(db.engine, "before_cursor_execute", record)
        complete(task_id)
        event.remove(db.engine, "before_cursor_execute", record)
        print(f"# {len(statements)} SQL statements in one completion ({db.engine.dialect.name})")
        for statement in statements:
            print("  ", statement)
        profiler = Profiler(interval=0.0002)
        if os.environ.get("PROFILE_START"):  # the start of an instance instead
            profiler.start()
            for _ in range(count):
                fresh_task()
        else:
            tasks = [fresh_task() for _ in range(count)]
            profiler.start()
            for task_id in tasks:
                complete(task_id)
        profiler.stop()
        show_all = bool(os.environ.get("PROFILE_ALL"))
        print(profiler.output_text(unicode=True, color=False, show_all=show_all))
    return 0


if __name__ == "__main__":
    sys.exit(main())
