"""The host's side of the worker processes that run diagram code (script_worker.py).

Each host process (a gunicorn worker, the job worker, a test run) keeps a few idle
workers and lends one to each script or condition that needs it. A call's deadline is
the host's: when it passes, the worker is killed (SIGKILL needs no cooperation) and a
fresh one started in its place, so a step never waits longer than its limit whatever
the code does. Domain functions the code calls run here, in the caller's thread, inside
the step's transaction, and their answers go back to the worker.

What comes back from a worker is read by an unpickler that builds nothing but plain data
(KEPT_TYPES and JSON's types), so even a worker that were taken over could not run code
in the host.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.engine.errors import ScriptError
from app.engine.script_worker import HEADER, SOFT_SHARE, write_payload

WORKER_FILE = Path(__file__).with_name("script_worker.py")
STARTUP_SECONDS = 30.0
"""How long a new worker may take to say it is ready (a loaded machine is slow)."""
MAX_IDLE = 4
FIRST_WAIT = 0.005
RECYCLE_AFTER = 10_000
"""Runs after which a worker is replaced, so that nothing a long life gathers lingers."""

_PLAIN_GLOBALS = frozenset(
    {
        ("decimal", "Decimal"),
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
    }
)


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _PLAIN_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


class WorkerStopped(Exception):
    """The worker did not answer: it ran out of time (and was killed) or ended."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason  # "time" or "ended"
        self.detail = detail


@dataclass(frozen=True)
class Request:
    mode: str  # "exec" or "eval"
    source: str
    context: dict
    external: dict
    seconds: float
    data_limit: int


