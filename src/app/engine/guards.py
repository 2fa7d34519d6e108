"""The guards RestrictedPython's rewritten code calls, and the builtins diagram code gets.

Every attribute, item, iteration and in-place operation of a diagram's code goes
through a function here. The size checks on ``**``, ``*``, ``<<`` and ``range`` refuse
the well-known cheap ways to ask for an enormous value with a clear message; they are
not what bounds a script (the worker process's time and memory limits are, see
script_pool.py), only what names the problem before the limit has to.

Imported by the worker process too: nothing here may import the engine or SpiffWorkflow.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from app.engine.errors import ScriptError

MAX_RANGE = 1_000_000
MAX_SEQUENCE_LENGTH = 10_000_000
MAX_INT_BITS = 1_000_000

# Attributes refused at run time in addition to anything starting with "_":
# str.format can walk "{0.__class__}" past the compiler; mro() hands out `object`;
# the frame/code attributes are how sandboxes are usually escaped.
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro"}) | INSPECT_ATTRIBUTES


def _guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    if not isinstance(name, str):
        raise ScriptError("attribute names must be text")
    if name.startswith("_") or name in FORBIDDEN_ATTRIBUTES:
        raise ScriptError(f'access to attribute "{name}" is not allowed')
    return getattr(obj, name)


def _guarded_getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def _guarded_getiter(obj: Any) -> Any:
    return obj


def _guarded_write(obj: Any) -> Any:
    # Only the plain containers task data is made of may be changed in place.
    if type(obj) in (dict, list):
        return obj
    raise ScriptError(f"changing a {type(obj).__name__} in place is not allowed")


def _guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _too_big(what: str) -> ScriptError:
    return ScriptError(f"{what} would be too large")


def guarded_pow(base: Any, exponent: Any) -> Any:
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and exponent > 0
        and abs(base) > 1
        and base.bit_length() * exponent > MAX_INT_BITS
    ):
        raise _too_big(f"{base} ** {exponent}")
    return base**exponent


def _check_repeat(left: Any, right: Any) -> None:
    for seq, count in ((left, right), (right, left)):
        if (
            isinstance(seq, str | list | tuple | bytes)
            and isinstance(count, int)
            and len(seq) * count > MAX_SEQUENCE_LENGTH
        ):
            raise _too_big(f"repeating a {type(seq).__name__} {count} times")


def guarded_mul(left: Any, right: Any) -> Any:
    _check_repeat(left, right)
    return left * right


def guarded_lshift(value: Any, shift: Any) -> Any:
    if isinstance(value, int) and isinstance(shift, int) and shift > MAX_INT_BITS:
        raise _too_big(f"shifting by {shift} bits")
    return value << shift


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": guarded_pow,
    "<<=": guarded_lshift,
    ">>=": operator.irshift,
    "|=": operator.ior,
    "^=": operator.ixor,
    "&=": operator.iand,
    "@=": operator.imatmul,
}


def _guarded_inplace(op: str, target: Any, value: Any) -> Any:
    if op == "*=":
        _check_repeat(target, value)
    return _INPLACE[op](target, value)


def _limited_range(*args: int) -> range:
    result = range(*args)
    try:
        size = len(result)
    except OverflowError:
        size = MAX_RANGE + 1
    if size > MAX_RANGE:
        raise ScriptError(f"range() of more than {MAX_RANGE:,} numbers is not allowed")
    return result


# Builtins offered to diagram code.  sorted/zip/tuple iterate in C and bypass
# _getiter_, which is fine here because our _getiter_ does not filter anything.
SAFE_BUILTINS: dict[str, Any] = {
    "None": None,
    "True": True,
    "False": False,
    "len": len,
    "min": min,
    "max": max,
    "sum": sum,
    "abs": abs,
    "round": round,
    "sorted": sorted,
    "reversed": reversed,
    "any": any,
    "all": all,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "list": list,
    "dict": dict,
    "set": set,
    "tuple": tuple,
    "range": _limited_range,
    "enumerate": enumerate,
    "zip": zip,
    "isinstance": isinstance,
    "divmod": divmod,
    "ValueError": ValueError,  # lets a script refuse bad data with its own message
}

# Names RestrictedPython's rewritten code calls.  They are put into the run's globals
# (not only builtins) so task data can never shadow them, and stripped afterwards.
GUARDS: dict[str, Any] = {
    "_getattr_": _guarded_getattr,
    "_getitem_": _guarded_getitem,
    "_getiter_": _guarded_getiter,
    "_write_": _guarded_write,
    "_apply_": _guarded_apply,
    "_inplacevar_": _guarded_inplace,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_print_": PrintCollector,
    "_pow_": guarded_pow,
    "_mul_": guarded_mul,
    "_lshift_": guarded_lshift,
}
