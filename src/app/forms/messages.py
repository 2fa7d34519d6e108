"""The messages people read for the validation errors they meet most, in their language.

Anything not mapped here falls back to jsonschema's own (English) message, so a
rare keyword still produces an error that names the problem. A schema may say what a
keyword means in its own words beside it, with ``x-messages``: a pattern that asks for
a number says "定量指标的指标值须为数字" instead of "格式不正确"::

    "target": {"pattern": "^-?[0-9]+(\\.[0-9]+)?$",
               "x-messages": {"pattern": "定量指标的指标值须为数字"}}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError

from .translated import translated

# What a person reads for each JSON Schema keyword, in their language (English msgids,
# Chinese in src/app/translations); the words are looked up when the error is reported.
TYPE_NAMES = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "yes or no",
    "object": "an object",
    "array": "a list",
    "null": "empty",
}

FORMAT_MESSAGES = {
    "date": "A date is written as YYYY-MM-DD.",
    "date-time": "The date and time are not in the right format.",
    "time": "The time is not in the right format.",
    "email": "The e-mail address is not in the right format.",
    "uri": "The web address is not in the right format.",
}

BAD_FORMAT = "The format is not right."
CHOOSE_AN_OPTION = "Choose one of the options given."


def required() -> str:
    return translated("This field is required.")


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _type(error: ValidationError) -> str:
    expected = error.validator_value
    names = [expected] if isinstance(expected, str) else list(expected or [])
    readable = translated(" or ").join(
        translated(TYPE_NAMES[n]) if n in TYPE_NAMES else n for n in names
    )
    return translated("It should be %(kind)s.", kind=readable)


def _format(error: ValidationError) -> str:
    return translated(FORMAT_MESSAGES.get(error.validator_value, BAD_FORMAT))


def _choices_only(error: ValidationError) -> bool:
    options = error.validator_value
    return isinstance(options, list) and all(
        isinstance(o, Mapping) and "const" in o for o in options
    )


def _choose(error: ValidationError) -> str | None:
    return translated(CHOOSE_AN_OPTION) if _choices_only(error) else None


def _value(msgid: str) -> Callable[[ValidationError], str]:
    """A message naming the keyword's value (a length, a bound, a count)."""
    return lambda e: translated(msgid, value=_num(e.validator_value))


_MESSAGES: dict[str, Callable[[ValidationError], str | None]] = {
    "required": lambda e: required(),
    "minLength": _value("At least %(value)s characters are needed."),
    "maxLength": _value("At most %(value)s characters are allowed."),
    "minimum": _value("It may not be less than %(value)s."),
    "maximum": _value("It may not be more than %(value)s."),
    "exclusiveMinimum": _value("It must be more than %(value)s."),
    "exclusiveMaximum": _value("It must be less than %(value)s."),
    "multipleOf": _value("It must be a multiple of %(value)s."),
    "pattern": lambda e: translated(BAD_FORMAT),
    "enum": lambda e: translated(CHOOSE_AN_OPTION),
    "const": lambda e: translated("The value is not the one expected."),
    "type": _type,
    "format": _format,
    "minItems": _value("At least %(value)s items are needed."),
    "maxItems": _value("At most %(value)s items are allowed."),
    "uniqueItems": lambda e: translated("No two items may be the same."),
    "oneOf": _choose,
    "anyOf": _choose,
}


MESSAGES_KEYWORD = "x-messages"


def own_message(schema: Any, keyword: str) -> str | None:
    """The message `schema` gives for a failure of `keyword` (``x-messages``), if any."""
    messages = schema.get(MESSAGES_KEYWORD) if isinstance(schema, Mapping) else None
    text = messages.get(keyword) if isinstance(messages, Mapping) else None
    return text if isinstance(text, str) and text.strip() else None


def message_for(error: ValidationError) -> str:
    """The schema's own message for ``error`` (``x-messages``), else ours in the reader's
    language, else jsonschema's when unmapped."""
    own = own_message(error.schema, str(error.validator))
    if own:
        return own
    build = _MESSAGES.get(str(error.validator))
    text = build(error) if build else None
    return text or error.message
