"""Restricted execution of the scripts and conditions drawn into BPMN diagrams.

Diagrams are edited in the browser by process administrators, so their Python must
not be able to reach the host: no imports, no dunder or private attribute access, no
file, eval/exec or introspection builtins, and a wall-clock limit so a careless
``while`` loop cannot pin a worker.  RestrictedPython rewrites the code so every
attribute, item, iteration and in-place operation goes through a guard defined here;
``sys.settrace`` on the running thread enforces the time limit (signals only work in
the main thread, and gunicorn/Flask run requests in other threads).

Known limit: the time check runs between lines of the diagram's code, so one single
built-in call that is itself enormous (for example ``'x'.ljust(10**10)``) cannot be
interrupted.  The cheap well-known cases (``**``, ``*`` on sequences, ``<<``,
``range``) are size-checked below; the worker's own timeout and memory cap are the
backstop for the rest.
"""

from __future__ import annotations

import ast
import functools
import json
import operator
import re
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal
from types import CodeType, FrameType
from typing import Any, Literal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import (
    INSPECT_ATTRIBUTES,
    RestrictingNodeTransformer,
    copy_locations,
)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "SandboxedEnvironment",
    "SandboxedScriptEngine",
    "ScriptError",
    "check_syntax",
    "make_script_engine",
]

Mode = Literal["exec", "eval"]

DEFAULT_TIME_LIMIT = 1.0
"""Seconds a script or condition may run before it is stopped."""

SANDBOX_FILENAME = "<diagram script>"
"""Filename given to compiled diagram code; the tracer only watches frames with it."""

MAX_RANGE = 1_000_000
MAX_SEQUENCE_LENGTH = 10_000_000
MAX_INT_BITS = 1_000_000

# Calls refused at compile time, so the deployment linter catches them with a line
# number.  Only calls are refused: a form field may well be called ``type`` or
# ``input`` and conditions must still be able to read it.
FORBIDDEN_CALLS = frozenset(
    {
        "breakpoint",
        "classmethod",
        "compile",
        "delattr",
        "dir",
        "eval",
        "exec",
        "exit",
        "getattr",
        "globals",
        "hasattr",
        "help",
        "input",
        "iter",
        "locals",
        "memoryview",
        "next",
        "object",
        "open",
        "property",
        "quit",
        "setattr",
        "staticmethod",
        "super",
        "type",
        "vars",
    }
)

# Attributes refused at run time in addition to anything starting with "_":
# str.format can walk "{0.__class__}" past the compiler; mro() hands out `object`;
# the frame/code attributes are how sandboxes are usually escaped.
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro"}) | INSPECT_ATTRIBUTES


class ScriptError(Exception):
    """A diagram's script or condition was refused, failed, or ran out of time.

    The one exception type callers need to catch; ``line_number`` points into the
    script when known so the designer can be shown the offending line.
    """

    def __init__(self, message: str, line_number: int | None = None) -> None:
        super().__init__(message)
        self.line_number = line_number


def _at_line(message: str, line: int | None) -> str:
    return f"line {line}: {message}" if line else message


class _TimeLimitExceeded(BaseException):
    """Raised by the tracer; a BaseException so no ``except Exception`` swallows it."""


