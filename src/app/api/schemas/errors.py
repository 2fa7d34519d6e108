"""The error answers: every refusal is {error, message, details?} (api/errors.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from app.api.schemas.base import Answer


class Error(Answer):
    """Every error answer. `details` is present for validation (422: [{path, message}]) and
    deployment lint (400: [LintFinding]) failures."""

    error: str = Field(
        description="A stable machine code: bad_request, unauthorized, forbidden, not_found, "
        "conflict, validation_failed, lint_failed, ..."
    )
    message: str = Field(description="For people (Chinese, English).")
    details: list[Any] = Field(None)


class ValidationProblem(Answer):
    path: str = Field(description="JSON Pointer into the submitted data, e.g. /indicators/0/name")
    message: str


class ValidationError(Error):
    error: Literal["validation_failed"]
    details: list[ValidationProblem]


class LintFinding(Answer):
    element_id: str = Field(description="The BPMN element at fault; empty for file-level problems.")
    code: str = Field(
        description="e.g. xml, no-executable-process, lane-missing, unknown-role, "
        "form-missing, form-invalid, condition, script, due-in"
    )
    message: str
    severity: Literal["error", "warning"]


class LintError(Error):
    error: Literal["lint_failed"]
    details: list[LintFinding]
