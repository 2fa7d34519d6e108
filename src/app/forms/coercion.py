"""Turn a posted WTForms form into JSON data shaped like the schema.

The rule: produce the JSON a careful API client would send, and let jsonschema
judge it. Blank optional inputs are omitted (so ``format``/``minimum`` do not
fire on them and ``required`` fires on required ones); input that does not
parse is kept as the raw string so jsonschema reports a ``type`` error at that
path instead of this module raising or silently dropping it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.datastructures import FileStorage

from .builder import FormSpec
from .nodes import FieldNode
from .ownership import ROW_KEY

_OMIT: Any = object()


def form_to_data(spec: FormSpec, form: Any, previous: dict | None = None) -> dict:
    """JSON data from a form built by ``build_form`` with a post.

    Read-only fields (and a wholly read-only form) keep their ``previous``
    value whatever was posted. A newly chosen file comes back as its werkzeug
    ``FileStorage``, which the host must replace by ``"attachment:<id>/<name>"``
    before validating and storing; without a new file the previous value stays.
    """
    previous = previous if isinstance(previous, Mapping) else {}
    if spec.readonly:
        return copy.deepcopy(dict(previous))
    return _object(spec.fields, form, previous)


def store_files(data: Any, store: Callable[[FileStorage], str]) -> Any:
    """A copy of ``data`` with every uploaded file replaced by ``store(file)``,
    which should save it and return ``"attachment:<id>/<name>"``. Files can sit
    in nested objects and table rows, hence the walk."""
    if isinstance(data, FileStorage):
        return store(data)
    if isinstance(data, Mapping):
        return {key: store_files(value, store) for key, value in data.items()}
    if isinstance(data, list):
        return [store_files(value, store) for value in data]
    return data


def parse_number(text: str) -> Any:
    """int when integral, float otherwise, the raw text when not a number."""
    stripped = text.strip()
    if not stripped:
        return _OMIT
    try:
        number = Decimal(stripped)
    except InvalidOperation:
        return stripped
    if not number.is_finite():
        return stripped
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    return as_float if math.isfinite(as_float) else stripped


def _object(nodes: tuple[FieldNode, ...], form: Any, previous: Mapping[str, Any]) -> dict:
    out: dict[str, Any] = {}
    for node in nodes:
        before = previous.get(node.key, _OMIT)
        value = _keep(before) if node.readonly else _value(node, form[node.key], before)
        if value is not _OMIT:
            out[node.key] = value
    return out


def _value(node: FieldNode, field: Any, before: Any) -> Any:
    kind = node.kind
    if kind == "object":
        nested = _object(node.children, field.form, before if isinstance(before, Mapping) else {})
        # An untouched optional object is left out so its own required
        # properties do not fire; a required one is kept to show them.
        return nested if nested or node.required else _OMIT
    if kind == "table":
        earlier = before if isinstance(before, list) else []
        rows = []
        for index, entry in enumerate(field.entries):
            row_before = earlier[index] if index < len(earlier) else {}
            row_before = row_before if isinstance(row_before, Mapping) else {}
            row = _object(node.children, entry.form, row_before)
            if node.fixed_rows and ROW_KEY in row_before:  # the page shows approved rows in order
                row[ROW_KEY] = row_before[ROW_KEY]
            rows.append(row)
        return rows if rows or node.required else _OMIT
    if kind == "boolean":
        return bool(field.data)
    if kind in ("select", "radio"):
        token = field.data
        return _OMIT if token in (None, "") else node.choice_value(str(token))
    if kind in ("multiselect", "checkboxes"):
        tokens = [str(t) for t in field.data or () if t not in (None, "")]
        return [node.choice_value(t) for t in tokens] if tokens else _OMIT
    if kind == "file":
        if isinstance(field.data, FileStorage) and field.data.filename:
            return field.data
        return _keep(before)
    text = _text(field)
    if kind == "lines":
        return _lines(node, text)
    if kind in ("number", "integer"):
        return parse_number(text)
    if kind == "textarea":
        return text if text.strip() else _OMIT
    return text.strip() or _OMIT


def _keep(before: Any) -> Any:
    return before if before is _OMIT else copy.deepcopy(before)


def _text(field: Any) -> str:
    """What the person typed (or the prefill when nothing was posted)."""
    value = field._value()
    if not isinstance(value, str):
        value = "" if value is None or value is False else str(value)
    return value.replace("\r\n", "\n")


def _lines(node: FieldNode, text: str) -> Any:
    items = [line.strip() for line in text.split("\n") if line.strip()]
    if node.item_type in ("number", "integer"):
        return [parse_number(item) for item in items] or _OMIT
    return items or _OMIT