# --------------------------------------------------------------------------- compiling


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy with our refusals and our extra rewrites.

    Refused: imports (RestrictedPython would allow them and fail later with a
    confusing message), dangerous builtins called by name, ``try``/``with`` (an
    exception handler or ``finally`` could keep running after the time limit stops
    the script, because CPython switches tracing off once the tracer raises), and
    class definitions.  Added: ``d[k] += v`` (RestrictedPython refuses augmented
    item assignment; budget scripts need it) and size checks on ``**``, ``*``, ``<<``.
    """

    def visit_Import(self, node: ast.Import) -> ast.AST:
        names = ", ".join(alias.name for alias in node.names)
        self.error(node, f'"import {names}" is not allowed: scripts cannot import modules')
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        names = ", ".join(alias.name for alias in node.names)
        self.error(
            node,
            f'"from {node.module or "."} import {names}" is not allowed: '
            "scripts cannot import modules",
        )
        return node

    def visit_Call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            self.error(node, f'calling "{node.func.id}" is not allowed')
            return self.node_contents_visit(node)
        return super().visit_Call(node)

    def visit_Try(self, node: ast.Try) -> ast.AST:
        self.error(node, '"try" blocks are not allowed in scripts')
        return node

    def visit_TryStar(self, node: ast.AST) -> ast.AST:
        self.error(node, '"try" blocks are not allowed in scripts')
        return node

    def visit_With(self, node: ast.With) -> ast.AST:
        self.error(node, '"with" blocks are not allowed in scripts')
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, f'defining a class ("{node.name}") is not allowed in scripts')
        return node

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        guard = _BINOP_GUARDS.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right], keywords=[])
        copy_locations(call, node)
        return call

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        if not isinstance(node.target, ast.Subscript):
            return super().visit_AugAssign(node)
        if isinstance(node.target.slice, ast.Slice):
            self.error(node, "augmented assignment to a slice is not allowed")
            return node
        # ``obj[key] op= value`` becomes, evaluating obj and key once as Python does:
        #   _tmpA = obj; _tmpB = key
        #   _write_(_tmpA)[_tmpB] = _inplacevar_('op=', _getitem_(_tmpA, _tmpB), value)
        #   del _tmpA, _tmpB
        # The temporaries start with "_" so scripts cannot name them; the parts are
        # visited (guarded) before the temporaries are introduced.
        obj = self.visit(node.target.value)
        key = self.visit(node.target.slice)
        value = self.visit(node.value)
        obj_name, key_name = self.gen_tmp_name(), self.gen_tmp_name()
        op = _AUG_OPERATOR_SYMBOLS[type(node.op)]

        def load(name: str) -> ast.Name:
            return ast.Name(name, ast.Load())

        statements: list[ast.stmt] = [
            ast.Assign(targets=[ast.Name(obj_name, ast.Store())], value=obj),
            ast.Assign(targets=[ast.Name(key_name, ast.Store())], value=key),
            ast.Assign(
                targets=[
                    ast.Subscript(
                        value=ast.Call(ast.Name("_write_", ast.Load()), [load(obj_name)], []),
                        slice=load(key_name),
                        ctx=ast.Store(),
                    )
                ],
                value=ast.Call(
                    ast.Name("_inplacevar_", ast.Load()),
                    [
                        ast.Constant(op),
                        ast.Call(
                            ast.Name("_getitem_", ast.Load()),
                            [load(obj_name), load(key_name)],
                            [],
                        ),
                        value,
                    ],
                    [],
                ),
            ),
            ast.Delete(targets=[ast.Name(obj_name, ast.Del()), ast.Name(key_name, ast.Del())]),
        ]
        for statement in statements:
            copy_locations(statement, node)
            for child in ast.walk(statement):
                if "lineno" in child._attributes and not hasattr(child, "lineno"):
                    copy_locations(child, node)
        return statements


_BINOP_GUARDS: dict[type[ast.operator], str] = {
    ast.Pow: "_pow_",
    ast.Mult: "_mul_",
    ast.LShift: "_lshift_",
}

_AUG_OPERATOR_SYMBOLS: dict[type[ast.operator], str] = {
    ast.Add: "+=",
    ast.Sub: "-=",
    ast.Mult: "*=",
    ast.Div: "/=",
    ast.FloorDiv: "//=",
    ast.Mod: "%=",
    ast.Pow: "**=",
    ast.LShift: "<<=",
    ast.RShift: ">>=",
    ast.BitOr: "|=",
    ast.BitXor: "^=",
    ast.BitAnd: "&=",
    ast.MatMult: "@=",
}

_LINE_PREFIX = re.compile(r"^Line (\d+): ")


@functools.lru_cache(maxsize=2048)
def _compile(source: str, mode: Mode) -> tuple[CodeType | None, tuple[str, ...]]:
    """Compile once per distinct source: gateways are evaluated on every pass."""
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        result = compiler(source, filename=SANDBOX_FILENAME, policy=_Policy)
    except (SyntaxError, ValueError) as exc:  # e.g. null bytes in the source
        return None, (f"Line {getattr(exc, 'lineno', None) or 1}: {exc}",)
    if result.errors:
        return None, tuple(result.errors)
    return result.code, ()


def _prepare(source: str, mode: Mode) -> str:
    # Conditions come from XML text and often carry surrounding whitespace/newlines,
    # which is harmless to eval() but a syntax error to ast.parse in eval mode.
    return source.strip() if mode == "eval" else source


def check_syntax(source: str, mode: Mode) -> str | None:
    """Say why a script (``exec``) or condition (``eval``) would be refused, or None.

    For the deployment linter: a diagram whose code does not compile or uses a
    forbidden construct is refused before anyone starts an instance of it.
    """
    if mode not in ("exec", "eval"):
        raise ValueError(f'mode must be "exec" or "eval", not {mode!r}')
    if not isinstance(source, str):
        return f"expected source text, got {type(source).__name__}"
    if mode == "eval" and not source.strip():
        return "the condition is empty"
    _, errors = _compile(_prepare(source, mode), mode)
    return "; ".join(errors) if errors else None


def _compiled(source: str, mode: Mode) -> CodeType:
    if not isinstance(source, str):
        raise ScriptError(f"expected script text, got {type(source).__name__}")
    code, errors = _compile(_prepare(source, mode), mode)
    if code is None:
        match = _LINE_PREFIX.match(errors[0]) if errors else None
        kind = "condition" if mode == "eval" else "script"
        raise ScriptError(
            f"{kind} refused: " + "; ".join(errors),
            line_number=int(match.group(1)) if match else None,
        )
    return code


# --------------------------------------------------------------------------- guards


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


def _guarded_pow(base: Any, exponent: Any) -> Any:
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


def _guarded_mul(left: Any, right: Any) -> Any:
    _check_repeat(left, right)
    return left * right


def _guarded_lshift(value: Any, shift: Any) -> Any:
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
    "**=": _guarded_pow,
    "<<=": _guarded_lshift,
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
_SAFE_BUILTINS: dict[str, Any] = {
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
_GUARDS: dict[str, Any] = {
    "_getattr_": _guarded_getattr,
    "_getitem_": _guarded_getitem,
    "_getiter_": _guarded_getiter,
    "_write_": _guarded_write,
    "_apply_": _guarded_apply,
    "_inplacevar_": _guarded_inplace,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_print_": PrintCollector,
    "_pow_": _guarded_pow,
    "_mul_": _guarded_mul,
    "_lshift_": _guarded_lshift,
}


# --------------------------------------------------------------------------- running


def _sandbox_line(tb: Any) -> int | None:
    """The last line of diagram code in a traceback, for the designer's benefit."""
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename == SANDBOX_FILENAME:
            line = lineno
    return line


