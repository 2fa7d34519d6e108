"""整改清单 items: opening them (from an evaluation's 评价结果应用 or a monitoring round's
纠偏决定), and the submission's items still open as the table rows the department's and
finance's forms show, keyed by the item's id so that a posted row finds its item whatever
order it comes in. The registry (registry.py) opens them; the operators that report and
verify them (rectification.py) read and write them here.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Project, RectificationItem
from app.models.rectification import (
    RECTIFICATION_CLAIMED,
    RECTIFICATION_CLOSED,
    RECTIFICATION_OPEN,
    RECTIFICATION_STATUS_LABELS,
    SOURCE_EVALUATION,
    SOURCE_MONITORING,
)
from app.performance.context import current_run
from app.services.foundation.errors import stored_text

SOURCE_LABELS = {SOURCE_EVALUATION: "评价整改", SOURCE_MONITORING: "监控纠偏"}
REPORTED_DONE = "已完成"  # the department's claim
PASSED = "核实通过"
FAILED = "未通过"
# Finance's correction decision that asks nothing of the department.
NO_CORRECTION = "无需处理"
ITEMS_FIELD = "rectification_items"


def _now():
    from app.services.foundation.clock import now

    return now()


def due_date_of(value: Any) -> date | None:
    """A form's 整改期限 (an ISO date) as a date; None when it is none."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def open_rectification(
    project: Project, description: str, due: date | None, source: str = SOURCE_EVALUATION
) -> RectificationItem:
    """A new item of the running submission, set by whoever completed the step."""
    run = current_run()
    item = RectificationItem(
        project_id=project.id,
        instance_id=run.instance.id,
        source=source,
        description=description,
        status=RECTIFICATION_OPEN,
        due_date=due,
        created_at=_now(),
        created_by_id=run.actor.id if run.actor is not None else None,
        failures=0,
    )
    db.session.add(item)
    return item


def open_correction(
    project: Project, fiscal_year: int, quarter: int, correction: dict
) -> RectificationItem | None:
    """The item a monitoring correction decision asks of the department (none for
    无需处理), due by the end of the next quarter, when the next report shows it done."""
    decision = str(correction.get("decision") or "").strip()
    if not decision or decision == NO_CORRECTION:
        return None
    # The item's description is kept and read by the department and finance alike: in
    # the county's language.
    what = decision
    if correction.get("amount"):
        what = _l(
            "%(decision)s %(amount)s (10k yuan)", decision=decision, amount=correction["amount"]
        )
    if correction.get("reason"):
        text = _l(
            "Quarter %(quarter)s monitoring correction: %(what)s (%(reason)s)",
            quarter=quarter,
            what=what,
            reason=correction["reason"],
        )
    else:
        text = _l("Quarter %(quarter)s monitoring correction: %(what)s", quarter=quarter, what=what)
    return open_rectification(
        project, stored_text(text), next_quarter_end(fiscal_year, quarter), SOURCE_MONITORING
    )


def next_quarter_end(fiscal_year: int, quarter: int) -> date:
    """The last day of the quarter after `quarter` (Q4's is next year's 31 March)."""
    year, following = (fiscal_year + 1, 1) if quarter >= 4 else (fiscal_year, quarter + 1)
    month = following * 3
    return date(year, month, calendar.monthrange(year, month)[1])


def submission_items(project: Project) -> list[RectificationItem]:
    """The running submission's items of this project, in the order they were set."""
    return list(
        db.session.scalars(
            select(RectificationItem)
            .where(
                RectificationItem.project_id == project.id,
                RectificationItem.instance_id == current_run().instance.id,
            )
            .order_by(RectificationItem.id)
        )
    )


def item_rows(project: Project, progress: dict[int, Any] | None = None) -> list[dict]:
    """The submission's items not yet closed, as the rectification forms' table rows;
    `progress` carries what the department last said of each item still in hand."""
    db.session.flush()
    progress = progress or {}
    return [
        {
            "_row": str(item.id),
            "item_id": item.id,
            "description": item.description,
            "deadline": item.due_date.isoformat() if item.due_date else None,
            # A value of the form's data, kept and read later: in the county's language.
            "status": stored_text(RECTIFICATION_STATUS_LABELS[item.status]),
            "failures": item.failures or 0,
            "finance_reason": item.last_reason,
            "action_taken": item.action_taken,
            "progress": REPORTED_DONE
            if item.status == RECTIFICATION_CLAIMED
            else progress.get(item.id),
        }
        for item in submission_items(project)
        if item.status != RECTIFICATION_CLOSED
    ]


def posted_rows(items: Any, known: list[RectificationItem]) -> dict[int, dict]:
    """Posted rows by the id of the item each answers: its `item_id` (or row key), or,
    in rows of diagrams drawn before items had ids, its description."""
    by_description = {item.description: item.id for item in known}
    ids = {item.id for item in known}
    rows: dict[int, dict] = {}
    for row in items if isinstance(items, list) else []:
        if not isinstance(row, dict):
            continue
        key = row.get("item_id", row.get("_row"))
        try:
            item_id = int(key) if key not in (None, "") else None
        except (TypeError, ValueError):
            item_id = None
        if item_id is None:
            item_id = by_description.get(row.get("description"))
        if item_id in ids and item_id not in rows:
            rows[item_id] = row
    return rows
