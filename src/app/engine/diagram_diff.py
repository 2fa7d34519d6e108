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
class PropertyChange:
    """One property of an element before and after, as text (None: absent on that side).

    `prop` is what it is: "name", "type", "lane", "condition", "script", "operator",
    "property:<name>" for an extension property (formJsonSchemaFilename, dueIn...),
    "attribute:<name>" for an XML attribute (default, calledElement...), or the local
    name of any other child (timerEventDefinition...)."""

    prop: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    name: str
    kind: str  # the BPMN type: userTask, sequenceFlow, ...
    change: str  # added | removed | changed
    aspects: tuple[str, ...] = ()  # for a change: name, type, properties, condition, lane...
    details: tuple[PropertyChange, ...] = ()  # for a change: each property, old and new


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


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def _properties(el) -> dict[str, str]:
    """What an element does, property by property, as people can compare it."""
    found: dict[str, str] = {"type": _local(el)}
    if el.get("name"):
        found["name"] = el.get("name")
    for attribute, value in el.attrib.items():
        if attribute not in ("id", "name") and not attribute.startswith("{"):
            found[f"attribute:{attribute}"] = value
    for child in el:
        name = _local(child)
        if not name or name in _SKIP_CHILDREN or (_local(el) in _CONTAINERS and child.get("id")):
            continue
        if name == "extensionElements":
            for ext in child.iter():
                ext_name = _local(ext)
                if ext_name == "property" and ext.get("name"):
                    found[f"property:{ext.get('name')}"] = ext.get("value") or _text(ext)
                elif ext_name == "serviceTaskOperator":
                    params = ", ".join(
                        f"{p.get('id')}={p.get('value')}"
                        for p in ext.iter()
                        if _local(p) == "parameter"
                    )
                    found["operator"] = f"{ext.get('id')}({params})"
                    if ext.get("resultVariable"):
                        found["attribute:resultVariable"] = ext.get("resultVariable")
                elif ext_name in ("preScript", "postScript", "instructionsForEndUser"):
                    found[ext_name] = _text(ext)
            continue
        key = {"conditionExpression": "condition"}.get(name, name)
        value = _text(child) or " ".join(
            f"{_local(c)}" + (f": {_text(c)}" if _text(c) else "") for c in child.iter()
        )
        found[key] = f"{found[key]} {value}" if key in found else value
    return found


# Attributes that name another element by id: shown by that element's name.
_REFERENCES = ("attribute:sourceRef", "attribute:targetRef", "attribute:default")


def _named(found: dict[str, str], names: dict[str, str]) -> dict[str, str]:
    return {k: names.get(v, v) if k in _REFERENCES else v for k, v in found.items()}


def _details(
    old_el, new_el, old_lane: str | None, new_lane: str | None, names: tuple[dict, dict]
) -> tuple:
    a, b = _named(_properties(old_el), names[0]), _named(_properties(new_el), names[1])
    changed = [
        PropertyChange(k, a.get(k), b.get(k))
        for k in list(dict.fromkeys([*b, *a]))
        if a.get(k) != b.get(k)
    ]
    if old_lane != new_lane:
        changed.append(PropertyChange("lane", old_lane, new_lane))
    return tuple(changed)


def diff_diagrams(old: bytes, new: bytes) -> list[ElementChange]:
    """Every element added, removed or changed from `old` to `new`, in the new file's order
    (removed ones last, in the old file's order). Raises DiagramError on unsafe XML."""
    old_root, new_root = parse_xml(old), parse_xml(new)
    before, after = _elements(old_root), _elements(new_root)
    old_lanes, new_lanes = _lanes(old_root), _lanes(new_root)
    names_before = {k: v.get("name") or k for k, v in before.items()}
    names_after = {k: v.get("name") or k for k, v in after.items()}
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
            details = _details(
                before[element_id],
                el,
                old_lanes.get(element_id),
                new_lanes.get(element_id),
                (names_before, names_after),
            )
            changes.append(
                ElementChange(element_id, label, _local(el), CHANGED, tuple(aspects), details)
            )
    for element_id, el in before.items():
        if element_id not in after:
            changes.append(
                ElementChange(element_id, el.get("name") or element_id, _local(el), REMOVED)
            )
    return changes