def _run(code: CodeType, scope: dict[str, Any], time_limit: float, kind: str) -> Any:
    """Run compiled diagram code under the time limit, turning every failure into
    a ScriptError."""
    deadline = time.monotonic() + time_limit
    previous = sys.gettrace()

    def local_trace(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line" and time.monotonic() > deadline:
            raise _TimeLimitExceeded
        return local_trace

    def global_trace(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename == SANDBOX_FILENAME:
            return local_trace
        # Frames of trusted code (named functions, builtins written in Python) keep
        # whatever tracer was there before, e.g. coverage or a debugger.
        return previous(frame, event, arg) if previous is not None else None

    sys.settrace(global_trace)
    try:
        return eval(code, scope)  # noqa: S307 - code was compiled by RestrictedPython
    except _TimeLimitExceeded as exc:
        line = _sandbox_line(exc.__traceback__)
        message = f"{kind} ran longer than {time_limit:g} s and was stopped"
        raise ScriptError(_at_line(message, line), line) from None
    except ScriptError as exc:
        line = _sandbox_line(exc.__traceback__)
        if exc.line_number is None and line:
            raise ScriptError(_at_line(str(exc), line), line) from exc
        raise
    except Exception as exc:
        line = _sandbox_line(exc.__traceback__)
        raise ScriptError(_at_line(f"{type(exc).__name__}: {exc}", line), line) from exc
    finally:
        sys.settrace(previous)


def _check_function_names(functions: Mapping[str, Callable[..., Any]]) -> None:
    for name, func in functions.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise ValueError(f"function name {name!r} cannot be used from scripts")
        if not callable(func):
            raise ValueError(f"function {name!r} is not callable")


def _plain(value: Any) -> Any:
    """JSON fallback for values domain operators commonly return."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | dt_time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} cannot be stored in task data")


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that runs diagram code restricted.

    Named domain functions are offered to scripts and service tasks; task data is the
    scripts' namespace, and only plain values a script assigns are kept in it, as
    SpiffWorkflow's own TaskDataEnvironment does.
    """

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
    ) -> None:
        functions = dict(functions or {})
        _check_function_names(functions)
        if time_limit <= 0:
            raise ValueError("time_limit must be a positive number of seconds")
        super().__init__(environment_globals=functions)
        self.functions: dict[str, Callable[..., Any]] = functions
        self.time_limit = time_limit
        self._builtins = dict(_SAFE_BUILTINS)

    def _scope(
        self, context: Mapping[str, Any], external_context: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        scope: dict[str, Any] = dict(self.functions)
        # `data` is the task data as a mapping, for fields that may be absent:
        # `data.get("correction_amount", 0)`. Forms cannot name a field `data`.
        scope["data"] = context
        scope.update(external_context or {})
        scope.update(context)
        scope.update(_GUARDS)
        scope["__builtins__"] = self._builtins
        return scope

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Evaluate a gateway condition or other expression against task data."""
        code = _compiled(expression, "eval")
        return _run(code, self._scope(context, external_context), self.time_limit, "condition")

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        """Run a script task's code; the names it assigns become task data.

        Task data is updated only when the script succeeds (nested lists/dicts it
        changed in place before failing stay changed; the service transaction that
        ran the engine discards them).
        """
        external_context = external_context or {}
        # A data field named like an operator (e.g. `adjusted_budget`, which every round
        # carries) shadows the operator inside scripts, as it already does in conditions.
        code = _compiled(script, "exec")
        scope = self._scope(context, external_context)
        _run(code, scope, self.time_limit, "script")
        self._write_back(scope, context, external_context)
        return True

    def _write_back(
        self,
        scope: dict[str, Any],
        context: dict[str, Any],
        external_context: Mapping[str, Any],
    ) -> None:
        # Names starting with "_" cannot be written by scripts (the compiler refuses
        # them), so any such name in the scope is a guard or a rewrite temporary.
        for key in [k for k in context if not k.startswith("_") and k not in scope]:
            del context[key]  # the script said `del key`
        for key, value in scope.items():
            if (
                key.startswith("_")
                or value is self.functions.get(key)
                or value is context  # the `data` mapping itself
                or key in external_context
                or callable(value)  # functions the script defined, builtins it aliased
            ):
                continue
            context[key] = value

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> str:
        """Call a named domain operator for a service task; answer JSON as Spiff expects."""
        name = kwargs.get("operation_name")
        func = self.functions.get(name) if isinstance(name, str) else None
        if func is None:
            known = ", ".join(sorted(self.functions)) or "none"
            raise ScriptError(f'unknown service operator "{name}" (known operators: {known})')
        params = {
            key: param["value"] if isinstance(param, Mapping) and "value" in param else param
            for key, param in (kwargs.get("operation_params") or {}).items()
        }
        try:
            result = func(**params)
        except ScriptError:
            raise
        except Exception as exc:
            raise ScriptError(
                f'service operator "{name}" failed: {type(exc).__name__}: {exc}'
            ) from exc
        try:
            return json.dumps(result, default=_plain, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise ScriptError(f'service operator "{name}" returned {exc}') from exc


class SandboxedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine with SpiffWorkflow 3.2's error reporting fixed for us.

    Its ``call_service`` error path refers to an undefined ``script`` (NameError), and
    its line-number lookup expects tracebacks from ``<string>``; both are replaced.
    """

    environment: SandboxedEnvironment

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as err:
            raise WorkflowTaskException(str(err), task=task, exception=err) from err

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        if isinstance(err, ScriptError):
            line = err.line_number or 0
            lines = script.splitlines() if isinstance(script, str) else []
            error_line = lines[line - 1] if 0 < line <= len(lines) else ""
            return WorkflowTaskException(
                f"ScriptError: {err}",
                task=task,
                exception=err,
                line_number=line,
                error_line=error_line,
            )
        return super().create_task_exec_exception(task, script, err)


def make_script_engine(
    functions: Mapping[str, Callable[..., Any]] | None = None,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> SandboxedScriptEngine:
    """The script engine every workflow in the app runs with."""
    return SandboxedScriptEngine(environment=SandboxedEnvironment(functions, time_limit))
