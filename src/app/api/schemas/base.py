"""What every shape of the API is made of: the request body's base (read, checked, refused
the way the API refuses), the answer's base, and the few value types the answers share.

A request body is checked strictly (JSON has no "5" for 5 and no true for 1) and extra
members are ignored, as they always were. Its refusal keeps the API's error shape: the
route's status and `error` code (400 bad_request, or 422 validation_failed where the
contract says so) and `details` [{path, message}], one per member at fault, each message
a translatable sentence naming the member, so a client can show it where it was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Self

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, ValidationError, WithJsonSchema

from app import params
from app.services.foundation.errors import BadRequest, ServiceError

# OpenAPI 3.1 schemas are JSON Schema 2020-12: nullable is a type list.
Time = Annotated[
    str | None,
    WithJsonSchema(
        {"type": ["string", "null"], "format": "date-time", "description": "UTC, ISO 8601"}
    ),
]
Day = Annotated[str | None, WithJsonSchema({"type": ["string", "null"], "format": "date"})]
TextOrNull = Annotated[str | None, WithJsonSchema({"type": ["string", "null"]})]
IntOrNull = Annotated[int | None, WithJsonSchema({"type": ["integer", "null"]})]
Count = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 0})]
Seconds = Annotated[int | None, WithJsonSchema({"type": ["integer", "null"], "minimum": 0})]
Amount = Annotated[
    float | None, WithJsonSchema({"type": ["number", "null"], "description": "万元"})
]
AnyObject = Annotated[dict[str, Any], WithJsonSchema({"type": "object"})]


class Answer(BaseModel):
    """An answer's shape, for the document: the handlers build plain dicts (cheap on the
    hot paths) and the API tests check real answers against these."""


# What a member had to be, by pydantic's error type, in the reader's language.
_KINDS = {
    "string_type": _l("text"),
    "string_unicode": _l("text"),
    "int_type": _l("a whole number"),
    "int_parsing": _l("a whole number"),
    "int_from_float": _l("a whole number"),
    "float_type": _l("a number"),
    "bool_type": _l("yes or no"),
    "dict_type": _l("an object"),
    "model_type": _l("an object"),
    "model_attributes_type": _l("an object"),
    "list_type": _l("a list"),
}


class RequestBody(BaseModel):
    """A JSON request body: `from_request()` reads and checks it, or refuses it."""

    model_config = ConfigDict(strict=True, extra="ignore")
    # The refusal a body that does not fit answers with (the contract's status and code).
    refused_as: ClassVar[type[ServiceError]] = BadRequest

    @classmethod
    def from_request(cls, *, required: bool = False, check_first: Callable | None = None) -> Self:
        """The request's body as this model. Refused with 400 when it is not a JSON object
        (params.json_body), and with `refused_as` naming each member that does not fit.

        `check_first` runs before a refusal is told: the check of who may act that the
        service would make, so that one who may not act is answered 403 or 404 whatever
        body they sent (a valid body costs nothing more; the service checks again)."""
        return cls.read(params.json_body(required=required), check_first)

    @classmethod
    def read(cls, body: dict, check_first: Callable | None = None) -> Self:
        """`body` (a JSON object already read) as this model, or the refusal."""
        try:
            return cls.model_validate(body)
        except ValidationError as exc:
            if check_first is not None:
                check_first()
            raise refusal(cls.refused_as, body, exc) from None


def refusal(kind: type[ServiceError], body: Any, exc: ValidationError) -> ServiceError:
    """`kind` with one detail per member at fault, in the order pydantic found them."""
    found: dict[str, list] = {}
    for error in exc.errors(include_url=False, include_input=False):
        path = _pointer(body, error["loc"], error["type"] == "missing")
        found.setdefault(path, []).append(error)
    details = [{"path": path, "message": _message(path, errors)} for path, errors in found.items()]
    return kind(details[0]["message"], details=details)


def _pointer(body: Any, loc: tuple, missing: bool) -> str:
    """The JSON Pointer of the member `loc` names, stopping where `loc` goes on past the
    body (the tags pydantic adds for the members of a union: "int", "str")."""
    parts, node = [], body
    for index, step in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, dict) and (step in node or (missing and last)):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            break
        parts.append(str(step).replace("~", "~0").replace("/", "~1"))
    return "/" + "/".join(parts)


def _message(path: str, errors: list[dict]):
    name = path.lstrip("/") or _l("the body")
    types = [error["type"] for error in errors]
    if "missing" in types:
        return _l("The member %(name)s is required.", name=name)
    if "string_too_long" in types:
        longest = errors[types.index("string_too_long")]["ctx"]["max_length"]
        return _l("The member %(name)s must be at most %(max)s characters.", name=name, max=longest)
    kinds = list(dict.fromkeys(_KINDS[t] for t in types if t in _KINDS))
    if len(kinds) == 1:
        return _l("The member %(name)s must be %(kind)s.", name=name, kind=kinds[0])
    if len(kinds) == 2:
        return _l(
            "The member %(name)s must be %(first)s or %(second)s.",
            name=name,
            first=kinds[0],
            second=kinds[1],
        )
    return _l("The member %(name)s is not valid.", name=name)
