"""Firing a timer at the time the host decides: an interrupting boundary timer, an
intermediate timer catch event (foreign_timers.py), or one after an event-based gateway.

The engine's own timers count calendar time from when they started; ours fall due in
working days, so the host's worker fires them: the waiting timer is marked fired and the
workflow runs on, which withdraws the task it sits on and follows the timer's flow.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from app.engine.compiler import CompiledProcess
from app.engine.foreign_timers import gateway_timers
from app.engine.runtime import Step, load_workflow, run_to_wait


def fire_timer(process: CompiledProcess, state: str, event_id: str) -> Step | None:
    """The step after the timer `event_id` (a boundary timer, an intermediate one, or one
    drawn after an event-based gateway) fires; None when it waits no more (its task was
    done, another event won the gateway, or the timer fired already)."""
    workflow = load_workflow(process, state)
    fired = False
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if task.task_spec.bpmn_id == event_id:  # this timer only: no other fires
            task._set_internal_data(event_fired=True)  # what a timer past its time records
        else:
            timers = [d for i, d in gateway_timers(task.task_spec) if i == event_id]
            if not timers:
                continue
            seen = list(task.internal_data.get("seen_events", []))
            task._set_internal_data(seen_events=[*seen, BpmnEvent(timers[0])])
        task.task_spec._update(task)
        fired = True
    return run_to_wait(process, workflow) if fired else None
