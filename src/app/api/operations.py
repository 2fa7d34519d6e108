"""The route table of JSON API v1: one row per operation, from which, with the models of
api/schemas/, /api/v1/openapi.json is made (api/openapi.py). A test fails when a route
of the blueprint has no row here, or a row no route."""

from __future__ import annotations

from app.api.schemas.auth import Revoked, Token, TokenRequest
from app.api.schemas.errors import Error as ErrorShape
from app.api.schemas.errors import LintError, ValidationError
from app.api.schemas.messages import MessageDelivered, MessageRequest
from app.api.schemas.operation import (
    IDEMPOTENCY_CONFLICT,
    Multipart,
    Operation,
    Reply,
    error,
)
from app.api.schemas.registry import (
    DEPARTMENT_YEAR,
    INDICATOR_QUERY,
    RECTIFICATION_QUERY,
    DepartmentSelfEvaluation,
    DepartmentTargets,
    LibraryIndicator,
    Rectifications,
)
from app.api.schemas.tracking import (
    LEAGUE_QUERY,
    STEPS_QUERY,
    CampaignProgress,
    Incident,
    Notifications,
    OrgRow,
    StepStat,
)
from app.api.schemas.work import (
    INBOX_QUERY,
    INSTANCE_QUERY,
    SUMMARY_QUERY,
    CompleteRequest,
    CompleteResponse,
    Deployment,
    DeploymentRequest,
    InstanceDetail,
    InstanceSummary,
    Process,
    Reminded,
    RemindRequest,
    StartRequest,
    StartResponse,
    Task,
    TaskDetail,
    TrackingRow,
)

BAD_QUERY = error("A query parameter is not what it must be; the message names it")
NO_TASK = error("No such task, or not visible to the caller")
TRACKERS_ONLY = error("Only finance and departments track")
FINANCE_ONLY = error("Only the finance bureau")
DOCUMENT = {"$ref": "#/components/responses/Document"}
DEPARTMENT_DOCUMENT = {"$ref": "#/components/responses/DepartmentDocument"}
DEPARTMENT_MISSING = error("No such department, none visible to the caller, or none that year")


def _document(operation_id: str, path: str, summary: str, missing: str) -> Operation:
    """One of the official documents (api/routes_documents.py), as PDF or Excel."""
    return Operation(
        "get",
        path,
        operation_id,
        summary,
        {200: DOCUMENT, 404: error(f"{missing}; or a kind other than pdf and xlsx")},
    )


def _department(operation_id: str, path: str, summary: str, ok) -> Operation:
    """A department's year (api/routes_department.py); another's staff get 404."""
    return Operation(
        "get",
        path,
        operation_id,
        summary,
        {200: ok, 400: BAD_QUERY, 404: DEPARTMENT_MISSING},
        parameters=(DEPARTMENT_YEAR.parameter(),),
    )


