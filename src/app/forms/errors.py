"""Map validation paths to the WTForms field names the macros render."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .validation import FieldError

if TYPE_CHECKING:
    from .builder import FormSpec


def path_to_name(path: str) -> str:
    """``/indicators/1/target`` -> ``indicators-1-target``; the root -> ""."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/") if p != ""]
    return "-".join(parts)


def errors_by_field(errors: list[FieldError], spec: FormSpec | None = None) -> dict[str, list[str]]:
    """Messages grouped by field name, in the order jsonschema found them.

    With ``spec``, an error below a rendered field (an item of a multi-select,
    a whole table row) moves up to that field and unknown paths go to "", the
    top of the form; ``render_form`` does the same placement itself.
    """
    grouped: dict[str, list[str]] = {}
    for error in errors:
        name = path_to_name(error.path)
        bucket = grouped.setdefault(name, [])
        if error.message not in bucket:
            bucket.append(error.message)
    if spec is not None:
        return spec.place_errors(grouped)
    return grouped
