"""What belongs together in a form, handed to the page so a person hears it while typing.

The server judges a submission by jsonschema and ``x-compare`` (``relations``); this
module reads the same declarations of one object (the form's root, a nested object or a
table's row) into the small JSON ``static/form-rules.js`` applies in the browser:

- ``compare``: the object's ``x-compare`` relations as they stand (dates in order,
  parts within totals);
- ``when``: what a choice implies for another field, from ``if``/``then``/``else`` (alone
  or in ``allOf``; ``else`` as the test with ``"not": true``) and ``dependentSchemas``:
  a choice list narrowed (二级指标 to the ones of the chosen 一级指标, rendered as
  dependent selects) or a pattern required (a quantitative target must be a number),
  each with the schema's own message (``x-messages``).

Only shapes the page can apply are handed over; anything else stays the server's alone,
which is always the one that decides. A pattern the browser's `v` mode would not compile
is left out, as for an input's own `pattern`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from .browser_regex import v_mode_problem
from .messages import own_message
from .refs import resolve
from .relations import KEYWORD as COMPARE


def page_rules(schema: Mapping[str, Any], root: Mapping[str, Any]) -> str:
    """The rules of the object `schema` as JSON for a ``data-form-rules`` attribute, or ""
    when it has none the page can apply."""
    schema = resolve(schema, root) if isinstance(schema, Mapping) else {}
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return ""
    compare = [
        dict(relation)
        for relation in schema.get(COMPARE) or ()
        if isinstance(relation, Mapping) and isinstance(relation.get("op"), str)
    ]
    when = list(_conditions(schema, root, properties))
    if not compare and not when:
        return ""
    return json.dumps({"compare": compare, "when": when}, ensure_ascii=False, sort_keys=True)


def _conditions(
    schema: Mapping[str, Any], root: Mapping[str, Any], properties: Mapping[str, Any]
) -> Iterator[dict[str, Any]]:
    branches = [schema, *(s for s in schema.get("allOf") or () if isinstance(s, Mapping))]
    for branch in branches:
        branch = resolve(branch, root)
        test = _test(branch.get("if"), properties)
        if test is not None and isinstance(branch.get("then"), Mapping):
            yield from _implied(test, resolve(branch["then"], root), properties)
        if test is not None and isinstance(branch.get("else"), Mapping):
            yield from _implied({**test, "not": True}, resolve(branch["else"], root), properties)
    dependent = schema.get("dependentSchemas")
    if isinstance(dependent, Mapping):
        for name, implied in dependent.items():
            if name in properties and isinstance(implied, Mapping):
                yield from _implied({"field": name, "filled": True}, implied, properties)


def _test(condition: Any, properties: Mapping[str, Any]) -> dict[str, Any] | None:
    """``{"properties": {F: {"const"|"enum": …}}, "required": [F]}`` as {field, in}."""
    if not isinstance(condition, Mapping):
        return None
    tested = condition.get("properties")
    if (
        not isinstance(tested, Mapping)
        or len(tested) != 1
        or set(condition)
        - {
            "properties",
            "required",
        }
    ):
        return None
    ((name, test),) = tested.items()
    if name not in properties or not isinstance(test, Mapping):
        return None
    if "const" in test and len(test) == 1:
        return {"field": name, "in": [test["const"]]}
    if isinstance(test.get("enum"), list) and len(test) == 1:
        return {"field": name, "in": list(test["enum"])}
    return None


def _implied(
    test: dict[str, Any], then: Mapping[str, Any], properties: Mapping[str, Any]
) -> Iterator[dict[str, Any]]:
    implied = then.get("properties")
    if not isinstance(implied, Mapping):
        return
    for name, rule in implied.items():
        if name not in properties or not isinstance(rule, Mapping):
            continue
        if isinstance(rule.get("enum"), list):
            yield {
                "if": test,
                "field": name,
                "enum": [v for v in rule["enum"] if isinstance(v, str)],
                "message": own_message(rule, "enum") or "",
            }
        pattern = rule.get("pattern")
        if isinstance(pattern, str) and v_mode_problem(pattern) is None:
            yield {
                "if": test,
                "field": name,
                "pattern": pattern,
                "message": own_message(rule, "pattern") or "",
            }
