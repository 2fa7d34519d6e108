"""jsonschema is the one authority of validity, for HTML posts and the API alike.

Errors come back as (path, message) pairs whose path points at the offending
value, so the HTML form can show each next to its field and the API can return
them as ``details``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from .caching import KeyedCache, canonical_key
from .documents import MAX_DEPTH, deeper_than
from .messages import message_for, required
from .refs import pointer


@dataclass(frozen=True)
class FieldError:
    """One problem with submitted data; ``path`` is "" for the root. ``message`` may be a
    lazy message, rendered in the language of whoever reads it."""

    path: str
    message: str


# Two keywords read as people mean them; every other keyword is jsonschema's own.
def _decimal_multiple_of(validator: Any, step: Any, instance: Any, schema: Any) -> Iterator:
    """``multipleOf`` in decimal, as people write amounts: jsonschema divides binary
    floats, so 19.99 was refused as "not a multiple of 0.01" while 120.5 passed."""
    if not validator.is_type(instance, "number"):
        return
    try:
        exact = Decimal(str(instance)) % Decimal(str(step)) == 0
    except (InvalidOperation, ArithmeticError):
        exact = False
    if not exact:
        yield ValidationError(f"{instance!r} is not a multiple of {step}")


def _required_and_filled(validator: Any, required: Any, instance: Any, schema: Any) -> Iterator:
    """``required`` as a person means it: text of nothing but spaces is not an answer."""
    if not validator.is_type(instance, "object"):
        return
    for name in required:
        if name not in instance or _blank(instance[name]):
            yield ValidationError(f"{name!r} is a required property")


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


DecimalValidator = validators.extend(
    Draft202012Validator,
    {"multipleOf": _decimal_multiple_of, "required": _required_and_filled},
    version="draft2020-12-decimal",
)
_validators: KeyedCache[Draft202012Validator] = KeyedCache(maxsize=512)


def validator_for(schema: Mapping[str, Any]) -> Draft202012Validator:
    """A cached validator: building one re-walks the schema, validating is cheap."""
    return _validators.get_or_build(
        canonical_key(schema),
        lambda: DecimalValidator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER),
    )


def validate_data(schema: dict, data: dict) -> list[FieldError]:
    """Every problem jsonschema finds in ``data``, with Chinese messages.

    The schema is assumed to have passed ``check_schema`` at deployment; an
    invalid one raises jsonschema's ``SchemaError`` here.
    """
    found: list[FieldError] = list(unstorable_text(data))
    if too_deep(data):  # jsonschema would recurse through it: what is found is enough
        return found
    seen: set[FieldError] = set(found)
    for item in schema_errors(schema, data):
        if item not in seen:
            seen.add(item)
            found.append(item)
    return found


def schema_errors(schema: dict, data: dict) -> list[FieldError]:
    """What jsonschema alone finds, for data `unstorable_text` has already passed (the
    completion checks the post before anything recursive reads it, and need not walk
    it twice)."""
    found: list[FieldError] = []
    for error in validator_for(schema).iter_errors(data):
        found.extend(item for item in _field_errors(error) if item not in found)
    return found


# What is wrong with a value, as the predicate of a sentence: a field's error on its own
# ("holds control characters") and, after its name, a refusal ("The title %(problem)s").
UNSTORABLE = _l("holds characters that cannot be stored (NUL or lone surrogates)")
NOT_FINITE = _l("must be a finite number, not NaN, Infinity or beyond 1e308")
TOO_DEEP = _l("is nested more than %(depth)s levels deep", depth=MAX_DEPTH)
CONTROL_CHARACTERS = _l("holds control characters")
NOT_ONE_LINE = _l("must be one line of text")


def unstorable_text(value: Any, path: tuple = ()) -> Iterator[FieldError]:
    """What no database stores, as field errors rather than a failure at the commit: NUL
    characters (PostgreSQL refuses them) and lone UTF-16 surrogates (what a JSON "\\ud800"
    escape or invalid UTF-8 decodes to, which cannot be encoded back), in keys and values;
    NaN, Infinity and numbers beyond a double's range (not JSON: PostgreSQL refuses the
    first two, JavaScript reads the last as Infinity, and a web form's number field reads
    "nan", "inf" and "1e400"); and nesting deeper than MAX_DEPTH, which every recursive
    reader after this one (jsonschema, the engine, the serialiser) would fail on.

    Every write of submitted data goes through here: task data (validate_data), start
    data and titles (start_instance), deployed forms. It walks with a stack of its own,
    so no depth makes it fail.
    """
    stack: list[tuple[Any, tuple]] = [(value, tuple(path))]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if not _storable(item):
                yield FieldError(pointer(list(where)), UNSTORABLE)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            if not finite_number(item):
                yield FieldError(pointer(list(where)), NOT_FINITE)
        elif isinstance(item, Mapping | list | tuple):
            if len(where) - len(path) >= MAX_DEPTH:
                yield FieldError(pointer(list(where)), TOO_DEEP)
                continue
            if isinstance(item, Mapping):
                if any(isinstance(key, str) and not _storable(key) for key in item):
                    yield FieldError(pointer(list(where)), UNSTORABLE)
                children = list(item.items())
            else:
                children = list(enumerate(item))
            stack.extend((child, (*where, key)) for key, child in reversed(children))


# Control characters other than tab and line breaks: never in what a person types. NUL
# cannot be stored by PostgreSQL; a line break in a title, a name, a file name or a
# username would split the header or subject line it ends up in.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85]")


def text_problem(text: str, one_line: bool = True) -> Any:
    """Why `text` cannot be kept as a line (`one_line`) or a note a person typed, or None:
    a lazy message, the predicate of a sentence naming the text ("The title %(problem)s")."""
    if not _storable(text):
        return UNSTORABLE
    if CONTROL.search(text):
        return CONTROL_CHARACTERS
    if one_line and LINE_BREAK.search(text):
        return NOT_ONE_LINE
    return None


def finite_number(value: int | float) -> bool:
    """Whether `value` is a number every JSON reader reads as itself: a JavaScript client
    reads 1e400 (or an integer of 400 digits) as Infinity, and Python's float() fails."""
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def too_deep(value: Any) -> bool:
    """Whether `value` nests deeper than any recursive reader may be asked to follow."""
    return deeper_than(value, MAX_DEPTH) is not None


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _field_errors(error: ValidationError) -> Iterator[FieldError]:
    path = list(error.absolute_path)
    if error.validator != "required":
        yield FieldError(pointer(path), message_for(error))
        return
    # jsonschema reports "'x' is a required property" on the parent object; the
    # person needs the mark on the missing field itself.
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    names = [n for n in error.validator_value or [] if n not in instance or _blank(instance[n])]
    named = [n for n in names if error.message == f"{n!r} is a required property"]
    for name in named or names:
        yield FieldError(pointer([*path, name]), required())