class _Worker:
    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.runs = 0
        self.ready = False
        self.nudge_at: float | None = None
        self.buffer = bytearray()  # what the worker wrote and was not read yet
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(WORKER_FILE), str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={},  # no secrets of the host's environment (database URL, keys)
            cwd="/",
            bufsize=0,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.to_worker = self.process.stdin.fileno()
        self.from_worker = self.process.stdout.fileno()
        self.poll = select.poll()
        self.poll.register(self.from_worker, select.POLLIN)

    def run(self, request: Request, functions: Mapping[str, Callable[..., Any]]) -> tuple:
        """("ok" | "error" | "timeout" | "memory", value, line) as the worker answers.
        Raises WorkerStopped when it does not answer by the deadline, or ends."""
        if not self.ready:
            if self._receive(time.monotonic() + STARTUP_SECONDS)[0] != "ready":
                raise WorkerStopped("ended", "it did not start")
            self.ready = True
        self.runs += 1
        message = (
            "run",
            self.runs,
            request.mode,
            request.source,
            request.context,
            request.external,
            tuple(functions),
            request.seconds,
            request.data_limit,
        )
        try:
            payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise ScriptError(f"the task data cannot be handed to diagram code: {exc}") from exc
        started = time.monotonic()
        deadline = started + request.seconds
        self.nudge_at = started + request.seconds * SOFT_SHARE
        max_frame = 4 * request.data_limit + (1 << 20)
        self._send_payload(payload)
        while True:
            message = self._receive(deadline, max_frame)
            if message[:2] == ("done", self.runs) and len(message) == 5:
                self.nudge_at = None
                return message[2:]
            if message[:2] != ("call", self.runs) or len(message) != 6:
                raise WorkerStopped("ended", "it answered out of turn")
            _, _, seq, name, args, kwargs = message
            ok, value = _call(functions, name, args, kwargs)
            try:
                self._send(("result", self.runs, seq, ok, value))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                error = f'"{name}" returned a value scripts cannot receive: {exc}'
                self._send(("result", self.runs, seq, False, error))

    def _send(self, message: Any) -> None:
        self._send_payload(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def _send_payload(self, payload: bytes) -> None:
        try:
            write_payload(self.to_worker, payload)
        except OSError as exc:  # BrokenPipeError: it ended
            raise WorkerStopped("ended", self._ending()) from exc

    def _receive(self, deadline: float, max_frame: int = 1 << 16) -> Any:
        while len(self.buffer) < HEADER.size:
            self._fill(deadline)
        (size,) = HEADER.unpack_from(self.buffer)
        if size > max_frame:
            raise WorkerStopped("ended", f"it sent {size:,} bytes")
        while len(self.buffer) < HEADER.size + size:
            self._fill(deadline)
        payload = self.buffer[HEADER.size : HEADER.size + size]
        del self.buffer[: HEADER.size + size]
        try:
            return _PlainUnpickler(io.BytesIO(payload)).load()
        except Exception as exc:
            raise WorkerStopped("ended", f"its answer cannot be read: {exc}") from exc

    def _fill(self, deadline: float) -> None:
        """Read what the worker has written, waiting no later than `deadline`."""
        while True:
            now = time.monotonic()
            if now >= deadline:
                raise WorkerStopped("time")
            if self.nudge_at is not None and now >= self.nudge_at:
                self.nudge_at = None
                self.process.send_signal(signal.SIGALRM)  # stop, and say where
            wake = deadline if self.nudge_at is None else self.nudge_at
            # A short first wait: most answers come within it, and a long timeout costs
            # the wake-up dearly (some 70 us on the benchmark machine, as much as the call).
            if self.poll.poll(min(wake - now, FIRST_WAIT) * 1000) or self.poll.poll(
                max(wake - time.monotonic(), 0) * 1000
            ):
                break
        chunk = os.read(self.from_worker, 1 << 16)
        if not chunk:
            raise WorkerStopped("ended", self._ending())
        self.buffer += chunk

    def _ending(self) -> str:
        try:
            code = self.process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        return f"signal {-code}" if code < 0 else f"exit status {code}"

    def kill(self) -> None:
        """SIGKILL, without waiting: freeing a large address space takes the kernel a
        while, and the step (holding its lock) need not wait for that."""
        self.process.kill()
        self._close_pipes()

    def close(self) -> None:
        """Let it end by itself (end of input), else kill it."""
        self._close_pipes()
        try:
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.kill()
            self.process.wait()

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()


def _call(
    functions: Mapping[str, Callable[..., Any]], name: str, args: Any, kwargs: Any
) -> tuple[bool, Any]:
    func = functions.get(name) if isinstance(name, str) else None
    if func is None or not isinstance(args, tuple) or not isinstance(kwargs, dict):
        return False, f'no function "{name}"'
    try:
        return True, func(*args, **kwargs)
    except Exception as exc:
        text = f"{type(exc).__name__}: {exc}"
        return False, text if len(text) <= 1000 else text[:1000] + " ..."


class WorkerPool:
    """Idle workers of this process, lent one per call."""

    def __init__(self) -> None:
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._dying: list[subprocess.Popen] = []  # killed, reaped by a later call
        self._inherited: list[_Worker] = []

    def run(
        self, request: Request, functions: Mapping[str, Callable[..., Any]], memory_mb: int
    ) -> tuple:
        """Run one request in a worker; see _Worker.run. A worker that was killed, ran
        out of memory or ended is replaced; one that answered is lent again."""
        worker = self._take(memory_mb)
        reusable = False
        try:
            answer = worker.run(request, functions)
            # Stopped by its own alarm, the worker unwound cleanly; after MemoryError
            # its heap may stay large, so it is replaced.
            reusable = answer[0] in ("ok", "error", "timeout")
            return answer
        finally:
            if reusable and worker.runs < RECYCLE_AFTER:
                self._give_back(worker)
            else:
                worker.kill()
                with self._lock:
                    self._dying.append(worker.process)
                self._give_back(self._start(memory_mb))  # ready by the next call

    def warm(self, memory_mb: int) -> None:
        """Start a worker now unless one waits already, so that the first script of this
        process does not wait for one to start while its step holds a lock."""
        with self._lock:
            if any(worker.memory_mb == memory_mb for worker in self._idle):
                return
        with contextlib.suppress(WorkerStopped):  # the first script will say why not
            self._give_back(self._start(memory_mb))

    def _take(self, memory_mb: int) -> _Worker:
        with self._lock:
            self._dying = [process for process in self._dying if process.poll() is None]
            while self._idle:
                worker = self._idle.pop()
                if worker.memory_mb == memory_mb and worker.process.poll() is None:
                    return worker
                worker.kill()
                self._dying.append(worker.process)
        return self._start(memory_mb)

    def _start(self, memory_mb: int) -> _Worker:
        try:
            return _Worker(memory_mb)
        except OSError as exc:
            raise WorkerStopped("ended", f"no worker process could be started: {exc}") from exc

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(worker)
                return
        worker.close()

    def close(self) -> None:
        """End the idle workers (at exit; they would end anyway once our pipes close)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()

    def forget(self) -> None:
        """In a forked child: the workers belong to the parent, which keeps using them."""
        self._lock = threading.Lock()
        self._inherited.extend(self._idle)  # kept referenced: never waited for here
        for worker in self._idle:
            worker._close_pipes()
        self._idle = []


POOL = WorkerPool()
atexit.register(POOL.close)
os.register_at_fork(after_in_child=POOL.forget)
