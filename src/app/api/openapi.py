"""The OpenAPI 3.1 description of JSON API v1, served at /api/v1/openapi.json.

Written by hand beside the handlers so that it reads like the contract in DESIGN.md;
tests/api checks that every route of the blueprint is described here and that real
answers validate against these schemas, so the document cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

# OpenAPI 3.1 schemas are JSON Schema 2020-12: nullable is a type list.
_TIME = {"type": ["string", "null"], "format": "date-time", "description": "UTC, ISO 8601"}
_TEXT_OR_NULL = {"type": ["string", "null"]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(name: str) -> dict:
    return {"type": "array", "items": _ref(name)}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


_UNAUTHORIZED = {"401": {"$ref": "#/components/responses/Unauthorized"}}
_IDEMPOTENCY = {"$ref": "#/components/parameters/IdempotencyKey"}


def _id_param(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer"},
    }


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


_FLAG = {"type": "string", "enum": ["1", "0", "true", "false", "yes", "no", "on", "off"]}
_BAD_QUERY = {"400": _error("A query parameter is not what it must be; the message names it")}
_TASK_ID = _id_param("task_id", "The task's id (as listed by GET /tasks).")
_INSTANCE_ID = _id_param("instance_id", "The submission's (process instance's) id.")

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "description": "Every error answer. `details` is present for validation (422: "
        "[{path, message}]) and deployment lint (400: [LintFinding]) failures.",
        "required": ["error", "message"],
        "properties": {
            "error": {
                "type": "string",
                "description": "A stable machine code: bad_request, unauthorized, forbidden, "
                "not_found, conflict, validation_failed, lint_failed, ...",
            },
            "message": {"type": "string", "description": "For people (Chinese, English)."},
            "details": {"type": "array", "items": {}},
        },
    },
    "ValidationProblem": {
        "type": "object",
        "required": ["path", "message"],
        "properties": {
            "path": {
                "type": "string",
                "description": "JSON Pointer into the submitted data, e.g. /indicators/0/name",
            },
            "message": {"type": "string"},
        },
    },
    "ValidationError": {
        "allOf": [
            _ref("Error"),
            {
                "type": "object",
                "required": ["details"],
                "properties": {
                    "error": {"const": "validation_failed"},
                    "details": _array("ValidationProblem"),
                },
            },
        ]
    },
    "LintFinding": {
        "type": "object",
        "required": ["element_id", "code", "message", "severity"],
        "properties": {
            "element_id": {
                "type": "string",
                "description": "The BPMN element at fault; empty for file-level problems.",
            },
            "code": {
                "type": "string",
                "description": "e.g. xml, no-executable-process, lane-missing, unknown-role, "
                "form-missing, form-invalid, condition, script, due-in",
            },
            "message": {"type": "string"},
            "severity": {"type": "string", "enum": ["error", "warning"]},
        },
    },
    "LintError": {
        "allOf": [
            _ref("Error"),
            {
                "type": "object",
                "required": ["details"],
                "properties": {
                    "error": {"const": "lint_failed"},
                    "details": _array("LintFinding"),
                },
            },
        ]
    },
    "TokenRequest": {
        "type": "object",
        "required": ["username", "password"],
        "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
    },
    "Token": {
        "type": "object",
        "required": ["token"],
        "properties": {
            "token": {"type": "string", "description": "Send as `Authorization: Bearer <token>`."},
            "username": {"type": "string"},
            "token_id": {"type": "integer", "description": "Names the token on the account page."},
            "expires_at": {
                "type": "string",
                "format": "date-time",
                "description": "UTC; after it the token answers 401 "
                "(API_TOKEN_HOURS, 12 by default).",
            },
        },
    },
    "Revoked": {
        "type": "object",
        "required": ["revoked"],
        "properties": {"revoked": {"type": "integer", "description": "How many tokens died."}},
    },
    "Process": {
        "type": "object",
        "required": ["key", "name", "version"],
        "properties": {
            "key": {"type": "string"},
            "name": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
        },
    },
    "Deployment": {
        "type": "object",
        "required": ["key", "name", "version", "warnings", "processes"],
        "properties": {
            "key": {"type": "string"},
            "name": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "warnings": {
                "description": "Lint warnings: they did not block the deployment (among them "
                "default-role: a step no lane, candidate group or assignee routes, done by "
                "the default role)",
                **_array("LintFinding"),
            },
            "processes": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Every process deployed: the one deployed as `key` first, "
                "then those of the other .bpmn files its call activities call",
            },
        },
    },
    "StartRequest": {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "org": {
                "type": ["string", "integer"],
                "description": "The org (code or id) the submission belongs to; defaults to "
                "the caller's. Only roles of county-wide scope (finance) may name another.",
            },
            "data": {"type": "object", "description": "Initial process data."},
        },
    },
    "StartResponse": {
        "type": "object",
        "required": ["id", "status", "tasks"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": ["running", "completed"]},
            "tasks": _array("Task"),
        },
    },
    "Task": {
        "type": "object",
        "required": [
            "id",
            "instance_id",
            "process_key",
            "activity_id",
            "name",
            "role",
            "org",
            "assignee",
            "created_at",
            "due_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "instance_id": {"type": "integer"},
            "process_key": {"type": "string"},
            "activity_id": {"type": "string", "description": "The BPMN user task's id."},
            "name": {"type": "string"},
            "role": {"type": "string", "description": "Role code the task is routed to."},
            "org": {"type": ["string", "null"], "description": "Code of the submission's org."},
            "org_name": _TEXT_OR_NULL,
            "title": _TEXT_OR_NULL,
            "assignee": {
                "type": ["string", "null"],
                "description": "Username of whoever claimed it; null while unclaimed.",
            },
            "status": {"type": "string", "enum": ["ready", "completed", "cancelled"]},
            "created_at": _TIME,
            "due_at": _TIME,
        },
    },
    "TaskDetail": {
        "allOf": [
            _ref("Task"),
            {
                "type": "object",
                "required": ["form", "data"],
                "properties": {
                    "form": {
                        "type": "object",
                        "required": ["schema", "ui"],
                        "properties": {
                            "schema": {
                                "type": "object",
                                "description": "JSON Schema (draft 2020-12) of the step's data.",
                            },
                            "ui": {"type": "object", "description": "The ui schema (may be {})."},
                        },
                    },
                    "data": {
                        "type": "object",
                        "description": "Prefill: the submission's data so far.",
                    },
                },
            },
        ]
    },
    "CompleteRequest": {
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {
                "type": "object",
                "description": "The form's data; only the form's own fields are taken. A "
                "file field takes a data URL `data:<type>;name=<file>;base64,<content>` "
                "and is stored as `attachment:<id>/<file>`.",
            }
        },
    },
    "CompleteResponse": {
        "type": "object",
        "required": ["instance", "tasks"],
        "properties": {
            "instance": {
                "type": "object",
                "required": ["id", "status"],
                "properties": {
                    "id": {"type": "integer"},
                    "status": {"type": "string", "enum": ["running", "completed"]},
                },
            },
            "tasks": {**_array("Task"), "description": "The submission's ready tasks now."},
            "returned": {
                "type": "array",
                "description": "Only on a return: the steps this completion sent the "
                "submission back to, each with the usernames notified (in the app, and by "
                "e-mail when mail is configured).",
                "items": {
                    "type": "object",
                    "required": ["task_id", "name", "notified"],
                    "properties": {
                        "task_id": {"type": "integer"},
                        "name": {"type": "string"},
                        "notified": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    },
    "CurrentTask": {
        "type": "object",
        "required": ["activity_id", "name", "role", "org", "assignee", "since", "due_at"],
        "properties": {
            "task_id": {"type": "integer"},
            "activity_id": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string"},
            "org": _TEXT_OR_NULL,
            "assignee": _TEXT_OR_NULL,
            "since": _TIME,
            "due_at": _TIME,
        },
    },
    "InstanceSummary": {
        "type": "object",
        "required": [
            "id",
            "process_key",
            "version",
            "title",
            "org",
            "status",
            "started_at",
            "current",
        ],
        "properties": {
            "id": {"type": "integer"},
            "process_key": {"type": "string"},
            "version": {
                "type": "integer",
                "description": "The definition version it runs on, kept for life.",
            },
            "title": {"type": "string"},
            "org": {"type": "string"},
            "org_name": {"type": "string"},
            "status": {"type": "string"},
            "started_at": _TIME,
            "ended_at": _TIME,
            "current": _array("CurrentTask"),
        },
    },
    "HistoryEvent": {
        "type": "object",
        "required": ["at", "actor", "action", "activity_id", "comment"],
        "properties": {
            "at": _TIME,
            "actor": _TEXT_OR_NULL,
            "action": {
                "type": "string",
                "description": "started, claimed, unclaimed, completed, finished, ...",
            },
            "activity_id": _TEXT_OR_NULL,
            "name": _TEXT_OR_NULL,
            "comment": _TEXT_OR_NULL,
            "decision": _TEXT_OR_NULL,
        },
    },
    "CompletedStep": {
        "type": "object",
        "required": ["task_id", "activity_id", "name", "completed_by", "completed_at", "data"],
        "properties": {
            "task_id": {"type": "integer"},
            "activity_id": {"type": "string"},
            "name": {"type": "string"},
            "completed_by": _TEXT_OR_NULL,
            "completed_at": _TIME,
            "data": {"type": ["object", "null"]},
        },
    },
    "InstanceDetail": {
        "allOf": [
            _ref("InstanceSummary"),
            {
                "type": "object",
                "required": ["history", "data"],
                "properties": {
                    "history": _array("HistoryEvent"),
                    "steps": _array("CompletedStep"),
                    "data": {"type": "object"},
                },
            },
        ]
    },
    "TrackingRow": {
        "type": "object",
        "required": [
            "process_key",
            "activity_id",
            "name",
            "role",
            "open",
            "overdue",
            "oldest_since",
        ],
        "properties": {
            "process_key": {"type": "string"},
            "activity_id": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string"},
            "open": {"type": "integer", "minimum": 0},
            "overdue": {"type": "integer", "minimum": 0},
            "oldest_since": _TIME,
        },
    },
    "DeploymentRequest": {
        "type": "object",
        "required": ["files"],
        "properties": {
            "files": {
                "type": "array",
                "description": "One or more .bpmn files plus the form files (*.schema.json, "
                "*.uischema.json) and .dmn decision tables they name; any part names will "
                "do. With several diagrams, exactly one must be called by none of the "
                "others' call activities: its process is deployed as the next version of "
                "its key, the others go with it. A call activity may also name a process "
                "already deployed.",
                "items": {"type": "string", "contentMediaType": "application/octet-stream"},
            },
            "comment": {"type": "string"},
            "default_role": {
                "type": "string",
                "description": "A role (code or display name) that does the user tasks and "
                "the start no lane, candidate group (camunda:candidateGroups, "
                "zeebe:assignmentDefinition) or assignee routes. Each step it applies to "
                "is named in a default-role warning; without it such a step refuses the "
                "deployment.",
            },
        },
    },
}

_TASK_LIST_PARAMS = [
    _query("mine", "1: only tasks claimed by the caller.", _FLAG),
    _query("process", "Only tasks of this process key."),
    _query("overdue", "1: only tasks past due_at.", _FLAG),
    _query(
        "sort",
        "Order: waiting (oldest first, default), -waiting, due, -due.",
        {"type": "string", "enum": ["waiting", "-waiting", "due", "-due"]},
    ),
]

_INSTANCE_LIST_PARAMS = [
    _query("process", "Process key."),
    _query("status", "running or completed.", {"type": "string"}),
    _query("activity", "Only submissions with an open task at this activity id."),
    _query("org", "Org code or id."),
    _query("overdue", "1: only submissions with an overdue open task.", _FLAG),
    _query(
        "limit",
        "Page size (default 200, at most 1000).",
        {"type": "integer", "minimum": 1, "maximum": 1000},
    ),
    _query("offset", "Rows to skip.", {"type": "integer", "minimum": 0, "maximum": 10**9}),
]

PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": [],
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 document")},
        }
    },
    "/auth/token": {
        "post": {
            "operationId": "issueToken",
            "summary": "Exchange username and password for a bearer token",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("TokenRequest")}},
            },
            "responses": {
                "200": _json(_ref("Token"), "A token"),
                "401": _error("Wrong username or password"),
                "403": _error("The password was set by someone else: change it on the web first"),
                "429": _error(
                    "Too many failed sign-ins for this account or from this address; the "
                    "message says when to try again, and so does the Retry-After header"
                ),
            },
        },
        "delete": {
            "operationId": "revokeToken",
            "summary": "Revoke the bearer token of this request (an API client signing out)",
            "responses": {"200": _json(_ref("Revoked"), "The token is revoked"), **_UNAUTHORIZED},
        },
    },
    "/auth/tokens": {
        "delete": {
            "operationId": "revokeAllTokens",
            "summary": "Sign out everywhere: revoke every token of the caller and end every "
            "web session of theirs",
            "responses": {"200": _json(_ref("Revoked"), "All tokens are revoked"), **_UNAUTHORIZED},
        }
    },
    "/processes": {
        "get": {
            "operationId": "listProcesses",
            "summary": "Deployed processes, latest version of each",
            "responses": {"200": _json(_array("Process"), "Processes"), **_UNAUTHORIZED},
        }
    },
    "/processes/{key}/instances": {
        "post": {
            "operationId": "startInstance",
            "summary": "Start a submission on the latest version of a process",
            "parameters": [
                {
                    "name": "key",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "Process key.",
                },
                _IDEMPOTENCY,
            ],
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": _ref("StartRequest")}},
            },
            "responses": {
                "201": _json(_ref("StartResponse"), "Started"),
                "400": _error("Bad body"),
                **_UNAUTHORIZED,
                "403": _error("The caller's roles may not start it, or may not name that org"),
                "404": _error("No such process or org"),
                "409": {"$ref": "#/components/responses/IdempotencyConflict"},
                "422": _json(
                    _ref("ValidationError"),
                    "The start data holds fields that are not the start form's to fill",
                ),
            },
        }
    },
    "/tasks": {
        "get": {
            "operationId": "listTasks",
            "summary": "The caller's visible ready tasks (the inbox)",
            "parameters": _TASK_LIST_PARAMS,
            "responses": {
                "200": _json(_array("Task"), "Ready tasks"),
                **_BAD_QUERY,
                **_UNAUTHORIZED,
            },
        }
    },
    "/tasks/{task_id}": {
        "get": {
            "operationId": "getTask",
            "summary": "A task with its form and prefill data",
            "parameters": [_TASK_ID],
            "responses": {
                "200": _json(_ref("TaskDetail"), "The task"),
                **_UNAUTHORIZED,
                "404": _error("No such task, or not visible to the caller"),
            },
        }
    },
    "/tasks/{task_id}/claim": {
        "post": {
            "operationId": "claimTask",
            "summary": "Make a ready task the caller's",
            "parameters": [_TASK_ID, _IDEMPOTENCY],
            "responses": {
                "200": _json(_ref("Task"), "Claimed (also when already the caller's)"),
                **_UNAUTHORIZED,
                "404": _error("No such task, or not visible to the caller"),
                "409": _error("Someone else holds it, or it is no longer ready"),
            },
        }
    },
    "/tasks/{task_id}/unclaim": {
        "post": {
            "operationId": "unclaimTask",
            "summary": "Give a claimed task back to the role's pool",
            "parameters": [_TASK_ID, _IDEMPOTENCY],
            "responses": {
                "200": _json(_ref("Task"), "Released (also when unclaimed already)"),
                **_UNAUTHORIZED,
                "404": _error("No such task, or not visible to the caller"),
                "409": _error("Someone else holds it, or it is no longer ready"),
            },
        }
    },
    "/tasks/{task_id}/complete": {
        "post": {
            "operationId": "completeTask",
            "summary": "Submit the task's form and move the process on, all or nothing",
            "parameters": [_TASK_ID, _IDEMPOTENCY],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("CompleteRequest")}},
            },
            "responses": {
                "200": _json(_ref("CompleteResponse"), "Completed"),
                "400": _error("Bad body, or the process could not go on with this data"),
                **_UNAUTHORIZED,
                "403": _error("Claimed by someone else"),
                "404": _error("No such task, or not visible to the caller"),
                "409": _error(
                    "Not ready (already completed), or the Idempotency-Key was used "
                    "for a different request"
                ),
                "422": _json(_ref("ValidationError"), "The form's JSON Schema refuses the data"),
            },
        }
    },
    "/instances": {
        "get": {
            "operationId": "listInstances",
            "summary": "Submissions the caller may see, newest first",
            "parameters": _INSTANCE_LIST_PARAMS,
            "responses": {
                "200": _json(_array("InstanceSummary"), "Submissions"),
                **_BAD_QUERY,
                **_UNAUTHORIZED,
                "404": _error("No such org"),
            },
        }
    },
    "/instances/{instance_id}": {
        "get": {
            "operationId": "getInstance",
            "summary": "A submission: status, current tasks, history and data",
            "parameters": [_INSTANCE_ID],
            "responses": {
                "200": _json(_ref("InstanceDetail"), "The submission"),
                **_UNAUTHORIZED,
                "404": _error("No such submission, or not visible to the caller"),
            },
        }
    },
    "/tracking/summary": {
        "get": {
            "operationId": "trackingSummary",
            "summary": "Per process step: open tasks, overdue ones, since when the oldest",
            "parameters": [_query("process", "Process key.")],
            "responses": {
                "200": _json(_array("TrackingRow"), "Rows"),
                **_BAD_QUERY,
                **_UNAUTHORIZED,
            },
        }
    },
    "/deployments": {
        "post": {
            "operationId": "deploy",
            "summary": "Deploy a diagram and its forms as the next version of its process",
            "description": "Running submissions keep the version they started on. Nothing "
            "changes when the linter refuses the upload. Diagrams drawn in Camunda Modeler "
            "(7 and 8) and spiff-arena are converted as the web import converts them: "
            "JUEL and simple FEEL conditions, .json form keys, due dates as durations, "
            "candidate groups and assignees; what cannot be converted is refused with a "
            "finding naming the element.",
            "parameters": [_IDEMPOTENCY],
            "requestBody": {
                "required": True,
                "content": {"multipart/form-data": {"schema": _ref("DeploymentRequest")}},
            },
            "responses": {
                "201": _json(_ref("Deployment"), "Deployed"),
                "400": _json(
                    {"anyOf": [_ref("LintError"), _ref("Error")]},
                    "Lint findings (error lint_failed), or no .bpmn file, or several none "
                    "of which is the one the others do not call",
                ),
                **_UNAUTHORIZED,
                "403": _error("Only process administrators may deploy"),
                "409": {"$ref": "#/components/responses/IdempotencyConflict"},
            },
        }
    },
}

_COUNT = {"type": "integer", "minimum": 0}
_SECONDS = {"type": ["integer", "null"], "minimum": 0}

TRACKING_SCHEMAS: dict[str, Any] = {
    "StepStat": {
        "type": "object",
        "description": "One step of one process version, as the tracking screen shows it.",
        "required": [
            "process_key",
            "version",
            "activity_id",
            "name",
            "role",
            "open",
            "overdue",
            "oldest_since",
            "finished",
            "median_seconds",
            "p90_seconds",
            "bottleneck",
        ],
        "properties": {
            "process_key": {"type": "string"},
            "version": {"type": "integer"},
            "activity_id": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string"},
            "open": _COUNT,
            "overdue": _COUNT,
            "oldest_since": _TIME,
            "finished": _COUNT,
            "median_seconds": _SECONDS,
            "p90_seconds": _SECONDS,
            "bottleneck": {
                "type": "boolean",
                "description": "The version's step with most overdue, then most open.",
            },
        },
    },
    "OrgRow": {
        "type": "object",
        "required": ["org_id", "org", "submissions", "open", "overdue", "returned"],
        "properties": {
            "org_id": {"type": "integer"},
            "org": {"type": "string"},
            "submissions": _COUNT,
            "open": _COUNT,
            "overdue": _COUNT,
            "returned": {**_COUNT, "description": "Sent back at least once."},
        },
    },
    "DepartmentProgress": {
        "type": "object",
        "required": ["department", "submissions", "submitted", "not_yet", "finished", "overdue"],
        "properties": {
            "department": {"type": "string"},
            "submissions": _COUNT,
            "submitted": _COUNT,
            "not_yet": _COUNT,
            "finished": _COUNT,
            "overdue": _COUNT,
        },
    },
    "CampaignProgress": {
        "type": "object",
        "required": [
            "id",
            "name",
            "process_key",
            "due_at",
            "submissions",
            "submitted",
            "not_yet",
            "finished",
            "overdue",
            "waiting_at",
            "departments",
        ],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "process_key": {"type": "string"},
            "due_at": _TIME,
            "submissions": _COUNT,
            "submitted": {**_COUNT, "description": "Whose first step is handed in."},
            "not_yet": _COUNT,
            "finished": _COUNT,
            "overdue": _COUNT,
            "waiting_at": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "open"],
                    "properties": {"name": {"type": "string"}, "open": _COUNT},
                },
            },
            "departments": _array("DepartmentProgress"),
        },
    },
    "Incident": {
        "type": "object",
        "description": "A background job (escalation, e-mail, digest, scheduled round).",
        "required": [
            "id",
            "kind",
            "instance_id",
            "task_id",
            "attempts",
            "status",
            "gave_up_at",
            "last_error",
        ],
        "properties": {
            "id": {"type": "integer"},
            "kind": {
                "type": "string",
                "description": "escalate_task, send_email, send_digests, launch_campaign",
            },
            "instance_id": {"type": ["integer", "null"]},
            "task_id": {"type": ["integer", "null"]},
            "attempts": _COUNT,
            "status": {"type": "string", "enum": ["incident", "pending"]},
            "gave_up_at": _TIME,
            "last_error": _TEXT_OR_NULL,
        },
    },
    "Reminded": {
        "type": "object",
        "required": ["reminded"],
        "properties": {
            "reminded": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Usernames notified (in the app, and by e-mail when set up).",
            }
        },
    },
    "Notifications": {
        "type": "object",
        "required": ["unread", "items"],
        "properties": {
            "unread": _COUNT,
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "id",
                        "at",
                        "kind",
                        "title",
                        "body",
                        "task_id",
                        "instance_id",
                        "read",
                    ],
                    "properties": {
                        "id": {"type": "integer"},
                        "at": _TIME,
                        "kind": {
                            "type": "string",
                            "description": "reminder, escalation, digest",
                        },
                        "title": {"type": "string"},
                        "body": _TEXT_OR_NULL,
                        "task_id": {"type": ["integer", "null"]},
                        "instance_id": {"type": ["integer", "null"]},
                        "read": {"type": "boolean"},
                    },
                },
            },
        },
    },
}
SCHEMAS.update(TRACKING_SCHEMAS)

_NARROWING = [
    _query("process", "Process key."),
    _query("version", "Process version.", {"type": "integer"}),
    _query("campaign", "Round (campaign) id.", {"type": "integer"}),
]
_FORBIDDEN_TRACKING = _error("Only finance and departments track")
_FINANCE_ONLY = _error("Only the finance bureau")

TRACKING_PATHS: dict[str, Any] = {
    "/tracking/steps": {
        "get": {
            "operationId": "trackingSteps",
            "summary": "Per process version and step: open, overdue, oldest, finished, "
            "median and 90th-percentile time spent, the bottleneck",
            "parameters": [
                *_NARROWING,
                _query(
                    "since",
                    "Steps opened on or after this day.",
                    {"type": "string", "format": "date"},
                ),
                _query(
                    "until",
                    "Steps opened on or before this day.",
                    {"type": "string", "format": "date"},
                ),
            ],
            "responses": {
                "200": _json(_array("StepStat"), "Rows, in the order the steps first opened"),
                "400": _error("A bad number, date or period"),
                **_UNAUTHORIZED,
                "403": _FORBIDDEN_TRACKING,
            },
        }
    },
    "/tracking/organisations": {
        "get": {
            "operationId": "trackingOrganisations",
            "summary": "The league table: per organisation, submissions open, overdue and returned",
            "parameters": [
                *_NARROWING,
                _query(
                    "sort",
                    "Most first by.",
                    {"type": "string", "enum": ["open", "overdue", "returned"]},
                ),
            ],
            "responses": {
                "200": _json(_array("OrgRow"), "Rows, most first"),
                "400": _error("A bad number or sort"),
                **_UNAUTHORIZED,
                "403": _FORBIDDEN_TRACKING,
            },
        }
    },
    "/campaigns/{campaign_id}/progress": {
        "get": {
            "operationId": "campaignProgress",
            "summary": "A round: submitted vs not yet, finished, overdue, by department",
            "parameters": [_id_param("campaign_id", "The round's id.")],
            "responses": {
                "200": _json(_ref("CampaignProgress"), "The round, as the caller may see it"),
                **_UNAUTHORIZED,
                "403": _FORBIDDEN_TRACKING,
                "404": _error("No such round"),
            },
        }
    },
    "/incidents": {
        "get": {
            "operationId": "listIncidents",
            "summary": "Background jobs that failed on every attempt",
            "responses": {
                "200": _json(_array("Incident"), "Newest first"),
                **_UNAUTHORIZED,
                "403": _FINANCE_ONLY,
            },
        }
    },
    "/incidents/{job_id}/retry": {
        "post": {
            "operationId": "retryIncident",
            "summary": "Queue an incident's job again with fresh attempts",
            "parameters": [_id_param("job_id", "The incident's id."), _IDEMPOTENCY],
            "responses": {
                "200": _json(_ref("Incident"), "Queued again (status pending)"),
                **_UNAUTHORIZED,
                "403": _FINANCE_ONLY,
                "404": _error("No such job"),
                "409": _error("The job is not an incident (or the key was reused)"),
            },
        }
    },
    "/tasks/{task_id}/remind": {
        "post": {
            "operationId": "remindTask",
            "summary": "Chase (催办) whoever holds the task: its holder, or everyone eligible",
            "parameters": [_TASK_ID, _IDEMPOTENCY],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"message": {"type": "string", "maxLength": 2000}},
                        }
                    }
                },
            },
            "responses": {
                "200": _json(_ref("Reminded"), "Who was reminded"),
                "400": _error("A bad message"),
                **_UNAUTHORIZED,
                "403": _error("Only finance and the task's department chase"),
                "404": _error("No such task, or not visible to the caller"),
                "409": {"$ref": "#/components/responses/IdempotencyConflict"},
            },
        }
    },
    "/notifications": {
        "get": {
            "operationId": "listNotifications",
            "summary": "The caller's bell: unread count and the latest notifications",
            "responses": {"200": _json(_ref("Notifications"), "The bell"), **_UNAUTHORIZED},
        }
    },
}
PATHS.update(TRACKING_PATHS)

# Messages delivered to waiting submissions (api/routes_messages.py, services/messages.py).
SCHEMAS["MessageRequest"] = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "description": "The BPMN message's name."},
        "correlation": {
            "type": "object",
            "description": "Fields each submission's data must hold with these values.",
        },
        "data": {"type": "object", "description": "Joins each submission's data."},
        "correlationKey": {
            "type": ["string", "integer"],
            "description": "Camunda 8 style: the value the field named by the message's "
            "zeebe:subscription correlationKey must hold.",
        },
        "variables": {"type": "object", "description": "Camunda 8 style: data, if absent."},
    },
}
SCHEMAS["MessageDelivered"] = {
    "type": "object",
    "required": ["instances"],
    "properties": {
        "instances": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "status", "tasks"],
                "properties": {
                    "id": {"type": "integer"},
                    "status": {"type": "string"},
                    "tasks": _array("Task"),
                },
            },
        }
    },
}
PATHS["/messages"] = {
    "post": {
        "operationId": "deliverMessage",
        "summary": "Deliver a message to the submissions waiting for it, by correlation",
        "parameters": [_IDEMPOTENCY],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref("MessageRequest")}},
        },
        "responses": {
            "200": _json(_ref("MessageDelivered"), "The submissions resumed"),
            "400": _error("Bad body, or a submission could not go on with this data"),
            **_UNAUTHORIZED,
            "403": _error("Only service accounts and the finance bureau"),
            "404": _error("No running submission matching the correlation waits for it"),
        },
    }
}

# The indicator library target forms pick rows from (api/routes_indicators.py).
SCHEMAS["LibraryIndicator"] = {
    "type": "object",
    "required": ["id", "library", "department_id", "level1", "level2", "name", "sign"],
    "properties": {
        "id": {"type": "integer"},
        "library": {
            "type": "string",
            "enum": ["common", "department"],
            "description": "common: finance's 共性指标; department: that department's 个性指标",
        },
        "department_id": {"type": ["integer", "null"]},
        "level1": {"type": "string", "enum": ["产出指标", "效益指标", "满意度指标"]},
        "level2": {"type": "string", "description": "e.g. 数量指标, 社会效益指标"},
        "name": {"type": "string", "description": "The level-3 indicator"},
        "sign": {"type": "string", "enum": ["≥", ">", "=", "<", "≤", "定性"]},
        "unit": _TEXT_OR_NULL,
        "scoring_standard": _TEXT_OR_NULL,
        "standard_value": _TEXT_OR_NULL,
        "explanation": _TEXT_OR_NULL,
    },
}
PATHS["/indicators"] = {
    "get": {
        "operationId": "listIndicators",
        "summary": "The active indicators a target form's rows may be picked from: the "
        "common ones, then the department's own, by level",
        "parameters": [
            _query(
                "department",
                "A department's id or code (default: the caller's own department); its "
                "units, the department and those who see every submission may ask.",
            ),
            _query(
                "q",
                "Only indicators whose name, level-2 heading, unit or scoring "
                "standard holds this text.",
            ),
        ],
        "responses": {
            "200": _json(_array("LibraryIndicator"), "Common indicators first"),
            **_BAD_QUERY,
            **_UNAUTHORIZED,
            "404": _error("No such department, or one whose own indicators are not the caller's"),
        },
    }
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "info": {
        "title": "Performance budgeting approvals — JSON API",
        "version": "1.0.0",
        "description": "Start submissions, work the inbox, track where every submission "
        "waits, and deploy process versions. Objects the caller may not see answer 404. "
        "Errors are JSON {error, message, details?}.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from POST /auth/token; it expires after "
                "API_TOKEN_HOURS (12 by default), and dies when revoked (DELETE /auth/token, "
                "DELETE /auth/tokens, the account page), when the password changes, or when "
                "the account is deactivated.",
            }
        },
        "parameters": {
            "IdempotencyKey": {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Any unique string per intended write. A retry with the same "
                "key and body gets the first answer again without a second effect; the "
                "same key with another body answers 409.",
                "schema": {"type": "string", "maxLength": 200},
            }
        },
        "responses": {
            "Unauthorized": _error("Missing, invalid or expired bearer token"),
            "IdempotencyConflict": _error("The Idempotency-Key was used for a different request"),
        },
        "schemas": SCHEMAS,
    },
}

# The official documents (api/routes_documents.py): each as a PDF or an Excel workbook,
# for whoever may see what it holds; one nobody may see of it answers 404.
_BINARY = {"schema": {"type": "string", "format": "binary"}}
OPENAPI["components"]["responses"]["Document"] = {
    "description": "The document as an A4 PDF (its CJK font embedded) or as an Excel "
    "workbook holding the same, sent as an attachment named after it",
    "content": {
        "application/pdf": _BINARY,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _BINARY,
    },
}
_KIND = {
    "name": "kind",
    "in": "path",
    "required": True,
    "description": "pdf: the printable A4 form; xlsx: the same as an Excel workbook.",
    "schema": {"type": "string", "enum": ["pdf", "xlsx"]},
}
_YEAR = _id_param("fiscal_year", "The budget year, e.g. 2026.")
_PROJECT_ID = _id_param("project_id", "The registry project's id (one project code and year).")


def _document(operation_id: str, summary: str, parameter: dict, missing: str) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [parameter, _KIND],
            "responses": {
                "200": {"$ref": "#/components/responses/Document"},
                **_UNAUTHORIZED,
                "404": _error(f"{missing}; or a kind other than pdf and xlsx"),
            },
        }
    }


PATHS.update(
    {
        "/projects/{project_id}/documents/targets.{kind}": _document(
            "projectTargetsDocument",
            "项目支出绩效目标申报表 of a project and year, as approved",
            _PROJECT_ID,
            "No such project, or not visible to the caller",
        ),
        "/projects/{project_id}/documents/self-evaluation.{kind}": _document(
            "projectSelfEvaluationDocument",
            "项目支出绩效自评表: funds, goals, indicators with their scores, total and grade",
            _PROJECT_ID,
            "No such project, not visible to the caller, or its self-evaluation not filed yet",
        ),
        "/campaigns/{campaign_id}/documents/monitoring-summary.{kind}": _document(
            "monitoringSummaryDocument",
            "季度绩效监控汇总分析 of a monitoring round: lights by department and function, "
            "execution against time progress, corrections",
            _id_param("campaign_id", "The monitoring round's id."),
            "No such monitoring round, or none of its submissions visible to the caller",
        ),
        "/years/{fiscal_year}/documents/evaluation-results.{kind}": _document(
            "evaluationResultsDocument",
            "绩效评价结果汇总 of a year: grades by department and function, money by grade, "
            "next year's budget against them",
            _YEAR,
            "No approved project of that year visible to the caller",
        ),
        "/years/{fiscal_year}/documents/disclosure.{kind}": _document(
            "disclosureDocument",
            "绩效评价信息公开目录 of a year: the reports finance chose to publish",
            _YEAR,
            "No approved project in that year",
        ),
    }
)

# 整改清单 and the accountability list (api/routes_rectifications.py).
_PERSON = {
    "type": ["object", "null"],
    "required": ["username", "name"],
    "properties": {"username": {"type": "string"}, "name": {"type": "string"}},
}
SCHEMAS["RectificationItem"] = {
    "type": "object",
    "required": ["id", "project_code", "fiscal_year", "description", "status", "failures"],
    "properties": {
        "id": {"type": "integer"},
        "project_code": {"type": "string"},
        "project_name": {"type": "string"},
        "fiscal_year": {"type": "integer"},
        "department": {"type": "string"},
        "unit": {"type": "string"},
        "instance_id": {"type": ["integer", "null"], "description": "The submission that set it"},
        "source": {"type": "string", "enum": ["evaluation", "monitoring"]},
        "description": {"type": "string", "description": "整改问题及要求"},
        "due_date": {"type": ["string", "null"], "format": "date", "description": "整改期限"},
        "status": {
            "type": "string",
            "enum": ["open", "claimed", "closed"],
            "description": "open 整改中; claimed 待核实 (the department reports it done); "
            "closed 已销号 (finance verified it)",
        },
        "status_label": {"type": "string"},
        "overdue": {"type": "boolean", "description": "Past its due date and not closed"},
        "failures": {"type": "integer", "description": "Finance's 未通过 so far"},
        "last_reason": _TEXT_OR_NULL,
        "action_taken": _TEXT_OR_NULL,
        "set_by": _PERSON,
        "set_at": _TIME,
        "claimed_by": _PERSON,
        "claimed_at": _TIME,
        "verified_by": _PERSON,
        "closed_at": _TIME,
        "verifications": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["at", "decided_by", "outcome"],
                "properties": {
                    "at": _TIME,
                    "decided_by": _PERSON,
                    "outcome": {"type": "string", "enum": ["passed", "failed"]},
                    "reason": _TEXT_OR_NULL,
                },
            },
        },
        "grounds": {
            "type": "array",
            "items": {"type": "string", "enum": ["overdue", "failed_twice"]},
            "description": "On the accountability list only: why it is listed",
        },
    },
}
PATHS["/rectifications"] = {
    "get": {
        "operationId": "listRectifications",
        "summary": "整改清单: the rectification items the caller may see, and the "
        "accountability list (overdue or failed twice) with who decided each verification",
        "parameters": [
            _query("year", "The projects' budget year (default: every year).", {"type": "integer"}),
            _query(
                "status",
                "Only items in this state (the accountability list is not narrowed).",
                {"type": "string", "enum": ["open", "claimed", "closed"]},
            ),
        ],
        "responses": {
            "200": _json(
                {
                    "type": "object",
                    "required": ["items", "accountability", "today"],
                    "properties": {
                        "fiscal_year": {"type": ["integer", "null"]},
                        "status": _TEXT_OR_NULL,
                        "today": {"type": "string", "format": "date"},
                        "items": _array("RectificationItem"),
                        "accountability": _array("RectificationItem"),
                    },
                },
                "Items by year (newest first) and project",
            ),
            **_BAD_QUERY,
            **_UNAUTHORIZED,
        },
    }
}

# The department level (api/routes_department.py): a department's year targets
# (部门整体绩效目标) and its self-evaluation as a whole (部门整体支出绩效自评), and their
# official forms. A department another's staff may not see answers 404.
_DEPARTMENT_ID = _id_param("department_id", "The department's (organisation's) id.")
_DEPARTMENT_YEAR = {
    "name": "year",
    "in": "query",
    "required": True,
    "description": "The budget year, e.g. 2028.",
    "schema": {"type": "integer"},
}
_DEPARTMENT_MISSING = _error("No such department, none visible to the caller, or none that year")
_AMOUNT = {"type": ["number", "null"], "description": "万元"}
SCHEMAS["DepartmentTargets"] = {
    "type": "object",
    "required": ["department_id", "department", "fiscal_year", "status", "functions"],
    "properties": {
        "department_id": {"type": "integer"},
        "department": {"type": "string"},
        "fiscal_year": {"type": "integer"},
        "status": {"type": "string", "enum": ["draft", "submitted", "approved"]},
        "overall_goal": _TEXT_OR_NULL,
        "county_goal_alignment": _TEXT_OR_NULL,
        "total_amount": _AMOUNT,
        "function_names": {"type": "array", "items": {"type": "string"}},
        "functions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "amount", "indicators"],
                "properties": {
                    "name": {"type": "string", "description": "职能分类"},
                    "amount": _AMOUNT,
                    "goal": {"type": "string"},
                    "indicators": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
        "finance_opinion": _TEXT_OR_NULL,
        "approved_by": _TEXT_OR_NULL,
        "approved_at": _TIME,
    },
}
SCHEMAS["DepartmentSelfEvaluation"] = {
    "type": "object",
    "required": ["department_id", "department", "fiscal_year", "status", "project_grades"],
    "properties": {
        "department_id": {"type": "integer"},
        "department": {"type": "string"},
        "fiscal_year": {"type": "integer"},
        "status": {"type": "string", "enum": ["draft", "submitted", "delivered", "read"]},
        "overall_result": _TEXT_OR_NULL,
        "function_results": {"type": "array", "items": {"type": "object"}},
        "indicator_results": {"type": "array", "items": {"type": "object"}},
        "project_grades": {
            "type": "array",
            "description": "The year's projects as the registry graded them",
            "items": {"type": "object"},
        },
        "budget_total": _AMOUNT,
        "spent_total": _AMOUNT,
        "score": {"type": ["number", "null"]},
        "grade": _TEXT_OR_NULL,
        "conclusion": _TEXT_OR_NULL,
        "finance_opinion": _TEXT_OR_NULL,
        "delivered_at": _TIME,
        "government_read_at": _TIME,
        "government_comment": _TEXT_OR_NULL,
    },
}
OPENAPI["components"]["responses"]["DepartmentDocument"] = {
    "description": "The form as an A4 PDF (CJK font embedded) or an Excel workbook",
    "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        },
    },
}


def _department_get(operation_id: str, summary: str, ok: dict, kind: bool = False) -> dict:
    kind_param = {
        "name": "kind",
        "in": "path",
        "required": True,
        "description": "pdf or xlsx",
        "schema": {"type": "string", "enum": ["pdf", "xlsx"]},
    }
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [_DEPARTMENT_ID, _DEPARTMENT_YEAR, *([kind_param] if kind else [])],
            "responses": {
                "200": ok,
                **_BAD_QUERY,
                **_UNAUTHORIZED,
                "404": _DEPARTMENT_MISSING,
            },
        }
    }


_DEPARTMENT_FILE = {"$ref": "#/components/responses/DepartmentDocument"}
PATHS.update(
    {
        "/departments/{department_id}/targets": _department_get(
            "departmentTargets",
            "部门整体绩效目标 of a department and year: overall goal, functions with amounts "
            "and indicators, status and who approved it",
            _json(_ref("DepartmentTargets"), "The targets"),
        ),
        "/departments/{department_id}/self-evaluation": _department_get(
            "departmentSelfEvaluation",
            "部门整体支出绩效自评 of a department and year: results by function and "
            "indicator, the projects' grades rolled up, score, finance's opinion, delivery",
            _json(_ref("DepartmentSelfEvaluation"), "The self-evaluation"),
        ),
        "/departments/{department_id}/documents/targets.{kind}": _department_get(
            "departmentTargetsDocument",
            "部门整体支出绩效目标申报表 as PDF or Excel",
            _DEPARTMENT_FILE,
            kind=True,
        ),
        "/departments/{department_id}/documents/self-evaluation.{kind}": _department_get(
            "departmentSelfEvaluationDocument",
            "部门整体绩效自评报告 as PDF or Excel",
            _DEPARTMENT_FILE,
            kind=True,
        ),
    }
)

# The county's budget as a whole (api/routes_county.py).
PATHS["/county-budget/{fiscal_year}"] = {
    "get": {
        "operationId": "countyBudget",
        "summary": "本级预算草案 of a year as it stands: the review's status and returns, totals "
        "by department (with its approved overall goal) and by function, every selected "
        "project; budget is null while 遴选 has selected nothing for the year",
        "parameters": [_id_param("fiscal_year", "The budget year, e.g. 2028.")],
        "responses": {
            "200": _json({"type": "object"}, "The year's county budget"),
            **_UNAUTHORIZED,
            "403": _error("Not the finance bureau, the county government or the congress"),
            "404": _error("Not a year (a negative or malformed number in the path)"),
        },
    }
}
