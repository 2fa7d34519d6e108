"""Turn a JSON Schema plus ui schema into a tree of field descriptions.

The tree is the single reading of the schema: the WTForms classes, the HTML
macros, the coercion of posts, the read-only display and what a step may write
(``ownership.owned_data``, for the page and the API alike) all walk it, so they
cannot disagree about which property is a date or which one is read-only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .browser_regex import v_mode_problem
from .page_rules import page_rules
from .refs import resolve

#: Kinds of field; each maps to one WTForms field class and one way of rendering.
SCALAR_KINDS = frozenset(
    {"text", "textarea", "select", "radio", "date", "file", "number", "integer", "boolean"}
)
MULTI_KINDS = frozenset({"multiselect", "checkboxes", "lines"})
CONTAINER_KINDS = frozenset({"object", "table"})


@dataclass(frozen=True)
class Choice:
    """One option of a select; ``token`` is the string sent by the browser."""

    value: Any
    token: str
    title: str


#: The column of a library table (``"ui:options": {"library": "indicators"}``) whose
#: input suggests the library's entries by name; picking one fills the row's other cells.
LIBRARY_COLUMN = "name"

# From this maxLength on, text is edited in a box that wraps (see _node).
LONG_TEXT = 500


@dataclass(frozen=True)
class FieldNode:
    """What the form knows about one property."""

    key: str
    kind: str
    title: str
    required: bool = False
    readonly: bool = False
    description: str = ""
    help: str = ""
    placeholder: str = ""
    choices: tuple[Choice, ...] = ()
    children: tuple[FieldNode, ...] = ()
    attrs: Mapping[str, Any] = field(default_factory=dict)
    item_type: str = "string"
    min_rows: int = 0
    max_rows: int | None = None
    has_default: bool = False
    default: Any = None
    # A table whose rows may be picked from a library (ui:options.library), e.g. the
    # indicator library: its LIBRARY_COLUMN input lists the library's entries.
    library: str = ""
    # An object's (a table's row's) rules for the page, as JSON (``page_rules``).
    rules: str = ""

    @property
    def fixed_rows(self) -> bool:
        """A writable table with a read-only column holds rows approved earlier: a step
        fills their other columns but cannot add, drop or reorder them."""
        return self.kind == "table" and not self.readonly and any(c.readonly for c in self.children)

    def choice_title(self, value: Any) -> str:
        """The title shown for a stored value (the code itself when unknown)."""
        token = choice_token(value)
        for choice in self.choices:
            if choice.token == token:
                return choice.title
        return "" if value is None else str(value)

    def choice_value(self, token: str) -> Any:
        """The JSON value behind a posted token; unknown tokens stay strings so
        jsonschema reports them as not among the options."""
        for choice in self.choices:
            if choice.token == token:
                return choice.value
        return token


def choice_token(value: Any) -> str:
    """Strings stay as they are; other JSON values travel as their JSON text."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def build_nodes(
    schema: Mapping[str, Any],
    ui: Mapping[str, Any] | None,
    root: Mapping[str, Any],
    readonly: bool = False,
) -> tuple[FieldNode, ...]:
    """Field nodes for the properties of an object schema, in ui:order."""
    schema = resolve(schema, root)
    ui = ui if isinstance(ui, Mapping) else {}
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return ()
    required = set(schema.get("required") or ())
    names = ordered_names(list(properties), ui.get("ui:order"))
    return tuple(
        _node(
            name,
            resolve(properties[name], root),
            _sub_ui(ui, name),
            name in required,
            root,
            readonly,
        )
        for name in names
    )


def ordered_names(names: list[str], order: Any) -> list[str]:
    """Apply an RJSF-style ``ui:order``: listed names first, ``*`` stands for the
    rest; without ``*`` unlisted names follow; unknown names are ignored."""
    if not isinstance(order, Sequence) or isinstance(order, str):
        return names
    listed = [n for n in order if n == "*" or n in names]
    rest = [n for n in names if n not in listed]
    if "*" not in listed:
        listed.append("*")
    result: list[str] = []
    for name in listed:
        if name == "*":
            result.extend(n for n in rest if n not in result)
        elif name not in result:
            result.append(name)
    return result


