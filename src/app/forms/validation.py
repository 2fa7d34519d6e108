"""jsonschema is the one authority of validity, for HTML posts and the API alike.

Errors come back as (path, message) pairs whose path points at the offending
value, so the HTML form can show each next to its field and the API can return
them as ``details``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .caching import KeyedCache, canonical_key
from .messages import REQUIRED, message_for
from .refs import pointer


@dataclass(frozen=True)
class FieldError:
    """One problem with submitted data; ``path`` is "" for the root."""

    path: str
    message: str


_validators: KeyedCache[Draft202012Validator] = KeyedCache(maxsize=512)


def validator_for(schema: Mapping[str, Any]) -> Draft202012Validator:
    """A cached validator: building one re-walks the schema, validating is cheap."""
    return _validators.get_or_build(
        canonical_key(schema),
        lambda: Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER),
    )


def validate_data(schema: dict, data: dict) -> list[FieldError]:
    """Every problem jsonschema finds in ``data``, with Chinese messages.

    The schema is assumed to have passed ``check_schema`` at deployment; an
    invalid one raises jsonschema's ``SchemaError`` here.
    """
    found: list[FieldError] = list(unstorable_text(data))
    seen: set[FieldError] = set(found)
    for error in validator_for(schema).iter_errors(data):
        for item in _field_errors(error):
            if item not in seen:
                seen.add(item)
                found.append(item)
    return found


UNSTORABLE = "含有无法保存的字符（NUL 或不成对的代理字符）(text with NUL or lone surrogates)"


def unstorable_text(value: Any, path: tuple = ()) -> Iterator[FieldError]:
    """Text that no database stores: NUL characters (PostgreSQL refuses them) and lone
    UTF-16 surrogates (what a JSON "\\ud800" escape or invalid UTF-8 decodes to, which
    cannot be encoded back). Refused as a field error rather than failing at the commit.
    """
    if isinstance(value, str):
        if not _storable(value):
            yield FieldError(pointer(list(path)), UNSTORABLE)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and not _storable(key):
                yield FieldError(pointer(list(path)), UNSTORABLE)
            yield from unstorable_text(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unstorable_text(item, (*path, index))


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
    names = [n for n in error.validator_value or [] if n not in instance]
    named = [n for n in names if error.message == f"{n!r} is a required property"]
    for name in named or names:
        yield FieldError(pointer([*path, name]), REQUIRED)
