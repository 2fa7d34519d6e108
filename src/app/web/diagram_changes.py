"""A diagram change in the reader's words: which property changed, from what to what.

Shared by the versions page's comparison and the modeler's deploy confirmation, so both
say "期限：5个工作日 → 7个工作日" rather than "属性（表单、期限、操作）".
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.engine.diagram_diff import ElementChange
from app.services.administration.modeling import form_titles
from app.web.blueprint import web_blueprint as bp
from app.web.filters import iso_period, role_names

# Extension properties people set in the modeler's panel, by their names in the XML.
PROPERTY_LABELS = {
    "formJsonSchemaFilename": "Form",
    "formUiSchemaFilename": "Form layout (ui schema)",
    "dueIn": "Due period",
    "dueCalendar": "Days counted as",
    "assigneeFrom": "Assign to the user named in field",
}


@bp.app_template_global("element_kind")
def element_kind(kind: str) -> str:
    """A BPMN element type as the modeler's palette names it (用户任务, not userTask)."""
    return {
        "userTask": _("User task"),
        "serviceTask": _("Service task"),
        "scriptTask": _("Script task"),
        "task": _("Task"),
        "startEvent": _("Start event"),
        "endEvent": _("End event"),
        "boundaryEvent": _("Boundary event"),
        "exclusiveGateway": _("Exclusive gateway"),
        "parallelGateway": _("Parallel gateway"),
        "inclusiveGateway": _("Inclusive gateway"),
        "sequenceFlow": _("Sequence flow"),
    }.get(kind, kind)


@bp.app_template_global("property_label")
def property_label(prop: str) -> str:
    """What a changed property is called, in the reader's language."""
    kind, _sep, name = prop.partition(":")
    if kind == "property":
        label = PROPERTY_LABELS.get(name)
        return _(label) if label else name
    if kind == "attribute":
        return {
            "default": _("Default flow"),
            "resultVariable": _("Result variable"),
            "calledElement": _("Called process"),
            "sourceRef": _("From"),
            "targetRef": _("To"),
        }.get(name, name)
    return {
        "name": _("Name"),
        "type": _("Type"),
        "lane": _("Lane (role)"),
        "condition": _("Condition"),
        "script": _("Script"),
        "operator": _("Operator to call"),
        "preScript": _("Before the step starts (preScript)"),
        "postScript": _("After the step is completed (postScript)"),
        "timerEventDefinition": _("Timer"),
    }.get(prop, prop)


@bp.app_template_global("property_value")
def property_value(prop: str, value: str | None, titles: dict | None = None) -> str:
    """A property's value as people read it: a role's name for a lane, a form's title
    (with its file), a due period in words."""
    if value is None or value == "":
        return "—"
    if prop == "lane":
        return role_names().get(value, value)
    if prop == "property:dueIn" or prop == "timerEventDefinition":
        return iso_period(value) if value.startswith("P") else value
    if prop in ("property:formJsonSchemaFilename", "property:formUiSchemaFilename"):
        title = (titles or {}).get(value)
        return f"{title}（{value}）" if title else value
    if prop == "property:dueCalendar":
        return {"working": _("working days"), "calendar": _("calendar days")}.get(value, value)
    return value


def change_details(change: ElementChange, titles: dict) -> list[dict]:
    """Each changed property of one element: label, old and new, as text."""
    return [
        {
            "property": d.prop,
            "label": property_label(d.prop),
            "old": property_value(d.prop, d.old, titles),
            "new": property_value(d.prop, d.new, titles),
        }
        for d in change.details
    ]


def changes_json(changes: list[ElementChange], key: str | None) -> list[dict]:
    """The elements' changes for the modeler's deploy confirmation."""
    titles = form_titles(key)
    return [
        {
            "element_id": c.element_id,
            "name": c.name,
            "kind": c.kind,
            "change": c.change,
            "details": change_details(c, titles),
        }
        for c in changes
    ]


@bp.app_template_global("diff_details")
def diff_details(changes: list[ElementChange], key: str | None = None) -> dict[str, list[dict]]:
    """Per element id, its changed properties in words (the versions page's table)."""
    titles = form_titles(key)
    return {c.element_id: change_details(c, titles) for c in changes if c.details}
