"""Completed steps shown read-only, each with the form version pinned to its submission."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.forms import FormSchemaError, FormSpec, form_spec
from app.models import AuditEvent, Task
from app.services.runtime.definitions import pinned_form
from app.services.runtime.tasks import DECISION_FIELDS, EMPTY_FORM
from app.web.filters import decision_word

log = logging.getLogger(__name__)


@dataclass
class Step:
    task: Task
    spec: FormSpec | None


def step_spec(task: Task) -> FormSpec | None:
    """The spec of the schema deployed with the task's definition version."""
    definition = task.instance.definition
    schema = pinned_form(definition, task.form_schema) or EMPTY_FORM
    try:
        return form_spec(schema, pinned_form(definition, task.form_ui) or {})
    except FormSchemaError:  # deployment checks schemas; never fail a read page on one
        log.warning("task %s: form %s cannot be shown", task.id, task.form_schema)
        return None


def completed_steps(completed: list[Task]) -> list[Step]:
    return [Step(task, step_spec(task)) for task in completed]


def decision_label(event: AuditEvent, steps: list[Step]) -> str | None:
    """The history's decision as the form shows it ("退回单位修改"), never its code ("return").

    The decision is the value of the step's first field named like a decision (as
    services/runtime/tasks records it); its form's choice title names it, else the one list of
    decision words does, else the value itself (free text such as a grade "优").
    """
    decision = (event.details or {}).get("decision")
    if decision in (None, ""):
        return None
    step = next((s for s in steps if s.task.id == event.task_id), None)
    if step is not None and step.spec is not None:
        data = step.task.data or {}
        for node in step.spec.fields:
            named_like_decision = node.key.endswith(DECISION_FIELDS)
            if named_like_decision and node.choices and data.get(node.key) == decision:
                return node.choice_title(decision)
    return decision_word(decision)
