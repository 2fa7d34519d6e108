"""The engine door: the only package that imports SpiffWorkflow.

Everything outside talks to it through plain values: bytes of a diagram in,
`CompiledProcess` and `Step` out, serialized state as a string.
"""

from app.engine.compiler import CompiledProcess, UserTaskSpec, compile_process
from app.engine.errors import EngineError, LimitExceeded, ScriptError, TaskNotReady
from app.engine.limits import Limits
from app.engine.lint import Finding, lint_bpmn, lint_fields
from app.engine.migration import MigrationPlan, migrate_state, plan_migration
from app.engine.runtime import (
    ReadyTask,
    ScriptRuntime,
    StateSummary,
    Step,
    complete_task,
    configure_limits,
    inspect_state,
    start_workflow,
)

__all__ = [
    "CompiledProcess",
    "EngineError",
    "Finding",
    "LimitExceeded",
    "Limits",
    "ReadyTask",
    "ScriptError",
    "ScriptRuntime",
    "StateSummary",
    "Step",
    "TaskNotReady",
    "UserTaskSpec",
    "compile_process",
    "complete_task",
    "configure_limits",
    "MigrationPlan",
    "inspect_state",
    "lint_bpmn",
    "migrate_state",
    "plan_migration",
    "lint_fields",
    "start_workflow",
]
