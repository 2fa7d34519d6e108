"""JSON documents as the platform accepts them, from a request body or an uploaded file.

Strictly JSON: UTF-8, no NaN or Infinity (Python's json reads them, no other JSON reader
does, and PostgreSQL refuses to store them), no number too large for a float, and at most
MAX_DEPTH levels of nesting. Python's json, jsonschema, the engine's serialiser and the
database driver all recurse, so a deeper document would end as a RecursionError (a 500)
wherever it first got read; it is refused here, where it is parsed, with what is wrong.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask_babel import lazy_gettext as _l

# Levels of objects and arrays: a submission with tables of rows is 4 deep, the shipped
# form schemas at most 9; nothing a person fills in comes near 64.
MAX_DEPTH = 64


class DocumentError(ValueError):
    """The document is not JSON the platform accepts; `reason` (a lazy message, also what
    str() gives) says why, in the language of whoever reads it."""

    def __init__(self, reason: Any):
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return str(self.reason)


def load_document(raw: bytes | str, what: Any = None, **hooks: Any) -> Any:
    """Parse `raw` (bytes are read as UTF-8, a byte-order mark allowed); `hooks` are
    json.loads's object hooks. Raises DocumentError naming `what` and the problem.

    `what` is the subject of the sentence that refuses the document, a lazy message
    such as ``_l("The request body")`` (“请求体”), so that each reader reads it in
    their language; without it the refusal speaks of “the document”."""
    what = _l("The document") if what is None else what  # not bool(): that would translate it now
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DocumentError(
                _l(
                    "%(what)s is not UTF-8: byte %(byte)s cannot be read.",
                    what=what,
                    byte=exc.start,
                )
            ) from None
    try:
        value = json.loads(
            raw,
            parse_constant=_not_a_number,
            parse_float=_finite,
            parse_int=_finite_int,
            object_hook=hooks.get("object_hook"),
            object_pairs_hook=hooks.get("object_pairs_hook"),
        )
    except DocumentError:
        raise
    except RecursionError:
        raise DocumentError(_too_deep(what)) from None
    except ValueError as exc:  # JSONDecodeError, or an integer of over 4300 digits
        raise DocumentError(
            _l("%(what)s is not valid JSON: %(reason)s", what=what, reason=str(exc))
        ) from None
    if deeper_than(value, MAX_DEPTH) is not None:
        raise DocumentError(_too_deep(what))
    return value


def deeper_than(value: Any, limit: int) -> tuple | None:
    """The path of the first object or array nested more than `limit` levels deep in
    `value`, or None. Walks with a stack of its own, so any depth can be measured."""
    stack: list[tuple[Any, tuple, int]] = [(value, (), 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, dict):
            children = item.items()
        elif isinstance(item, list | tuple):
            children = enumerate(item)
        else:
            continue
        if depth > limit:
            return path
        stack.extend((child, (*path, key), depth + 1) for key, child in children)
    return None


def _too_deep(what: Any) -> Any:
    return _l("%(what)s is nested more than %(depth)s levels deep.", what=what, depth=MAX_DEPTH)


def _not_a_number(name: str) -> float:
    raise DocumentError(_l("%(name)s is not JSON: send a number or null.", name=name))


def _finite_int(text: str) -> int:
    value = int(text)
    if len(text) > 300 and not math.isfinite(_as_float(value)):
        raise DocumentError(_l("The number %(number)s… is out of range.", number=text[:40]))
    return value


def _as_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise DocumentError(_l("The number %(number)s is out of range.", number=text[:40]))
    return value
