"""Diagrams drawn in other editors: Camunda Modeler (camunda: and zeebe: extensions) and
spiff-arena's editor (spiffworkflow: extensions, which are our own).

Foreign extension elements are never fatal: SpiffWorkflow's parser ignores what it does
not know, and they stay in the stored diagram, so an export gives them back. What has a
meaning here is carried over into our own properties, next to the original:

- `camunda:formKey` / `zeebe:formDefinition formKey` naming a `.json` file -> the form
  (`formJsonSchemaFilename`); other form keys (HTML, Camunda Forms) are reported;
- `camunda:property` / `zeebe:property` named like ours (formJsonSchemaFilename,
  formUiSchemaFilename, dueIn, assigneeFrom) -> the same spiffworkflow property;
- `camunda:dueDate` / `zeebe:taskSchedule dueDate` holding an ISO 8601 duration -> dueIn;
- conditions written in Camunda's expression language, `${a == "x" && b > 1}`, -> the
  Python expression our sandbox evaluates, when the translation is plain.

A diagram with nothing to carry over is returned byte for byte unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from app.engine.xml import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
OUR_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename", "dueIn", "assigneeFrom")
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)


@dataclass
class ImportNotes:
    """What the import carried over or left aside, for the administrator to read."""

    editor: str = "bpmn"  # camunda | zeebe | spiff-arena | bpmn
    converted: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


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


def _spiff_properties(task: etree._Element) -> etree._Element:
    extensions = task.find(f"{{{BPMN}}}extensionElements")
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN}}}extensionElements")
        task.insert(0, extensions)
    properties = extensions.find(f"{{{SPIFF}}}properties")
    if properties is None:
        properties = etree.SubElement(extensions, f"{{{SPIFF}}}properties")
    return properties


def _set_property(task: etree._Element, name: str, value: str, notes: ImportNotes, source: str):
    existing = {
        p.get("name") for p in task.iter(f"{{{SPIFF}}}property") if (p.get("value") or "").strip()
    }
    if name in existing:
        return False
    prop = etree.SubElement(_spiff_properties(task), f"{{{SPIFF}}}property")
    prop.set("name", name)
    prop.set("value", value)
    notes.converted.append(f"{task.get('id')}: {source} → {name}={value}")
    return True


def _form_file(key: str) -> str | None:
    """A form key naming a JSON file, in any of Camunda's prefixes, as a bare file name."""
    bare = key.split(":")[-1].rsplit("/", 1)[-1].strip()
    return bare if bare.lower().endswith(".json") else None


def _convert_user_task(task: etree._Element, notes: ImportNotes) -> bool:
    changed = False
    task_id = task.get("id")
    form_keys = [task.get(f"{{{CAMUNDA}}}formKey")]
    form_keys += [f.get("formKey") for f in task.iter(f"{{{ZEEBE}}}formDefinition")]
    for key in filter(None, form_keys):
        filename = _form_file(key)
        if filename:
            changed |= _set_property(task, "formJsonSchemaFilename", filename, notes, "formKey")
        else:
            notes.ignored.append(
                f"{task_id}: formKey “{key}” 不是 JSON Schema 表单 (not a JSON form)"
            )
    for prop in [*task.iter(f"{{{CAMUNDA}}}property"), *task.iter(f"{{{ZEEBE}}}property")]:
        if prop.get("name") in OUR_PROPERTIES and (prop.get("value") or "").strip():
            changed |= _set_property(
                task,
                prop.get("name"),
                prop.get("value").strip(),
                notes,
                etree.QName(prop).localname,
            )
    due_values = [task.get(f"{{{CAMUNDA}}}dueDate")]
    due_values += [s.get("dueDate") for s in task.iter(f"{{{ZEEBE}}}taskSchedule")]
    for due in filter(None, due_values):
        if _DURATION.match(due.strip()):
            changed |= _set_property(task, "dueIn", due.strip(), notes, "dueDate")
        else:
            notes.ignored.append(f"{task_id}: dueDate “{due}” 不是时长 (not a duration)")
    return changed


_JUEL_OPERATORS = [
    (re.compile(r"&&"), " and "),
    (re.compile(r"\|\|"), " or "),
    (re.compile(r"!(?!=)"), " not "),
    (re.compile(r"\beq\b"), "=="),
    (re.compile(r"\bne\b"), "!="),
    (re.compile(r"\btrue\b"), "True"),
    (re.compile(r"\bfalse\b"), "False"),
    (re.compile(r"\bnull\b"), "None"),
]


def _python_condition(juel: str) -> str:
    text = juel
    for pattern, replacement in _JUEL_OPERATORS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def _convert_conditions(root: etree._Element, notes: ImportNotes) -> bool:
    changed = False
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        condition = flow.find(f"{{{BPMN}}}conditionExpression")
        if condition is None:
            continue
        match = _JUEL.match(condition.text or "")
        if not match:
            continue
        python = _python_condition(match.group(1))
        condition.text = python
        notes.converted.append(f"{flow.get('id')}: {match.group(0).strip()} → {python}")
        changed = True
    return changed


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
        ):
            owner = el
            while owner is not None and not owner.get("id"):
                owner = owner.getparent()
            where = owner.get("id") if owner is not None else "?"
            notes.ignored.append(f"{where}: {el.prefix}:{etree.QName(el).localname}")


def adopt_foreign(content: bytes) -> tuple[bytes, ImportNotes]:
    """The diagram with foreign extensions carried over into ours, and what was done.

    Raises DiagramError when the XML itself is unsafe or malformed.
    """
    root = parse_xml(content)
    notes = ImportNotes(editor=_editor(root))
    if notes.editor not in ("camunda", "zeebe"):
        return content, notes
    changed = False
    for task in root.iter(f"{{{BPMN}}}userTask"):
        changed |= _convert_user_task(task, notes)
    changed |= _convert_conditions(root, notes)
    _note_ignored(root, notes)
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
