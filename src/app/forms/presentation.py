"""Helpers the form macros call through ``FormSpec``: where errors go, which
attributes an input gets, and the blank row the add-row script clones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .nodes import FieldNode
from .translated import translated

#: Placeholders in the cloned row; the inline script swaps them for numbers.
INDEX_TOKEN = "__index__"
ROW_TOKEN = "__row__"


@dataclass(frozen=True)
class SummaryItem:
    """One line of the error summary; ``anchor`` is None for form-wide errors."""

    anchor: str | None
    label: str
    message: str


@dataclass(frozen=True)
class _Place:
    titles: tuple[str, ...]
    rank: tuple[int, ...]
    node: FieldNode | None  # None when the name stops at a table row


def _locate(nodes: tuple[FieldNode, ...], name: str) -> _Place | None:
    """Find the node a WTForms name such as ``indicators-1-target`` denotes."""
    if not name:
        return None
    segments = name.split("-")
    titles: list[str] = []
    rank: list[int] = []
    current = nodes
    node: FieldNode | None = None
    i = 0
    while i < len(segments):
        found = [(n, pos) for pos, n in enumerate(current) if n.key == segments[i]]
        if not found:
            return None
        node, pos = found[0]
        titles.append(node.title)
        rank.append(pos)
        i += 1
        if i == len(segments):
            break
        if node.kind == "object":
            current = node.children
        elif node.kind == "table":
            row = segments[i]
            if not row.isdigit():
                return None
            titles.append(translated("Row %(n)s", n=int(row) + 1))
            rank.append(int(row))
            i += 1
            current = node.children
            if i == len(segments):
                return _Place(tuple(titles), tuple(rank), None)
        else:
            return None
    return _Place(tuple(titles), tuple(rank), node)


def is_field(nodes: tuple[FieldNode, ...], name: str) -> bool:
    """Whether the form renders a field (or fieldset, or table) called ``name``."""
    place = _locate(nodes, name)
    return place is not None and place.node is not None


def place_errors(
    nodes: tuple[FieldNode, ...], errors: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """Move each error to the nearest enclosing field (an error on the second
    item of a multi-select belongs to the select); the rest go to ""."""
    placed: dict[str, list[str]] = {}
    for name, messages in (errors or {}).items():
        target = name
        while target and not is_field(nodes, target):
            target = target.rpartition("-")[0]
        bucket = placed.setdefault(target, [])
        bucket.extend(m for m in messages if m not in bucket)
    return placed


def error_summary(
    nodes: tuple[FieldNode, ...], errors: Mapping[str, list[str]]
) -> list[SummaryItem]:
    """Errors in form order, form-wide ones first, each linking to its field."""
    ranked: list[tuple[tuple[int, ...], SummaryItem]] = []
    for name, messages in place_errors(nodes, errors).items():
        place = _locate(nodes, name)
        for message in messages:
            if place is None:
                ranked.append(((-1,), SummaryItem(None, "", message)))
            else:
                label = " ".join(place.titles)
                ranked.append((place.rank, SummaryItem(name, label, message)))
    ranked.sort(key=lambda item: item[0])
    return [item for _, item in ranked]


def input_attrs(
    node: FieldNode,
    field: Any,
    errors: Mapping[str, list[str]],
    readonly: bool = False,
    label: str = "",
) -> dict[str, Any]:
    """Render-time attributes: disabled state, error and help links for screen
    readers, and ``required`` on a file input only when nothing is stored yet."""
    attrs: dict[str, Any] = {}
    disabled = readonly or node.readonly
    if disabled:
        attrs["disabled"] = True
    described = []
    if node.description or node.help:
        described.append(f"{field.id}-help")
    if errors.get(field.name):
        attrs["aria-invalid"] = "true"
        described.append(f"{field.id}-error")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if label:
        attrs["aria-label"] = label
    if node.kind == "file" and node.required and not disabled and not stored_file(field):
        attrs["required"] = True
    return attrs


def stored_file(field: Any) -> str:
    """The attachment reference a file field already holds ("" when none)."""
    value = getattr(field, "object_data", None)
    return value if isinstance(value, str) else ""


def template_row(field_list: Any) -> Any:
    """A blank row named ``<table>-__index__`` for the add-row script to clone."""
    name = f"{field_list.name}-{INDEX_TOKEN}"
    options = {
        "name": name,
        "id": f"{field_list.id}-{INDEX_TOKEN}",
        "_meta": field_list.meta,
        "translations": getattr(field_list, "_translations", None),
    }
    row = field_list.meta.bind_field(
        getattr(field_list, "_form", None), field_list.unbound_field, options
    )
    row.process(None)
    return row
