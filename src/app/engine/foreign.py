"""Diagrams drawn in other editors: Camunda Modeler 7 (camunda:), Camunda Modeler 8
(zeebe:) and spiff-arena's editor (spiffworkflow:, which are our own extensions).

`convert_diagram` is the one conversion every deployment runs (the API, the web import,
the deploy page, the modeler): what has a meaning here is carried over into our own
properties, next to the original, so the stored diagram still exports as drawn:

- who does a user task: its lane (as always); else `camunda:assignee` /
  `camunda:candidateUsers` / `camunda:candidateGroups` or `zeebe:assignmentDefinition`
  (a group naming one of our roles by code or display name routes to that role, a user
  name to that account, an `${field}` / `=field` assignee reads the field as our
  `assigneeFrom` does); else the process's default role the deployer chose, with a
  warning naming the task. The start event likewise (`camunda:candidateStarterGroups`,
  `camunda:candidateStarterUsers`). The result is our property `role` (and
  `assigneeFrom`, or a preScript naming the fixed account);
- `camunda:formKey` / `zeebe:formDefinition formKey` naming a `.json` file -> the form
  (`formJsonSchemaFilename`); other form keys (HTML, Camunda Forms) are reported;
- `camunda:property` / `zeebe:property` named like ours (formJsonSchemaFilename,
  formUiSchemaFilename, dueIn, assigneeFrom) -> the same spiffworkflow property;
- `camunda:dueDate` / `zeebe:taskSchedule dueDate` holding an ISO 8601 duration -> dueIn;
- a service task with `camunda:type="external" camunda:topic` or `zeebe:taskDefinition
  type` -> an external task: our properties `externalTopic` and `role=service_worker`,
  done by Camunda's workers over api/engine_rest.py;
- a Camunda 8 message's `zeebe:subscription correlationKey="=field"`: read when a message
  is delivered (foreign_messages.py); a key that is more than a field name is refused;
- conditions in Camunda 7's expression language, `${a == "x" && b > 1}`, and simple
  FEEL, `= a > 5 and b = "x"`, -> the Python expression our sandbox evaluates.

What cannot be converted is refused with a finding naming the element and the
expression (a condition calling methods, a due date that is an expression, a service
task implemented in Java) — never kept to fail later. A diagram with nothing to carry
over is returned byte for byte unchanged. Conditions are translated in
foreign_conditions.py, people routed in foreign_people.py.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from lxml import etree

from app.engine.foreign_common import (
    BPMN,
    CAMUNDA,
    ROLE_PROPERTY,
    SERVICE_WORKER_ROLE,
    SPIFF,
    TOPIC_PROPERTY,
    WARNING,
    ZEEBE,
    ImportFinding,
    ImportNotes,
    label,
    set_property,
)
from app.engine.foreign_conditions import convert_conditions, translate_condition
from app.engine.foreign_messages import check_correlation_keys
from app.engine.foreign_people import NO_DIRECTORY, Directory, route_steps
from app.engine.xml import parse_xml

__all__ = [
    "Directory",
    "ImportFinding",
    "ImportNotes",
    "convert_diagram",
    "diagram_editor",
    "translate_condition",
]

OUR_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename", "dueIn", "assigneeFrom")
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")


def _editor(root: etree._Element) -> str:
    namespaces = {ns for el in root.iter() if isinstance(el.tag, str) for ns in el.nsmap.values()}
    exporter = (root.get("exporter") or "").lower()
    if ZEEBE in namespaces:
        return "zeebe"
    if CAMUNDA in namespaces:
        return "camunda"
    if SPIFF in namespaces:  # spiff-arena's editor says "Camunda Modeler" as exporter too
        return "spiff-arena"
    return "camunda" if "camunda" in exporter else "bpmn"


def diagram_editor(content: bytes) -> str:
    """Which editor drew `content` (camunda | zeebe | spiff-arena | bpmn)."""
    try:
        return _editor(parse_xml(content))
    except Exception:  # noqa: BLE001 - unreadable: the lint says why
        return "bpmn"


def _form_file(key: str) -> str | None:
    """A form key naming a JSON file, in any of Camunda's prefixes, as a bare file name."""
    bare = key.split(":")[-1].rsplit("/", 1)[-1].strip()
    return bare if bare.lower().endswith(".json") else None


