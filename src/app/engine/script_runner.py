"""Running compiled diagram code against task data: the scope it sees, what it leaves in
the task data, and whether that can be stored.

The worker process runs every script and most conditions with these functions; the host
runs the inline conditions (restricting.py says which) with the same ones, so both see
task data, functions and builtins alike.

Imported by the worker process too: nothing here may import the engine or SpiffWorkflow.
"""

from __future__ import annotations

import math
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


class _Unstorable(Exception):
    """Why a value cannot be stored (its text is the reason)."""


class _TooLarge(Exception):
    pass


MAX_INT_DIGITS = 4300
"""Python's own limit on converting an int to text (sys.int_info), which storing does."""
_CONTAINERS = (dict, list, tuple, set, frozenset)
_KEY_TYPES = (str, int, float, bool, type(None))


def storable(value: Any, limit: int, what: str) -> Any:
    """`value` as the host may receive it, if its JSON text is at most `limit` characters.

    Measured as the JSON text it is stored as, with shared parts counted every time
    they appear: `c = [b] * 100` of `b = [a] * 1000` is a hundred thousand copies of `a`
    once stored, and so is refused here, in the bounded worker, rather than multiplied
    when the host serialises it. Values of other types than KEPT_TYPES become their
    text, as storing would make them. Raises ScriptError.
    """
    kind = type(value)
    if kind is bool or value is None or (kind is str and len(value) < 256):
        return value  # a condition's usual answer: nothing to measure
    try:
        odd = _measure(value, limit)
    except _TooLarge:
        allowed = f"{limit // 1024:,} KB"
        raise ScriptError(f"{what} would take more than the {allowed} allowed") from None
    except _Unstorable as exc:
        raise ScriptError(short(f"{what} cannot be stored: {exc}")) from None
    except RecursionError:
        raise ScriptError(f"{what} cannot be stored: it is nested too deeply") from None
    return _replaced(value, odd) if odd else value


def _measure(value: Any, limit: int) -> dict[int, Any]:
    """Walk `value` once, adding up its JSON length with each shared container counted at
    every appearance but walked once, so that however much is shared the walk stops as
    soon as the length passes `limit` (raising _TooLarge). Refuses (_Unstorable) what JSON
    cannot hold; answers the values of other types, which will be stored as their text.

    Lengths are JSON's own in characters, but for the quotes escaped inside text and
    the values of KEPT_TYPES (stored as their text in a small object).
    """
    sizes: dict[int, int] = {}
    odd: dict[int, Any] = {}

    def size(obj: Any) -> int:
        kind = type(obj)
        if kind is str:
            return len(obj) + 2
        if kind is int:
            text = _text(obj)
            if len(text) > MAX_INT_DIGITS:
                raise _Unstorable(f"a number of more than {MAX_INT_DIGITS} digits")
            return len(text)
        if kind is float:
            if obj != obj or obj in (math.inf, -math.inf):
                raise _Unstorable(f"{obj} is not a number JSON can hold")
            return len(repr(obj))
        if kind is bool or obj is None:
            return 5 if obj is False else 4
        if kind in _CONTAINERS:
            known = sizes.get(id(obj))
            if known is not None:
                if known < 0:
                    raise _Unstorable("it contains itself")
                return known
            sizes[id(obj)] = -1  # being walked: met again inside itself, it is a cycle
            total = 1  # the brackets, and a comma between items
            if kind is dict:
                for key, item in obj.items():
                    if type(key) is str:
                        total += len(key) + 4
                    elif type(key) in _KEY_TYPES:
                        total += len(str(key)) + 4
                    else:
                        kind_name = type(key).__name__
                        raise _Unstorable(f"keys must be text or numbers, not {kind_name}")
                    total += len(item) + 2 if type(item) is str else size(item)
                    if total > limit:
                        raise _TooLarge
            else:
                for item in obj:
                    total += (len(item) + 3) if type(item) is str else size(item) + 1
                    if total > limit:
                        raise _TooLarge
            total = max(total, 2)
            sizes[id(obj)] = total
            return total
        if kind not in KEPT_TYPES:
            odd[id(obj)] = obj
        return len(str(obj)) + 2

    if size(value) > limit:
        raise _TooLarge
    return odd


def _text(number: int) -> str:
    try:
        return str(number)
    except ValueError:  # past sys.int_info's limit: too long to store by definition
        return "9" * (MAX_INT_DIGITS + 1)


def _replaced(value: Any, odd: dict[int, Any]) -> Any:
    if id(value) in odd:
        return str(value)
    if type(value) is dict:
        return {key: _replaced(item, odd) for key, item in value.items()}
    if type(value) in (list, tuple, set, frozenset):
        return type(value)(_replaced(item, odd) for item in value)
    return value
