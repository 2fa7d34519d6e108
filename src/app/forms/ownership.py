"""What a step may write: the one rule, read from the form's field tree.

A submission's data is written only by the step whose form declares a field, and only
where that field is writable. Read-only is whatever ``nodes.FieldNode.readonly`` says
(``ui:readonly``, ``ui:disabled``, JSON Schema ``readOnly``, a read-only parent), so the
page, which renders read-only fields as text, and the completion, which keeps their
stored value, cannot disagree.

Tables with a read-only column hold rows approved earlier (the compiled indicators of a
monitoring report or a self-evaluation): a step fills their answer columns but cannot
drop, add, reorder or swap them. Each such row carries a stable key (``ROW_KEY``)
given by the server; a posted row finds its stored row by that key (or, without one, by
its position among the rows the server sent), and the stored order always wins.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .nodes import FieldNode
from .refs import pointer

ROW_KEY = "_row"
"""The stable key of an approved table row, kept in the row itself."""


@dataclass
class Owned:
    """What a step stores, and the posted paths it did not take (unknown, read-only,
    or rows that are not the approved ones), so that an API client is told."""

    data: dict[str, Any]
    ignored: list[str] = field(default_factory=list)


def owned_data(
    fields: tuple[FieldNode, ...],
    posted: Mapping[str, Any],
    previous: Mapping[str, Any] | None = None,
    readonly: bool = False,
) -> Owned:
    """The part of ``posted`` this form owns, with read-only values as they were.

    ``readonly`` is the whole form's flag (``FormSpec.readonly``): such a step writes
    nothing and keeps what its fields held.
    """
    previous = previous if isinstance(previous, Mapping) else {}
    ignored: list[str] = []
    if readonly:
        kept = {n.key: copy.deepcopy(previous[n.key]) for n in fields if n.key in previous}
        _note_changed(posted, previous, (), ignored)
        return Owned(kept, ignored)
    data = _object(fields, posted, previous, (), ignored)
    return Owned(data, ignored)


def without_row_keys(value: Any) -> Any:
    """``value`` with the rows' keys taken out, as the form's schema sees the data
    (a schema with ``additionalProperties: false`` must not trip over them)."""
    if isinstance(value, Mapping):
        return {k: without_row_keys(v) for k, v in value.items() if k != ROW_KEY}
    if isinstance(value, list):
        return [without_row_keys(v) for v in value]
    return value


def _object(
    nodes: tuple[FieldNode, ...],
    posted: Mapping[str, Any],
    previous: Mapping[str, Any],
    path: tuple,
    ignored: list[str],
) -> dict[str, Any]:
    known = {node.key for node in nodes}
    ignored.extend(pointer([*path, k]) for k in posted if k not in known and k != ROW_KEY)
    out: dict[str, Any] = {}
    for node in nodes:
        before = previous.get(node.key, _ABSENT)
        here = (*path, node.key)
        if node.readonly:
            if node.key in posted and posted[node.key] != before:
                ignored.append(pointer(here))
            if before is not _ABSENT:
                out[node.key] = copy.deepcopy(before)
            continue
        if node.key not in posted:
            continue
        value = posted[node.key]
        if node.kind == "object" and isinstance(value, Mapping):
            earlier = before if isinstance(before, Mapping) else {}
            out[node.key] = _object(node.children, value, earlier, here, ignored)
        elif node.kind == "table" and isinstance(value, list):
            earlier = before if isinstance(before, list) else []
            out[node.key] = _table(node, value, earlier, here, ignored)
        else:  # a scalar, or a container of the wrong type that jsonschema will name
            out[node.key] = value
    return out


def _table(node: FieldNode, posted: list, previous: list, path: tuple, ignored: list[str]) -> list:
    if not node.fixed_rows:
        # Free rows: the step writes them all; each row keeps only its declared columns.
        return [
            _object(node.children, row, {}, (*path, i), ignored)
            if isinstance(row, Mapping)
            else row
            for i, row in enumerate(posted)
        ]
    approved = [row if isinstance(row, Mapping) else {} for row in previous]
    keys = [_row_key(row, index) for index, row in enumerate(approved)]
    answers = _match_rows(keys, posted, path, ignored)
    rows = []
    for index, (key, row) in enumerate(zip(keys, approved, strict=True)):
        answer = answers.get(key)
        here = (*path, index)
        if answer is None:
            filled = _copy(row)
        else:  # what the form does not show of the row (e.g. an indicator's code) stays
            declared = {column.key for column in node.children}
            filled = {k: copy.deepcopy(v) for k, v in row.items() if k not in declared}
            filled.update(_object(node.children, answer, row, here, ignored))
        filled[ROW_KEY] = key
        rows.append(filled)
    return rows


def _match_rows(keys: list[str], posted: list, path: tuple, ignored: list[str]) -> dict:
    """Posted rows by the key of the approved row they answer. A row names its key, or
    stands at the position of the row it answers; anything else is not taken."""
    by_key: dict[str, Mapping] = {}
    known = set(keys)
    for index, row in enumerate(posted):
        if not isinstance(row, Mapping):
            ignored.append(pointer([*path, index]))
            continue
        key = row.get(ROW_KEY)
        if key is None and index < len(keys):
            key = keys[index]
        if not isinstance(key, str) or key not in known or key in by_key:
            ignored.append(pointer([*path, index]))
            continue
        by_key[key] = row
    return by_key


def _row_key(row: Mapping[str, Any], index: int) -> str:
    key = row.get(ROW_KEY)
    return key if isinstance(key, str) and key else str(index + 1)


def _copy(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in row.items() if k != ROW_KEY}


def _note_changed(
    posted: Mapping[str, Any], previous: Mapping[str, Any], path: tuple, ignored: list[str]
) -> None:
    ignored.extend(pointer([*path, k]) for k, v in posted.items() if previous.get(k, _ABSENT) != v)


class _Absent:
    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "<absent>"


_ABSENT: Any = _Absent()
