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

# Levels of objects and arrays: a submission with tables of rows is 4 deep, the shipped
# form schemas at most 9; nothing a person fills in comes near 64.
MAX_DEPTH = 64


class DocumentError(ValueError):
    """The document is not JSON the platform accepts; the message says why."""


def load_document(raw: bytes | str, what: str = "", **hooks: Any) -> Any:
    """Parse `raw` (bytes are read as UTF-8, a byte-order mark allowed); `hooks` are
    json.loads's object hooks. Raises DocumentError naming `what` and the problem."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DocumentError(
                f"{what}不是 UTF-8 编码，第 {exc.start} 个字节无法解读 "
                f"(not UTF-8: byte {exc.start} cannot be read)"
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
        raise DocumentError(f"{what}不是有效的 JSON (not valid JSON): {exc}") from None
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


def _too_deep(what: str) -> str:
    return f"{what}嵌套超过 {MAX_DEPTH} 层 (nested more than {MAX_DEPTH} levels deep)"


def _not_a_number(name: str) -> float:
    raise DocumentError(f"JSON 中不能有 {name} ({name} is not JSON: send a number or null)")


def _finite_int(text: str) -> int:
    value = int(text)
    if len(text) > 300 and not math.isfinite(_as_float(value)):
        raise DocumentError(f"数字 {text[:40]}… 超出范围 (the number {text[:40]}… is out of range)")
    return value


def _as_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise DocumentError(f"数字 {text[:40]} 超出范围 (the number {text[:40]} is out of range)")
    return value
