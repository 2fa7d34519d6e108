"""整改清单 operators: what the diagrams' rectification steps call to report and verify
items (the registry's operators open them: rectification_items.py).

The loop they serve: evaluation (评价结果应用) or monitoring (纠偏决定) opens items; the
department reports on each, and its "已完成" is only a claim (待核实); finance verifies
every claim, closing it (销号, with who and when) or sending it back with a reason, which
counts a failure; the loop ends when every item of the submission is closed.

Each operator answers the submission's items still open as table rows (the
`rectification_items` the department's and finance's forms show), keyed by the item's
id so that a posted row finds its item whatever order it comes in.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import RectificationVerification
from app.models.rectification import (
    RECTIFICATION_CLAIMED,
    RECTIFICATION_CLOSED,
    RECTIFICATION_OPEN,
    VERIFICATION_FAILED,
    VERIFICATION_PASSED,
)
from app.performance.context import current_run, refuse
from app.performance.rectification_items import (
    FAILED,
    ITEMS_FIELD,
    PASSED,
    REPORTED_DONE,
    item_rows,
    posted_rows,
    submission_items,
)
from app.performance.registry import _event as registry_event
from app.performance.registry import project_for_run
from app.services.foundation.errors import stored_text


def _now():
    from app.services.foundation.clock import now

    return now()


def registry_record_rectification(project_code: str, fiscal_year: int, items: list) -> list:
    """登记整改落实情况：报告“已完成”的事项待财政核实，不予销号 · Record the department's
    report on each rectification item; one reported done waits for finance's verification
    (a claim, not a closing). Answers the submission's items still open."""
    project = project_for_run(project_code, fiscal_year)
    actor = current_run().actor
    known = submission_items(project)
    posted = posted_rows(items, known)
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
    registry_event(
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
    from app.services.foundation.policy import may_verify_rectification

    project = project_for_run(project_code, fiscal_year)
    run = current_run()
    if run.actor is None or not may_verify_rectification(run.actor):
        raise refuse(ITEMS_FIELD, _l("Only the finance bureau verifies rectification items."))
    known = submission_items(project)
    posted = posted_rows(items, known)
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
    registry_event(
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
