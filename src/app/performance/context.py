"""Which submission the engine is running for, so that registry operators know it.

Operators are called by the engine from inside a service's transaction; the service
sets the run context around the engine call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Run:
    instance: Any  # app.models.ProcessInstance
    actor: Any  # app.models.User
    # What operators refused as the submitter's mistake (a project of another
    # organisation), kept here because the engine wraps the exception it raised.
    refusals: list[Exception] = field(default_factory=list)


_current: ContextVar[Run | None] = ContextVar("performance_run", default=None)


@contextmanager
def running(instance: Any, actor: Any) -> Iterator[Run]:
    run = Run(instance, actor)
    token = _current.set(run)
    try:
        yield run
    finally:
        _current.reset(token)


def current_run() -> Run:
    run = _current.get()
    if run is None:
        raise RuntimeError("registry operators run only inside a submission's step")
    return run


def run_org() -> Any:
    """The running submission's organisation (app.models.Org), read by id: the identity
    map answers it when the step loaded it, and the instance's `org` loads by raise."""
    from app.extensions import db
    from app.models import Org

    return db.session.get(Org, current_run().instance.org_id)


class RequestRefused(ValueError):
    """What the submitter asked cannot be done as asked (a figure over a limit, a project
    that is not theirs): a field error for them, not an incident for the administrator."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def refuse(field: str, message: str) -> RequestRefused:
    """A refusal of `field`, kept on the run (the engine wraps what an operator raises)."""
    refusal = RequestRefused(field, message)
    current_run().refusals.append(refusal)
    return refusal
