"""JSON Schema (draft 2020-12) -> WTForms + HTML, with jsonschema as the one
authority of validity for HTML posts and the API alike.

Host flow for a task form (see ``templates/forms/macros.html``)::

    spec = form_spec(schema, ui)
    formdata = CombinedMultiDict([request.files, request.form])
    if (action := apply_row_action(formdata)) is not None:
        form = build_form(spec, action.formdata, data=previous)   # re-render
    else:
        form = build_form(spec, formdata, data=previous)
        data = form_to_data(spec, form, previous)
        data = store_files(data, save_attachment)   # -> "attachment:<id>/<name>"
        errors = validate_data(spec.schema, data)
"""

from .builder import FormSchemaError, FormSpec, build_form, form_spec
from .coercion import form_to_data, store_files
from .display import DisplayItem, parse_attachment
from .errors import errors_by_field, path_to_name
from .rows import ADD_ROW, REMOVE_ROW, RowAction, apply_row_action
from .schema_check import check_schema
from .validation import FieldError, validate_data

__all__ = [
    "ADD_ROW",
    "REMOVE_ROW",
    "DisplayItem",
    "FieldError",
    "FormSchemaError",
    "FormSpec",
    "RowAction",
    "apply_row_action",
    "build_form",
    "check_schema",
    "errors_by_field",
    "form_spec",
    "form_to_data",
    "parse_attachment",
    "path_to_name",
    "store_files",
    "validate_data",
]
