"""Read-only display of submitted data for the instance history.

People read titles, not property names, and option titles, not codes; stored
attachments ("attachment:<id>/<name>") become download links when the host
gives a way to build their URL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .nodes import FieldNode
from .translated import translated

log = logging.getLogger(__name__)

ATTACHMENT_PREFIX = "attachment:"


@dataclass
class DisplayItem:
    """One shown value. ``kind`` is value, empty, link, object or table."""

    key: str
    title: str
    kind: str
    text: str = ""
    href: str | None = None
    children: list[DisplayItem] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[DisplayItem]] = field(default_factory=list)


def parse_attachment(value: Any) -> tuple[str, str] | None:
    """(id, file name) of an attachment reference, or None."""
    if not isinstance(value, str) or not value.startswith(ATTACHMENT_PREFIX):
        return None
    ident, _, name = value[len(ATTACHMENT_PREFIX) :].partition("/")
    return (ident, name or ident) if ident else None


def describe(
    nodes: tuple[FieldNode, ...],
    data: Mapping[str, Any],
    attachment_url: Callable[[str], str] | None = None,
) -> list[DisplayItem]:
    """Display items for ``data`` in form order; missing values show as empty."""
    return [_item(node, data.get(node.key), node.key in data, attachment_url) for node in nodes]


def _item(
    node: FieldNode, value: Any, present: bool, attachment_url: Callable[[str], str] | None
) -> DisplayItem:
    item = DisplayItem(node.key, node.title, "value")
    if node.kind == "object" and isinstance(value, Mapping):
        item.kind = "object"
        item.children = describe(node.children, value, attachment_url)
    elif node.kind == "table" and isinstance(value, list):
        item.kind = "table"
        item.columns = [column.title for column in node.children]
        item.rows = [
            describe(node.children, row if isinstance(row, Mapping) else {}, attachment_url)
            for row in value
        ]
    elif not present or value is None or value == "" or value == []:
        item.kind = "empty"
        item.text = "—"
    elif node.kind == "file":
        _file_item(item, value, attachment_url)
    else:
        item.text = _text(node, value)
    return item


def _file_item(item: DisplayItem, value: Any, attachment_url: Callable[[str], str] | None) -> None:
    attachment = parse_attachment(value)
    if attachment is None:
        item.text = "（内嵌文件）" if str(value).startswith("data:") else str(value)
        return
    ident, name = attachment
    item.text = name
    if attachment_url is None:
        return
    try:
        item.href = attachment_url(ident)
        item.kind = "link"
    except Exception:  # noqa: BLE001 - a missing route must not break the page
        log.warning("cannot build the URL of attachment %s", ident, exc_info=True)


def _text(node: FieldNode, value: Any) -> str:
    if isinstance(value, bool):
        if node.choices:
            return node.choice_title(value)
        return translated("Yes") if value else translated("No")
    if node.kind in ("multiselect", "checkboxes") and isinstance(value, list):
        return translated(", ").join(node.choice_title(v) for v in value)
    if node.choices:
        return node.choice_title(value)
    if isinstance(value, list):
        return translated(", ").join(_scalar(v) for v in value)
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)
