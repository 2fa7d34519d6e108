"""What converting a diagram drawn elsewhere reports (ImportNotes, ImportFinding), and the
helpers it writes our own spiffworkflow properties with, next to the original extensions."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
# Our property naming the role of a step drawn outside any lane (a role code).
ROLE_PROPERTY = "role"
# Our property naming the topic an external-task worker fetches a service task by, and
# the role such a task is routed to: no person's inbox, only the workers' REST interface.
TOPIC_PROPERTY = "externalTopic"
SERVICE_WORKER_ROLE = "service_worker"
ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class ImportFinding:
    """A problem of the conversion, in the lint's shape (element, code, message, severity)."""

    element_id: str
    code: str
    message: str
    severity: str = ERROR


@dataclass
class ImportNotes:
    """What the import carried over or left aside, for the administrator to read, and
    what it could not convert (the findings: errors refuse the deployment)."""

    editor: str = "bpmn"  # camunda | zeebe | spiff-arena | bpmn
    converted: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    findings: list[ImportFinding] = field(default_factory=list)


def extensions_of(task: etree._Element) -> etree._Element:
    extensions = task.find(f"{{{BPMN}}}extensionElements")
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN}}}extensionElements")
        if task.text and not task.text.strip():
            extensions.tail = task.text
        task.insert(0, extensions)
    return extensions


def spiff_properties(task: etree._Element) -> etree._Element:
    extensions = extensions_of(task)
    properties = extensions.find(f"{{{SPIFF}}}properties")
    if properties is None:
        properties = etree.SubElement(extensions, f"{{{SPIFF}}}properties")
    return properties


def our_property(task: etree._Element, name: str) -> str | None:
    extensions = task.find(f"{{{BPMN}}}extensionElements")
    if extensions is None:
        return None
    for prop in extensions.iterfind(f"{{{SPIFF}}}properties/{{{SPIFF}}}property"):
        if prop.get("name") == name and (prop.get("value") or "").strip():
            return prop.get("value").strip()
    return None


def set_property(task: etree._Element, name: str, value: str, notes: ImportNotes, source: str):
    if our_property(task, name) is not None:
        return False
    prop = etree.SubElement(spiff_properties(task), f"{{{SPIFF}}}property")
    prop.set("name", name)
    prop.set("value", value)
    notes.converted.append(f"{task.get('id')}: {source} → {name}={value}")
    return True


def label(element: etree._Element) -> str:
    return element.get("name") or element.get("id") or "?"


def local_name(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""
