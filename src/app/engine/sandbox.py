"""Restricted execution of the scripts and conditions drawn into BPMN diagrams, within
bounds that hold for every construct.

Diagrams are edited in the browser by process administrators, so their Python is both
restricted (restricting.py compiles it, guards.py checks every attribute, item and
in-place operation) and bounded. An interpreter cannot stop itself in the middle of one
builtin call, so every script, and every condition that could run long, runs in a
worker process (script_worker.py) whose time the host enforces by killing it and whose
memory the OS caps; what it leaves in the task data must fit SCRIPT_DATA_LIMIT_KB as
stored, counted before the host ever serialises it. Conditions that are only
comparisons of fields and constants (restricting.py's inline rule) cost no more than
reading the task data, and are evaluated in the host, where they cost microseconds
instead of a round trip to the worker (about a tenth of a millisecond; make bench). The
step as a whole is bounded too (limits.py, runtime.py).

Domain functions are offered to diagram code by name; in a worker they are stand-ins
that ask the host to run the real function, in the step's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from app.engine.errors import ScriptError
from app.engine.limits import Limits, time_for_call
from app.engine.restricting import Compiled, check_syntax, compiled
from app.engine.script_pool import POOL, Request, WorkerStopped
from app.engine.script_runner import at_line, run, scope_for

__all__ = [
    "Limits",
    "SandboxedEnvironment",
    "SandboxedScriptEngine",
    "ScriptError",
    "check_syntax",
    "make_script_engine",
]


def _check_function_names(functions: Mapping[str, Callable[..., Any]]) -> None:
    for name, func in functions.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise ValueError(f"function name {name!r} cannot be used from scripts")
        if not callable(func):
            raise ValueError(f"function {name!r} is not callable")


def _plain(value: Any) -> Any:
    """JSON fallback for values domain operators commonly return."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | dt_time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} cannot be stored in task data")


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that runs diagram code restricted and bounded.

    Named domain functions are offered to scripts and service tasks; task data is the
    scripts' namespace, and only plain values a script assigns are kept in it, as
    SpiffWorkflow's own TaskDataEnvironment does.
    """

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        limits: Limits | None = None,
    ) -> None:
        functions = dict(functions or {})
        _check_function_names(functions)
        super().__init__(environment_globals=functions)
        self.functions: dict[str, Callable[..., Any]] = functions
        self.limits = limits or Limits()

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Evaluate a gateway condition or other expression against task data."""
        code = compiled(expression, "eval")
        seconds, too_long = time_for_call(self.limits, "condition")
        if self._inline(code, context, external_context):
            return run(code, scope_for(self.functions, context, external_context))
        if "data" not in code.names:  # it reads fields by name: send only those
            context = {name: context[name] for name in code.names if name in context}
        return self._in_worker("eval", expression, context, external_context, seconds, too_long)

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        """Run a script task's code; the names it assigns become task data.

        The task data changes only when the script succeeds, and then to exactly what
        the worker measured as storable.
        """
        compiled(script, "exec")  # refused code fails here, without a worker
        seconds, too_long = time_for_call(self.limits, "script")
        changed, deleted = self._in_worker(
            "exec", script, context, external_context, seconds, too_long
        )
        context.update(changed)
        for name in deleted:
            context.pop(name, None)
        return True

    def _inline(
        self, code: Compiled, context: Mapping[str, Any], external: Mapping[str, Any] | None
    ) -> bool:
        if not code.inline:
            return False
        # A builtin it calls must be the builtin: a field or function of that name wins.
        return not any(
            name in context or name in self.functions or (external and name in external)
            for name in code.calls
        )

    def _in_worker(
        self,
        mode: str,
        source: str,
        context: Mapping[str, Any],
        external: Mapping[str, Any] | None,
        seconds: float,
        too_long: str,
    ) -> Any:
        request = Request(
            mode, source, dict(context), dict(external or {}), seconds, self.limits.data_chars
        )
        script = mode == "exec"
        memory_mb = self.limits.memory_mb
        try:
            outcome, value, line = POOL.run(request, self.functions, self.limits.memory_mb)
        except WorkerStopped as stopped:
            if stopped.reason == "time":
                raise ScriptError(too_long) from None
            ended = (
                _(
                    "The script was stopped: the process running it ended (%(detail)s); it "
                    "may have needed more than its %(mb)s MB of memory.",
                    detail=stopped.detail,
                    mb=memory_mb,
                )
                if script
                else _(
                    "The condition was stopped: the process running it ended (%(detail)s); "
                    "it may have needed more than its %(mb)s MB of memory.",
                    detail=stopped.detail,
                    mb=memory_mb,
                )
            )
            raise ScriptError(ended) from None
        if outcome == "ok":
            return value
        if outcome == "timeout":
            raise ScriptError(at_line(too_long, line), line)
        if outcome == "memory":
            message = (
                _(
                    "The script needed more than its %(mb)s MB of memory and was stopped.",
                    mb=memory_mb,
                )
                if script
                else _(
                    "The condition needed more than its %(mb)s MB of memory and was stopped.",
                    mb=memory_mb,
                )
            )
            raise ScriptError(at_line(message, line), line)
        raise ScriptError(value, line)

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> str:
        """Call a named domain operator for a service task; answer JSON as Spiff expects."""
        name = kwargs.get("operation_name")
        func = self.functions.get(name) if isinstance(name, str) else None
        if func is None:
            known = ", ".join(sorted(self.functions)) or "none"
            raise ScriptError(
                _(
                    "Unknown service operator “%(name)s” (known operators: %(known)s).",
                    name=name,
                    known=known,
                )
            )
        params = {
            key: param["value"] if isinstance(param, Mapping) and "value" in param else param
            for key, param in (kwargs.get("operation_params") or {}).items()
        }
        try:
            result = func(**params)
        except ScriptError:
            raise
        except Exception as exc:
            raise ScriptError(
                _(
                    "The service operator “%(name)s” failed: %(error)s",
                    name=name,
                    error=f"{type(exc).__name__}: {exc}",
                )
            ) from exc
        try:
            return json.dumps(result, default=_plain, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise ScriptError(
                _(
                    "The service operator “%(name)s” returned what cannot be stored: %(error)s",
                    name=name,
                    error=str(exc),
                )
            ) from exc


class SandboxedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine with SpiffWorkflow 3.2's error reporting fixed for us.

    Its ``call_service`` error path refers to an undefined ``script`` (NameError), and
    its line-number lookup expects tracebacks from ``<string>``; both are replaced.
    """

    environment: SandboxedEnvironment

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as err:
            raise WorkflowTaskException(str(err), task=task, exception=err) from err

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        if isinstance(err, ScriptError):
            line = err.line_number or 0
            lines = script.splitlines() if isinstance(script, str) else []
            error_line = lines[line - 1] if 0 < line <= len(lines) else ""
            return WorkflowTaskException(
                f"ScriptError: {err}",
                task=task,
                exception=err,
                line_number=line,
                error_line=error_line,
            )
        return super().create_task_exec_exception(task, script, err)


def make_script_engine(
    functions: Mapping[str, Callable[..., Any]] | None = None,
    *,
    limits: Limits | None = None,
) -> SandboxedScriptEngine:
    """The script engine every workflow in the app runs with."""
    return SandboxedScriptEngine(environment=SandboxedEnvironment(functions, limits))