def _convert_user_task(task: etree._Element, notes: ImportNotes) -> bool:
    changed = False
    task_id = task.get("id") or ""
    form_keys = [task.get(f"{{{CAMUNDA}}}formKey")]
    form_keys += [f.get("formKey") for f in task.iter(f"{{{ZEEBE}}}formDefinition")]
    for key in filter(None, form_keys):
        filename = _form_file(key)
        if filename:
            changed |= set_property(task, "formJsonSchemaFilename", filename, notes, "formKey")
        else:
            notes.ignored.append(
                _("%(task)s: the form key “%(key)s” is not a JSON form.", task=task_id, key=key)
            )
            notes.findings.append(
                ImportFinding(
                    task_id,
                    "form-key",
                    _(
                        "The form “%(key)s” of the user task “%(task)s” is not a JSON Schema "
                        "file: the task is done without a form here.",
                        key=key,
                        task=label(task),
                    ),
                    WARNING,
                )
            )
    for prop in [*task.iter(f"{{{CAMUNDA}}}property"), *task.iter(f"{{{ZEEBE}}}property")]:
        if prop.get("name") in OUR_PROPERTIES and (prop.get("value") or "").strip():
            changed |= set_property(
                task,
                prop.get("name"),
                prop.get("value").strip(),
                notes,
                etree.QName(prop).localname,
            )
    due_values = [task.get(f"{{{CAMUNDA}}}dueDate")]
    due_values += [s.get("dueDate") for s in task.iter(f"{{{ZEEBE}}}taskSchedule")]
    for due in filter(None, due_values):
        bare = due.strip()
        if bare.startswith("="):  # FEEL: a literal duration is written = duration("P3D")
            literal = re.fullmatch(r"=\s*duration\(\s*\"([^\"]*)\"\s*\)", bare)
            bare = literal.group(1) if literal else bare
        if _DURATION.match(bare):
            changed |= set_property(task, "dueIn", bare, notes, "dueDate")
        else:
            notes.findings.append(
                ImportFinding(
                    task_id,
                    "due-date",
                    _(
                        "The due date “%(due)s” of the user task “%(task)s” is not a duration "
                        "such as P5D and cannot be converted.",
                        due=due,
                        task=label(task),
                    ),
                )
            )
    return changed


# ---- implementations that run elsewhere -----------------------------------------------

_JAVA = ("class", "expression", "delegateExpression")
_TASKS_WITH_IMPLEMENTATION = ("serviceTask", "sendTask", "businessRuleTask")


def _convert_external(task: etree._Element, notes: ImportNotes) -> bool:
    """An external task waits, routed to the service workers, for a worker fetching its
    topic over Camunda's REST interface (api/engine_rest.py)."""
    topic = (task.get(f"{{{CAMUNDA}}}topic") or "").strip() or next(
        ((d.get("type") or "").strip() for d in task.iter(f"{{{ZEEBE}}}taskDefinition")), ""
    )
    if not topic or topic.startswith("="):
        notes.findings.append(
            ImportFinding(
                task.get("id") or "",
                "external-topic",
                _(
                    "“%(task)s” is an external task without a fixed topic (“%(topic)s” is "
                    "none): no worker can fetch it.",
                    task=label(task),
                    topic=topic,
                ),
            )
        )
        return False
    changed = set_property(task, TOPIC_PROPERTY, topic, notes, "topic")
    return set_property(task, ROLE_PROPERTY, SERVICE_WORKER_ROLE, notes, "external task") or changed


