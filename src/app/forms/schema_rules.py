"""Rules a form schema must keep beyond being valid JSON Schema.

A schema can pass draft 2020-12 meta-validation and still make a form nobody can
submit: a minimum above its maximum, a required field that does not exist, a pattern
Python cannot compile (jsonschema would crash on the first submission). The form
editor refuses these on save and the deployment lint on deploy, each with the reason
and where it is, in the words an administrator uses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .refs import pointer
from .translated import translated as _

#: JSON types the renderer turns into a field ("null" alone shows nothing to fill).
RENDERED_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array"})

_BOUNDS = (
    ("minimum", "maximum"),
    ("exclusiveMinimum", "exclusiveMaximum"),
    ("minLength", "maxLength"),
    ("minItems", "maxItems"),
)


def _bound_name(keyword: str) -> str:
    """A bound as the form editor names it ("最小值"), in the reader's language."""
    return {
        "minimum": _("Minimum"),
        "maximum": _("Maximum"),
        "exclusiveMinimum": _("Minimum (exclusive)"),
        "exclusiveMaximum": _("Maximum (exclusive)"),
        "minLength": _("Shortest length"),
        "maxLength": _("Longest length"),
        "minItems": _("Fewest rows"),
        "maxItems": _("Most rows"),
    }[keyword]


def rule_problems(schema: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(JSON pointer, message) for each broken rule, in schema order."""
    return list(_walk(schema, [], 0))


def _walk(schema: Any, path: list, depth: int) -> Iterator[tuple[str, str]]:
    if not isinstance(schema, Mapping) or depth > 40:
        return
    yield from _own_problems(schema, path)
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        required = schema.get("required")
        if isinstance(required, list):
            for name in required:
                if isinstance(name, str) and name not in properties:
                    yield (
                        pointer([*path, "required"]),
                        _("Required field “%(name)s” is not a field of this form.", name=name),
                    )
        for name, sub in properties.items():
            yield from _walk(sub, [*path, "properties", name], depth + 1)
    items = schema.get("items")
    if isinstance(items, Mapping):
        yield from _walk(items, [*path, "items"], depth + 1)
    defs = schema.get("$defs")
    if isinstance(defs, Mapping):
        for name, sub in defs.items():
            yield from _walk(sub, [*path, "$defs", name], depth + 1)


def _own_problems(schema: Mapping[str, Any], path: list) -> Iterator[tuple[str, str]]:
    declared = schema.get("type")
    types = declared if isinstance(declared, list) else [declared]
    unknown = [t for t in types if t is not None and t != "null" and t not in RENDERED_TYPES]
    if unknown or (declared is not None and all(t == "null" for t in types)):
        shown = ", ".join(json.dumps(t, ensure_ascii=False) for t in (unknown or types))
        yield (
            pointer([*path, "type"]),
            _(
                "Type %(type)s cannot be shown as a form field; use string, number, integer, "
                "boolean, object or array.",
                type=shown,
            ),
        )
    pattern = schema.get("pattern")
    if "pattern" in schema:
        problem = _pattern_problem(pattern)
        if problem:
            yield pointer([*path, "pattern"]), problem
    for low_key, high_key in _BOUNDS:
        low, high = schema.get(low_key), schema.get(high_key)
        if _is_number(low) and _is_number(high) and low > high:
            yield (
                pointer([*path, low_key]),
                _(
                    "%(low_name)s %(low)s is above %(high_name)s %(high)s: no value can meet both.",
                    low_name=_bound_name(low_key),
                    low=low,
                    high_name=_bound_name(high_key),
                    high=high,
                ),
            )
    if "enum" in schema:
        enum = schema.get("enum")
        if not isinstance(enum, list) or not enum:
            yield pointer([*path, "enum"]), _("The list of options needs at least one option.")
        else:
            seen: set[str] = set()
            for option in enum:
                token = json.dumps(option, ensure_ascii=False, sort_keys=True)
                if token in seen:
                    yield (
                        pointer([*path, "enum"]),
                        _("Option %(option)s appears twice.", option=token),
                    )
                seen.add(token)


def _pattern_problem(pattern: Any) -> str | None:
    if not isinstance(pattern, str):
        return _("The pattern (regular expression) must be text.")
    try:
        re.compile(pattern)
    except re.error as exc:
        return _(
            "The pattern (regular expression) “%(pattern)s” is invalid: %(problem)s",
            pattern=pattern,
            problem=exc,
        )
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
