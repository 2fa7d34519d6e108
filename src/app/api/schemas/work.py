"""Processes, submissions and their tasks: what starts a submission, the inbox's tasks,
what completes one, and a submission as lists and its detail page show it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from app.api.schemas.base import Answer, AnyObject, RequestBody, TextOrNull, Time
from app.api.schemas.errors import LintFinding
from app.api.schemas.queries import Queries, choice, flag, integer, reference, text
from app.services.foundation.errors import ValidationFailed
from app.services.runtime.queries import INBOX_SORTS

MAX_LIMIT = 1000
# Rows a list may skip: past every row there will ever be, and within any database's range.
MAX_OFFSET = 10**9

INBOX_QUERY = Queries(
    flag("mine", "1: only tasks claimed by the caller."),
    text("process", "Only tasks of this process key."),
    flag("overdue", "1: only tasks past due_at."),
    choice(
        "sort",
        "Order: waiting (oldest first, default), -waiting, due, -due.",
        INBOX_SORTS,
        "waiting",
    ),
)
INSTANCE_QUERY = Queries(
    text("process", "Process key."),
    text("status", "running or completed."),
    text("activity", "Only submissions with an open task at this activity id."),
    reference("org", "Org code or id."),
    flag("overdue", "1: only submissions with an overdue open task."),
    integer("limit", "Page size (default 200, at most 1000).", 1, MAX_LIMIT, 200),
    integer("offset", "Rows to skip.", 0, MAX_OFFSET, 0),
)
SUMMARY_QUERY = Queries(text("process", "Process key."))


class Process(Answer):
    key: str
    name: str
    version: int = Field(ge=1)


class StartRequest(RequestBody):
    title: str | None = None
    org: Annotated[
        str | int | None,
        WithJsonSchema(
            {
                "type": ["string", "integer", "null"],
                "description": "The org (code or id) the submission belongs to; defaults to "
                "the caller's. Only roles of county-wide scope (finance) may name another.",
            }
        ),
    ] = None
    data: dict[str, Any] | None = Field(None, description="Initial process data.")


class Task(Answer):
    id: int
    instance_id: int
    process_key: str
    activity_id: str = Field(description="The BPMN user task's id.")
    name: str
    role: str = Field(description="Role code the task is routed to.")
    org: str | None = Field(description="Code of the submission's org.")
    org_name: TextOrNull = None
    title: TextOrNull = None
    assignee: str | None = Field(
        description="Username of whoever claimed it; null while unclaimed."
    )
    status: Literal["ready", "completed", "cancelled"] = None
    created_at: Time
    due_at: Time


class StartResponse(Answer):
    id: int
    status: Literal["running", "completed"]
    tasks: list[Task]


class TaskForm(Answer):
    schema_: dict[str, Any] = Field(
        alias="schema", description="JSON Schema (draft 2020-12) of the step's data."
    )
    ui: dict[str, Any] = Field(description="The ui schema (may be {}).")


class TaskDetail(Task):
    form: TaskForm
    data: dict[str, Any] = Field(description="Prefill: the submission's data so far.")


class CompleteRequest(RequestBody):
    # The contract: a body the step cannot take is 422, as data its form refuses.
    refused_as = ValidationFailed

    data: dict[str, Any] = Field(
        description="The form's data; only the form's own fields are taken. A file field "
        "takes a data URL `data:<type>;name=<file>;base64,<content>` and is stored as "
        "`attachment:<id>/<file>`."
    )


class InstanceStatus(Answer):
    id: int
    status: Literal["running", "completed"]


class Returned(Answer):
    task_id: int
    name: str
    notified: list[str]


class CompleteResponse(Answer):
    instance: InstanceStatus
    tasks: list[Task] = Field(description="The submission's ready tasks now.")
    returned: list[Returned] = Field(
        None,
        description="Only on a return: the steps this completion sent the submission back "
        "to, each with the usernames notified (in the app, and by e-mail when mail is "
        "configured).",
    )


class RemindRequest(RequestBody):
    message: str | None = Field(None, max_length=2000)


class Reminded(Answer):
    reminded: list[str] = Field(
        description="Usernames notified (in the app, and by e-mail when set up)."
    )


class CurrentTask(Answer):
    task_id: int = None
    activity_id: str
    name: str
    role: str
    org: TextOrNull
    assignee: TextOrNull
    since: Time
    due_at: Time


class InstanceSummary(Answer):
    id: int
    process_key: str
    version: int = Field(description="The definition version it runs on, kept for life.")
    title: str
    org: str
    org_name: str = None
    status: str
    started_at: Time
    ended_at: Time = None
    current: list[CurrentTask]


class HistoryEvent(Answer):
    at: Time
    actor: TextOrNull
    action: str = Field(description="started, claimed, unclaimed, completed, finished, ...")
    activity_id: TextOrNull
    name: TextOrNull = None
    comment: TextOrNull
    decision: TextOrNull = None


class CompletedStep(Answer):
    task_id: int
    activity_id: str
    name: str
    completed_by: TextOrNull
    completed_at: Time
    data: dict[str, Any] | None


class InstanceDetail(InstanceSummary):
    history: list[HistoryEvent]
    steps: list[CompletedStep] = None
    data: AnyObject


class TrackingRow(Answer):
    process_key: str
    activity_id: str
    name: str
    role: str
    open: int = Field(ge=0)
    overdue: int = Field(ge=0)
    oldest_since: Time


class Deployment(Answer):
    key: str
    name: str
    version: int = Field(ge=1)
    warnings: list[LintFinding] = Field(
        description="Lint warnings: they did not block the deployment (among them "
        "default-role: a step no lane, candidate group or assignee routes, done by the "
        "default role)"
    )
    processes: list[str] = Field(
        description="Every process deployed: the one deployed as `key` first, then those "
        "of the other .bpmn files its call activities call"
    )


class DeploymentRequest(Answer):
    """multipart/form-data: read by the route from its parts (files are not JSON)."""

    files: list[bytes] = Field(
        description="One or more .bpmn files plus the form files (*.schema.json, "
        "*.uischema.json) and .dmn decision tables they name; any part names will do. With "
        "several diagrams, exactly one must be called by none of the others' call "
        "activities: its process is deployed as the next version of its key, the others go "
        "with it. A call activity may also name a process already deployed.",
        json_schema_extra={
            "items": {"type": "string", "contentMediaType": "application/octet-stream"}
        },
    )
    comment: str = None
    default_role: str = Field(
        None,
        description="A role (code or display name) that does the user tasks and the start "
        "no lane, candidate group (camunda:candidateGroups, zeebe:assignmentDefinition) or "
        "assignee routes. Each step it applies to is named in a default-role warning; "
        "without it such a step refuses the deployment.",
    )
