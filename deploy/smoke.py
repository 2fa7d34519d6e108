"""Smoke test of a deployment as deploy/README.md describes it, on this machine.

Creates a scratch PostgreSQL database, runs `flask init-db --demo` against it, starts
gunicorn with deploy/gunicorn.conf.py on a free loopback port, and over real HTTP checks
what an operator checks after an upgrade: the login page, /healthz, an API token, the
task list, and one task completed through the API (then no longer open); then starts
`flask worker` as perfbudget-worker.service does and checks that it takes up the queue
(it schedules the daily digest) and stops cleanly on SIGTERM. Stops everything and
drops the database; exits non-zero naming the first failed check.

    SMOKE_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python deploy/smoke.py

SMOKE_PG_URL is any database on the server (used only to create and drop the scratch
one); SMOKE_DB names the scratch database (default perfbudget_smoke).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Words the diagrams use for "yes, go on"; any option would complete the task.
APPROVING = ("approve", "pass", "agree")


class SmokeFailed(Exception):
    pass


def main() -> int:
    admin_url = os.environ.get("SMOKE_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = os.environ.get("SMOKE_DB", "perfbudget_smoke")
    try:
        import psycopg

        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except Exception as exc:
        print(f"smoke: FAIL PostgreSQL not reachable at {admin_url}: {exc}")
        return 1
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="perfbudget-smoke-") as instance:
            env = dict(
                os.environ,
                DATABASE_URL=url,
                INSTANCE_PATH=instance,
                SECRET_KEY="smoke-" + os.urandom(16).hex(),
                DEMO_MODE="1",
                WEB_WORKERS="2",
                WEB_THREADS="2",
            )
            env.pop("PROCESSES_DIR", None)  # the shipped processes and forms, as deployed
            env.pop("FORMS_DIR", None)
            step("init-db --demo", lambda: _init_db(env))
            port = _free_port()
            env["BIND"] = f"127.0.0.1:{port}"
            log = Path(instance) / "gunicorn.log"
            with log.open("w") as out:
                server = subprocess.Popen(
                    [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "app:create_app()"],
                    env=env,
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            try:
                _checks(f"http://127.0.0.1:{port}", server)
                step(
                    "the worker takes up the queue and stops on SIGTERM", lambda: _worker(env, url)
                )
            except SmokeFailed:
                print("smoke: gunicorn's log:\n" + log.read_text()[-4000:])
                raise
            finally:
                server.terminate()
                server.wait(timeout=30)
    except SmokeFailed as exc:
        print(f"smoke: FAIL {exc}")
        return 1
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    print("smoke: all checks passed")
    return 0


def step(label: str, check):
    try:
        result = check()
    except SmokeFailed as exc:
        raise SmokeFailed(f"{label}: {exc}") from None
    except Exception as exc:
        raise SmokeFailed(f"{label}: {type(exc).__name__}: {exc}") from None
    print(f"smoke: ok   {label}")
    return result


def _init_db(env: dict) -> None:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "app", "init-db", "--demo"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SmokeFailed(done.stderr[-2000:])


def _checks(base: str, server: subprocess.Popen) -> None:
    step("gunicorn answers /healthz 200", lambda: _wait_healthy(base, server))

    def login_page() -> None:
        status, body = _get(base + "/login")
        if status != 200 or "password" not in body:
            raise SmokeFailed(f"GET /login answered {status}")

    step("login page 200", login_page)
    token = step("API token for dept", lambda: _token(base, "dept"))
    tasks = step("dept's task list", lambda: _nonempty_tasks(base, token))
    task_id = step("complete a task through the API", lambda: _complete_one(base, token, tasks))

    def gone() -> None:
        _, remaining = _api(base, token, "GET", "/tasks")
        if any(t["id"] == task_id for t in remaining):
            raise SmokeFailed(f"task {task_id} still open after its completion")
        status, _ = _api(base, token, "POST", f"/tasks/{task_id}/complete", {"data": {}})
        if status != 409:
            raise SmokeFailed(f"a second completion answered {status}, not 409")

    step("the completed task left the list; completing again answers 409", gone)


def _worker(env: dict, url: str) -> None:
    """perfbudget-worker.service's command: it must reach the database, queue the daily
    digest (its first act), and end within the unit's stop timeout on SIGTERM."""
    import psycopg

    worker = subprocess.Popen(
        [str(BIN / "flask"), "--app", "app", "worker", "--interval", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        with psycopg.connect(url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                if worker.poll() is not None:
                    raise SmokeFailed(f"the worker exited with {worker.returncode}")
                row = conn.execute(
                    "SELECT count(*) FROM job WHERE kind = 'send_digests' AND status = 'pending'"
                ).fetchone()
                if row[0]:
                    break
                time.sleep(0.5)
            else:
                raise SmokeFailed("the worker queued nothing within 60 s")
        worker.terminate()
        output, _ = worker.communicate(timeout=60)
        if worker.returncode != 0:
            raise SmokeFailed(f"the worker ended with {worker.returncode}: {output[-2000:]}")
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def _wait_healthy(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SmokeFailed(f"gunicorn exited with {server.returncode}")
        try:
            status, body = _get(base + "/healthz")
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200 and json.loads(body) == {"status": "ok", "database": "ok"}:
            return
        raise SmokeFailed(f"/healthz answered {status} {body}")
    raise SmokeFailed("gunicorn did not answer within 60 s")


def _token(base: str, username: str) -> str:
    status, body = _api(
        base, None, "POST", "/auth/token", {"username": username, "password": "demo"}
    )
    if status != 200 or not body.get("token"):
        raise SmokeFailed(f"POST /auth/token answered {status} {body}")
    return body["token"]


def _nonempty_tasks(base: str, token: str) -> list[dict]:
    status, body = _api(base, token, "GET", "/tasks")
    if status != 200 or not body:
        raise SmokeFailed(f"GET /tasks answered {status} with {len(body or [])} tasks")
    return body


def _complete_one(base: str, token: str, tasks: list[dict]) -> int:
    """The first task whose form asks only for choices: choose the approving one."""
    for task in tasks:
        _, detail = _api(base, token, "GET", f"/tasks/{task['id']}")
        schema = detail["form"]["schema"]
        data = dict(detail.get("data") or {})
        choices = {}
        for field in schema.get("required", []):
            options = _options(schema.get("properties", {}).get(field, {}))
            if not options:
                break
            choices[field] = next((o for o in options if o in APPROVING), options[0])
        else:
            status, body = _api(
                base, token, "POST", f"/tasks/{task['id']}/complete", {"data": {**data, **choices}}
            )
            if status != 200:
                raise SmokeFailed(f"completing task {task['id']} answered {status} {body}")
            return task["id"]
    raise SmokeFailed("no task of dept's could be completed with choices alone")


def _options(prop: dict) -> list:
    if "enum" in prop:
        return list(prop["enum"])
    return [o["const"] for o in prop.get("oneOf", []) if isinstance(o, dict) and "const" in o]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _api(base: str, token: str | None, method: str, path: str, body: dict | None = None):
    request = urllib.request.Request(
        f"{base}/api/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
