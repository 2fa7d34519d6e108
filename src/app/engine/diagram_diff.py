"""What changed between two diagrams of one process, element by element, for people.

Elements are matched by id (what the modeler keeps stable across saves). An element is
"changed" when what it does changed: its type, name, attributes, extension properties
(form, due period, role...), condition or script, or the lane holding it. Layout (the
diagram interchange) and the incoming/outgoing lists (shown on the flows themselves)
do not count.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from app.engine.xml import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SKIP_CHILDREN = {"incoming", "outgoing", "flowNodeRef", "lane", "laneSet"}
_CONTAINERS = {"process", "subProcess", "transaction"}
ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    name: str
    kind: str  # the BPMN type: userTask, sequenceFlow, ...
    change: str  # added | removed | changed
    aspects: tuple[str, ...] = ()  # for a change: name, type, properties, condition, lane...


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _elements(root) -> dict[str, etree._Element]:
    """Flow elements and flows of every process, by id (not the pools or lanes)."""
    found = {}
    for container in root.iter(*(f"{{{BPMN}}}{c}" for c in ("process",))):
        for el in container.iter():
            name = _local(el)
            if el is container or not el.get("id") or name in {"lane", "laneSet"}:
                continue
            parent = el.getparent()
            if _local(parent) in _CONTAINERS:
                found[el.get("id")] = el
    return found


def _lanes(root) -> dict[str, str]:
    lanes = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id")
    return lanes


def _canonical(el) -> dict[str, str]:
    """The aspects of an element that say what it does, each as comparable text."""
    aspects = {
        "type": _local(el),
        "name": el.get("name") or "",
        "attributes": repr(sorted((k, v) for k, v in el.attrib.items() if k not in ("id", "name"))),
    }
    for child in el:
        name = _local(child)
        if not name or name in _SKIP_CHILDREN or (_local(el) in _CONTAINERS and child.get("id")):
            continue
        text = etree.tostring(child, method="c14n").decode()
        aspects[name] = aspects.get(name, "") + " ".join(text.split())
    return aspects


def diff_diagrams(old: bytes, new: bytes) -> list[ElementChange]:
    """Every element added, removed or changed from `old` to `new`, in the new file's order
    (removed ones last, in the old file's order). Raises DiagramError on unsafe XML."""
    old_root, new_root = parse_xml(old), parse_xml(new)
    before, after = _elements(old_root), _elements(new_root)
    old_lanes, new_lanes = _lanes(old_root), _lanes(new_root)
    changes = []
    for element_id, el in after.items():
        label = el.get("name") or element_id
        if element_id not in before:
            changes.append(ElementChange(element_id, label, _local(el), ADDED))
            continue
        a, b = _canonical(before[element_id]), _canonical(el)
        aspects = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        if old_lanes.get(element_id) != new_lanes.get(element_id):
            aspects.append("lane")
        if aspects:
            changes.append(ElementChange(element_id, label, _local(el), CHANGED, tuple(aspects)))
    for element_id, el in before.items():
        if element_id not in after:
            changes.append(
                ElementChange(element_id, el.get("name") or element_id, _local(el), REMOVED)
            )
    return changes
