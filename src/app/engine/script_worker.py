"""The process that runs diagram code, where the operating system bounds it.

Inside one interpreter nothing can stop a single long call of a builtin: a tracer or a
signal handler runs only between bytecodes, so ``sorted(...)`` of ten million items or
one huge multiplication holds the thread until it returns, and ``'x'.ljust(10**9)`` takes
the memory before anyone can refuse it. So script_pool.py starts this file as its own
process (``python -I script_worker.py <memory MB>``, with no environment and ``/`` as its
directory) and kills it when a call outlives its time; here the address space is capped
(RLIMIT_AS), so a large allocation fails with MemoryError instead of growing the worker,
and RLIMIT_CPU ends the process should the host die while it computes. An alarm stops
ordinary loops a little before the host's deadline, which keeps the process (and says
which line), so only what the interpreter cannot interrupt costs a new process.

One request at a time, over stdin/stdout, as frames of a 4-byte length and a pickle:
  host -> worker  ("run", id, mode, source, context, external, function names,
                   seconds, data limit)
                  ("result", id, seq, ok, value)        the answer to a function call
  worker -> host  ("ready", pid)
                  ("call", id, seq, name, args, kwargs) diagram code called a domain
                                                        function: the host runs it
                  ("done", id, outcome, value, line)    outcome: ok | error | timeout | memory

Only the standard library and RestrictedPython are imported here: the engine's package
and SpiffWorkflow never load in this process (see _adopt_packages).
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import struct
import sys
import types
from pathlib import Path
from typing import Any

HEADER = struct.Struct(">I")
SOFT_SHARE = 0.9
"""The alarm fires at this share of a call's time; the host kills at all of it."""


def write_frame(fd: int, message: Any) -> None:
    write_payload(fd, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def write_payload(fd: int, payload: bytes) -> None:
    view = memoryview(HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]


def _read_exact(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> Any:
    (size,) = HEADER.unpack(_read_exact(fd, HEADER.size))
    return pickle.loads(_read_exact(fd, size))


def _adopt_packages() -> None:
    """Make `app.engine.<module>` importable without running the packages' __init__
    (which load Flask, SQLAlchemy and SpiffWorkflow), so this process stays small."""
    engine = Path(__file__).resolve().parent
    for name, path in (("app", engine.parent), ("app.engine", engine)):
        package = types.ModuleType(name)
        package.__path__ = [str(path)]
        sys.modules[name] = package


class _Alarm:
    """SIGALRM, armed only while diagram code runs; blocked while frames travel, so it
    can never cut one in half."""

    def __init__(self, stop: type[BaseException]) -> None:
        self.armed = False
        self.stop = stop
        signal.signal(signal.SIGALRM, self._fire)
        signal.pthread_sigmask(signal.SIG_SETMASK, {signal.SIGALRM})

    def _fire(self, signum: int, frame: Any) -> None:
        if self.armed:
            raise self.stop

    def arm(self, seconds: float) -> None:
        used = resource.getrusage(resource.RUSAGE_SELF)
        cpu = int(used.ru_utime + used.ru_stime + seconds) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, max(seconds * SOFT_SHARE, 0.001))
        self.open()

    def disarm(self) -> None:
        """Stop the alarm for good, however often it fires on the way out."""
        while True:
            try:
                self.armed = False
                self.close()
                signal.setitimer(signal.ITIMER_REAL, 0)
                return
            except self.stop:
                continue

    def close(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})

    def open(self) -> None:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})


class _Worker:
    def __init__(self, out_fd: int) -> None:
        from app.engine import restricting, script_runner
        from app.engine.errors import ScriptError

        self.ScriptError = ScriptError
        self.restricting = restricting
        self.runner = script_runner
        self.out = out_fd
        self.alarm = _Alarm(script_runner.TimeLimitExceeded)
        self.request: Any = None
        self.calls = 0

    def serve(self) -> None:
        write_frame(self.out, ("ready", os.getpid()))
        while True:
            try:
                message = read_frame(0)
            except EOFError:
                return  # the host closed the pipe or died: nothing more to do
            if message[0] != "run":
                continue  # an answer to a call of a request that was given up
            self.request = message[1]
            write_frame(self.out, ("done", self.request, *self._run(*message[2:])))

    def _run(
        self,
        mode: str,
        source: str,
        context: dict,
        external: dict,
        function_names: tuple[str, ...],
        seconds: float,
        data_limit: int,
    ) -> tuple[str, Any, int | None]:
        runner = self.runner
        functions = {name: _Function(self, name, data_limit) for name in function_names}
        try:
            try:
                code = self.restricting.compiled(source, mode)  # type: ignore[arg-type]
                scope = runner.scope_for(functions, context, external)
                self.alarm.arm(seconds)
                value = runner.run(code, scope)
                if mode == "exec":
                    runner.write_back(scope, context, external or {}, functions)
                    value = runner.storable(context, data_limit, "the task data the script leaves")
                else:
                    value = runner.storable(value, data_limit, "the value of the expression")
            finally:
                self.alarm.disarm()
        except runner.TimeLimitExceeded as exc:
            return "timeout", None, runner.sandbox_line(exc.__traceback__)
        except MemoryError as exc:
            return "memory", None, runner.sandbox_line(exc.__traceback__)
        except self.ScriptError as exc:
            return "error", str(exc), exc.line_number
        except Exception as exc:  # a failure of ours, e.g. a value pickle refuses
            return "error", runner.short(f"{type(exc).__name__}: {exc}"), None
        return "ok", value, None

    def call(self, name: str, args: tuple, kwargs: dict, data_limit: int) -> Any:
        """Ask the host to run a domain function (they read the database), and wait."""
        args, kwargs = self.runner.storable(
            (args, kwargs), data_limit, f'the arguments of "{name}"'
        )
        self.calls += 1
        self.alarm.close()
        try:
            write_frame(self.out, ("call", self.request, self.calls, name, args, kwargs))
            while True:
                reply = read_frame(0)
                if reply[:3] == ("result", self.request, self.calls):
                    break
        finally:
            self.alarm.open()  # a deadline that passed meanwhile fires here
        _, _, _, ok, value = reply
        if not ok:
            raise self.ScriptError(value)
        return value


class _Function:
    """A domain function as diagram code sees it: calling it asks the host."""

    __slots__ = ("_worker", "_name", "_limit")

    def __init__(self, worker: _Worker, name: str, data_limit: int) -> None:
        self._worker, self._name, self._limit = worker, name, data_limit

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._worker.call(self._name, args, kwargs, self._limit)


def main() -> None:
    memory_mb = int(sys.argv[1])
    out_fd = os.dup(1)
    os.dup2(2, 1)  # a stray print goes to the log, never into the frames
    _adopt_packages()
    worker = _Worker(out_fd)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))  # no forking (ignored for root)
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    worker.serve()


if __name__ == "__main__":
    main()
