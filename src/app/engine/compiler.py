"""Turning a BPMN file into something the runtime can start, and the facts the host needs.

The host needs, per user task: its lane (-> role), its form files and due period. Those
come from SpiffWorkflow's parsed spec, so they always agree with what will run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import ManualTask, NoneTask, UserTask

from app.engine.due_periods import (
    ISO_DURATION,
    WORKING_DAYS,
    parse_due_counting,
    parse_due_in,
)
from app.engine.errors import DiagramError
from app.engine.foreign_common import SERVICE_WORKER_ROLE, TOPIC_PROPERTY
from app.engine.foreign_timers import catch_timers
from app.engine.serializer import spec_dicts
from app.engine.xml import parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class Escalation:
    """A boundary timer on a user task. Non-interrupting: chase whoever holds it (督办).
    Interrupting (`withdraws`): withdraw the task and follow the timer's flow.

    The host, not the engine, fires it (a job run by the worker at the due time counted
    in working days), so the engine state never waits on a clock.
    """

    event_id: str
    after: timedelta
    after_text: str
    to: tuple[str, ...]  # role codes or names as lanes name them; () = the service default
    counting: str = WORKING_DAYS
    withdraws: bool = False


@dataclass(frozen=True)
class UserTaskSpec:
    id: str
    name: str
    lane: str | None
    form: str | None
    ui_form: str | None
    due_in: timedelta | None
    due_in_text: str | None
    # Name of a data field holding the username the task goes to (e.g. the chosen expert).
    assignee_from: str | None = None
    escalation: Escalation | None = None
    due_counting: str = WORKING_DAYS
    # An interrupting boundary timer: at its due time the task is withdrawn.
    withdrawal: Escalation | None = None
    # A manual task (or a bare bpmn:task): in the inbox like any step, done without a form.
    manual: bool = False
    # An external service task: the topic a worker fetches it by (api/engine_rest.py).
    external_topic: str | None = None


@dataclass
class CompiledProcess:
    key: str
    name: str
    start_lane: str | None
    user_tasks: dict[str, UserTaskSpec]
    spec: Any = field(repr=False)
    subprocess_specs: dict = field(repr=False)
    # The serialized spec, added back to the compact state when it is loaded.
    serialized_spec: dict = field(repr=False, default_factory=dict)
    # Intermediate timer catch events by id (engine/foreign_timers.py): the host fires them.
    catch_timers: dict = field(repr=False, default_factory=dict)


def _boundary_timers(root: etree._Element) -> dict[str, list[Escalation]]:
    """Timers on the edge of user tasks, by the task they are attached to.

    A bare duration (P3D, as Camunda Modeler writes it) is quoted in place so that the
    engine, which reads timer expressions as Python, accepts the diagram as drawn.
    """
    found: dict[str, list[Escalation]] = {}
    for event in root.iter(f"{{{BPMN_NS}}}boundaryEvent"):
        duration = event.find(f"{{{BPMN_NS}}}timerEventDefinition/{{{BPMN_NS}}}timeDuration")
        if duration is None:
            continue
        event_id = event.get("id", "")
        withdraws = event.get("cancelActivity", "true").lower() != "false"
        text = (duration.text or "").strip()
        bare = text.strip("\"'")
        if not ISO_DURATION.match(bare):
            raise DiagramError(
                _(
                    "[%(event)s] The timer duration “%(text)s” is not an ISO 8601 duration "
                    "such as P3D.",
                    event=event_id,
                    text=text,
                )
            )
        try:
            after = parse_due_in(bare)
        except ValueError as exc:
            raise DiagramError(
                _("[%(event)s] Timer duration: %(reason)s", event=event_id, reason=str(exc))
            ) from None
        try:
            counting = parse_due_counting(_extension_property(event, "dueCalendar"))
        except ValueError as exc:
            raise DiagramError(f"[{event_id}] {exc}") from None
        duration.text = f'"{bare}"'
        roles = _extension_property(event, "escalateTo")
        to = tuple(r.strip() for r in re.split(r"[,，]", roles) if r.strip()) if roles else ()
        timer = Escalation(
            event_id=event_id,
            after=after,
            after_text=bare,
            to=to,
            counting=counting,
            withdraws=withdraws,
        )
        found.setdefault(event.get("attachedToRef", ""), []).append(timer)
    return found


def _extension_property(element: etree._Element, name: str) -> str | None:
    for prop in element.iter("{*}property"):
        if prop.get("name") == name:
            return prop.get("value")
    return None


def _role_property(task_spec) -> str | None:
    """The role of a step drawn outside any lane, as the import wrote it (property
    `role`: Camunda's candidate groups, an assignee's role, or the default role)."""
    props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
    return (props.get("role") or "").strip() or None


_EXTERNAL_KINDS = ("serviceTask", "sendTask", "businessRuleTask")


def _external_as_waiting_steps(root: etree._Element) -> None:
    """Draw each external task as the step it is here: a manual task, which waits in
    the engine until its worker completes it (SpiffWorkflow would otherwise call it as a
    service at once). Only the parsed copy changes; the stored diagram keeps its kind."""
    for kind in _EXTERNAL_KINDS:
        for task in list(root.iter(f"{{{BPMN_NS}}}{kind}")):
            if _extension_property(task, TOPIC_PROPERTY):
                task.tag = f"{{{BPMN_NS}}}manualTask"


def is_diagram_name(name: str) -> bool:
    """A .bpmn file deployed beside the main diagram (its call activities call it)."""
    return name.lower().endswith((".bpmn", ".bpmn20.xml"))


def executable_process_ids(root: etree._Element) -> list[str]:
    """Executable processes in the file, the called ones (call activities) last."""
    processes = root.findall(f"{{{BPMN_NS}}}process")
    called = {el.get("calledElement") for el in root.iter(f"{{{BPMN_NS}}}callActivity")}
    ids = [p.get("id") for p in processes if p.get("isExecutable", "false").lower() == "true"]
    return sorted(ids, key=lambda pid: pid in called)


def compile_process(
    content: bytes, filename: str = "diagram.bpmn", decisions: dict[str, bytes] | None = None
) -> CompiledProcess:
    """Parse a diagram (and the files deployed with it: the DMN decision tables its
    business rule tasks call, the .bpmn diagrams its call activities call) into a
    runnable process. Raises DiagramError naming the problem."""
    root = parse_xml(content)
    _external_as_waiting_steps(root)
    escalations = _boundary_timers(root)
    waits = catch_timers(root)
    process_ids = executable_process_ids(root)
    if not process_ids:
        raise DiagramError(_('There is no process with isExecutable="true".'))
    parser = SpiffBpmnParser()
    try:
        for name, raw in (decisions or {}).items():
            if is_diagram_name(name):
                called = parse_xml(raw)
                _external_as_waiting_steps(called)
                for task_id, timers in _boundary_timers(called).items():
                    escalations.setdefault(task_id, []).extend(timers)
                waits.update(catch_timers(called))
                parser.add_bpmn_xml(called.getroottree(), name)
            else:
                parser.add_dmn_xml(parse_xml(raw), name)
        parser.add_bpmn_xml(root.getroottree(), filename)
        spec = parser.get_spec(process_ids[0])
        subprocess_specs = parser.get_subprocess_specs(process_ids[0])
        # Serialising builds a workflow, which is where a broken spec shows.
        serialized_spec = spec_dicts(spec, subprocess_specs)
    except ValidationException as exc:
        where = f" [{exc.id}]" if getattr(exc, "id", "") else ""
        raise DiagramError(f"{exc}{where}") from exc
    except (SpiffWorkflowException, KeyError, ValueError) as exc:
        raise DiagramError(str(exc)) from exc

    user_tasks: dict[str, UserTaskSpec] = {}
    start_lane = None
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, StartEvent) and start_lane is None:
            start_lane = task_spec.lane or _role_property(task_spec)
    # User tasks inside call activities and embedded subprocesses wait in inboxes too.
    nested = (t for sub in subprocess_specs.values() for t in sub.task_specs.values())
    for task_spec in [*spec.task_specs.values(), *nested]:
        # Manual tasks and bare tasks wait for a person in SpiffWorkflow as user tasks do:
        # they are steps in an inbox too, or they would wait where nobody sees them.
        if not isinstance(task_spec, UserTask | ManualTask | NoneTask):
            continue
        manual = not isinstance(task_spec, UserTask)
        if task_spec.bpmn_id in user_tasks:
            raise DiagramError(
                _(
                    "[%(id)s] Two steps of the diagrams deployed together share this id: "
                    "rename one.",
                    id=task_spec.bpmn_id,
                )
            )
        props = (task_spec.extensions or {}).get("properties", {})
        topic = (props.get(TOPIC_PROPERTY) or "").strip() or None
        due_text = props.get("dueIn")
        try:
            due_in = parse_due_in(due_text)
        except ValueError as exc:
            raise DiagramError(f"[{task_spec.bpmn_id}] dueIn {exc}") from exc
        try:
            counting = parse_due_counting(props.get("dueCalendar"))
        except ValueError as exc:
            raise DiagramError(f"[{task_spec.bpmn_id}] {exc}") from exc
        timers = escalations.get(task_spec.bpmn_id, [])
        escalation = next((t for t in timers if not t.withdraws), None)
        withdrawal = min((t for t in timers if t.withdraws), key=lambda t: t.after, default=None)
        for timer in (escalation, withdrawal):
            if due_in is None and timer is not None:
                due_in, due_text = timer.after, timer.after_text
                counting = timer.counting
        user_tasks[task_spec.bpmn_id] = UserTaskSpec(
            id=task_spec.bpmn_id,
            name=task_spec.bpmn_name or task_spec.bpmn_id,
            lane=SERVICE_WORKER_ROLE if topic else task_spec.lane or _role_property(task_spec),
            form=None if manual else props.get("formJsonSchemaFilename"),
            ui_form=None if manual else props.get("formUiSchemaFilename"),
            due_in=due_in,
            due_in_text=due_text,
            assignee_from=props.get("assigneeFrom"),
            escalation=escalation,
            due_counting=counting,
            manual=manual,
            withdrawal=withdrawal,
            external_topic=topic,
        )
    compiled = CompiledProcess(
        key=spec.name,
        name=spec.description or spec.name,
        start_lane=start_lane,
        user_tasks=user_tasks,
        spec=spec,
        subprocess_specs=subprocess_specs,
    )
    compiled.serialized_spec = serialized_spec
    compiled.catch_timers = waits
    return compiled
