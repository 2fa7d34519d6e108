"""Camunda 7's external-task request bodies (api/engine_rest.py), as Camunda's workers send
them. Not in /api/v1/openapi.json: Camunda documents these; a refusal answers Camunda's
way, {"type": "RestException", "message"} with the first member at fault named."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from app.api.schemas.base import RequestBody

Number = int | float | None  # Camunda's clients send whole milliseconds, some as 1000.0


class Topic(RequestBody):
    # The service reads the rest (variables, localVariables, processDefinitionKey, …).
    model_config = ConfigDict(strict=True, extra="allow")

    topicName: str  # noqa: N815  (Camunda's names, here and below)
    lockDuration: Number = None  # noqa: N815


class FetchAndLock(RequestBody):
    workerId: str | None = None  # noqa: N815
    maxTasks: Number = None  # noqa: N815
    asyncResponseTimeout: Number = None  # noqa: N815
    topics: list[Topic]


class WorkerRequest(RequestBody):
    """What every call about one locked task carries."""

    workerId: str | None = None  # noqa: N815


class CompleteExternal(WorkerRequest):
    variables: dict[str, Any] | None = None
    localVariables: dict[str, Any] | None = None  # noqa: N815


class Failure(WorkerRequest):
    errorMessage: str | None = None  # noqa: N815
    errorDetails: str | None = None  # noqa: N815
    retries: Number = None
    retryTimeout: Number = None  # noqa: N815


class BpmnError(WorkerRequest):
    errorCode: str | None = None  # noqa: N815
    errorMessage: str | None = None  # noqa: N815
    variables: dict[str, Any] | None = None


class ExtendLock(WorkerRequest):
    newDuration: Number = None  # noqa: N815
