"""Completing tasks through the JSON API of a real gunicorn worker over real HTTP.

The harness creates the database (`flask init-db --demo` with the test fixtures'
processes and forms), starts gunicorn on 127.0.0.1 with deploy/gunicorn.conf.py but one
worker of one thread, takes a token as `unit`, and for each sample starts a fresh
instance and times only the completion of its first task. The worker's peak RSS
(VmHWM) is read from /proc afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
TARGETS = {
    "project_name": "校舍维修改造",
    "project_code": "JY-2027-001",
    "nature": "一次性",
    "total_amount": 120.5,
    "annual_goal": "完成三栋教学楼的维修改造",
    "indicators": [
        {"level1": "产出指标", "name": "维修面积", "sign": "≥", "target": "3000", "unit": "平方米"}
    ],
}


@dataclass
class ApiRun:
    samples_ms: list[float]
    worker_hwm_mb: float


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.token = ""

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, f"/api/v1{path}", body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, json.loads(data) if data else {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(database_url: str, instance: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        INSTANCE_PATH=instance,
        SECRET_KEY="bench-secret",
        DEMO_MODE="1",
        PROCESSES_DIR=str(FIXTURES / "processes"),
        FORMS_DIR=str(FIXTURES / "forms"),
    )
    return env


@contextmanager
def server(database_url: str):
    """A migrated, seeded database behind one gunicorn sync worker; yields (port, worker pid)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as instance:
        env = _environment(database_url, instance)
        bin_dir = Path(sys.executable).parent
        subprocess.run(
            [str(bin_dir / "flask"), "--app", "app", "init-db", "--demo"],
            env=env,
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        port = free_port()
        master = subprocess.Popen(
            [
                str(bin_dir / "gunicorn"),
                # Production's settings and hooks, but one worker and one thread, so that
                # a sample is one request's own time.
                "--config=deploy/gunicorn.conf.py",
                "--workers=1",
                "--threads=1",
                f"--bind=127.0.0.1:{port}",
                "--log-level=warning",
                "--access-logfile=/dev/null",
                "app:create_app()",
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            _wait_until_up(port, master)
            yield port, _worker_pid(master.pid)
        finally:
            master.terminate()
            master.wait(timeout=30)


def _wait_until_up(port: int, master: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if master.poll() is not None:
            raise RuntimeError("gunicorn exited while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start within 30 s")


def _worker_pid(master_pid: int) -> int:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    for _ in range(50):
        pids = children.read_text().split()
        if pids:
            return int(pids[0])
        time.sleep(0.1)
    raise RuntimeError("no gunicorn worker")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def complete_fresh_instances(database_url: str, count: int, warmup: int = 10) -> ApiRun:
    with server(database_url) as (port, worker):
        client = Client(port)
        status, body = client.call("POST", "/auth/token", {"username": "unit", "password": "demo"})
        if status != 200:
            raise RuntimeError(f"token: {status} {body}")
        client.token = body["token"]
        samples = []
        for index in range(warmup + count):
            status, body = client.call(
                "POST", "/processes/simple_approval/instances", {"title": f"bench {index}"}
            )
            if status != 201:
                raise RuntimeError(f"start: {status} {body}")
            task_id = body["tasks"][0]["id"]
            start = time.perf_counter()
            status, body = client.call("POST", f"/tasks/{task_id}/complete", {"data": TARGETS})
            elapsed = (time.perf_counter() - start) * 1000
            if status != 200:
                raise RuntimeError(f"complete: {status} {body}")
            if index >= warmup:
                samples.append(elapsed)
        return ApiRun(samples, peak_rss_mb(worker))


def sqlite_url(folder: str) -> str:
    return f"sqlite:///{Path(folder) / 'bench.db'}"


def scratch_name(admin_url: str, purpose: str) -> str:
    """`<admin database>_<purpose>`: each user of a shared server keeps to their own names."""
    return f"{admin_url.rsplit('/', 1)[1].split('?')[0]}_{purpose}"


@contextmanager
def scratch_postgres(admin_url: str, name: str | None = None):
    """A `<admin>_api` database beside `admin_url`'s, created if missing and dropped after.

    Yields its URL, or None when PostgreSQL is not reachable.
    """
    try:
        import psycopg

        conn = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except Exception as exc:  # unreachable server or no driver: report, do not fail
        print(f"# PostgreSQL not reachable at {admin_url}: {exc}")
        yield None
        return
    name = name or scratch_name(admin_url, "api")
    try:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
        base = admin_url.rsplit("/", 1)[0]
        yield f"{base}/{name}"
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()
