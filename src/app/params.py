"""What a request says in its query string, its form fields or its JSON body: one parser
per kind of value, shared by the pages and the API.

So a flag, a number, an id, a date or a choice means the same on every page and in every
API call, and a bad one is refused the same way: 400 with a message naming the parameter
and what it must be. Nothing is clamped into range (a clamped value answers a question
that was not asked); only a page past the last one shows an empty page. Every value is
bounded before it reaches the database: SQLite and PostgreSQL integers stop at 2**63, ids
at 2**31, dates at the year 9999, and text cannot hold NUL there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.routing import UnicodeConverter

from app.forms.documents import DocumentError, load_document
from app.forms.validation import text_problem
from app.models import MAX_ID
from app.services.foundation.errors import BadRequest

TRUE = frozenset({"1", "true", "yes", "on"})  # "on": what a checkbox without a value sends
FALSE = frozenset({"", "0", "false", "no", "off"})
INTEGER = re.compile(r"[+-]?[0-9]{1,18}")  # ASCII digits only: int() also reads "١٢" and "1_0"
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Calendar dates the product deals in: a period ending on the last one still has a day
# after it (Python's dates stop at 9999-12-31), and no budget is older than the first.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
YEARS = (FIRST_DAY.year, LAST_DAY.year)
MAX_PAGE = 1_000_000  # a page past the last is empty; one past this is not a page number
MAX_TEXT = 1000  # a filter, a search or a code; longer ones are not typed by people
MAX_NOTE = 10_000  # a comment, a reason or a message, which may run over lines


def _source(source: Mapping | None) -> Mapping:
    return request.args if source is None else source


def refuse(name: str, message: Any) -> BadRequest:
    """The refusal of parameter `name` with `message` (a lazy sentence naming it); its
    details point at it as a form's field errors do ([{path, message}]), so a client
    can show it where it typed it."""
    return BadRequest(message, details=[{"path": f"/{name}", "message": message}])


def text(
    name: str,
    source: Mapping | None = None,
    default: str | None = None,
    *,
    one_line: bool = True,
    max_length: int = MAX_TEXT,
) -> str | None:
    """A text value, None (or `default`) when absent or empty. Refused when it holds a
    control character (or, `one_line`, a line break) or is longer than `max_length`."""
    value = _source(source).get(name)
    if value is None or value == "":
        return default
    return checked_text(value, name, one_line=one_line, max_length=max_length)


def note(name: str, source: Mapping | None = None) -> str | None:
    """A comment, a reason or a message: text over several lines, up to MAX_NOTE."""
    return text(name, source, one_line=False, max_length=MAX_NOTE)


def checked_text(value: Any, name: str, one_line: bool = True, max_length: int = MAX_TEXT) -> str:
    """`value` when it is text a person could have typed (with `one_line`, no line
    breaks either) of at most `max_length` characters; else the refusal naming `name`."""
    if not isinstance(value, str):
        raise refuse(name, _l("The parameter %(name)s must be text.", name=name))
    if len(value) > max_length:
        raise refuse(
            name,
            _l(
                "The parameter %(name)s must be at most %(max)s characters.",
                name=name,
                max=max_length,
            ),
        )
    problem = text_problem(value, one_line)
    if problem:
        raise refuse(name, _l("The parameter %(name)s %(problem)s.", name=name, problem=problem))
    return value


def flag(name: str, source: Mapping | None = None) -> bool:
    """A yes/no parameter: 1, true, yes, on (any case) are yes; absent, empty, 0, false,
    no, off are no; anything else is refused."""
    value = _source(source).get(name)
    if isinstance(value, bool):  # from a JSON body
        return value
    value = str(value or "").strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise refuse(name, _l("The parameter %(name)s must be 1 or 0.", name=name))


def integer(
    name: str,
    low: int,
    high: int,
    default: int | None = None,
    source: Mapping | None = None,
) -> int | None:
    """A whole number from `low` to `high`; `default` when absent or empty. Refused when
    it is not written in ASCII digits or lies outside the range."""
    raw = _source(source).get(name)
    if raw is None or not str(raw).strip():
        return default
    return in_range(str(raw).strip(), name, low, high)


def in_range(raw: Any, name: str, low: int, high: int) -> int:
    """`raw` (text or an int) as a whole number from `low` to `high`, else the refusal."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        value = None
    elif isinstance(raw, int):
        value = raw
    else:
        value = int(raw) if INTEGER.fullmatch(raw) else None
    if value is None or not low <= value <= high:
        raise refuse(
            name,
            _l(
                "The parameter %(name)s must be a whole number from %(low)s to %(high)s.",
                name=name,
                low=low,
                high=high,
            ),
        )
    return value


