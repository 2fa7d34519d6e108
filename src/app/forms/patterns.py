"""Regular expressions in form schemas (`pattern`, `patternProperties`) checked at deploy.

Python's `re` backtracks: a pattern such as `^(a+)+$` takes time exponential in the
input's length on a near-miss ("aaaa…!"), and jsonschema runs it on every submission,
in the request's worker. We refuse such patterns when a form is deployed, where the
process administrator sees the finding and nothing is running yet, instead of bounding
the match at run time (which would leave a form that some honest inputs can never pass).

Refused: a repeat of variable count inside another repeat (`(a+)+`, `(a*)*`,
`(\\w+\\s?)*`, `(.*a){12}` — the shapes behind exponential and high-polynomial
backtracking), an alternation inside an unbounded repeat whose branches can start with
the same character (`(a|ab)*`), back-references, and patterns over 500 characters. The
rule is deliberately conservative; fixed-count repeats (`\\d{4}-\\d{2}`), single
repeats (`^[A-Z0-9-]+$`) and disjoint alternations (`(A|B)+`) pass, which is what form
codes, phone numbers and dates need (e-mail addresses have `"format": "email"`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

try:  # Python 3.11 keeps the parser here
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants
    import sre_parse

from .refs import pointer
from .translated import translated as _

MAX_PATTERN_LENGTH = 500
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)
_UNBOUNDED = sre_constants.MAXREPEAT


def pattern_problems(schema: Any, path: tuple = ()) -> Iterator[str]:
    """Each unsafe or invalid pattern in `schema`, as "<json pointer>: <why>"."""
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            where = (*path, key)
            if key == "pattern" and isinstance(value, str):
                problem = pattern_problem(value)
                if problem:
                    yield f"{pointer(list(where))}: {problem}"
            elif key == "patternProperties" and isinstance(value, Mapping):
                for regex in value:
                    problem = pattern_problem(regex)
                    if problem:
                        yield f"{pointer(list(where))}: {problem}"
            if len(path) < 40:
                yield from pattern_problems(value, where)
    elif isinstance(schema, list) and len(path) < 40:
        for index, value in enumerate(schema):
            yield from pattern_problems(value, (*path, index))


def pattern_problem(regex: str) -> str | None:
    """Why `regex` may not be used in a form, or None when it is safe."""
    if len(regex) > MAX_PATTERN_LENGTH:
        return _("The pattern is longer than %(maximum)s characters.", maximum=MAX_PATTERN_LENGTH)
    try:
        parsed = sre_parse.parse(regex)
    except re.error as exc:
        return _("The pattern %(regex)r is invalid: %(problem)s", regex=regex, problem=exc)
    danger = _danger(parsed, inside_unbounded=False)
    if danger:
        return _(
            "The pattern %(regex)r can take exponential time (%(danger)s): rewrite it.",
            regex=regex,
            danger=danger,
        )
    return None


def _danger(items, inside_unbounded: bool) -> str | None:
    for op, arg in items:
        if op in (sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS):
            return _("a back-reference")
        if op in _REPEATS:
            low, high, body = arg
            if inside_unbounded and low != high:
                return _("a variable repeat inside a repeat")
            if high == _UNBOUNDED and _overlapping_branches(body):
                return _("an alternation of overlapping branches inside an unbounded repeat")
            found = _danger(body, inside_unbounded or high > 1)
            if found:
                return found
        elif op == sre_constants.SUBPATTERN:
            found = _danger(arg[-1], inside_unbounded)
            if found:
                return found
        elif op == sre_constants.BRANCH:
            for branch in arg[1]:
                found = _danger(branch, inside_unbounded)
                if found:
                    return found
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            found = _danger(arg[1], inside_unbounded)
            if found:
                return found
    return None


def _overlapping_branches(body) -> bool:
    """An alternation somewhere in `body` whose branches may begin with the same text."""
    for op, arg in body:
        if op == sre_constants.SUBPATTERN:
            if _overlapping_branches(arg[-1]):
                return True
        elif op == sre_constants.BRANCH:
            firsts = [_first(branch) for branch in arg[1]]
            if None in firsts:
                return True
            seen: set = set()
            for first in firsts:
                if first & seen:
                    return True
                seen |= first
    return False


def _first(items) -> set | None:
    """The literal characters a branch can begin with; None when not a plain literal set."""
    for op, arg in items:
        if op == sre_constants.LITERAL:
            return {arg}
        if op == sre_constants.IN and all(o == sre_constants.LITERAL for o, _ in arg):
            return {a for _, a in arg}
        return None
    return None
