"""What a task's form page needs: the pinned schema, ui schema and the prefill data."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Task, User
from app.services.runtime.definitions import pinned_form
from app.services.runtime.tasks import EMPTY_FORM, visible_task


@dataclass
class TaskForm:
    task: Task
    schema: dict
    ui: dict
    # The instance's data so far: a returned submission shows what was sent before.
    data: dict


def task_form(actor: User, task_id: int) -> TaskForm:
    """The task with its form, if `actor` may see it. Raises NotFound otherwise."""
    task = visible_task(actor, task_id)
    definition = task.instance.definition
    schema = pinned_form(definition, task.form_schema) or EMPTY_FORM
    ui = pinned_form(definition, task.form_ui) or {}
    data = task.data if task.data is not None else dict(task.instance.data or {})
    return TaskForm(task, schema, ui, data)
