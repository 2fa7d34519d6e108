"""Every deployment, rollback, import and migration is in the process log with who and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ProcessAuditEvent, ProcessDefinition
from app.services.administration import modeling, process_audit
from app.services.foundation.errors import BadRequest, Forbidden

BPMN = (Path(__file__).parents[2] / "fixtures/processes/simple_approval.bpmn").read_text()


def log() -> list[tuple]:
    return [
        (e.action, e.version, e.actor.username if e.actor else None, e.comment)
        for e in db.session.scalars(
            select(ProcessAuditEvent)
            .where(ProcessAuditEvent.process_key == "simple_approval")
            .order_by(ProcessAuditEvent.id)
        )
    ]


def test_deploying_a_draft_and_rolling_back_are_logged_with_who_and_why(user):
    admin = user("admin")
    assert log() == [("deployed", 1, None, "随系统部署")]  # the command line: no person
    modeling.save_draft(admin, "simple_approval", BPMN.replace('name="部门审核"', 'name="初审"'))
    modeling.deploy_draft(admin, "simple_approval", "改名")
    modeling.rollback(admin, "simple_approval", 1, "新名称引起误解")

    assert log()[1:] == [
        ("deployed", 2, "admin", "改名"),
        ("rolled_back", 3, "admin", "新名称引起误解"),
    ]
    rolled = db.session.scalars(
        select(ProcessAuditEvent).where(ProcessAuditEvent.action == "rolled_back")
    ).one()
    assert rolled.details["from_version"] == 1 and rolled.details["reason"] == "新名称引起误解"
    shown = process_audit.process_events(admin, "simple_approval")
    assert [e.version for e in shown] == [3, 2, 1]  # newest first


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_rollback_without_a_reason_is_refused_and_deploys_nothing(user, reason):
    with pytest.raises(BadRequest) as refused:
        modeling.rollback(user("admin"), "simple_approval", 1, reason)
    assert "原因" in refused.value.message
    assert (
        db.session.scalar(
            select(ProcessDefinition.version).order_by(ProcessDefinition.version.desc())
        )
        == 1
    )
    assert [entry[0] for entry in log()] == ["deployed"]


def test_only_process_administrators_read_the_log(user):
    with pytest.raises(Forbidden):
        process_audit.process_events(user("finance"), "simple_approval")
