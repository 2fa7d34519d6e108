"""Conditions written in Camunda's expression languages — JUEL, `${a == "x" && b > 1}`
(Camunda 7), and simple FEEL, `= a > 5 and b = "x"` (Camunda 8) — as the Python
expression our sandbox evaluates; anything beyond comparisons, and/or/not and
arithmetic of fields and literals is refused, naming the flow and the expression."""

from __future__ import annotations

import ast
import re

from flask_babel import gettext as _
from lxml import etree

from app.engine.foreign_common import BPMN, ImportFinding, ImportNotes, label

_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<number>\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|<=|>=|&&|\|\||[=<>!+\-*/%(),\[\].?:])
    )""",
    re.X,
)
_JUEL_WORDS = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
    "empty": "not",
    "true": "True",
    "false": "False",
    "null": "None",
}
_FEEL_WORDS = {"true": "True", "false": "False", "null": "None"}
_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Compare,
    ast.cmpop,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Mod,
    ast.Tuple,
    ast.List,
)


def _tokens(text: str) -> list[tuple[str, str]] | None:
    tokens, at = [], 0
    while at < len(text):
        if not text[at:].strip():
            break
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            return None
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        at = match.end()
    return tokens


def translate_condition(text: str, dialect: str) -> str | None:
    """A JUEL (`juel`, without its ${}) or FEEL (`feel`, without its =) condition as the
    Python expression our sandbox evaluates; None when it is more than comparisons,
    and/or/not and arithmetic of fields and literals (method calls, members, ranges)."""
    tokens = _tokens(text)
    if not tokens:
        return None
    words = _JUEL_WORDS if dialect == "juel" else _FEEL_WORDS
    out = []
    for kind, value in tokens:
        if kind == "name":
            value = words.get(value, value)
        elif kind == "op":
            if value in (".", "?", ":"):
                return None  # members, ternaries, ranges: not plain comparisons
            value = {"&&": "and", "||": "or", "!": "not"}.get(value, value)
            if dialect == "feel" and value == "=":
                value = "=="
            elif dialect == "juel" and value == "=":
                return None  # an assignment, not a comparison
        out.append(value)
    python = " ".join(out)
    try:
        tree = ast.parse(python, mode="eval")
    except SyntaxError:
        return None
    if not all(isinstance(node, _ALLOWED) for node in ast.walk(tree)):
        return None
    return ast.unparse(tree)


def convert_conditions(root: etree._Element, notes: ImportNotes) -> bool:
    changed = False
    for condition in root.iter(f"{{{BPMN}}}conditionExpression"):
        owner = condition.getparent()
        text = (condition.text or "").strip()
        if not text:
            continue
        language = (condition.get("language") or "").strip().lower()
        if language and language not in ("python", "juel", "feel", "s-feel"):
            notes.findings.append(_unconvertible(owner, text, language))
            continue
        juel = _JUEL.match(text)
        if juel:
            python = translate_condition(juel.group(1), "juel")
        elif text.startswith("=") and notes.editor == "zeebe":
            python = translate_condition(text[1:], "feel")
        else:
            continue
        if python is None:
            notes.findings.append(_unconvertible(owner, text))
            continue
        condition.text = python
        notes.converted.append(f"{owner.get('id')}: {text} → {python}")
        changed = True
    return changed


def _unconvertible(owner: etree._Element, text: str, language: str = "") -> ImportFinding:
    if language:
        message = _(
            "The condition “%(text)s” of “%(owner)s” is in the language %(language)s and "
            "cannot be converted: only comparisons of fields and literals, and/or/not and "
            "arithmetic are understood.",
            text=text,
            owner=label(owner),
            language=language,
        )
    else:
        message = _(
            "The condition “%(text)s” of “%(owner)s” cannot be converted: only comparisons "
            "of fields and literals, and/or/not and arithmetic are understood.",
            text=text,
            owner=label(owner),
        )
    return ImportFinding(owner.get("id") or "", "condition-unconvertible", message)
