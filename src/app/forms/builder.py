"""FormSpec: the generated WTForms class for one (schema, ui schema) pair.

Specs are cached by the canonical JSON of the pair, so every request for the
same deployed form reuses one class instead of generating classes per request.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from wtforms.utils import unset_value

from . import browser_regex, display, presentation
from .caching import KeyedCache, canonical_key
from .fields import SchemaForm, make_form_class
from .nodes import FieldNode, build_nodes
from .page_rules import page_rules
from .schema_check import check_schema


class FormSchemaError(ValueError):
    """The schema cannot become a form; ``problems`` says why, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid form schema: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, eq=False)
class FormSpec:
    """A form ready to build: the schema, its field tree and its WTForms class.

    The macros receive the spec and call its helper methods, so the templates
    need no Jinja globals registered by the host.
    """

    key: str
    schema: Mapping[str, Any]
    ui: Mapping[str, Any]
    fields: tuple[FieldNode, ...]
    form_class: type[SchemaForm]
    readonly: bool
    # The root object's rules for the page, as JSON (``page_rules``).
    rules: str = ""

    @property
    def order(self) -> tuple[str, ...]:
        """Top-level property names in display order."""
        return tuple(node.key for node in self.fields)

    @property
    def has_files(self) -> bool:
        """Whether the host's <form> needs ``enctype="multipart/form-data"``."""
        return _any_kind(self.fields, "file")

    # Helpers for the macros (see templates/forms/macros.html).
    def place_errors(self, errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
        return presentation.place_errors(self.fields, errors)

    def is_field(self, name: str) -> bool:
        return presentation.is_field(self.fields, name)

    def error_summary(self, errors: Mapping[str, list[str]]) -> list[presentation.SummaryItem]:
        return presentation.error_summary(self.fields, errors)

    def input_attrs(
        self,
        node: FieldNode,
        field: Any,
        errors: Mapping[str, list[str]],
        readonly: bool = False,
        label: str = "",
    ) -> dict[str, Any]:
        return presentation.input_attrs(node, field, errors, readonly, label)

    def page_pattern_warnings(self) -> list[tuple[str, str]]:
        """Patterns the browser cannot compile (left to the server), for the form editor."""
        return list(browser_regex.page_pattern_warnings(self.schema))

    def template_row(self, field_list: Any) -> Any:
        return presentation.template_row(field_list)

    def describe(
        self, data: Mapping[str, Any] | None, attachment_url: Callable[[str], str] | None = None
    ) -> list[display.DisplayItem]:
        return display.describe(self.fields, data or {}, attachment_url)


_specs: KeyedCache[FormSpec] = KeyedCache(maxsize=256)


def form_spec(schema: dict, ui_schema: dict | None = None) -> FormSpec:
    """The cached FormSpec for ``schema`` and ``ui_schema``.

    Raises FormSchemaError when ``check_schema`` finds problems, so a broken
    deployment fails loudly instead of rendering half a form.
    """
    ui = ui_schema if isinstance(ui_schema, Mapping) else {}
    key = canonical_key(schema, ui)
    return _specs.get_or_build(key, lambda: _build_spec(key, schema, ui))


def _build_spec(key: str, schema: dict, ui: Mapping[str, Any]) -> FormSpec:
    problems = check_schema(schema)
    if problems:
        raise FormSchemaError(problems)
    schema = copy.deepcopy(schema)
    ui = copy.deepcopy(dict(ui))
    readonly = bool(ui.get("ui:readonly") or ui.get("ui:disabled") or schema.get("readOnly"))
    nodes = build_nodes(schema, ui, schema, readonly)
    form_class = make_form_class(nodes, f"SchemaForm_{key[:12]}")
    rules = "" if readonly else page_rules(schema, schema)
    return FormSpec(key, schema, ui, nodes, form_class, readonly, rules)


def build_form(spec: FormSpec, formdata: Any = None, data: dict | None = None) -> SchemaForm:
    """A form instance showing ``formdata`` (a post) over ``data`` (earlier data).

    ``formdata`` must be a MultiDict of request.form and request.files combined.
    Read-only fields always show ``data``: browsers do not post disabled inputs.
    With empty ``data`` the schema's ``default`` values prefill the form.
    """
    data = data if isinstance(data, Mapping) and data else defaults(spec.fields)
    prefill = prefill_data(spec.fields, data)
    if spec.readonly:
        formdata = None
    form = spec.form_class(formdata=formdata, data=prefill)
    if formdata is not None:
        _restore_readonly(spec.fields, form, prefill)
    return form


def defaults(nodes: tuple[FieldNode, ...]) -> dict[str, Any]:
    """The schema ``default`` values, nested objects included."""
    out: dict[str, Any] = {}
    for node in nodes:
        if node.has_default:
            out[node.key] = copy.deepcopy(node.default)
        elif node.kind == "object":
            nested = defaults(node.children)
            if nested:
                out[node.key] = nested
    return out


def prefill_data(nodes: tuple[FieldNode, ...], data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` reshaped for WTForms: only known keys, containers of the right
    type, list fields as lines; a value of the wrong type is kept as it is so
    the person sees what was stored."""
    out: dict[str, Any] = {}
    for node in nodes:
        if node.key not in data:
            continue
        value = data[node.key]
        if node.kind == "object":
            out[node.key] = prefill_data(node.children, value if isinstance(value, Mapping) else {})
        elif node.kind == "table":
            rows = value if isinstance(value, list) else []
            out[node.key] = [
                prefill_data(node.children, row if isinstance(row, Mapping) else {}) for row in rows
            ]
        elif node.kind == "lines":
            items = value if isinstance(value, list) else [value]
            out[node.key] = "\n".join("" if v is None else str(v) for v in items)
        elif node.kind in ("multiselect", "checkboxes"):
            out[node.key] = value if isinstance(value, list) else [value]
        else:
            out[node.key] = value
    return out


def _restore_readonly(nodes: tuple[FieldNode, ...], form: Any, prefill: Mapping[str, Any]) -> None:
    for node in nodes:
        field = form[node.key]
        value = prefill.get(node.key, unset_value)
        if node.readonly:
            field.raw_data = []
            field.process(None, value)
        elif node.kind == "object":
            _restore_readonly(
                node.children, field.form, value if isinstance(value, Mapping) else {}
            )
        elif node.kind == "table":
            rows = value if isinstance(value, list) else []
            for index, entry in enumerate(field.entries):
                row = rows[index] if index < len(rows) else {}
                _restore_readonly(node.children, entry.form, row)


def _any_kind(nodes: tuple[FieldNode, ...], kind: str) -> bool:
    return any(node.kind == kind or _any_kind(node.children, kind) for node in nodes)
