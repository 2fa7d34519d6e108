"""spiff-arena's forms: a JSON Schema and a `-uischema.json` in react-jsonschema-form's
conventions, carried over at deployment into what our form renderer (app/forms) shows.

The renderer already reads rjsf's `ui:order` (with `*`), `ui:title`, `ui:description`,
`ui:help`, `ui:placeholder`, `ui:readonly` / `ui:disabled`, nested objects' ui schemas
and an array's `items`, and the widgets `textarea`, `radio` and `checkboxes`; numbers
are number inputs whatever their widget (`updown`, `range`). What it does not read is
converted here, in the stored copy of the ui schema:

- rjsf's widget component names (`TextareaWidget`, `RadioWidget`, …) -> the short names;
- spiff-arena's `markdown` editor -> a `textarea`;
- spiff-arena's `typeahead` (suggestions from spiff-arena's own data stores) -> a plain
  text input, and its `date-range` (a string `2027-01-01:::2027-12-31`) -> a text input
  whose placeholder shows that shape, so the value a diagram reads is the same;
- `hidden` -> shown read-only: a value the person must not change, never one they cannot
  see on a submission they answer for;
- `date` / `alt-date` on a string -> the schema's `format: date` (a date input), which
  is the value rjsf's date widget writes anyway.

Other options (`ui:options` label, rows, inline; `password`) are left as they are: the
renderer shows the field with its label, as a plain input.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

# rjsf's widget component names, as spiff-arena's editor may write them.
_WIDGET_NAMES = {
    "TextareaWidget": "textarea",
    "RadioWidget": "radio",
    "CheckboxesWidget": "checkboxes",
    "CheckboxWidget": "checkbox",
    "SelectWidget": "select",
    "HiddenWidget": "hidden",
    "PasswordWidget": "password",
    "DateWidget": "date",
    "AltDateWidget": "alt-date",
    "UpDownWidget": "updown",
    "RangeWidget": "range",
    "TextWidget": "text",
    "TypeaheadWidget": "typeahead",
    "DateRangePickerWidget": "date-range",
    "MarkDownFieldWidget": "markdown",
}
DATE_RANGE_PLACEHOLDER = "YYYY-MM-DD:::YYYY-MM-DD"


def convert_ui_schema(ui: Any) -> Any:
    """A ui schema with spiff-arena's and rjsf's conventions our renderer does not read
    carried over into those it does (see the module's docstring); anything else as is."""
    if not isinstance(ui, Mapping):
        return ui
    converted = {}
    for key, value in ui.items():
        if key.startswith("ui:") or not isinstance(value, Mapping):
            converted[key] = copy.deepcopy(value)
        else:  # a property's ui schema, or an array's `items`
            converted[key] = convert_ui_schema(value)
    widget = converted.get("ui:widget")
    if isinstance(widget, str):
        widget = _WIDGET_NAMES.get(widget, widget)
        converted["ui:widget"] = widget
        if widget == "markdown":
            converted["ui:widget"] = "textarea"
        elif widget == "typeahead":
            del converted["ui:widget"]
        elif widget == "date-range":
            del converted["ui:widget"]
            converted.setdefault("ui:placeholder", DATE_RANGE_PLACEHOLDER)
        elif widget == "hidden":
            del converted["ui:widget"]
            converted["ui:readonly"] = True
        elif widget == "alt-date":
            converted["ui:widget"] = "date"
    return converted


def with_date_formats(schema: Any, ui: Any) -> Any:
    """The schema with `format: date` on each string its ui schema draws as a date."""
    if not isinstance(schema, Mapping) or not isinstance(ui, Mapping):
        return schema
    result = dict(schema)
    if ui.get("ui:widget") == "date" and result.get("type") == "string" and "format" not in result:
        result["format"] = "date"
    properties = result.get("properties")
    if isinstance(properties, Mapping):
        result["properties"] = {
            name: with_date_formats(sub, ui.get(name)) for name, sub in properties.items()
        }
    if isinstance(result.get("items"), Mapping):
        result["items"] = with_date_formats(result["items"], ui.get("items"))
    return result
