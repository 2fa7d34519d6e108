"""Lint a form schema before it is deployed.

Draft 2020-12 meta-validation catches malformed keywords; our own rules catch
schemas that are valid JSON Schema but cannot become a form (a root that is not
an object, property names that cannot be WTForms field names) or that nobody
could submit (``schema_rules``: minimum above maximum, required fields that do not
exist, patterns that do not compile). Where a rule explains a spot in its own
words, the meta-validator's message for that spot is left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from wtforms import Form

from .patterns import pattern_problems
from .refs import pointer, resolve
from .relations import declaration_problems
from .schema_rules import rule_problems
from .translated import translated as _

#: Attributes of ``wtforms.Form`` a property would shadow; "-" is the separator
#: WTForms uses for nested names, so it cannot appear inside a name either.
RESERVED_NAMES = frozenset(name for name in dir(Form) if not name.startswith("__"))

_META = Draft202012Validator(
    Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
)


def check_schema(schema: dict) -> list[str]:
    """Problems that stop ``schema`` from serving as a form; empty when fine."""
    if not isinstance(schema, Mapping):
        return [_("The form schema must be a JSON object.")]
    rules = rule_problems(schema)
    explained = {where for where, _ in rules}
    problems = [
        f"{where}: {message}"
        for where, message in (_meta_problem(error) for error in _META.iter_errors(schema))
        if where not in explained
    ]
    problems.extend(f"{where}: {message}" for where, message in rules)
    if schema.get("type") != "object":
        problems.append("/: " + _('The root must be "type": "object".'))
    if not isinstance(schema.get("properties"), Mapping):
        problems.append("/: " + _("The root must define properties."))
    else:
        problems.extend(_name_problems(schema, schema, []))
    problems.extend(pattern_problems(schema))
    problems.extend(f"{where}: {message}" for where, message in declaration_problems(schema))
    return problems


def is_usable_name(name: str) -> bool:
    """Whether a property name can be a WTForms field name."""
    return name.isidentifier() and not name.startswith("_") and name not in RESERVED_NAMES


def _meta_problem(error: Any) -> tuple[str, str]:
    best = best_match([error]) or error
    return pointer(best.absolute_path) or "/", best.message


def _name_problems(schema: Mapping[str, Any], root: Mapping[str, Any], path: list) -> Iterator[str]:
    schema = resolve(schema, root)
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for name, sub in properties.items():
            where = [*path, "properties", name]
            if not is_usable_name(name):
                problem = _(
                    "The property name %(name)r cannot name a form field: use letters, digits "
                    "and '_', not starting with '_' or a digit, and not a WTForms Form attribute.",
                    name=name,
                )
                yield f"{pointer(where)}: {problem}"
            if len(path) < 40:
                yield from _name_problems(sub, root, where)
    items = schema.get("items")
    if isinstance(items, Mapping) and len(path) < 40:
        yield from _name_problems(items, root, [*path, "items"])
