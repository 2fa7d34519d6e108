"""WTForms field classes generated from field nodes.

WTForms here only renders and carries raw input: validity is decided by
jsonschema, so the fields get HTML attributes (``render_kw``) rather than
validators, and the subclasses below never lose a stored value that does not
parse (a returned submission must show what was sent).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from flask_babel.speaklater import LazyString
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FileField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from .nodes import FieldNode, choice_token
from .translated import translated

try:  # WTForms >= 3.3 deprecates tuple choices; pyproject allows 3.1.
    from wtforms import SelectChoice as _Choice
except ImportError:  # pragma: no cover - older WTForms

    def _Choice(value: str, label: str) -> Any:  # noqa: N802 - stands in for a class
        return (value, label)


# The empty first option of a select, in the reader's language when the page is drawn.
BLANK_LABEL = LazyString(translated, "Choose…")
#: Kinds where the HTML `required` attribute would mean something else (a
#: checkbox that must be ticked) or is decided at render time (file).
_NO_REQUIRED_ATTR = frozenset({"boolean", "checkboxes", "radio", "object", "table", "file"})


class SchemaDateField(DateField):
    """A date input that accepts the ISO strings stored in JSON data."""

    def process_data(self, value: Any) -> None:
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                self.raw_data = [value]
                value = None
        super().process_data(value)


class SchemaIntegerField(IntegerField):
    """An integer input that shows a stored non-integer as it was."""

    def process_data(self, value: Any) -> None:
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            self.data = value
            return
        self.data = None
        self.raw_data = [str(value)]


class SchemaDecimalField(DecimalField):
    """A number input; no quantizing, so 12.5 shows as 12.5, not 12.50."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, places=None, **kwargs)


class SchemaForm(Form):
    """Base of every generated form; ``schema_nodes`` describes its fields."""

    schema_nodes: tuple[FieldNode, ...] = ()


def make_form_class(nodes: Iterable[FieldNode], name: str = "SchemaForm") -> type[SchemaForm]:
    """A ``wtforms.Form`` subclass with one field per node, in node order."""
    nodes = tuple(nodes)
    attrs: dict[str, Any] = {"schema_nodes": nodes}
    for node in nodes:
        attrs[node.key] = unbound_field(node)
    return type(name, (SchemaForm,), attrs)


def unbound_field(node: FieldNode) -> Any:
    """The WTForms field for one node (creation order keeps the node order)."""
    render_kw = dict(node.attrs)
    if node.placeholder:
        render_kw["placeholder"] = node.placeholder
    if node.required and node.kind not in _NO_REQUIRED_ATTR:
        render_kw["required"] = True
    options: dict[str, Any] = {
        "label": node.title,
        "description": node.description,
        "render_kw": render_kw or None,
    }
    kind = node.kind
    if kind == "object":
        return FormField(make_form_class(node.children, f"{node.key}_Form"), label=node.title)
    if kind == "table":
        row = FormField(make_form_class(node.children, f"{node.key}_Row"))
        return FieldList(
            row, label=node.title, min_entries=node.min_rows, max_entries=node.max_rows
        )
    if kind in ("select", "radio"):
        choices = [_Choice(c.token, c.title) for c in node.choices]
        if kind == "select":
            choices.insert(0, _Choice("", BLANK_LABEL))
            cls: Any = SelectField
        else:
            cls = RadioField
        return cls(choices=choices, coerce=_token, validate_choice=False, **options)
    if kind in ("multiselect", "checkboxes"):
        extra: dict[str, Any] = {}
        if kind == "checkboxes":
            extra = {"widget": ListWidget(prefix_label=False), "option_widget": CheckboxInput()}
        choices = [_Choice(c.token, c.title) for c in node.choices]
        return SelectMultipleField(choices=choices, coerce=_token, **extra, **options)
    field_classes: dict[str, Any] = {
        "text": StringField,
        "textarea": TextAreaField,
        "lines": TextAreaField,
        "date": SchemaDateField,
        "file": FileField,
        "number": SchemaDecimalField,
        "integer": SchemaIntegerField,
        "boolean": BooleanField,
    }
    return field_classes[kind](**options)


def _token(value: Any) -> str:
    return choice_token(value)