CONTRACT = [
    Operation(
        "get",
        "/openapi.json",
        "openapi",
        "This document",
        {200: Reply({"type": "object"}, "OpenAPI 3.1 document")},
        public=True,
    ),
    Operation(
        "post",
        "/auth/token",
        "issueToken",
        "Exchange username and password for a bearer token",
        {
            200: Reply(Token, "A token"),
            400: error("The body is not {username, password}"),
            401: error("Wrong username or password"),
            403: error("The password was set by someone else: change it on the web first"),
            429: error(
                "Too many failed sign-ins for this account or from this address; the message "
                "says when to try again, and so does the Retry-After header"
            ),
        },
        body=TokenRequest,
        public=True,
    ),
    Operation(
        "delete",
        "/auth/token",
        "revokeToken",
        "Revoke the bearer token of this request (an API client signing out)",
        {200: Reply(Revoked, "The token is revoked")},
    ),
    Operation(
        "delete",
        "/auth/tokens",
        "revokeAllTokens",
        "Sign out everywhere: revoke every token of the caller and end every web session of theirs",
        {200: Reply(Revoked, "All tokens are revoked")},
    ),
    Operation(
        "get",
        "/processes",
        "listProcesses",
        "Deployed processes, latest version of each",
        {200: Reply(list[Process], "Processes")},
    ),
    Operation(
        "post",
        "/processes/{key}/instances",
        "startInstance",
        "Start a submission on the latest version of a process",
        {
            201: Reply(StartResponse, "Started"),
            400: error("Bad body: the message and details name each member at fault"),
            403: error("The caller's roles may not start it, or may not name that org"),
            404: error("No such process or org"),
            409: IDEMPOTENCY_CONFLICT,
            422: Reply(
                ValidationError,
                "The start data holds fields that are not the start form's to fill",
            ),
        },
        body=StartRequest,
        body_required=False,
        idempotent=True,
    ),
    Operation(
        "get",
        "/tasks",
        "listTasks",
        "The caller's visible ready tasks (the inbox)",
        {200: Reply(list[Task], "Ready tasks"), 400: BAD_QUERY},
        parameters=INBOX_QUERY.parameters(),
    ),
    Operation(
        "get",
        "/tasks/{task_id}",
        "getTask",
        "A task with its form and prefill data",
        {200: Reply(TaskDetail, "The task"), 404: NO_TASK},
    ),
    Operation(
        "post",
        "/tasks/{task_id}/claim",
        "claimTask",
        "Make a ready task the caller's",
        {
            200: Reply(Task, "Claimed (also when already the caller's)"),
            404: NO_TASK,
            409: error("Someone else holds it, or it is no longer ready"),
        },
        idempotent=True,
    ),
    Operation(
        "post",
        "/tasks/{task_id}/unclaim",
        "unclaimTask",
        "Give a claimed task back to the role's pool",
        {
            200: Reply(Task, "Released (also when unclaimed already)"),
            404: NO_TASK,
            409: error("Someone else holds it, or it is no longer ready"),
        },
        idempotent=True,
    ),
    Operation(
        "post",
        "/tasks/{task_id}/complete",
        "completeTask",
        "Submit the task's form and move the process on, all or nothing",
        {
            200: Reply(CompleteResponse, "Completed"),
            400: error("Bad body, or the process could not go on with this data"),
            403: error("Claimed by someone else"),
            404: NO_TASK,
            409: error(
                "Not ready (already completed), or the Idempotency-Key was used for a "
                "different request"
            ),
            422: Reply(
                ValidationError,
                "The body is not {data: {…}}, or the form's JSON Schema refuses the data",
            ),
        },
        body=CompleteRequest,
        idempotent=True,
    ),
    Operation(
        "get",
        "/instances",
        "listInstances",
        "Submissions the caller may see, newest first",
        {
            200: Reply(list[InstanceSummary], "Submissions"),
            400: BAD_QUERY,
            404: error("No such org"),
        },
        parameters=INSTANCE_QUERY.parameters(),
    ),
    Operation(
        "get",
        "/instances/{instance_id}",
        "getInstance",
        "A submission: status, current tasks, history and data",
        {
            200: Reply(InstanceDetail, "The submission"),
            404: error("No such submission, or not visible to the caller"),
        },
    ),
    Operation(
        "get",
        "/tracking/summary",
        "trackingSummary",
        "Per process step: open tasks, overdue ones, since when the oldest",
        {200: Reply(list[TrackingRow], "Rows"), 400: BAD_QUERY},
        parameters=SUMMARY_QUERY.parameters(),
    ),
    Operation(
        "post",
        "/deployments",
        "deploy",
        "Deploy a diagram and its forms as the next version of its process",
        {
            201: Reply(Deployment, "Deployed"),
            400: Reply(
                LintError | ErrorShape,
                "Lint findings (error lint_failed), or no .bpmn file, or several none of "
                "which is the one the others do not call",
            ),
            403: error("Only process administrators may deploy"),
            409: IDEMPOTENCY_CONFLICT,
        },
        body=Multipart(DeploymentRequest),
        description="Running submissions keep the version they started on. Nothing changes "
        "when the linter refuses the upload. Diagrams drawn in Camunda Modeler (7 and 8) and "
        "spiff-arena are converted as the web import converts them: JUEL and simple FEEL "
        "conditions, .json form keys, due dates as durations, candidate groups and "
        "assignees; what cannot be converted is refused with a finding naming the element.",
        idempotent=True,
    ),
]

TRACKING = [
    Operation(
        "get",
        "/tracking/steps",
        "trackingSteps",
        "Per process version and step: open, overdue, oldest, finished, median and "
        "90th-percentile time spent, the bottleneck",
        {
            200: Reply(list[StepStat], "Rows, in the order the steps first opened"),
            400: error("A bad number, date or period"),
            403: TRACKERS_ONLY,
        },
        parameters=STEPS_QUERY.parameters(),
    ),
    Operation(
        "get",
        "/tracking/organisations",
        "trackingOrganisations",
        "The league table: per organisation, submissions open, overdue and returned",
        {
            200: Reply(list[OrgRow], "Rows, most first"),
            400: error("A bad number or sort"),
            403: TRACKERS_ONLY,
        },
        parameters=LEAGUE_QUERY.parameters(),
    ),
    Operation(
        "get",
        "/campaigns/{campaign_id}/progress",
        "campaignProgress",
        "A round: submitted vs not yet, finished, overdue, by department",
        {
            200: Reply(CampaignProgress, "The round, as the caller may see it"),
            403: TRACKERS_ONLY,
            404: error("No such round"),
        },
    ),
    Operation(
        "get",
        "/incidents",
        "listIncidents",
        "Background jobs that failed on every attempt",
        {200: Reply(list[Incident], "Newest first"), 403: FINANCE_ONLY},
    ),
    Operation(
        "post",
        "/incidents/{job_id}/retry",
        "retryIncident",
        "Queue an incident's job again with fresh attempts",
        {
            200: Reply(Incident, "Queued again (status pending)"),
            403: FINANCE_ONLY,
            404: error("No such job"),
            409: error("The job is not an incident (or the key was reused)"),
        },
        idempotent=True,
    ),
    Operation(
        "post",
        "/tasks/{task_id}/remind",
        "remindTask",
        "Chase (催办) whoever holds the task: its holder, or everyone eligible",
        {
            200: Reply(Reminded, "Who was reminded"),
            400: error("A bad message"),
            403: error("Only finance and the task's department chase"),
            404: NO_TASK,
            409: IDEMPOTENCY_CONFLICT,
        },
        body=RemindRequest,
        body_required=False,
        idempotent=True,
    ),
    Operation(
        "get",
        "/notifications",
        "listNotifications",
        "The caller's bell: unread count and the latest notifications",
        {200: Reply(Notifications, "The bell")},
    ),
    Operation(
        "post",
        "/messages",
        "deliverMessage",
        "Deliver a message to the submissions waiting for it, by correlation",
        {
            200: Reply(MessageDelivered, "The submissions resumed"),
            400: error("Bad body, or a submission could not go on with this data"),
            403: error("Only service accounts and the finance bureau"),
            404: error("No running submission matching the correlation waits for it"),
        },
        body=MessageRequest,
        idempotent=True,
    ),
]

