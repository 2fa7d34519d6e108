"""What a simple gateway condition allows of one field, to tell when two can hold at once.

Only shapes an administrator writes in the modeler are understood: `field == value`,
`field != value`, `field in (values)`, `field not in (values)`, `field < number` (any
comparison, either side, chained as in `10 <= field < 100`) and `and` of those on the
same field. Anything else yields None, and the overlap rule says nothing about it rather than guess.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Constraint:
    field: str
    # A set of allowed values, or (when `excluded`) of values not allowed...
    values: frozenset | None = None
    excluded: bool = False
    # ... or a numeric interval.
    low: float = -math.inf
    low_open: bool = True
    high: float = math.inf
    high_open: bool = True

    @property
    def is_interval(self) -> bool:
        return self.values is None


def _const(node: ast.AST):
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _const(node.operand)
        if isinstance(inner, int | float):
            return -inner
    return None


_FLIP = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE, ast.Eq: ast.Eq}


def _single(name: str, op: ast.cmpop, value) -> Constraint | None:
    if isinstance(op, ast.Eq):
        return Constraint(name, values=frozenset([value]))
    if isinstance(op, ast.NotEq):
        return Constraint(name, values=frozenset([value]), excluded=True)
    if not isinstance(value, int | float):
        return None
    if isinstance(op, ast.Lt):
        return Constraint(name, high=value, high_open=True)
    if isinstance(op, ast.LtE):
        return Constraint(name, high=value, high_open=False)
    if isinstance(op, ast.Gt):
        return Constraint(name, low=value, low_open=True)
    if isinstance(op, ast.GtE):
        return Constraint(name, low=value, low_open=False)
    return None


def _compare(node: ast.Compare) -> Constraint | None:
    operands = [node.left, *node.comparators]
    result: Constraint | None = None
    for left, op, right in zip(operands, node.ops, operands[1:], strict=False):
        if isinstance(op, ast.In | ast.NotIn) and isinstance(left, ast.Name):
            if not isinstance(right, ast.Tuple | ast.List | ast.Set):
                return None
            values = [_const(v) for v in right.elts]
            if any(v is None for v in values):
                return None
            part = Constraint(left.id, values=frozenset(values), excluded=isinstance(op, ast.NotIn))
        elif isinstance(left, ast.Name) and _const(right) is not None:
            part = _single(left.id, op, _const(right))
        elif isinstance(right, ast.Name) and _const(left) is not None and type(op) in _FLIP:
            part = _single(right.id, _FLIP[type(op)](), _const(left))
        else:
            return None
        if part is None:
            return None
        result = part if result is None else _intersect(result, part)
        if result is None:
            return None
    return result


def _intersect(a: Constraint, b: Constraint) -> Constraint | None:
    if a.field != b.field:
        return None
    if a.is_interval and b.is_interval:
        low, low_open = max((a.low, a.low_open), (b.low, b.low_open), key=lambda x: (x[0], x[1]))
        high, high_open = min(
            (a.high, a.high_open), (b.high, b.high_open), key=lambda x: (x[0], not x[1])
        )
        return Constraint(a.field, low=low, low_open=low_open, high=high, high_open=high_open)
    if not a.is_interval and not b.is_interval and not a.excluded and not b.excluded:
        return Constraint(a.field, values=a.values & b.values)
    return None


def constraint_of(node: ast.AST) -> Constraint | None:
    """The constraint a condition's expression puts on one field, or None if not simple."""
    if isinstance(node, ast.Compare):
        return _compare(node)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        parts = [constraint_of(v) for v in node.values]
        if any(p is None for p in parts):
            return None
        result = parts[0]
        for part in parts[1:]:
            result = _intersect(result, part)
            if result is None:
                return None
        return result
    return None


def _interval_empty(c: Constraint) -> bool:
    if c.low > c.high:
        return True
    return c.low == c.high and (c.low_open or c.high_open)


def _in_interval(value, c: Constraint) -> bool:
    if not isinstance(value, int | float):
        return False
    above = value > c.low or (value == c.low and not c.low_open)
    below = value < c.high or (value == c.high and not c.high_open)
    return above and below


def overlaps(a: Constraint, b: Constraint) -> bool:
    """True when some value of the field satisfies both (only for the same field)."""
    if a.field != b.field:
        return False
    if a.is_interval and b.is_interval:
        both = _intersect(a, b)
        return both is not None and not _interval_empty(both)
    if a.is_interval or b.is_interval:
        interval, other = (a, b) if a.is_interval else (b, a)
        if other.excluded:
            return not _interval_empty(interval)
        return any(_in_interval(v, interval) for v in other.values)
    if a.excluded and b.excluded:
        return True
    if a.excluded or b.excluded:
        allowed, excluded = (b, a) if a.excluded else (a, b)
        return bool(allowed.values - excluded.values)
    return bool(a.values & b.values)
