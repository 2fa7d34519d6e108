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
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
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


FLOOR_APP = "floor_app:application"
# The first request after a worker starts, against the same request warm (issue 17).
WARM_REPEAT = 20
COLD_REPEAT = 7


@dataclass
class ColdStart:
    inbox_first_ms: float
    inbox_warm_ms: float
    complete_first_ms: float


@dataclass
class Samples:
    start_ms: list[float] = field(default_factory=list)
    complete_ms: list[float] = field(default_factory=list)


@dataclass
class ApiRun:
    product: Samples = field(default_factory=Samples)
    floor: Samples = field(default_factory=Samples)
    worker_hwm_mb: float = float("nan")
    cold: ColdStart | None = None


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
def prepared_database(database_url: str):
    """A migrated database seeded with the demo county and the fixtures' diagram; yields the
    environment both servers run in."""
    with tempfile.TemporaryDirectory(prefix="bench-") as instance:
        env = _environment(database_url, instance)
        done = subprocess.run(
            [str(Path(sys.executable).parent / "flask"), "--app", "app", "init-db", "--demo"],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode != 0:
            raise RuntimeError(f"init-db failed on {database_url}:\n{done.stderr[-2000:]}")
        yield env


@contextmanager
def gunicorn(env: dict[str, str], app: str = "app:create_app()"):
    """`app` behind one gunicorn sync worker; yields (port, master process)."""
    port = free_port()
    master = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            # Production's settings and hooks, but one worker and one thread, so that a
            # sample is one request's own time. The floor gets exactly the same.
            "--config=deploy/gunicorn.conf.py",
            "--workers=1",
            "--threads=1",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            "--access-logfile=/dev/null",
            f"--pythonpath={ROOT / 'benchmarks'}",
            app,
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        _wait_until_up(port, master)
        yield port, master
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


def compare_with_floor(database_url: str, count: int, warmup: int = 10) -> ApiRun:
    """Product and floor on one database, driven by one client with the same diagram and
    data, interleaved instance by instance (which goes first alternates), so that machine
    noise hits both alike. Times every start and every completion of the first task."""
    with prepared_database(database_url) as env:
        with gunicorn(env) as (port, master), gunicorn(env, FLOOR_APP) as (floor_port, _):
            product, floor = Client(port), Client(floor_port)
            status, body = product.call(
                "POST", "/auth/token", {"username": "unit", "password": "demo"}
            )
            if status != 200:
                raise RuntimeError(f"token: {status} {body}")
            product.token = floor.token = body["token"]
            run = ApiRun()
            for index in range(warmup + count):
                pair = [(product, run.product), (floor, run.floor)]
                for client, samples in pair if index % 2 else pair[::-1]:
                    started, completed = _start_and_complete(client, index)
                    if index >= warmup:
                        samples.start_ms.append(started)
                        samples.complete_ms.append(completed)
            run.worker_hwm_mb = peak_rss_mb(_worker_pid(master.pid))
            run.cold = first_requests(port, master, product.token)
        return run


def _start_and_complete(client: Client, index: int) -> tuple[float, float]:
    begin = time.perf_counter()
    status, body = client.call(
        "POST", "/processes/simple_approval/instances", {"title": f"bench {index}"}
    )
    started = (time.perf_counter() - begin) * 1000
    if status != 201:
        raise RuntimeError(f"start on :{client.port}: {status} {body}")
    task_id = body["tasks"][0]["id"]
    begin = time.perf_counter()
    status, body = client.call("POST", f"/tasks/{task_id}/complete", {"data": TARGETS})
    completed = (time.perf_counter() - begin) * 1000
    if status != 200:
        raise RuntimeError(f"complete on :{client.port}: {status} {body}")
    return started, completed


def first_requests(port: int, master: subprocess.Popen, token: str) -> ColdStart:
    """Restart the worker and time its first request: an inbox, and a completion (of a
    task opened before the restart, so that nothing warmed the new worker). Each is the
    median of COLD_REPEAT restarts: one sample on a shared machine is mostly noise."""
    client = Client(port)
    client.token = token
    inbox_first, complete_first = [], []
    for _ in range(COLD_REPEAT):
        path = "/processes/simple_approval/instances"
        status, body = client.call("POST", path, {"title": "cold"})
        task_id = body["tasks"][0]["id"]
        _fresh_worker(master)
        inbox_first.append(_timed_call(client, "GET", "/tasks"))
        _fresh_worker(master)
        path = f"/tasks/{task_id}/complete"
        complete_first.append(_timed_call(client, "POST", path, {"data": TARGETS}))
    inbox_warm = statistics.median(_timed_call(client, "GET", "/tasks") for _ in range(WARM_REPEAT))
    return ColdStart(statistics.median(inbox_first), inbox_warm, statistics.median(complete_first))


def _timed_call(client: Client, method: str, path: str, body: dict | None = None) -> float:
    begin = time.perf_counter()
    status, answer = client.call(method, path, body)
    elapsed = (time.perf_counter() - begin) * 1000
    if status >= 400:
        raise RuntimeError(f"{method} {path}: {status} {answer}")
    return elapsed


def _fresh_worker(master: subprocess.Popen) -> None:
    """Stop the worker, let the master fork a new one, and wait until it has booted (its
    CPU time stops growing: the app is loaded and any boot hook has run)."""
    old = _worker_pid(master.pid)
    os.kill(old, signal.SIGTERM)
    deadline = time.monotonic() + 60
    new = old
    while new == old and time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            new = _worker_pid(master.pid)
        except RuntimeError:
            continue
    still, last = 0, -1
    while still < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
        try:
            fields = Path(f"/proc/{new}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # it died while booting: wait for the next one
            new, still, last = _worker_pid(master.pid), 0, -1
            continue
        used = int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        still, last = (still + 1, last) if used == last else (0, used)


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
