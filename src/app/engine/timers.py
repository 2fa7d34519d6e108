"""Firing an interrupting boundary timer at the time the host decides.

The engine's own timers count calendar time from when they started; ours fall due in
working days, so the host's worker fires them: the waiting timer is marked fired and the
workflow runs on, which withdraws the task it sits on and follows the timer's flow.
"""

from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

from app.engine.compiler import CompiledProcess
from app.engine.runtime import Step, load_workflow, run_to_wait


def fire_timer(process: CompiledProcess, state: str, event_id: str) -> Step | None:
    """The step after the boundary timer `event_id` fires; None when it waits no more
    (its task was done, or the timer fired already)."""
    workflow = load_workflow(process, state)
    waiting = [
        task
        for task in workflow.get_tasks(state=TaskState.WAITING)
        if task.task_spec.bpmn_id == event_id
    ]
    if not waiting:
        return None
    for task in waiting:  # this timer only: the engine's clock fires no other
        task._set_internal_data(event_fired=True)  # what a timer past its time records
        task.task_spec._update(task)
    return run_to_wait(process, workflow)
