"""Checks of what belongs together in a form, which JSON Schema cannot say.

JSON Schema judges each value alone; a form also needs "not above the requested
amount", "not before the start date". A schema states such a relation next to the
properties it relates, with the keyword ``x-compare`` on any object (the form's root or
a table's row)::

    "x-compare": [
      {"field": "approved_amount", "op": "<=", "other": "requested_amount",
       "unless": "override_reason",
       "message": "安排金额不得超过申报金额；确需超过的，须填写调增理由"}
    ]

``other`` names a field of the same object (or ``value`` gives a number); a relation with
either side blank is left to ``required``; ``unless`` names a field whose filled-in text
lifts the relation (a recorded reason). The error sits on ``field``.

Parts within totals are the same relation with a list on either side, which stands for
the sum of those fields (blank parts count as nothing; all blank is a blank side)::

    {"field": ["requested_amount", "carryover_amount"], "op": "<=",
     "other": ["total_fiscal_funds", "total_other_funds"],
     "message": "年度资金合计不得超过项目资金总额"}

The error of a sum sits on its first field. The task page checks the same relations as
the person types (``page_rules`` hands them to ``static/form-rules.js``); the server's
check here is the one that counts.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .refs import pointer, resolve
from .translated import translated
from .validation import FieldError

KEYWORD = "x-compare"
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}


def relation_errors(schema: Mapping[str, Any], data: Any) -> list[FieldError]:
    """Every broken relation in `data`, each on the field it names."""
    return list(_walk(schema, data, schema, ()))


def declaration_problems(schema: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(JSON pointer, message) for each relation that names no field of its object or an
    unknown operator, so a form editor or a deployment refuses it by name."""
    return list(_declarations(schema, schema, []))


def _walk(schema: Any, data: Any, root: Mapping[str, Any], path: tuple) -> Iterator[FieldError]:
    schema = resolve(schema, root) if isinstance(schema, Mapping) else {}
    if isinstance(data, Mapping):
        for relation in schema.get(KEYWORD) or ():
            if isinstance(relation, Mapping) and _broken(relation, data):
                yield FieldError(pointer([*path, _names(relation["field"])[0]]), _message(relation))
        properties = schema.get("properties")
        if isinstance(properties, Mapping):
            for name, sub in properties.items():
                if name in data:
                    yield from _walk(sub, data[name], root, (*path, name))
    elif isinstance(data, list) and isinstance(schema.get("items"), Mapping):
        for index, row in enumerate(data):
            yield from _walk(schema["items"], row, root, (*path, index))


def _broken(relation: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    compare = OPERATORS.get(relation.get("op"))
    if compare is None:
        return False
    unless = relation.get("unless")
    if isinstance(unless, str) and str(data.get(unless) or "").strip():
        return False
    left = _side(data, relation.get("field"))
    right = (
        _side(data, relation["other"])
        if "other" in relation
        else _comparable(relation.get("value"))
    )
    if left is None or right is None or type(left) is not type(right):
        return False
    return not compare(left, right)


def _names(side: Any) -> list[str]:
    """The field names one side of a relation reads: one name, or a list to be summed."""
    if isinstance(side, str):
        return [side]
    if isinstance(side, list) and side and all(isinstance(n, str) for n in side):
        return list(side)
    return [""]


def _side(data: Mapping[str, Any], side: Any) -> Decimal | str | None:
    """A field's value, or the sum of several (blank parts count as nothing)."""
    if not isinstance(side, list):
        return _comparable(data.get(side) if isinstance(side, str) else None)
    values = [_comparable(data.get(name)) for name in _names(side)]
    present = [v for v in values if v is not None]
    if not present or not all(isinstance(v, Decimal) for v in present):
        return None
    return sum(present, Decimal(0))


def _comparable(value: Any) -> Decimal | str | None:
    """Numbers as Decimal (exact at the boundary), ISO dates as text (which sorts by date)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return value
    return None


def _message(relation: Mapping[str, Any]) -> str:
    if isinstance(relation.get("message"), str) and relation["message"].strip():
        return relation["message"]
    other = relation.get("other", relation.get("value"))
    left = " + ".join(_names(relation.get("field")))
    right = " + ".join(_names(other)) if isinstance(other, str | list) else other
    return translated(
        "It must hold that %(left)s %(op)s %(right)s.",
        left=left,
        op=relation.get("op"),
        right=right,
    )


def _declarations(schema: Any, root: Mapping[str, Any], path: list) -> Iterator[tuple[str, str]]:
    if not isinstance(schema, Mapping):
        return
    schema = resolve(schema, root)
    properties = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
    relations = schema.get(KEYWORD)
    if relations is not None and not isinstance(relations, list):
        yield pointer([*path, KEYWORD]), translated("%(keyword)s must be a list.", keyword=KEYWORD)
    for index, relation in enumerate(relations if isinstance(relations, list) else []):
        where = pointer([*path, KEYWORD, index])
        if not isinstance(relation, Mapping):
            yield where, translated("Each comparison must be an object.")
            continue
        if relation.get("op") not in OPERATORS:
            yield (
                where,
                translated(
                    "The comparison must be one of %(operators)s.",
                    operators=translated(", ").join(OPERATORS),
                ),
            )
        names = _names(relation.get("field"))
        if "other" in relation:
            names += _names(relation["other"])
        if relation.get("unless") is not None:
            names.append(relation["unless"])
        for name in names:
            if not isinstance(name, str) or name not in properties:
                yield where, translated("The field “%(name)s” is not in this form.", name=name)
        if "other" not in relation and not isinstance(relation.get("value"), int | float):
            yield where, translated("Name other (another field) or value (a number).")
    for name, sub in properties.items():
        yield from _declarations(sub, root, [*path, "properties", name])
    if isinstance(schema.get("items"), Mapping):
        yield from _declarations(schema["items"], root, [*path, "items"])
