"""The bounds every step of the engine runs within, and the clock of the step running now.

A completion holds the submission's row lock (on SQLite, the database's write lock) while
the engine runs, so what diagram code may cost is bounded per call *and* per step: a
script, a condition, the engine tasks a step passes and the state it stores. The settings
(config.py) name each bound; create_app hands them to the engine once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from app.engine.errors import LimitExceeded, ScriptError
from app.forms.translated import translated as _  # safe without Flask-Babel (engine tests)

MAX_ENGINE_STEPS = 900
"""SpiffWorkflow 3.2 does not see tasks more than 1,000 levels deep in a workflow's tree
(TaskIterator's max_depth): a loop with no wait state that ran that far would look like
a finished workflow, and be stored as one. Each engine task of a step adds a level
(pruning between steps takes them away again), so a step must stop well before."""


@dataclass(frozen=True)
class Limits:
    script_seconds: float = 1.0  # one script or condition
    step_seconds: float = 3.0  # all the diagram code and engine work of one step
    memory_mb: int = 256  # address space of the process that runs diagram code
    engine_steps: int = 500  # engine tasks (scripts, gateways, events) one step may pass
    data_kb: int = 1024  # task data a script leaves, any value it hands out: JSON text
    state_mb: int = 16  # the engine state a step stores

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not value > 0:
                raise ValueError(f"{name} must be positive, not {value!r}")
        if self.engine_steps > MAX_ENGINE_STEPS:
            raise ValueError(
                f"engine_steps must be at most {MAX_ENGINE_STEPS}: SpiffWorkflow loses sight "
                "of tasks deeper than that and would end the workflow silently"
            )

    @property
    def data_chars(self) -> int:
        """The data limit in characters of JSON text (a KB is 1,024 of them)."""
        return self.data_kb * 1024

    @property
    def state_bytes(self) -> int:
        return self.state_mb * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Limits:
        """The limits an app's settings give (config.py's keys); defaults for those unset."""
        keys = {
            "script_seconds": ("SCRIPT_TIME_LIMIT", float),
            "step_seconds": ("STEP_TIME_LIMIT", float),
            "memory_mb": ("SCRIPT_MEMORY_MB", int),
            "engine_steps": ("ENGINE_STEP_LIMIT", int),
            "data_kb": ("SCRIPT_DATA_LIMIT_KB", int),
            "state_mb": ("STATE_LIMIT_MB", int),
        }
        values = {
            field: kind(settings[key]) for field, (key, kind) in keys.items() if key in settings
        }
        return cls(**values)


@dataclass(frozen=True)
class _Budget:
    deadline: float
    seconds: float


_budget: ContextVar[_Budget | None] = ContextVar("engine_step_budget", default=None)


@contextmanager
def step_budget(seconds: float) -> Iterator[None]:
    """Everything the engine runs inside shares one deadline `seconds` from now."""
    token = _budget.set(_Budget(time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def check_step_time() -> None:
    """Raise LimitExceeded when the running step has used up its time."""
    budget = _budget.get()
    if budget is not None and time.monotonic() >= budget.deadline:
        raise LimitExceeded(
            _(
                "The step ran longer than %(seconds)s s in all and was stopped (a slow or "
                "endless loop of scripts and gateways?).",
                seconds=f"{budget.seconds:g}",
            )
        )


def time_for_call(limits: Limits, kind: str) -> tuple[float, str]:
    """Seconds the next script or condition may run, and what to say if it runs out.

    The per-call limit, or what is left of the step's time if that is less. Raises
    ScriptError when the step's time is already spent.
    """
    budget = _budget.get()
    seconds = f"{limits.script_seconds:g}"
    too_long = (
        _("The script ran longer than %(seconds)s s and was stopped.", seconds=seconds)
        if kind == "script"
        else _("The condition ran longer than %(seconds)s s and was stopped.", seconds=seconds)
    )
    if budget is None:
        return limits.script_seconds, too_long
    left = budget.deadline - time.monotonic()
    in_all = f"{budget.seconds:g}"
    step_spent = (
        _(
            "The script was stopped: the step's diagram code ran longer than %(seconds)s s in all.",
            seconds=in_all,
        )
        if kind == "script"
        else _(
            "The condition was stopped: the step's diagram code ran longer than %(seconds)s s "
            "in all.",
            seconds=in_all,
        )
    )
    if left <= 0:
        raise ScriptError(step_spent)
    if left < limits.script_seconds:
        return left, step_spent
    return limits.script_seconds, too_long
