"""A BPMN error reported by an external-task worker, caught on its task's edge.

An external task waits in the engine as a manual task (engine/compiler.py). Camunda's
worker may answer it with a BPMN error instead of completing it: the error boundary
event drawn on the task whose error code matches (or one with no code, which catches
every error) catches it with the worker's variables, the task is cancelled and the
workflow follows the event's flow.
"""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from app.engine.compiler import CompiledProcess
from app.engine.errors import TaskNotReady
from app.engine.runtime import Step, load_workflow, run_to_wait


def throw_error(
    process: CompiledProcess, state: str, engine_task_id: str, error_code: str, variables: dict
) -> Step | None:
    """The step after the error `error_code` is thrown on the waiting task; None when no
    boundary event on it catches that code (nothing moves). Raises TaskNotReady when the
    task waits no more."""
    workflow = load_workflow(process, state)
    try:
        task = workflow.get_task_from_id(UUID(engine_task_id))
    except Exception as exc:
        raise TaskNotReady(f"task {engine_task_id} is not in this workflow") from exc
    if task.state != TaskState.READY:
        raise TaskNotReady(f"task {task.task_spec.bpmn_id} is {TaskState.get_name(task.state)}")
    # SpiffWorkflow draws a task with boundary events as a split whose other children
    # are the events, each waiting to be caught.
    catchers = [
        sibling
        for sibling in (task.parent.children if task.parent is not None else [])
        if sibling is not task
        and sibling.state == TaskState.WAITING
        and isinstance(getattr(sibling.task_spec, "event_definition", None), ErrorEventDefinition)
        and sibling.task_spec.event_definition.code in (None, "", error_code)
    ]
    if not catchers:
        return None
    # The one naming the code wins over a catch-all, as in Camunda.
    catcher = min(catchers, key=lambda t: t.task_spec.event_definition.code != error_code)
    definition = catcher.task_spec.event_definition
    thrown = ErrorEventDefinition(definition.name, code=error_code)
    definition.catch(catcher, BpmnEvent(thrown, payload=dict(variables)))
    catcher.set_data(**variables)  # the worker's variables go on along the event's flow
    catcher.task_spec._update(catcher)
    return run_to_wait(process, workflow)
