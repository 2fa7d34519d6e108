"""Add/remove table rows without JavaScript.

The row buttons are submit buttons (``__add_row__=<table>`` and
``__remove_row__=<table>-<index>``). When such a post arrives the host must not
submit the task: it rebuilds the form from ``RowAction.formdata`` and shows it
again. With JavaScript the inline script in the macro does the same in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from werkzeug.datastructures import MultiDict

ADD_ROW = "__add_row__"
REMOVE_ROW = "__remove_row__"

_NAME = re.compile(r"^[^\W\d]\w*(?:-(?:\d+|[^\W\d]\w*))*$")


@dataclass(frozen=True)
class RowAction:
    """A requested row change; ``formdata`` is the post with the change made."""

    kind: Literal["add", "remove"]
    field: str
    index: int | None
    formdata: MultiDict


def apply_row_action(formdata: Any) -> RowAction | None:
    """The row action a post asks for, applied to a copy of the post, or None
    for an ordinary submit. Malformed button values count as no action."""
    if formdata is None:
        return None
    items = [(k, v) for k, v in formdata.items(multi=True) if k not in (ADD_ROW, REMOVE_ROW)]
    added = formdata.get(ADD_ROW)
    removed = formdata.get(REMOVE_ROW)
    if isinstance(added, str) and _NAME.match(added):
        index = _next_index(items, added)
        # One key is enough for FieldList to see a row; its fields start blank.
        items.append((f"{added}-{index}", ""))
        return RowAction("add", added, index, MultiDict(items))
    if isinstance(removed, str):
        table, _, raw_index = removed.rpartition("-")
        if table and raw_index.isdigit() and _NAME.match(table):
            row = f"{table}-{raw_index}"
            kept = [(k, v) for k, v in items if k != row and not k.startswith(row + "-")]
            return RowAction("remove", table, int(raw_index), MultiDict(kept))
    return None


def _next_index(items: list[tuple[str, Any]], table: str) -> int:
    prefix = table + "-"
    indexes = [
        int(key[len(prefix) :].split("-", 1)[0])
        for key, _ in items
        if key.startswith(prefix) and key[len(prefix) :].split("-", 1)[0].isdigit()
    ]
    return max(indexes, default=-1) + 1