REGISTRY = [
    Operation(
        "get",
        "/indicators",
        "listIndicators",
        "The active indicators a target form's rows may be picked from: the common ones, "
        "then the department's own, by level",
        {
            200: Reply(list[LibraryIndicator], "Common indicators first"),
            400: BAD_QUERY,
            404: error("No such department, or one whose own indicators are not the caller's"),
        },
        parameters=INDICATOR_QUERY.parameters(),
    ),
    _document(
        "projectTargetsDocument",
        "/projects/{project_id}/documents/targets.{kind}",
        "项目支出绩效目标申报表 of a project and year, as approved",
        "No such project, or not visible to the caller",
    ),
    _document(
        "projectSelfEvaluationDocument",
        "/projects/{project_id}/documents/self-evaluation.{kind}",
        "项目支出绩效自评表: funds, goals, indicators with their scores, total and grade",
        "No such project, not visible to the caller, or its self-evaluation not filed yet",
    ),
    _document(
        "monitoringSummaryDocument",
        "/campaigns/{campaign_id}/documents/monitoring-summary.{kind}",
        "季度绩效监控汇总分析 of a monitoring round: lights by department and function, "
        "execution against time progress, corrections",
        "No such monitoring round, or none of its submissions visible to the caller",
    ),
    _document(
        "evaluationResultsDocument",
        "/years/{fiscal_year}/documents/evaluation-results.{kind}",
        "绩效评价结果汇总 of a year: grades by department and function, money by grade, next "
        "year's budget against them",
        "No approved project of that year visible to the caller",
    ),
    _document(
        "disclosureDocument",
        "/years/{fiscal_year}/documents/disclosure.{kind}",
        "绩效评价信息公开目录 of a year: the reports finance chose to publish",
        "No approved project in that year",
    ),
    Operation(
        "get",
        "/rectifications",
        "listRectifications",
        "整改清单: the rectification items the caller may see, and the accountability list "
        "(overdue or failed twice) with who decided each verification",
        {200: Reply(Rectifications, "Items by year (newest first) and project"), 400: BAD_QUERY},
        parameters=RECTIFICATION_QUERY.parameters(),
    ),
    _department(
        "departmentTargets",
        "/departments/{department_id}/targets",
        "部门整体绩效目标 of a department and year: overall goal, functions with amounts and "
        "indicators, status and who approved it",
        Reply(DepartmentTargets, "The targets"),
    ),
    _department(
        "departmentSelfEvaluation",
        "/departments/{department_id}/self-evaluation",
        "部门整体支出绩效自评 of a department and year: results by function and indicator, "
        "the projects' grades rolled up, score, finance's opinion, delivery",
        Reply(DepartmentSelfEvaluation, "The self-evaluation"),
    ),
    _department(
        "departmentTargetsDocument",
        "/departments/{department_id}/documents/targets.{kind}",
        "部门整体支出绩效目标申报表 as PDF or Excel",
        DEPARTMENT_DOCUMENT,
    ),
    _department(
        "departmentSelfEvaluationDocument",
        "/departments/{department_id}/documents/self-evaluation.{kind}",
        "部门整体绩效自评报告 as PDF or Excel",
        DEPARTMENT_DOCUMENT,
    ),
    Operation(
        "get",
        "/county-budget/{fiscal_year}",
        "countyBudget",
        "本级预算草案 of a year as it stands: the review's status and returns, totals by "
        "department (with its approved overall goal) and by function, every selected project; "
        "budget is null while 遴选 has selected nothing for the year",
        {
            200: Reply({"type": "object"}, "The year's county budget"),
            403: error("Not the finance bureau, the county government or the congress"),
            404: error("Not a year (a negative or malformed number in the path)"),
        },
    ),
]

OPERATIONS = [*CONTRACT, *TRACKING, *REGISTRY]
