"""What the diagram pages show: a deployed version's steps, and where a submission stands.

Definitions are not sensitive, so any signed-in person may read them; a submission's
marks come from the detail the caller was already allowed to see (`instance_detail`),
never from engine state, so this module adds no visibility rule of its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.engine import EngineError
from app.engine.xml import parse_xml
from app.extensions import db
from app.models import ProcessDefinition, Role
from app.models.org import role_label
from app.services.foundation.errors import NotFound
from app.services.runtime.definitions import compiled, latest_definition, pinned_forms
from app.services.runtime.queries import InstanceDetail

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def definition_version(key: str, version: int | None = None) -> ProcessDefinition:
    """Version `version` of process `key`, or its latest when None."""
    if version is None:
        return latest_definition(key)
    definition = db.session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessDefinition.version == version
        )
    )
    if definition is None:
        raise NotFound(
            _l("The process “%(key)s” has no version %(version)s.", key=key, version=version)
        )
    return definition


def versions_of(key: str) -> list[int]:
    """Every deployed version of `key`, newest first: the page offers them all."""
    return list(
        db.session.scalars(
            select(ProcessDefinition.version)
            .where(ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version.desc())
        )
    )


@dataclass
class DiagramStep:
    activity_id: str
    name: str
    lane: str | None
    role_code: str | None
    role_name: str | None
    form: str | None
    due_in: timedelta | None
    due_in_text: str | None
    # The form's own title ("项目绩效目标申报表"), as people name it; None without one.
    form_title: str | None = None


def process_steps(definition: ProcessDefinition) -> list[DiagramStep]:
    """The version's user tasks as the engine compiled them, in the diagram's own order."""
    tasks = compiled(definition).user_tasks
    roles = _roles()
    order = {activity_id: n for n, activity_id in enumerate(_document_order(definition))}
    titles = {
        filename: content.get("title")
        for filename, content in pinned_forms(definition).items()
        if isinstance(content, dict) and isinstance(content.get("title"), str)
    }
    steps = []
    for spec in sorted(tasks.values(), key=lambda t: (order.get(t.id, len(order)), t.id)):
        code = _role_code(spec.lane, roles)
        steps.append(
            DiagramStep(
                activity_id=spec.id,
                name=spec.name,
                lane=spec.lane,
                role_code=code,
                role_name=role_label(code, roles[code]) if code else None,
                form=spec.form,
                due_in=spec.due_in,
                due_in_text=spec.due_in_text,
                form_title=(titles.get(spec.form) or "").strip() or None,
            )
        )
    return steps


@dataclass
class CurrentMark:
    activity_id: str
    # The person holding the task, else the role whose pool it waits in.
    holder: str
    since: datetime


@dataclass
class InstanceMarks:
    current: list[CurrentMark]
    # Activity id -> how many times it completed: more than once means it came back.
    done: dict[str, int]


def instance_marks(detail: InstanceDetail) -> InstanceMarks:
    """Where the submission waits and which steps it went through, from its task rows."""
    roles = _roles() if any(t.assignee is None for t in detail.current) else {}
    current = [
        CurrentMark(
            activity_id=task.activity_id,
            holder=task.assignee.display_name
            if task.assignee
            else roles.get(task.role_code, task.role_code),
            since=task.created_at,
        )
        for task in detail.current
    ]
    done = Counter(task.activity_id for task in detail.completed)
    return InstanceMarks(current, dict(done))


def _roles() -> dict[str, str]:
    return {code: name for code, name in db.session.execute(select(Role.code, Role.name))}


def _role_code(lane: str | None, roles: dict[str, str]) -> str | None:
    """A lane names a role by its code or by its display name (as routing reads it)."""
    if not lane:
        return None
    name = lane.strip()
    if name in roles:
        return name
    return next((code for code, display in roles.items() if display == name), None)


def _document_order(definition: ProcessDefinition) -> list[str]:
    try:
        root = parse_xml(definition.bpmn_xml.encode())
    except EngineError:  # deployed diagrams parsed once already; never fail a read on one
        return []
    return [el.get("id") for el in root.iter(f"{{{BPMN_NS}}}userTask")]