def record_id(name: str, source: Mapping | None = None) -> int | None:
    """The id of a row (1 to MAX_ID, what the database's id columns hold), or None."""
    return integer(name, 1, MAX_ID, source=source)


def record_ids(name: str, source: Mapping | None = None) -> list[int]:
    """Every id a multi-valued parameter (checkboxes of one name) carries."""
    return [in_range(value.strip(), name, 1, MAX_ID) for value in _source(source).getlist(name)]


def year(name: str, source: Mapping | None = None, default: int | None = None) -> int | None:
    return integer(name, *YEARS, default=default, source=source)


def page(name: str = "page", source: Mapping | None = None) -> int:
    """A page number, 1 when absent; one past the last page shows an empty page."""
    return integer(name, 1, MAX_PAGE, default=1, source=source)


def day(name: str, source: Mapping | None = None) -> date | None:
    """A calendar day written YYYY-MM-DD, from FIRST_DAY to LAST_DAY; None when absent."""
    raw = str(_source(source).get(name) or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw) if DAY.fullmatch(raw) else None
    except ValueError:
        value = None
    if value is None or not FIRST_DAY <= value <= LAST_DAY:
        raise refuse(
            name,
            _l(
                "The parameter %(name)s must be a date such as 2027-03-01, from %(first)s to "
                "%(last)s.",
                name=name,
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            ),
        )
    return value


def choice(
    name: str, allowed: Mapping | tuple, default: str | None = None, source: Mapping | None = None
) -> str | None:
    """One of `allowed` (its keys, for a mapping); `default` when absent or empty."""
    value = _source(source).get(name)
    if value is None or value == "":
        return default
    if not isinstance(value, str) or value not in allowed:
        listed = ", ".join(str(a) for a in allowed)
        raise refuse(
            name, _l("The parameter %(name)s must be one of %(listed)s.", name=name, listed=listed)
        )
    return value


def reference(value: Any, name: str) -> int | str | None:
    """An object named as people name it, by id or by code: ASCII digits are an id (which
    must fit the id columns), any other text a code. None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return in_range(value, name, 1, MAX_ID)
    value = checked_text(value, name)
    if value.isascii() and value.isdigit():
        return in_range(value, name, 1, MAX_ID)
    return value


class PathText(UnicodeConverter):
    """A text segment of a URL (a process key, a form's file name): no control character
    in it, or no route matches and the answer is 404. So NUL, which PostgreSQL refuses in
    any text it is sent, never reaches a query from a path."""

    def __init__(self, map, minlength: int = 1, maxlength=None, length=None) -> None:
        super().__init__(map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]", 1)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading as load_document does: every `request.get_json()` in the app
    and in its libraries (Flask-WTF reads a JSON post into any form) refuses NaN,
    Infinity, text that is not UTF-8 and over-deep nesting. Those raise a ValueError,
    which Flask answers as 400 (or, with `silent=True`, reads as no body), instead of a
    RecursionError deep in the decoder."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        # The session's serialiser passes an object_hook (its tagged values): keep it.
        return load_document(s, **kwargs)


def json_body(required: bool = False) -> dict:
    """The request's JSON body as an object; {} when there is none (unless `required`).

    Refused with 400 naming the problem when it is not JSON, not UTF-8, holds NaN or
    Infinity, is nested too deeply, or is not an object.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise BadRequest(_l("A JSON body is required."))
        return {}
    if not request.is_json:
        raise BadRequest(_l("The body is not JSON: send Content-Type application/json."))
    try:
        body = load_document(raw, _l("The request body"))
    except DocumentError as exc:
        raise BadRequest(str(exc)) from None
    if not isinstance(body, dict):
        raise BadRequest(_l("The body must be a JSON object."))
    return body
