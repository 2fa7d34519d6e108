"""整改清单 operators: what the diagrams' rectification steps call to open, report and
verify items.

The loop they serve: evaluation (评价结果应用) or monitoring (纠偏决定) opens items; the
department reports on each, and its "已完成" is only a claim (待核实); finance verifies
every claim, closing it (销号, with who and when) or sending it back with a reason, which
counts a failure; the loop ends when every item of the submission is closed.

Each operator answers the submission's items still open as table rows (the
`rectification_items` the department's and finance's forms show), keyed by the item's
id so that a posted row finds its item whatever order it comes in.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Project, RectificationItem, RectificationVerification
from app.models.rectification import (
    RECTIFICATION_CLAIMED,
    RECTIFICATION_CLOSED,
    RECTIFICATION_OPEN,
    RECTIFICATION_STATUS_LABELS,
    SOURCE_EVALUATION,
    SOURCE_MONITORING,
    VERIFICATION_FAILED,
    VERIFICATION_PASSED,
)
from app.performance.context import current_run, refuse
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


def _event(project: Project, kind: str, summary: str, details: dict) -> None:
    from app.performance.registry import _event as registry_event

    registry_event(project, kind, summary, details)


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


def _submission_items(project: Project) -> list[RectificationItem]:
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
        for item in _submission_items(project)
        if item.status != RECTIFICATION_CLOSED
    ]


def _posted_rows(items: Any, known: list[RectificationItem]) -> dict[int, dict]:
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


def registry_record_rectification(project_code: str, fiscal_year: int, items: list) -> list:
    """登记整改落实情况：报告“已完成”的事项待财政核实，不予销号 · Record the department's
    report on each rectification item; one reported done waits for finance's verification
    (a claim, not a closing). Answers the submission's items still open."""
    from app.performance.registry import project_for_run

    project = project_for_run(project_code, fiscal_year)
    actor = current_run().actor
    known = _submission_items(project)
    posted = _posted_rows(items, known)
    claimed, in_hand, progress = 0, 0, {}
    for item in known:
        row = posted.get(item.id)
        if row is None or item.status == RECTIFICATION_CLOSED:
            continue
        if row.get("action_taken"):
            item.action_taken = str(row["action_taken"])
        # `progress` in today's form; `status` in the form of diagrams drawn before it.
        said = row.get("progress") if "progress" in row else row.get("status")
        if said == REPORTED_DONE and item.status == RECTIFICATION_OPEN:
            item.status = RECTIFICATION_CLAIMED
            item.claimed_at = _now()
            item.claimed_by_id = actor.id if actor is not None else None
            claimed += 1
        elif item.status == RECTIFICATION_OPEN:
            progress[item.id] = said
            in_hand += 1
    _event(
        project,
        "rectified",
        stored_text(
            _l(
                "Rectification reported: %(claimed)s item(s) reported done, awaiting "
                "finance's verification; %(open)s item(s) still being rectified.",
                claimed=claimed,
                open=in_hand,
            )
        ),
        {"claimed": claimed, "open": in_hand},
    )
    return item_rows(project, progress)


def registry_verify_rectification(project_code: str, fiscal_year: int, items: list) -> list:
    """财政核实整改事项：核实通过的予以销号，未通过的退回部门继续整改 · Finance's
    verification of each item the department reported done: passed closes it (who, when),
    failed sends it back with the reason and counts a failure. Answers the submission's
    items still open (none: every item is closed)."""
    from app.performance.registry import project_for_run
    from app.services.foundation.policy import may_verify_rectification

    project = project_for_run(project_code, fiscal_year)
    run = current_run()
    if run.actor is None or not may_verify_rectification(run.actor):
        raise refuse(ITEMS_FIELD, _l("Only the finance bureau verifies rectification items."))
    known = _submission_items(project)
    posted = _posted_rows(items, known)
    passed, failed, progress = 0, 0, {}
    for item in known:
        row = posted.get(item.id, {})
        if item.status == RECTIFICATION_OPEN:
            progress[item.id] = row.get("progress")
            continue
        if item.status != RECTIFICATION_CLAIMED:
            continue
        decision = row.get("verification")
        reason = str(row.get("verification_reason") or "").strip() or None
        if decision == PASSED:
            item.status = RECTIFICATION_CLOSED
            item.closed_at = _now()
            item.verified_by_id = run.actor.id
            passed += 1
        elif decision == FAILED and reason:
            item.status = RECTIFICATION_OPEN
            item.failures = (item.failures or 0) + 1
            item.last_reason = reason
            failed += 1
        else:
            raise refuse(
                ITEMS_FIELD,
                _l(
                    "The rectification item “%(item)s” awaits verification: choose passed or "
                    "failed (a failure needs its reason).",
                    item=item.description,
                ),
            )
        db.session.add(
            RectificationVerification(
                item_id=item.id,
                instance_id=run.instance.id,
                at=_now(),
                decided_by_id=run.actor.id,
                outcome=VERIFICATION_PASSED if decision == PASSED else VERIFICATION_FAILED,
                reason=reason,
            )
        )
    _event(
        project,
        "rectified",
        stored_text(
            _l(
                "Rectification verified: %(passed)s item(s) passed and closed, %(failed)s "
                "item(s) failed and sent back.",
                passed=passed,
                failed=failed,
            )
        ),
        {"passed": passed, "failed": failed},
    )
    return item_rows(project, progress)
