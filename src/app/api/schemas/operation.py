"""The route table's vocabulary and the OpenAPI 3.1 document made from it.

An operation is one row: method, path, summary, query parameters, request body, answers
by status, and whether it needs the bearer token. What every row would repeat is added
here once: its path parameters (from the path's names, described in PATH_PARAMETERS),
the Idempotency-Key header of an idempotent write, the 401 of one that needs a token.
Schemas come from the pydantic models in this package (`models_json_schema`, JSON Schema
2020-12, which is OpenAPI 3.1's dialect), each once under #/components/schemas.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from app.api.schemas.base import RequestBody
from app.api.schemas.errors import Error

REF = "#/components/schemas/{model}"
UNAUTHORIZED = {"$ref": "#/components/responses/Unauthorized"}
IDEMPOTENCY_CONFLICT = {"$ref": "#/components/responses/IdempotencyConflict"}
IDEMPOTENCY_KEY = {"$ref": "#/components/parameters/IdempotencyKey"}

# Every name a path holds, described once: (description, schema).
PATH_PARAMETERS: dict[str, tuple[str, dict]] = {
    "task_id": ("The task's id (as listed by GET /tasks).", {"type": "integer"}),
    "instance_id": ("The submission's (process instance's) id.", {"type": "integer"}),
    "key": ("Process key.", {"type": "string"}),
    "campaign_id": ("The round's id.", {"type": "integer"}),
    "job_id": ("The incident's id.", {"type": "integer"}),
    "project_id": (
        "The registry project's id (one project code and year).",
        {"type": "integer"},
    ),
    "fiscal_year": ("The budget year, e.g. 2026.", {"type": "integer"}),
    "department_id": ("The department's (organisation's) id.", {"type": "integer"}),
    "kind": (
        "pdf: the printable A4 form; xlsx: the same as an Excel workbook.",
        {"type": "string", "enum": ["pdf", "xlsx"]},
    ),
}


@dataclass(frozen=True)
class Reply:
    """One answer of an operation: a model, `list[Model]`, `A | B`, or a plain schema."""

    shape: Any
    description: str


def error(description: str) -> Reply:
    return Reply(Error, description)


@dataclass(frozen=True)
class Multipart:
    """A multipart/form-data body, described by a model the route reads part by part."""

    model: type[BaseModel]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    responses: dict[int, Reply | dict]
    parameters: tuple[dict, ...] = ()
    body: type[RequestBody] | Multipart | None = None
    body_required: bool = True
    description: str | None = None
    public: bool = False  # answered without a token
    idempotent: bool = False  # takes an Idempotency-Key
    extra: dict = field(default_factory=dict)


class _Generator(GenerateJsonSchema):
    """pydantic's JSON Schema without a title on every property and without the `null`
    default of a member that is only sometimes sent."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def default_schema(self, schema):
        json_schema = super().default_schema(schema)
        if "default" in json_schema and json_schema["default"] is None:
            json_schema = {k: v for k, v in json_schema.items() if k != "default"}
        return json_schema


def _models(shape: Any) -> list[type[BaseModel]]:
    if isinstance(shape, type) and issubclass(shape, BaseModel):
        return [shape]
    return [m for arg in typing.get_args(shape) for m in _models(arg)]


def _schema(shape: Any) -> dict:
    if isinstance(shape, dict):
        return shape
    if isinstance(shape, type) and issubclass(shape, BaseModel):
        return {"$ref": REF.format(model=shape.__name__)}
    if typing.get_origin(shape) is list:
        return {"type": "array", "items": _schema(typing.get_args(shape)[0])}
    if isinstance(shape, types.UnionType):
        return {"anyOf": [_schema(arg) for arg in typing.get_args(shape)]}
    raise TypeError(f"not a shape the document knows: {shape!r}")


def _response(reply: Reply | dict) -> dict:
    if isinstance(reply, dict):
        return reply
    content = {"application/json": {"schema": _schema(reply.shape)}}
    return {"description": reply.description, "content": content}


def _parameters(operation: Operation) -> list[dict]:
    found = []
    for name in re.findall(r"{(\w+)}", operation.path):
        description, schema = PATH_PARAMETERS[name]
        found.append(
            {"name": name, "in": "path", "required": True, "description": description}
            | {"schema": schema}
        )
    found.extend(operation.parameters)
    if operation.idempotent:
        found.append(IDEMPOTENCY_KEY)
    return found


def _operation(operation: Operation) -> dict:
    described: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
    }
    if operation.description:
        described["description"] = operation.description
    if operation.public:
        described["security"] = []
    parameters = _parameters(operation)
    if parameters:
        described["parameters"] = parameters
    if operation.body is not None:
        multipart = isinstance(operation.body, Multipart)
        model = operation.body.model if multipart else operation.body
        media = "multipart/form-data" if multipart else "application/json"
        described["requestBody"] = {
            "required": operation.body_required,
            "content": {media: {"schema": _schema(model)}},
        }
    responses = {str(status): _response(reply) for status, reply in operation.responses.items()}
    if not operation.public:
        responses.setdefault("401", UNAUTHORIZED)
    described["responses"] = dict(sorted(responses.items()))
    return described | operation.extra


def document(operations: list[Operation], frame: dict) -> dict:
    """The OpenAPI document: `frame` (info, servers, components but schemas) with the
    operations as its paths and every model they name as its schemas."""
    paths: dict[str, dict] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method] = _operation(operation)
    requests = {op.body.model if isinstance(op.body, Multipart) else op.body for op in operations}
    requests.discard(None)
    answers = {
        model
        for op in operations
        for reply in op.responses.values()
        if isinstance(reply, Reply)
        for model in _models(reply.shape)
    }
    answers.add(Error)  # the frame's shared answers are errors
    pairs = [(m, "validation") for m in sorted(requests, key=lambda m: m.__name__)]
    pairs += [(m, "serialization") for m in sorted(answers, key=lambda m: m.__name__)]
    _, defs = models_json_schema(pairs, ref_template=REF, schema_generator=_Generator)
    shared = {name: _response(reply) for name, reply in frame["components"]["responses"].items()}
    components = {**frame["components"], "responses": shared, "schemas": defs.get("$defs", {})}
    return {**frame, "paths": paths, "components": components}