def _sub_ui(ui: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    sub = ui.get(name)
    return sub if isinstance(sub, Mapping) else {}


def _node(
    key: str,
    schema: Mapping[str, Any],
    ui: Mapping[str, Any],
    required: bool,
    root: Mapping[str, Any],
    parent_readonly: bool,
) -> FieldNode:
    readonly = bool(
        parent_readonly or ui.get("ui:readonly") or ui.get("ui:disabled") or schema.get("readOnly")
    )
    common: dict[str, Any] = {
        "key": key,
        "title": str(ui.get("ui:title") or schema.get("title") or key),
        "required": required,
        "readonly": readonly,
        "description": str(ui.get("ui:description") or schema.get("description") or ""),
        "help": str(ui.get("ui:help") or ""),
        "placeholder": str(ui.get("ui:placeholder") or ""),
        "has_default": "default" in schema,
        "default": schema.get("default"),
    }
    widget = ui.get("ui:widget")
    kind_type = _json_type(schema)
    choices = _choices(schema)

    if kind_type == "object":
        children = build_nodes(schema, ui, root, readonly)
        rules = "" if readonly else page_rules(schema, root)
        return FieldNode(kind="object", children=children, rules=rules, **common)
    if kind_type == "array":
        return _array_node(schema, ui, root, readonly, common)
    if choices:
        kind = "radio" if widget == "radio" else "select"
        return FieldNode(kind=kind, choices=choices, **common)
    if kind_type == "boolean":
        return FieldNode(kind="boolean", **common)
    if kind_type in ("number", "integer"):
        return FieldNode(kind=kind_type, attrs=_number_attrs(schema, kind_type), **common)
    fmt = schema.get("format")
    if fmt == "date":
        return FieldNode(kind="date", **common)
    if fmt == "data-url":
        return FieldNode(kind="file", **common)
    # Text that may run to a paragraph (maxLength of 500 or more) gets a box that wraps,
    # unless the UI schema names a widget: a one-line input hides all but its start.
    max_length = schema.get("maxLength")
    long_text = widget is None and isinstance(max_length, int) and max_length >= LONG_TEXT
    kind = "textarea" if widget == "textarea" or long_text else "text"
    return FieldNode(kind=kind, attrs=_string_attrs(schema), **common)


def _array_node(
    schema: Mapping[str, Any],
    ui: Mapping[str, Any],
    root: Mapping[str, Any],
    readonly: bool,
    common: dict[str, Any],
) -> FieldNode:
    items = resolve(schema.get("items", {}), root)
    item_ui = _sub_ui(ui, "items")
    min_items = schema.get("minItems") if isinstance(schema.get("minItems"), int) else 0
    max_items = schema.get("maxItems") if isinstance(schema.get("maxItems"), int) else None
    if _json_type(items) == "object":
        columns = build_nodes(items, item_ui, root, readonly)
        library = _library(ui)
        if library:
            columns = tuple(_suggesting(column, library) for column in columns)
        return FieldNode(
            kind="table",
            children=columns,
            min_rows=1 if min_items >= 1 else 0,
            max_rows=max_items,
            library=library,
            rules="" if readonly else page_rules(items, root),
            **common,
        )
    choices = _choices(items)
    if choices:
        kind = "checkboxes" if ui.get("ui:widget") == "checkboxes" else "multiselect"
        return FieldNode(kind=kind, choices=choices, **common)
    item_type = _json_type(items) or "string"
    return FieldNode(kind="lines", item_type=item_type, **common)


def _library(ui: Mapping[str, Any]) -> str:
    options = ui.get("ui:options")
    library = options.get("library") if isinstance(options, Mapping) else None
    return library if isinstance(library, str) and library.isidentifier() else ""


def _suggesting(column: FieldNode, library: str) -> FieldNode:
    """The name column of a library table lists the library (an HTML datalist): typing
    suggests its entries, and any other text is still a new entry of one's own."""
    if column.key != LIBRARY_COLUMN or column.kind != "text" or column.readonly:
        return column
    attrs = {**column.attrs, "list": f"library-{library}", "autocomplete": "off"}
    return replace(column, attrs=attrs)


def _json_type(schema: Mapping[str, Any]) -> str | None:
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    if declared is None and isinstance(schema.get("properties"), Mapping):
        return "object"
    return declared if isinstance(declared, str) else None


def _choices(schema: Mapping[str, Any]) -> tuple[Choice, ...]:
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return tuple(Choice(v, choice_token(v), "" if v is None else str(v)) for v in enum)
    for keyword in ("oneOf", "anyOf"):
        options = schema.get(keyword)
        if (
            isinstance(options, list)
            and options
            and all(isinstance(o, Mapping) and "const" in o for o in options)
        ):
            return tuple(
                Choice(o["const"], choice_token(o["const"]), str(o.get("title", o["const"])))
                for o in options
            )
    return ()


def _string_attrs(schema: Mapping[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if isinstance(schema.get("minLength"), int) and schema["minLength"] > 0:
        attrs["minlength"] = schema["minLength"]
    if isinstance(schema.get("maxLength"), int):
        attrs["maxlength"] = schema["maxLength"]
    html_pattern = _html_pattern(schema.get("pattern"))
    if html_pattern:
        attrs["pattern"] = html_pattern
    return attrs


def _html_pattern(pattern: Any) -> str | None:
    """HTML anchors ``pattern`` to the whole value while JSON Schema does not;
    mirror it only when the schema anchors both ends itself (same meaning), and only
    when it compiles in the browser's `v` mode (else the browser drops the check without
    a word; the server still applies it)."""
    if not isinstance(pattern, str):
        return None
    anchored = pattern.startswith("^") and re.search(r"(?<!\\)\$$", pattern)
    if anchored and v_mode_problem(pattern) is None:
        return pattern
    return None


def _number_attrs(schema: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """min/max/step for the browser; ``multipleOf`` is left to the server
    because HTML counts steps from ``min``, not from zero."""

    def number(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    integer = kind == "integer"
    attrs: dict[str, Any] = {"step": 1 if integer else "any"}
    if number(schema.get("minimum")):
        attrs["min"] = math.ceil(schema["minimum"]) if integer else schema["minimum"]
    elif number(schema.get("exclusiveMinimum")):
        low = schema["exclusiveMinimum"]
        attrs["min"] = math.floor(low) + 1 if integer else low
    if number(schema.get("maximum")):
        attrs["max"] = math.floor(schema["maximum"]) if integer else schema["maximum"]
    elif number(schema.get("exclusiveMaximum")):
        high = schema["exclusiveMaximum"]
        attrs["max"] = math.ceil(high) - 1 if integer else high
    return attrs
