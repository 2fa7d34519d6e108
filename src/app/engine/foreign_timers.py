"""Intermediate timer catch events, as Camunda Modeler 7 and 8 and spiff-arena draw them.

A submission reaching such an event waits there with nothing open until its duration has
passed. As with interrupting boundary timers, the host fires it, not the engine: the
duration counts in working days (`dueCalendar` = calendar says otherwise), so the
worker runs a job at the due time the host's calendar gives (services/runtime/catch_timers.py).

Each editor writes the duration its own way — Camunda 7 bare (`P2D`), Camunda 8 bare or
as FEEL (`=duration("P2D")`, `="P2D"`), spiff-arena as a quoted Python string (`"P2D"`) —
and the engine reads timer expressions as Python, so the parsed copy (never the stored
diagram) gets the quoted form. A date (`timeDate`) or a cycle (`timeCycle`) on an
intermediate event, and a timer start event, are refused by the lint (lint_flow.py): the
first two are nothing an approval waits for, and the last would start submissions of
nobody's organisation on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import (
    EventBasedGateway,
    IntermediateCatchEvent,
)
from SpiffWorkflow.util.task import TaskState

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Marks a waiting timer the host has been told of (in the task's internal data), so that
# a later step of the same submission does not schedule it again.
HELD = "host_timer"
# What the engine's own clock compares with: never, so only the host fires the timer.
_NEVER = "9999-12-31T00:00:00+00:00"
_FEEL = re.compile(r'^=\s*(?:duration\(\s*)?"([^"]*)"\s*\)?$')


@dataclass(frozen=True)
class CatchTimer:
    """An intermediate timer catch event: how long a submission waits at it."""

    event_id: str
    after: timedelta
    after_text: str
    counting: str


def duration_text(text: str | None) -> str:
    """The ISO duration an editor wrote, unwrapped from its FEEL or Python quoting
    (`=duration("P2D")`, `="P2D"`, `"P2D"`, `'P2D'`, `P2D` -> `P2D`)."""
    value = (text or "").strip()
    feel = _FEEL.match(value)
    if feel:
        return feel.group(1).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def timer_problem(event: etree._Element) -> str | None:
    """Why the intermediate timer `event` cannot run here, a sentence naming it; None if it
    can."""
    from app.engine.due_periods import ISO_DURATION, parse_due_counting, parse_due_in

    definition = event.find(f"{{{BPMN}}}timerEventDefinition")
    if definition is None:
        return None
    name = event.get("name") or event.get("id") or "?"
    duration = definition.find(f"{{{BPMN}}}timeDuration")
    if duration is None:
        if definition.find(f"{{{BPMN}}}timeDate") is not None:
            return _(
                "“%(name)s” waits until a date, which cannot run here: use a duration.",
                name=name,
            )
        if definition.find(f"{{{BPMN}}}timeCycle") is not None:
            return _(
                "“%(name)s” is a cycle timer, which cannot run here: use a duration.", name=name
            )
        return _("The timer “%(name)s” has no duration.", name=name)
    text = duration_text(duration.text)
    if not ISO_DURATION.match(text):
        return _(
            "The duration “%(duration)s” of the timer “%(name)s” is not an ISO 8601 duration "
            "such as P3D.",
            duration=(duration.text or "").strip()[:60],
            name=name,
        )
    try:
        parse_due_in(text)
        parse_due_counting(_property(event, "dueCalendar"))
    except ValueError as exc:
        return _("The timer “%(name)s”: %(reason)s", name=name, reason=str(exc))
    return None


def catch_timers(root: etree._Element) -> dict[str, CatchTimer]:
    """The diagram's intermediate timer catch events by id, each duration quoted in place
    in this parsed copy so that the engine accepts it. One the host cannot fire is left
    out: the lint refuses its deployment, naming it with the others."""
    from app.engine.due_periods import parse_due_counting, parse_due_in

    found: dict[str, CatchTimer] = {}
    for event in root.iter(f"{{{BPMN}}}intermediateCatchEvent"):
        duration = event.find(f"{{{BPMN}}}timerEventDefinition/{{{BPMN}}}timeDuration")
        event_id = event.get("id", "")
        if duration is None or timer_problem(event):
            continue  # refused by the lint (lint_flow.py), which names every such timer
        text = duration_text(duration.text)
        duration.text = f'"{text}"'
        found[event_id] = CatchTimer(
            event_id=event_id,
            after=parse_due_in(text),
            after_text=text,
            counting=parse_due_counting(_property(event, "dueCalendar")),
        )
    return found


def hold_new_timers(workflow) -> list[str]:
    """The intermediate timers the workflow has just come to wait at (their event ids),
    each marked as told to the host and kept from firing on the engine's own clock."""
    held = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        timers = gateway_timers(task.task_spec)
        if isinstance(task.task_spec, IntermediateCatchEvent) and isinstance(
            getattr(task.task_spec, "event_definition", None), TimerEventDefinition
        ):
            timers = [(task.task_spec.bpmn_id, task.task_spec.event_definition)]
        if not timers or task._get_internal_data(HELD):
            continue
        task._set_internal_data(**{HELD: True, "event_value": _NEVER})
        held.extend(event_id for event_id, _ in timers)
    return held


def gateway_timers(spec) -> list[tuple[str, TimerEventDefinition]]:
    """The timers an event-based gateway waits for, by the id of the event drawn after it
    (SpiffWorkflow moves the events' definitions onto the gateway, in its outputs' order)."""
    if not isinstance(spec, EventBasedGateway):
        return []
    pairs = zip(spec.outputs, spec.event_definition.event_definitions, strict=False)
    return [(c.bpmn_id, d) for c, d in pairs if isinstance(d, TimerEventDefinition)]


def _property(element: etree._Element, name: str) -> str | None:
    for prop in element.iter("{*}property"):
        if prop.get("name") == name:
            return prop.get("value")
    return None
