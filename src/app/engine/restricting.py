"""Compiling a diagram's scripts and conditions with RestrictedPython, and telling which
conditions are cheap enough to evaluate in the host process.

Diagrams are edited in the browser by process administrators, so their Python must not
be able to reach the host: no imports, no dunder or private attribute access, no file,
eval/exec or introspection builtins. RestrictedPython rewrites the code so that every
attribute, item, iteration and in-place operation goes through a guard (guards.py).

Imported by the worker process too: nothing here may import the engine or SpiffWorkflow.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from types import CodeType
from typing import Any, Literal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

from app.engine.errors import ScriptError

Mode = Literal["exec", "eval"]

SANDBOX_FILENAME = "<diagram script>"
"""Filename given to compiled diagram code, to find its lines in tracebacks."""

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


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy with our refusals and our extra rewrites.

    Refused: imports (RestrictedPython would allow them and fail later with a
    confusing message), dangerous builtins called by name, ``try``/``with`` (an
    exception handler or ``finally`` could swallow the stop the time limit raises, or
    keep running after it), and class definitions.  Added: ``d[k] += v``
    (RestrictedPython refuses augmented item assignment; budget scripts need it) and
    size checks on ``**``, ``*``, ``<<``.
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

# A condition made only of these reads each of its inputs at most once per node, builds
# nothing larger than its inputs and has no loop: `decision == "return"`,
# `finance_decision in ("expert", "agency")`, `len(rows) > 0 and not done`. Its cost is
# bounded by the size of the task data, so it is evaluated in the host process; any
# other code (calls, arithmetic, comprehensions, statements) runs in the bounded worker.
_INLINE_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.boolop,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Compare,
    ast.cmpop,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Subscript,
    ast.IfExp,
)
# Builtins an inline condition may call with one argument: constant time on the plain
# values task data holds. Only when the name is not a field or a function (checked per
# evaluation, as data and functions shadow builtins).
INLINE_CALLS = frozenset({"len"})


@dataclass(frozen=True)
class Compiled:
    code: CodeType
    # Every global name the code (and the functions, lambdas and comprehensions inside
    # it) can read or write: scripts reach task data only by name or through `data`.
    names: frozenset[str]
    inline: bool  # cheap enough for the host process (see _INLINE_NODES)
    calls: frozenset[str]  # the builtins an inline condition calls


def _inline(tree: ast.AST) -> tuple[bool, frozenset[str]]:
    calls: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if (
                isinstance(node.func, ast.Name)
                and node.func.id in INLINE_CALLS
                and len(node.args) == 1
                and not isinstance(node.args[0], ast.Starred)
                and not node.keywords
            ):
                calls.add(node.func.id)
                continue
            return False, frozenset()
        if not isinstance(node, _INLINE_NODES):
            return False, frozenset()
    return True, frozenset(calls)


def _names(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _names(const)
    return names


@functools.lru_cache(maxsize=2048)
def _compile(source: str, mode: Mode) -> tuple[Compiled | None, tuple[str, ...]]:
    """Compile once per distinct source: gateways are evaluated on every pass."""
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        result = compiler(source, filename=SANDBOX_FILENAME, policy=_Policy)
    except (SyntaxError, ValueError) as exc:  # e.g. null bytes in the source
        return None, (f"Line {getattr(exc, 'lineno', None) or 1}: {exc}",)
    if result.errors:
        return None, tuple(result.errors)
    inline, calls = _inline(ast.parse(source, mode="eval")) if mode == "eval" else (False, None)
    return Compiled(result.code, frozenset(_names(result.code)), inline, calls or frozenset()), ()


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


_LINE_PREFIX = re.compile(r"^Line (\d+): ")


def compiled(source: str, mode: Mode) -> Compiled:
    """The compiled code of a script or condition. Raises ScriptError when refused."""
    if not isinstance(source, str):
        raise ScriptError(f"expected script text, got {type(source).__name__}")
    result, errors = _compile(_prepare(source, mode), mode)
    if result is None:
        match = _LINE_PREFIX.match(errors[0]) if errors else None
        kind = "condition" if mode == "eval" else "script"
        raise ScriptError(
            f"{kind} refused: " + "; ".join(errors),
            line_number=int(match.group(1)) if match else None,
        )
    return result
