"""Driving the county's budget review (county_budget_review) as the demo roles: finance
submits the year's draft, the government and the congress decide on it as a whole, and
the worker delivers the approval to every project waiting for it."""

from __future__ import annotations

from app.services.foundation.jobs import run_due_jobs
from app.services.runtime.instances import start_instance
from app.services.runtime.queries import list_inbox
from app.services.runtime.tasks import complete_task

COUNTY = "county_budget_review"


def county_task(actor, activity: str):
    tasks = [t for t in list_inbox(actor, process=COUNTY).tasks if t.activity_id == activity]
    assert len(tasks) == 1, f"{actor.username} should have one {activity}, has {len(tasks)}"
    return tasks[0]


def county_step(actor, activity: str, data: dict):
    return complete_task(actor, county_task(actor, activity).id, data)


def submit_draft(user, fiscal_year: int):
    instance, _ = start_instance(user("finance"), COUNTY, title=f"{fiscal_year} 年县级预算草案")
    county_step(user("finance"), "submit_draft", {"fiscal_year": fiscal_year})
    return instance


def approve_county_budget(user, fiscal_year: int):
    """The whole review with no return, then the worker's delivery of the approval."""
    instance = submit_draft(user, fiscal_year)
    county_step(user("gov"), "gov_review", {"gov_decision": "approve"})
    county_step(user("congress"), "congress_approval", {"congress_decision": "approve"})
    run_due_jobs()
    return instance
