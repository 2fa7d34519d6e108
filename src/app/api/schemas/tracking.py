"""Tracking beyond the contract's summary (api/routes_tracking.py): the steps with their
times, the organisations' league, a round's progress, incidents, chasing and the bell."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.api.schemas.base import Answer, Count, IntOrNull, Seconds, TextOrNull, Time
from app.api.schemas.queries import Queries, choice, day, record_id, text
from app.services.tracking.dashboard import LEAGUE_SORTS

_PROCESS = text("process", "Process key.")
_VERSION = record_id("version", "Process version.")
_CAMPAIGN = record_id("campaign", "Round (campaign) id.")
STEPS_QUERY = Queries(
    _PROCESS,
    _VERSION,
    _CAMPAIGN,
    day("since", "Steps opened on or after this day."),
    day("until", "Steps opened on or before this day."),
)
LEAGUE_QUERY = Queries(
    _PROCESS, _VERSION, choice("sort", "Most first by.", LEAGUE_SORTS, "overdue"), _CAMPAIGN
)


class StepStat(Answer):
    """One step of one process version, as the tracking screen shows it."""

    process_key: str
    version: int
    activity_id: str
    name: str
    role: str
    open: Count
    overdue: Count
    oldest_since: Time
    finished: Count
    median_seconds: Seconds
    p90_seconds: Seconds
    bottleneck: bool = Field(description="The version's step with most overdue, then most open.")


class OrgRow(Answer):
    org_id: int
    org: str
    submissions: Count
    open: Count
    overdue: Count
    returned: Count = Field(description="Sent back at least once.")


class DepartmentProgress(Answer):
    department: str
    submissions: Count
    submitted: Count
    not_yet: Count
    finished: Count
    overdue: Count


class WaitingAt(Answer):
    name: str
    open: Count


class CampaignProgress(Answer):
    id: int
    name: str
    process_key: str
    due_at: Time
    submissions: Count
    submitted: Count = Field(description="Whose first step is handed in.")
    not_yet: Count
    finished: Count
    overdue: Count
    waiting_at: list[WaitingAt]
    departments: list[DepartmentProgress]


class Incident(Answer):
    """A background job (escalation, e-mail, digest, scheduled round)."""

    id: int
    kind: str = Field(description="escalate_task, send_email, send_digests, launch_campaign")
    instance_id: IntOrNull
    task_id: IntOrNull
    attempts: Count
    status: Literal["incident", "pending"]
    gave_up_at: Time
    last_error: TextOrNull


class Notification(Answer):
    id: int
    at: Time
    kind: str = Field(description="reminder, escalation, digest")
    title: str
    body: TextOrNull
    task_id: IntOrNull
    instance_id: IntOrNull
    read: bool


class Notifications(Answer):
    unread: Count
    items: list[Notification]
