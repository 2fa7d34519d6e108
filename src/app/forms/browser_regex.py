"""Whether a `pattern` compiles in the browser, where HTML reads it in the `v` flag mode.

An input's `pattern` attribute is compiled as ``new RegExp("^(?:" + p + ")$", "v")``; a
pattern that does not compile there is ignored without a word, so the in-page check is
silently off. The `v` mode is stricter than Python's `re` (which judges the server's
side): inside a class every ``( ) [ ] { } / - \\ |`` must be escaped unless it forms a
range or a nested class, doubled punctuation (``&&``, ``--``, ``..``) is reserved, and
outside a class only syntax characters may be escaped (``\\-`` is an error there).

`v_mode_problem` is deliberately conservative: it passes what it can prove compiles
(literals, escapes, classes with ranges and nested classes, groups, lookarounds,
quantifiers) and refuses the rest, so a pattern it doubts is not put on the page (the
server still applies it). A browser test holds it to Chromium's own `new RegExp(p, "v")`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

SYNTAX = set("^$\\.*+?()[]{}|/")
CLASS_SYNTAX = set("()[]{}/-\\|")
CLASS_PUNCTUATORS = set("&-!#%,:;<=>@`~")
DOUBLE_PUNCTUATORS = set("&!#$%*+,.:;<=>?@^`~")
ESCAPE_CLASSES = set("dDsSwW")
CONTROL_ESCAPES = set("fnrtv")
QUANTIFIER = re.compile(r"\{(\d+)(,(\d*))?\}")
HEX2 = re.compile(r"x[0-9A-Fa-f]{2}")
HEX4 = re.compile(r"u[0-9A-Fa-f]{4}")
CODE_POINT = re.compile(r"u\{[0-9A-Fa-f]{1,6}\}")
PROPERTY = re.compile(r"[pP]\{[A-Za-z_]+(=[A-Za-z_]+)?\}")
GROUP_NAME = re.compile(r"\?<([A-Za-z_$][A-Za-z0-9_$]*)>")


def page_pattern_warnings(schema: Any, path: tuple = ()) -> Iterator[tuple[str, str]]:
    """(field path, pattern) for each `pattern` of `schema` the page will leave to the
    server, so the form editor can say the in-page check is off for it."""
    if isinstance(schema, Mapping):
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and v_mode_problem(pattern):
            yield "/".join(str(p) for p in path if p not in ("properties", "items")), pattern
        if len(path) < 40:
            for key, value in schema.items():
                yield from page_pattern_warnings(value, (*path, key))
    elif isinstance(schema, list) and len(path) < 40:
        for index, value in enumerate(schema):
            yield from page_pattern_warnings(value, (*path, index))


class _Refused(Exception):
    pass


def v_mode_problem(regex: str) -> str | None:
    """Why `regex` may not compile as an HTML `pattern` (the `v` flag), or None."""
    try:
        _Parser(regex).parse()
    except _Refused as refused:
        return str(refused)
    return None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.groups = 0

    def parse(self) -> None:
        self._alternatives(top=True)
        if self.at != len(self.text):
            raise _Refused(f"unbalanced ')' at {self.at}")

    def _peek(self, ahead: int = 0) -> str:
        index = self.at + ahead
        return self.text[index] if index < len(self.text) else ""

    def _alternatives(self, top: bool) -> None:
        while True:
            self._sequence()
            if self._peek() == "|":
                self.at += 1
                continue
            if self._peek() == ")" and not top:
                return
            if self._peek() == "":
                if not top:
                    raise _Refused("unclosed group")
                return
            raise _Refused(f"unexpected {self._peek()!r} at {self.at}")

    def _sequence(self) -> None:
        while self._peek() not in ("", "|", ")"):
            quantifiable = self._term()
            if self._quantifier() and not quantifiable:
                raise _Refused(f"nothing to repeat at {self.at}")

    def _term(self) -> bool:
        """One atom or assertion; whether a quantifier may follow it."""
        char = self._peek()
        if char in ("^", "$"):
            self.at += 1
            return False
        if char == "\\":
            self.at += 1
            if self._peek() in ("b", "B"):
                self.at += 1
                return False
            self._escape(in_class=False)
            return True
        if char == "(":
            return self._group()
        if char == "[":
            self.at += 1
            self._class()
            return True
        if char in ("*", "+", "?"):
            raise _Refused(f"nothing to repeat at {self.at}")
        if char in ("{", "}", "]"):
            raise _Refused(f"lone {char!r} at {self.at} (escape it)")
        self.at += 1
        return True

    def _group(self) -> bool:
        self.at += 1
        rest = self.text[self.at :]
        quantifiable = True
        if rest.startswith(("?:", "?=", "?!")):
            self.at += 2
        elif rest.startswith(("?<=", "?<!")):
            self.at += 3
            quantifiable = False
        elif rest.startswith("?"):
            name = GROUP_NAME.match(rest)
            if not name:
                raise _Refused(f"unsupported group at {self.at}")
            self.at += name.end()
            self.groups += 1
        else:
            self.groups += 1
        self._alternatives(top=False)
        self.at += 1  # the ")"
        return quantifiable

    def _quantifier(self) -> bool:
        char = self._peek()
        if char in ("*", "+", "?"):
            self.at += 1
        elif char == "{":
            found = QUANTIFIER.match(self.text, self.at)
            if not found:
                raise _Refused(f"lone '{{' at {self.at} (escape it)")
            low, high = int(found.group(1)), found.group(3)
            if high and int(high) < low:
                raise _Refused("numbers out of order in {} quantifier")
            self.at = found.end()
        else:
            return False
        if self._peek() == "?":
            self.at += 1
        if self._peek() in ("*", "+", "?", "{"):
            raise _Refused(f"nothing to repeat at {self.at}")
        return True

    def _escape(self, in_class: bool) -> bool:
        """After a backslash; whether the escape stands for one character (a range end)."""
        char = self._peek()
        rest = self.text[self.at :]
        if char == "":
            raise _Refused("a pattern may not end with '\\'")
        if char in ESCAPE_CLASSES:
            self.at += 1
            return False
        if PROPERTY.match(rest):
            self.at += PROPERTY.match(rest).end()
            return False
        if char in CONTROL_ESCAPES or char in SYNTAX:
            self.at += 1
            return True
        if in_class and char in CLASS_PUNCTUATORS:
            self.at += 1
            return True
        if in_class and char == "b":
            self.at += 1
            return True
        if char == "c" and self._peek(1).isascii() and self._peek(1).isalpha():
            self.at += 2
            return True
        if char == "0" and not self._peek(1).isdigit():
            self.at += 1
            return True
        for form in (HEX2, CODE_POINT, HEX4):
            found = form.match(rest)
            if found:
                self.at += found.end()
                return True
        raise _Refused(f"'\\{char}' is not an escape the browser accepts")

    def _class(self) -> None:
        """After '['; reads up to and including the matching ']'."""
        if self._peek() == "^":
            self.at += 1
        while True:
            char = self._peek()
            if char == "":
                raise _Refused("unclosed '['")
            if char == "]":
                self.at += 1
                return
            single = self._class_operand()
            if self._peek() == "-" and self._peek(1) != "-":
                if not single:
                    raise _Refused(f"'-' at {self.at} is not between two characters")
                self.at += 1
                if self._peek() in ("]", ""):
                    raise _Refused(f"'-' at {self.at - 1} must be escaped as '\\-'")
                if not self._class_operand():
                    raise _Refused(f"'-' at {self.at} is not between two characters")

    def _class_operand(self) -> bool:
        """One member of a class; whether it is a single character (a range end)."""
        char = self._peek()
        if char == "\\":
            self.at += 1
            return self._escape(in_class=True)
        if char == "[":
            self.at += 1
            self._class()
            return False
        if char in CLASS_SYNTAX:
            raise _Refused(f"{char!r} at {self.at} must be escaped in a class")
        if char in DOUBLE_PUNCTUATORS and self._peek(1) == char:
            raise _Refused(f"{char * 2!r} at {self.at} is reserved in a class")
        self.at += 1
        return True
