"""What changed between two versions of a process's forms, field by field, per form file.

Fields are a schema's properties, with the columns of a table (an array of objects)
named `table.column`: what a person filling the form would notice.
"""

from __future__ import annotations

from dataclasses import dataclass

FORM_ADDED, FORM_REMOVED = "form-added", "form-removed"
FIELD_ADDED, FIELD_REMOVED = "added", "removed"
TYPE_CHANGED, TITLE_CHANGED, REQUIRED_CHANGED = "type", "title", "required"


@dataclass(frozen=True)
class FieldChange:
    form: str
    field: str | None  # None: the whole form file
    change: str
    old: str | None = None
    new: str | None = None


def _fields(schema: dict, prefix: str = "") -> dict[str, dict]:
    fields: dict[str, dict] = {}
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return fields
    required = set(schema.get("required") or [])
    for name, sub in properties.items():
        if not isinstance(sub, dict):
            continue
        path = f"{prefix}{name}"
        fields[path] = {
            "type": _type(sub),
            "title": sub.get("title"),
            "required": name in required,
        }
        items = sub.get("items")
        if isinstance(items, dict):
            fields.update(_fields(items, f"{path}."))
        elif isinstance(sub.get("properties"), dict):
            fields.update(_fields(sub, f"{path}."))
    return fields


def _type(schema: dict) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = "|".join(str(k) for k in kind)
    if schema.get("format"):
        return f"{kind}({schema['format']})"
    return kind


def diff_forms(old: dict[str, dict], new: dict[str, dict]) -> list[FieldChange]:
    """Changes from the `old` to the `new` forms (file name -> JSON Schema). ui schemas
    (no properties) are compared as whole files."""
    changes: list[FieldChange] = []
    for name in sorted(old.keys() | new.keys()):
        if name not in old:
            changes.append(FieldChange(name, None, FORM_ADDED))
            continue
        if name not in new:
            changes.append(FieldChange(name, None, FORM_REMOVED))
            continue
        before, after = _fields(old[name]), _fields(new[name])
        for field in after:
            if field not in before:
                changes.append(FieldChange(name, field, FIELD_ADDED, None, after[field]["title"]))
                continue
            for aspect in ("type", "title", "required"):
                a, b = before[field][aspect], after[field][aspect]
                if a != b:
                    changes.append(FieldChange(name, field, aspect, _text(a), _text(b)))
        for field in before:
            if field not in after:
                changes.append(
                    FieldChange(name, field, FIELD_REMOVED, before[field]["title"], None)
                )
        if not before and not after and old[name] != new[name]:
            changes.append(FieldChange(name, None, "layout"))
    return changes


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
