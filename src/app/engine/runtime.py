"""Running a process: start it, complete one of its user tasks, run to the next wait state."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from flask import Flask, current_app, has_app_context
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from app.engine.compiler import CompiledProcess, UserTaskSpec
from app.engine.errors import EngineError, LimitExceeded, TaskNotReady
from app.engine.foreign_timers import hold_new_timers
from app.engine.limits import Limits, check_step_time, step_budget
from app.engine.sandbox import make_script_engine
from app.engine.script_pool import POOL
from app.engine.state import dump_compact, load_compact


@dataclass(frozen=True)
class ReadyTask:
    engine_task_id: str
    spec: UserTaskSpec


@dataclass
class Step:
    """Where a workflow stands after the engine ran: what to store and what waits now."""

    state: str
    ready: list[ReadyTask]
    finished: bool
    # Data produced during this step: the submission plus whatever scripts set.
    data: dict = field(default_factory=dict)
    # Non-user activities the engine passed through (gateways, scripts), for the history.
    passed: list[str] = field(default_factory=list)
    # Messages the step threw that nothing in this workflow caught: (name, payload), for
    # the host to deliver to the other submissions waiting for them.
    thrown: list[tuple[str, Any]] = field(default_factory=list)
    # Intermediate timers the workflow has just come to wait at (CatchTimer), for the
    # host to fire at their due time (services/runtime/catch_timers.py).
    timers: list[Any] = field(default_factory=list)


EXTENSION = "script_runtime"
"""The key of an app's ScriptRuntime in `app.extensions` (create_app puts it there)."""