def _convert_implementations(root: etree._Element, notes: ImportNotes) -> bool:
    """External tasks carried over; Java, connectors and other script languages refused."""
    changed = False
    for kind in _TASKS_WITH_IMPLEMENTATION:
        for task in root.iter(f"{{{BPMN}}}{kind}"):
            java = [a for a in _JAVA if task.get(f"{{{CAMUNDA}}}{a}")]
            if kind == "businessRuleTask" and task.get(f"{{{CAMUNDA}}}decisionRef"):
                continue  # a decision table, which we run
            if java:
                value = task.get(f"{{{CAMUNDA}}}{java[0]}")
                notes.findings.append(
                    ImportFinding(
                        task.get("id") or "",
                        "java-implementation",
                        _(
                            "“%(task)s” runs Java code (camunda:%(attribute)s=“%(value)s”), "
                            "which cannot run here: make it an external task with a topic.",
                            task=label(task),
                            attribute=java[0],
                            value=value,
                        ),
                    )
                )
            elif task.get(f"{{{CAMUNDA}}}type") == "external" or (
                task.find(f"{{{BPMN}}}extensionElements/{{{ZEEBE}}}taskDefinition") is not None
            ):
                changed |= _convert_external(task, notes)
            elif task.get(f"{{{CAMUNDA}}}connectorId") or any(
                True for _ in task.iter(f"{{{CAMUNDA}}}connector")
            ):
                notes.findings.append(
                    ImportFinding(
                        task.get("id") or "",
                        "java-implementation",
                        _(
                            "“%(task)s” uses a Camunda connector, which runs Java code and "
                            "cannot run here: make it an external task with a topic.",
                            task=label(task),
                        ),
                    )
                )
    for task in root.iter(f"{{{BPMN}}}scriptTask"):
        language = (task.get("scriptFormat") or "python").strip().lower()
        if language not in ("python", "py", "python3", "text/x-python"):
            notes.findings.append(
                ImportFinding(
                    task.get("id") or "",
                    "script-language",
                    _(
                        "The script of “%(task)s” is in %(language)s: only Python scripts "
                        "run here.",
                        task=label(task),
                        language=language,
                    ),
                )
            )
    return changed


# ---- the whole conversion -------------------------------------------------------------


def _note_ignored(root: etree._Element, notes: ImportNotes) -> None:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        ns = etree.QName(el).namespace
        if ns in (CAMUNDA, ZEEBE) and etree.QName(el).localname not in (
            "property",
            "properties",
            "formDefinition",
            "taskSchedule",
            "assignmentDefinition",
            "taskDefinition",  # an external task's topic, carried over
            "subscription",  # a message's correlation key, read at delivery
        ):
            owner = el
            while owner is not None and not owner.get("id"):
                owner = owner.getparent()
            where = owner.get("id") if owner is not None else "?"
            notes.ignored.append(f"{where}: {el.prefix}:{etree.QName(el).localname}")


def convert_diagram(
    content: bytes, directory: Directory = NO_DIRECTORY, default_role: str | None = None
) -> tuple[bytes, ImportNotes]:
    """The diagram with foreign extensions carried over into ours, and what was done.

    `default_role` (a role code) does the steps nothing else routes. Problems the
    conversion finds are on `notes.findings` (errors there refuse the deployment).
    Raises DiagramError when the XML itself is unsafe or malformed.
    """
    root = parse_xml(content)
    notes = ImportNotes(editor=_editor(root))
    changed = False
    if notes.editor in ("camunda", "zeebe"):
        for task in root.iter(f"{{{BPMN}}}userTask"):
            changed |= _convert_user_task(task, notes)
        changed |= convert_conditions(root, notes)
        changed |= _convert_implementations(root, notes)
        check_correlation_keys(root, notes)
        _note_ignored(root, notes)
    changed |= route_steps(root, directory, default_role, notes)
    if not changed:
        return content, notes
    if root.nsmap.get("spiffworkflow") != SPIFF:
        root = _with_spiff_namespace(root)
    body = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return body, notes


def _with_spiff_namespace(root: etree._Element) -> etree._Element:
    """Declare the spiffworkflow prefix on the root, so the file reads like ours."""
    nsmap = {**root.nsmap, "spiffworkflow": SPIFF}
    new_root = etree.Element(root.tag, nsmap=nsmap, attrib=dict(root.attrib))
    new_root.text = root.text
    for child in root:
        new_root.append(child)
    etree.cleanup_namespaces(new_root, top_nsmap={"spiffworkflow": SPIFF})
    return new_root
