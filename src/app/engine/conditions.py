"""What a simple gateway condition allows of one field, to tell when two can hold at once.

Only shapes an administrator writes in the modeler are understood: `field == value`,
`field != value`, `field in (values)`, `field not in (values)`, `field < number` (any
comparison, either side, chained as in `10 <= field < 100`) and `and` of those on the
same field. Anything else yields None, and the overlap rule says nothing about it rather
than guess. The same shapes tell when conditions together cover every case
(`covers_every_case`).
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


def _truth(node: ast.AST) -> tuple[str, bool] | None:
    """`x`, `not x`, `x == True`, `x != False` …: the field and the value it asks for."""
    if isinstance(node, ast.Name):
        return node.id, True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _truth(node.operand)
        return (inner[0], not inner[1]) if inner else None
    if (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.left, ast.Name)
        and isinstance(node.comparators[0], ast.Constant)
        and isinstance(node.comparators[0].value, bool)
        and isinstance(node.ops[0], ast.Eq | ast.NotEq | ast.Is | ast.IsNot)
    ):
        wanted = node.comparators[0].value
        if isinstance(node.ops[0], ast.NotEq | ast.IsNot):
            wanted = not wanted
        return node.left.id, wanted
    return None


def _intervals_cover(parts: list[Constraint]) -> bool:
    """Numeric intervals whose union is every number."""
    reached, closed = -math.inf, False  # covered up to `reached` (inclusive when closed)
    for part in sorted(parts, key=lambda c: (c.low, c.low_open)):
        gap = part.low > reached or (part.low == reached and part.low_open and not closed)
        if reached > -math.inf and gap:
            return False
        if reached == -math.inf and part.low > -math.inf:
            return False
        if part.high > reached or (part.high == reached and not part.high_open):
            reached, closed = part.high, not part.high_open
    return reached == math.inf


def covers_every_case(conditions: list[str], enums: dict[str, set] | None = None) -> bool:
    """True when one of the conditions holds whatever the data: a condition and its
    negation (`x` / `not x`), numeric ranges of one field that leave no gap
    (`a > 5` / `a <= 5`), `==` of one field against every value `!=` leaves out, or
    (`enums`: field -> its allowed values) every value of an enumerated field."""
    trees = []
    for text in conditions:
        try:
            trees.append(ast.parse(text, mode="eval").body)
        except SyntaxError:
            return False
    dumps = {ast.dump(tree) for tree in trees}
    if any(ast.dump(ast.UnaryOp(op=ast.Not(), operand=tree)) in dumps for tree in trees):
        return True
    truths = {t for t in (_truth(tree) for tree in trees) if t is not None}
    if any((name, not value) in truths for name, value in truths):
        return True
    constraints = [constraint_of(tree) for tree in trees]
    by_field: dict[str, list[Constraint]] = {}
    for constraint in constraints:
        if constraint is not None:
            by_field.setdefault(constraint.field, []).append(constraint)
    for name, parts in by_field.items():
        intervals = [c for c in parts if c.is_interval]
        if intervals and _intervals_cover(intervals):
            return True
        named: set = set()
        for c in parts:
            if not c.is_interval and not c.excluded:
                named |= set(c.values)
        if any(not c.is_interval and c.excluded and c.values <= named for c in parts):
            return True
        if enums and name in enums and enums[name] and set(enums[name]) <= named:
            return True
    return False


def enum_values(prop) -> set | None:
    if not isinstance(prop, dict):
        return None
    if isinstance(prop.get("enum"), list):
        values = prop["enum"]
    elif isinstance(prop.get("oneOf"), list) and all(
        isinstance(o, dict) and "const" in o for o in prop["oneOf"]
    ):
        values = [o["const"] for o in prop["oneOf"]]
    else:
        return None
    try:
        return set(values)
    except TypeError:
        return None
