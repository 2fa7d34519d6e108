"""Running compiled diagram code against task data: the scope it sees, what it leaves in
the task data, and whether that can be stored.

The worker process runs every script and most conditions with these functions; the host
runs the inline conditions (restricting.py says which) with the same ones, so both see
task data, functions and builtins alike.

Imported by the worker process too: nothing here may import the engine or SpiffWorkflow.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from app.engine.errors import ScriptError
from app.engine.guards import GUARDS, SAFE_BUILTINS
from app.engine.restricting import SANDBOX_FILENAME, Compiled

MESSAGE_CHARS = 1000
"""Longest error text of a script kept (a script may raise an enormous message)."""

# Values task data keeps as they are beside JSON's own (the host's unpickler allows
# exactly these); anything else a script leaves is kept as text, as storing would.
KEPT_TYPES = (Decimal, date, datetime, time, timedelta, set, frozenset)


class TimeLimitExceeded(BaseException):
    """The code ran out of time; a BaseException so no ``except Exception`` swallows it."""


def at_line(message: str, line: int | None) -> str:
    return f"line {line}: {message}" if line else message


def sandbox_line(tb: Any) -> int | None:
    """The last line of diagram code in a traceback, for the designer's benefit."""
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename == SANDBOX_FILENAME:
            line = lineno
    return line


def short(text: str) -> str:
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + " ..."


def scope_for(
    functions: Mapping[str, Any],
    context: Mapping[str, Any],
    external_context: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The globals diagram code runs with: functions, shadowed by task data, and guards."""
    scope: dict[str, Any] = dict(functions)
    # `data` is the task data as a mapping, for fields that may be absent:
    # `data.get("correction_amount", 0)`. Forms cannot name a field `data`.
    scope["data"] = context
    scope.update(external_context or {})
    scope.update(context)
    scope.update(GUARDS)
    scope["__builtins__"] = SAFE_BUILTINS
    return scope


def run(code: Compiled, scope: dict[str, Any]) -> Any:
    """Run compiled code, turning every failure of the code into a ScriptError.

    TimeLimitExceeded and MemoryError pass through: the caller names those limits.
    """
    try:
        return eval(code.code, scope)  # noqa: S307 - compiled by RestrictedPython
    except (TimeLimitExceeded, MemoryError):
        raise
    except ScriptError as exc:
        line = sandbox_line(exc.__traceback__)
        if exc.line_number is None and line:
            raise ScriptError(at_line(str(exc), line), line) from None
        raise
    except Exception as exc:
        line = sandbox_line(exc.__traceback__)
        message = short(f"{type(exc).__name__}: {exc}")
        raise ScriptError(at_line(message, line), line) from None


def write_back(
    scope: dict[str, Any],
    context: dict[str, Any],
    external_context: Mapping[str, Any],
    functions: Mapping[str, Any],
) -> None:
    """Make the plain values a script assigned the task data, as SpiffWorkflow's own
    TaskDataEnvironment does; names it deleted leave it."""
    # Names starting with "_" cannot be written by scripts (the compiler refuses
    # them), so any such name in the scope is a guard or a rewrite temporary.
    for key in [k for k in context if not k.startswith("_") and k not in scope]:
        del context[key]  # the script said `del key`
    for key, value in scope.items():
        if (
            key.startswith("_")
            or value is functions.get(key)
            or value is context  # the `data` mapping itself
            or key in external_context
            or callable(value)  # functions the script defined, builtins it aliased
        ):
            continue
        context[key] = value


class _TooLarge(Exception):
    pass


class _Circular(Exception):
    pass


def storable(value: Any, limit_bytes: int, what: str) -> Any:
    """`value` as the host may receive it, if it can be stored in at most `limit_bytes`.

    Measured as the JSON it is stored as, with shared parts counted every time they
    appear: `c = [b] * 100` of `b = [a] * 1000` is a hundred thousand copies of `a`
    once stored, and so is refused here, in the bounded worker, rather than multiplied
    when the host serialises it. Values of other types than KEPT_TYPES become their
    text. Raises ScriptError.
    """
    too_large = f"{what} would take more than the {limit_bytes // 1024:,} KB allowed"
    # First a walk that adds up each shared part once per appearance but visits it once
    # (so it stops early however much is shared); then JSON itself, now known to be at
    # most a few times the limit, gives the exact size and finds unusual values.
    try:
        _expanded_size(value, limit_bytes)
    except _TooLarge:
        raise ScriptError(too_large) from None
    except _Circular:
        raise ScriptError(f"{what} cannot be stored: it contains itself") from None
    except RecursionError:
        raise ScriptError(f"{what} cannot be stored: it is nested too deeply") from None
    odd: dict[int, Any] = {}

    def default(obj: Any) -> Any:
        if isinstance(obj, set | frozenset):
            return list(obj)  # and so its members are looked at too
        if type(obj) not in KEPT_TYPES:
            odd[id(obj)] = obj
        return str(obj)

    try:
        text = json.dumps(
            value, default=default, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
    except MemoryError:
        raise ScriptError(too_large) from None
    except (TypeError, ValueError, RecursionError) as exc:
        raise ScriptError(short(f"{what} cannot be stored: {exc}")) from None
    if len(text) > limit_bytes or len(text.encode()) > limit_bytes:
        raise ScriptError(too_large)
    return _replaced(value, odd) if odd else value


def _replaced(value: Any, odd: dict[int, Any]) -> Any:
    if id(value) in odd:
        return str(value)
    if type(value) is dict:
        return {key: _replaced(item, odd) for key, item in value.items()}
    if type(value) in (list, tuple, set, frozenset):
        return type(value)(_replaced(item, odd) for item in value)
    return value


def _expanded_size(value: Any, limit: int) -> int:
    """A lower bound of the size of `value` as JSON, each shared container counted at
    every appearance but walked once. Raises _TooLarge as soon as it passes `limit`."""
    sizes: dict[int, int] = {}

    def size(obj: Any) -> int:
        kind = type(obj)
        if kind is str:
            return len(obj) + 2
        if kind is dict or kind is list or kind is tuple or kind is set or kind is frozenset:
            known = sizes.get(id(obj))
            if known is not None:
                if known < 0:
                    raise _Circular
                return known
            sizes[id(obj)] = -1  # being walked: met again inside itself, it is a cycle
            total = 2
            if kind is dict:
                for key, item in obj.items():
                    total += size(key) + size(item) + 2
                    if total > limit:
                        raise _TooLarge
            else:
                for item in obj:
                    total += size(item) + 1
                    if total > limit:
                        raise _TooLarge
            sizes[id(obj)] = total
            return total
        if kind is int:
            return (obj.bit_length() * 77 >> 8) + 1  # decimal digits, near enough
        if kind is bool or obj is None or kind is float:
            return 4
        return len(str(obj))

    return size(value)
