"""Messages delivered from outside (`POST /api/v1/messages`) to the events waiting for them.

An intermediate message catch event or a receive task waits in the engine with nothing
open; the host finds the submissions waiting for a message by its name (the BPMN
`message` element's name, as spiff-arena and Camunda address it) and hands it to them
here: the waiting event catches it, its data joins the submission's, and the workflow
runs on to its next wait state.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from app.engine.compiler import CompiledProcess
from app.engine.foreign_timers import HELD
from app.engine.runtime import Step, load_workflow, run_to_wait


def awaited_messages(process: CompiledProcess) -> frozenset[str]:
    """The names of the messages the process's catch events and receive tasks (not its
    start events) wait for, in the process and in the processes it calls."""
    specs = [process.spec, *process.subprocess_specs.values()]
    return frozenset(
        name
        for spec in specs
        for task_spec in spec.task_specs.values()
        if not isinstance(task_spec, StartEvent)
        for name in _message_names(getattr(task_spec, "event_definition", None))
    )


def _message_names(definition) -> list[str]:
    """The messages an event waits for: its own, or (an event-based gateway, which holds
    the definitions of the events drawn after it) each of those."""
    if isinstance(definition, MessageEventDefinition):
        return [definition.name] if definition.name else []
    if isinstance(definition, MultipleEventDefinition):
        return [n for d in definition.event_definitions for n in _message_names(d)]
    return []


def message_starts(process: CompiledProcess) -> frozenset[str]:
    """The names of the messages that start the process (its message start events)."""
    return frozenset(
        task_spec.event_definition.name
        for task_spec in process.spec.task_specs.values()
        if isinstance(task_spec, StartEvent)
        and isinstance(getattr(task_spec, "event_definition", None), MessageEventDefinition)
        and task_spec.event_definition.name
    )


def deliver_message(process: CompiledProcess, state: str, name: str, data: dict) -> Step | None:
    """The step after the message `name` with `data` reaches the events of the stored
    workflow waiting for it (a message start event too, in a workflow just started);
    None when none waits for it now."""
    workflow = load_workflow(process, state)
    waiting = [
        task
        for task in workflow.get_tasks(state=TaskState.WAITING)
        if name in _message_names(getattr(task.task_spec, "event_definition", None))
    ]
    if not waiting:
        return None
    for task in waiting:
        definition = task.task_spec.event_definition
        # Caught as the engine catches a message thrown inside the diagram; the
        # correlation was the host's to decide, by the submission's data.
        event = BpmnEvent(MessageEventDefinition(name), payload=dict(data))
        if isinstance(definition, MultipleEventDefinition):  # an event-based gateway
            # The gateway finds the branch by its own definition of the message.
            (own,) = [
                d
                for d in definition.event_definitions
                if isinstance(d, MessageEventDefinition) and d.name == name
            ][:1]
            seen = list(task.internal_data.get("seen_events", []))
            task._set_internal_data(seen_events=[*seen, BpmnEvent(own, payload=dict(data))])
        else:
            definition.update_internal_data(task, event)
            task._set_internal_data(event_fired=True)
        task.set_data(**data)  # the message's data goes on along the flow
        task.task_spec._update(task)
    return run_to_wait(process, workflow)


def awaits_event(process: CompiledProcess, state: str) -> bool:
    """Whether the stored workflow waits for a message or a timer (something from
    outside that will move it), as the integrity check asks of a submission with
    nothing open."""
    workflow = load_workflow(process, state)
    return any(
        isinstance(
            getattr(task.task_spec, "event_definition", None),
            MessageEventDefinition | TimerEventDefinition | MultipleEventDefinition,
        )
        # A timer the host fires (foreign_timers.py) moves it only through its job.
        and not task._get_internal_data(HELD)
        for task in workflow.get_tasks(state=TaskState.WAITING)
    )
