"""Query parameters, declared once: each says how the document describes it and how the
handler reads it. Reading is app/params.py's, the parser the pages use, so a flag, a
number, a day or a choice means the same in a page and in the API, and a bad one is
refused the same way (400 naming it)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from flask import request

from app import params
from app.models import MAX_ID


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    schema: dict
    read: Callable[[str], Any]
    required: bool = False

    def __call__(self) -> Any:
        """The parameter's value in this request, or the refusal naming it."""
        return self.read(self.name)

    def parameter(self) -> dict:
        """The parameter as the OpenAPI document lists it."""
        return {
            "name": self.name,
            "in": "query",
            "required": self.required,
            "description": self.description,
            "schema": self.schema,
        }


class Queries:
    """The query parameters of one operation, in the order they are read."""

    def __init__(self, *declared: Query) -> None:
        self.declared = declared

    def read(self) -> dict[str, Any]:
        return {query.name: query() for query in self.declared}

    def parameters(self) -> tuple[dict, ...]:
        return tuple(query.parameter() for query in self.declared)


def text(name: str, description: str, max_length: int = params.MAX_TEXT) -> Query:
    return Query(
        name,
        description,
        {"type": "string", "maxLength": max_length},
        lambda n: params.text(n, max_length=max_length),
    )


def flag(name: str, description: str) -> Query:
    words = sorted((params.TRUE | params.FALSE) - {""})
    return Query(name, description, {"type": "string", "enum": words}, params.flag)


def choice(name: str, description: str, allowed: Collection[str], default=None) -> Query:
    return Query(
        name,
        description,
        {"type": "string", "enum": list(allowed)},
        lambda n: params.choice(n, tuple(allowed), default),
    )


def integer(name: str, description: str, low: int, high: int, default=None) -> Query:
    return Query(
        name,
        description,
        {"type": "integer", "minimum": low, "maximum": high},
        lambda n: params.integer(n, low, high, default=default),
    )


def record_id(name: str, description: str) -> Query:
    return integer(name, description, 1, MAX_ID)


def year(name: str, description: str) -> Query:
    return integer(name, description, *params.YEARS)


def day(name: str, description: str) -> Query:
    return Query(name, description, {"type": "string", "format": "date"}, params.day)


def reference(name: str, description: str) -> Query:
    """An object by id (ASCII digits) or code, as people name it."""
    return Query(
        name,
        description,
        {"type": "string", "maxLength": params.MAX_TEXT},
        lambda n: params.reference(request.args.get(n), n),
    )