class ScriptRuntime:
    """What diagram code runs with in one app: the domain functions it may call by name,
    the bounds of every step, and the script engine made of both.

    create_app builds one and keeps it on the app (`init_app`), so two apps in one
    process (a test's and a worker's) never share or overwrite each other's.
    """

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.functions: dict[str, Callable[..., Any]] = dict(functions or {})
        self.limits = limits or Limits()
        self.script_engine = make_script_engine(dict(self.functions), limits=self.limits)

    def init_app(self, app: Flask) -> None:
        """Keep this runtime on `app`, and have a worker process for diagram code ready
        before the first step needs one."""
        app.extensions[EXTENSION] = self
        POOL.warm(self.limits.memory_mb)

    def register(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        self.functions.update(functions)
        self.script_engine = make_script_engine(dict(self.functions), limits=self.limits)

    def configure(self, limits: Limits) -> None:
        self.limits = limits
        self.script_engine = make_script_engine(dict(self.functions), limits=limits)
        POOL.warm(limits.memory_mb)

    def engine_for(self, functions: Mapping[str, Callable[..., Any]] | None) -> Any:
        if functions is None:
            return self.script_engine
        return make_script_engine(functions, limits=self.limits)


_STANDALONE = ScriptRuntime()
"""What the engine runs with outside any app (the engine's own tests, benchmarks): no
domain functions, the default bounds. Nothing changes it: register_functions and
configure_limits act on the current app's runtime only."""


def current_runtime() -> ScriptRuntime:
    """The current app's runtime; outside an app, the standalone one."""
    if has_app_context():
        return current_app.extensions.get(EXTENSION, _STANDALONE)
    return _STANDALONE


def _app_runtime() -> ScriptRuntime:
    """The current app's own runtime. Raises RuntimeError outside an app (or in one
    create_app did not set up), where there is nothing to change."""
    runtime = current_app.extensions.get(EXTENSION)
    if runtime is None:
        raise RuntimeError("this app has no script runtime (ScriptRuntime.init_app)")
    return runtime


def register_functions(functions: dict[str, Callable[..., Any]]) -> None:
    """Offer domain functions (the performance module's operators) to the current app's
    scripts by name."""
    _app_runtime().register(functions)


def configure_limits(limits: Limits) -> None:
    """Bound every step of the current app from now on by `limits` (the app's settings,
    see limits.py), and have a worker process for diagram code ready."""
    _app_runtime().configure(limits)


def current_limits() -> Limits:
    return current_runtime().limits


def start_workflow(
    process: CompiledProcess, data: dict, *, functions: dict[str, Callable[..., Any]] | None = None
) -> Step:
    """Create an instance and run it to its first wait state. Raises EngineError.

    `functions` replaces the registered domain functions for this run only (the
    modeler's test run offers stand-ins for the operators that write).
    """
    runtime = current_runtime()
    workflow = BpmnWorkflow(
        process.spec, process.subprocess_specs, script_engine=runtime.engine_for(functions)
    )
    start = workflow.get_tasks(state=TaskState.READY)
    for task in start:
        task.data.update(data)
    with step_budget(runtime.limits.step_seconds):
        return _run(process, workflow, dict(data), runtime.limits)


def complete_task(
    process: CompiledProcess,
    state: str,
    engine_task_id: str,
    data: dict,
    *,
    functions: dict[str, Callable[..., Any]] | None = None,
) -> Step:
    """Complete a waiting user task with `data` (the instance's full data) and run on.

    Raises TaskNotReady when the task is not waiting any more, EngineError when a script
    or gateway downstream fails.
    """
    runtime = current_runtime()
    workflow = load_compact(
        state,
        process.spec,
        process.subprocess_specs,
        process.serialized_spec,
        runtime.engine_for(functions),
    )
    try:
        task = workflow.get_task_from_id(UUID(engine_task_id))
    except Exception as exc:
        raise TaskNotReady(f"task {engine_task_id} is not in this workflow") from exc
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(f"task {task.task_spec.bpmn_id} is {TaskState.get_name(task.state)}")
    task.data.update(data)
    produced = dict(data)
    with step_budget(runtime.limits.step_seconds):
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise EngineError(str(exc)) from exc
        return _run(process, workflow, produced, runtime.limits)


def registered_functions() -> dict[str, Callable[..., Any]]:
    """The domain functions scripts and service tasks may call, by name."""
    return dict(current_runtime().functions)


def load_workflow(process: CompiledProcess, state: str) -> BpmnWorkflow:
    """A stored state loaded onto its own version's spec (for migration)."""
    return load_compact(
        state,
        process.spec,
        process.subprocess_specs,
        process.serialized_spec,
        current_runtime().script_engine,
    )


def run_to_wait(process: CompiledProcess, workflow: BpmnWorkflow) -> Step:
    """Run a workflow (already on `process`'s spec) to its next wait state and store it."""
    limits = current_limits()
    with step_budget(limits.step_seconds):
        return _run(process, workflow, {}, limits)


def _run(process: CompiledProcess, workflow: BpmnWorkflow, produced: dict, limits: Limits) -> Step:
    """Run to the next wait state within the step's bounds. Raises EngineError (a
    LimitExceeded when a bound of the step itself is passed)."""
    passed: list[str] = []
    steps = 0

    def will_complete(task: Any) -> None:
        # A loop of scripts and gateways with no wait state would run forever, each
        # pass within its own limits: the step's count and clock stop it.
        nonlocal steps
        steps += 1
        if steps > limits.engine_steps:
            raise LimitExceeded(
                f"[{task.task_spec.bpmn_id or task.task_spec.name}] the step passed "
                f"{limits.engine_steps:,} engine tasks without reaching a wait state and was "
                "stopped (a loop of scripts and gateways with no user task?)"
            )
        check_step_time()

    def did_complete(task: Any) -> None:
        produced.update(task.data)
        if task.task_spec.bpmn_id:
            passed.append(task.task_spec.bpmn_id)

    try:
        workflow.do_engine_steps(will_complete_task=will_complete, did_complete_task=did_complete)
    except SpiffWorkflowException as exc:
        raise EngineError(_describe(exc)) from exc
    ready = [
        ReadyTask(str(task.id), process.user_tasks[task.task_spec.bpmn_id])
        for task in workflow.get_tasks(state=TaskState.READY, manual=True)
        if task.task_spec.bpmn_id in process.user_tasks
    ]
    finished = workflow.is_completed()
    if finished:
        produced.update(workflow.data)
    # Taken out before the state is stored, so that a later step does not throw them again.
    thrown = [
        (event.event_definition.name, event.payload)
        for event in workflow.get_events()
        if isinstance(event.event_definition, MessageEventDefinition)
    ]
    held = hold_new_timers(workflow) if process.catch_timers else []
    timers = [process.catch_timers[i] for i in held if i in process.catch_timers]
    state = dump_compact(workflow)
    # Characters are at most 4 bytes in UTF-8: encode only when it could matter.
    if len(state) * 4 > limits.state_bytes and len(state.encode()) > limits.state_bytes:
        raise LimitExceeded(
            f"the step would store {len(state.encode()) // 1024:,} KB of engine state, "
            f"more than the {limits.state_mb} MB allowed"
        )
    return Step(state, ready, finished, produced, passed, thrown, timers)


def _describe(exc: SpiffWorkflowException) -> str:
    spec = getattr(getattr(exc, "task", None), "task_spec", None)
    where = f"[{spec.bpmn_id}] " if spec is not None and spec.bpmn_id else ""
    message = str(exc).strip()
    # SpiffWorkflow says which expression failed; the sandbox's error says why (a name
    # refused, the time limit): a person fixing the diagram needs both.
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) and str(cause) not in message:
        message = f"{message} {cause}"
    return f"{where}{message}"


@dataclass(frozen=True)
class StateSummary:
    """What a stored state says is waiting, for checks that compare it with the rows."""

    ready_task_ids: frozenset[str]
    finished: bool


def inspect_state(process: CompiledProcess, state: str) -> StateSummary:
    """Read a stored state without running anything. Raises EngineError if it cannot load."""
    try:
        workflow = load_compact(
            state,
            process.spec,
            process.subprocess_specs,
            process.serialized_spec,
            current_runtime().script_engine,
        )
    except Exception as exc:  # a corrupt state is exactly what the check must report
        raise EngineError(f"state cannot be loaded: {exc}") from exc
    ready = frozenset(
        str(task.id)
        for task in workflow.get_tasks(state=TaskState.READY, manual=True)
        if task.task_spec.bpmn_id in process.user_tasks
    )
    return StateSummary(ready, workflow.is_completed())
