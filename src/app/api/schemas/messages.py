"""Messages delivered to waiting submissions (api/routes_messages.py, services/runtime/messages.py),
in our shape and in Camunda 8's publish-message shape (correlationKey, variables)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, WithJsonSchema

from app.api.schemas.base import Answer, RequestBody
from app.api.schemas.work import Task


class MessageRequest(RequestBody):
    name: str = Field(description="The BPMN message's name.")
    correlation: dict[str, Any] | None = Field(
        None, description="Fields each submission's data must hold with these values."
    )
    data: dict[str, Any] | None = Field(None, description="Joins each submission's data.")
    correlationKey: Annotated[  # noqa: N815  (Camunda's name)
        str | int | None,
        WithJsonSchema(
            {
                "type": ["string", "integer", "null"],
                "description": "Camunda 8 style: the value the field named by the message's "
                "zeebe:subscription correlationKey must hold.",
            }
        ),
    ] = None
    variables: dict[str, Any] | None = Field(None, description="Camunda 8 style: data, if absent.")


class DeliveredInstance(Answer):
    id: int
    status: str
    tasks: list[Task]


class MessageDelivered(Answer):
    instances: list[DeliveredInstance]
