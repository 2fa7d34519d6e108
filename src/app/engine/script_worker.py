"""The process that runs diagram code, where the operating system bounds it.

Inside one interpreter nothing can stop a single long call of a builtin: a tracer or a
signal handler runs only between bytecodes, so ``sorted(...)`` of ten million items or
one huge multiplication holds the thread until it returns, and ``'x'.ljust(10**9)`` takes
the memory before anyone can refuse it. So script_pool.py starts this file as its own
process (``python -I script_worker.py <memory MB>``, with no environment and ``/`` as its
directory) and kills it when a call outlives its time; here the address space is capped
(RLIMIT_AS), so a large allocation fails with MemoryError instead of growing the worker,
and RLIMIT_CPU ends the process should the host die while it computes; it cannot fork,
and is the first the kernel kills if the service runs short of memory. SIGALRM from the
host stops ordinary loops a little before the deadline, which keeps the process and says
which line ran, so only what the interpreter cannot interrupt costs a new process.

One request at a time, over stdin/stdout, as frames of a 4-byte length and a pickle:
  host -> worker  ("run", id, mode, source, context, external, function names,
                   seconds, data limit)
                  ("result", id, seq, ok, value)        the answer to a function call
  worker -> host  ("ready", pid)
                  ("call", id, seq, name, args, kwargs) diagram code called a domain
                                                        function: the host runs it
                  ("done", id, outcome, value, line)    outcome: ok | error | timeout | memory;
                                                        a script's value is (changed, deleted)

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
import time
import types
from pathlib import Path
from typing import Any

HEADER = struct.Struct(">I")
SOFT_SHARE = 0.9
"""The host nudges the code with SIGALRM at this share of a call's time (the worker then
answers with the line it stopped), and kills the worker at all of it."""


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
    """Stops the diagram code when the host nudges it with SIGALRM (at SOFT_SHARE of its
    time), but only while armed: talking to the host (a function call) pauses it, so it
    never cuts a frame in half, and a deadline that passed meanwhile stops the code as the
    pause ends. The host's clock, not a timer of our own: a timer set and cleared on every
    call costs more than the rest of a small call together."""

    CPU_HEADROOM = 30
    """Seconds of CPU granted beyond a call's time when RLIMIT_CPU is moved on."""

    def __init__(self, stop: type[BaseException]) -> None:
        self.armed = False
        self.deadline = 0.0
        self.cpu_limit = 0
        self.stop = stop
        signal.signal(signal.SIGALRM, self._fire)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())  # the host's mask is not ours

    def _fire(self, signum: int, frame: Any) -> None:
        if self.armed:
            raise self.stop

    def arm(self, seconds: float) -> None:
        # Should the host die while this process computes, no one kills it: RLIMIT_CPU
        # does, some seconds later. Moved on in steps (setting it costs a timer too).
        used = resource.getrusage(resource.RUSAGE_SELF)
        needed = int(used.ru_utime + used.ru_stime + seconds) + 2
        if needed > self.cpu_limit:
            self.cpu_limit = needed + self.CPU_HEADROOM
            resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_limit, resource.RLIM_INFINITY))
        self.deadline = time.monotonic() + seconds * SOFT_SHARE
        self.armed = True

    def disarm(self) -> None:
        """Stop for good, however often the alarm fires on the way out."""
        while True:
            try:
                self.armed = False
                return
            except self.stop:
                continue

    def pause(self) -> None:
        self.armed = False

    def resume(self) -> None:
        self.armed = True
        if time.monotonic() >= self.deadline:
            raise self.stop


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
        self.data_limit = 0
        self.calls = 0
        self.functions: dict[str, _Function] = {}

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
        self.data_limit = data_limit
        functions = {name: self._function(name) for name in function_names}
        try:
            try:
                code = self.restricting.compiled(source, mode)  # type: ignore[arg-type]
                scope = runner.scope_for(functions, context, external)
                self.alarm.arm(seconds)
                value = runner.run(code, scope)
                if mode == "exec":
                    value = self._left(code, scope, context, external or {}, functions)
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
            return "error", self.runner.short(f"{type(exc).__name__}: {exc}"), None
        return "ok", value, None

    def _left(self, code: Any, scope: dict, context: dict, external: dict, functions: dict):
        """What the script changed in the task data: (names and values, names deleted).

        All of the task data is measured, since that is what a step stores; only the names
        the script can reach (those it mentions, or all if it mentions `data`) travel back.
        """
        runner = self.runner
        before = set(context)
        runner.write_back(scope, context, external, functions)
        context = runner.storable(context, self.data_limit, "the task data the script leaves")
        reached = before | set(context) if "data" in code.names else code.names
        changed = {name: context[name] for name in reached if name in context}
        return changed, [name for name in reached if name in before and name not in context]

    def _function(self, name: str) -> _Function:
        function = self.functions.get(name)
        if function is None:
            function = self.functions[name] = _Function(self, name)
        return function

    def call(self, name: str, args: tuple, kwargs: dict) -> Any:
        """Ask the host to run a domain function (they read the database), and wait."""
        what = f'the arguments of "{name}"'
        args, kwargs = self.runner.storable((args, kwargs), self.data_limit, what)
        self.calls += 1
        self.alarm.pause()
        try:
            write_frame(self.out, ("call", self.request, self.calls, name, args, kwargs))
            while True:
                reply = read_frame(0)
                if reply[:3] == ("result", self.request, self.calls):
                    break
        finally:
            self.alarm.resume()
        _, _, _, ok, value = reply
        if not ok:
            raise self.ScriptError(value)
        return value


class _Function:
    """A domain function as diagram code sees it: calling it asks the host."""

    __slots__ = ("_worker", "_name")

    def __init__(self, worker: _Worker, name: str) -> None:
        self._worker, self._name = worker, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._worker.call(self._name, args, kwargs)


def main() -> None:
    memory_mb = int(sys.argv[1])
    out_fd = os.dup(1)
    os.dup2(2, 1)  # a stray print goes to the log, never into the frames
    _adopt_packages()
    worker = _Worker(out_fd)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:  # should the whole service run short of memory, this process goes first
        with open("/proc/self/oom_score_adj", "w") as score:
            score.write("1000")
    except OSError:
        pass  # not Linux, or a sandbox without /proc: RLIMIT_AS still holds
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))  # no forking (ignored for root)
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    worker.serve()


if __name__ == "__main__":
    main()
