"""Which forms a process's start data belongs to.

Start data may hold only what the one who starts would fill in anyway: the start
event's own form when the diagram gives it one (spiff-arena and Camunda draw forms on
start events), else the forms of the first user tasks the start reaches in the start
lane — not a later step's fields (an expert's score, an approved amount).
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.spiff.specs.defaults import UserTask

from app.engine.compiler import CompiledProcess

FormFiles = tuple[str | None, str | None]
"""A form: (JSON Schema file, ui schema file)."""


def start_forms(process: CompiledProcess) -> list[FormFiles]:
    """The forms whose writable fields start data may set; empty when none may be set."""
    starts = [s for s in process.spec.task_specs.values() if isinstance(s, StartEvent)]
    own = [_form_of(s) for s in starts if _form_of(s)[0]]
    if own:
        return own
    forms: list[FormFiles] = []
    for start in starts:
        for task in _first_user_tasks(start):
            if process.start_lane is None or task.lane == process.start_lane:
                forms.append(_form_of(task))
    return [form for form in forms if form[0]]


def _form_of(spec) -> FormFiles:
    props = (spec.extensions or {}).get("properties", {})
    return props.get("formJsonSchemaFilename"), props.get("formUiSchemaFilename")


def _first_user_tasks(start) -> list:
    """User tasks reached from ``start`` before any other user task (through gateways,
    scripts and events), in the order the flows are drawn."""
    found, seen, queue = [], {id(start)}, list(start.outputs)
    while queue:
        spec = queue.pop(0)
        if id(spec) in seen:
            continue
        seen.add(id(spec))
        if isinstance(spec, UserTask):
            found.append(spec)
        else:
            queue.extend(spec.outputs)
    return found
