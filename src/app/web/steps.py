"""Completed steps shown read-only, each with the form version pinned to its submission."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.forms import FormSchemaError, FormSpec, form_spec
from app.models import AuditEvent, Task
from app.services.tasks import EMPTY_FORM

log = logging.getLogger(__name__)


@dataclass
class Step:
    task: Task
    spec: FormSpec | None


def step_spec(task: Task) -> FormSpec | None:
    """The spec of the schema deployed with the task's definition version."""
    definition = task.instance.definition
    schema = definition.form(task.form_schema) or EMPTY_FORM
    try:
        return form_spec(schema, definition.form(task.form_ui) or {})
    except FormSchemaError:  # deployment checks schemas; never fail a read page on one
        log.warning("task %s: form %s cannot be shown", task.id, task.form_schema)
        return None


def completed_steps(completed: list[Task]) -> list[Step]:
    return [Step(task, step_spec(task)) for task in completed]


def decision_label(event: AuditEvent, steps: list[Step]) -> str | None:
    """The history's decision as the form shows it ("通过"), not its code ("approve")."""
    decision = (event.details or {}).get("decision")
    if decision in (None, ""):
        return None
    step = next((s for s in steps if s.task.id == event.task_id), None)
    if step is None or step.spec is None:
        return str(decision)
    for node in step.spec.fields:
        if node.key in ("decision", "conclusion", "grade") and node.choices:
            return node.choice_title(decision)
    return str(decision)
