"""Upgrading the shipped processes moves running submissions where they can move.

The mid-year adjustment's route is now decided from the registry (a step that computes
`adjustment`) and new money goes on to the 人大常委会. A request still being filled moves to
the new version and is decided by the new rules; one past the old route decision has no
`adjustment` and finishes on the version it started on, with the reason said."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Org, ProcessInstance, Project
from app.services.administration.migration import a_process_admin, move_to_new_versions
from app.services.operations.setup import deploy_folder
from app.services.runtime.instances import start_instance
from app.services.runtime.queries import list_inbox
from app.services.runtime.tasks import complete_task

ROOT = Path(__file__).parents[3]
BEFORE = Path(__file__).parents[2] / "fixtures" / "shipped_before_issue_13"
KEY = "midyear_adjustment"
ROW = {
    "level1": "产出指标",
    "level2": "数量指标",
    "name": "改造教室数量",
    "sign": "≥",
    "target": "14",
    "unit": "间",
    "period": "年度",
    "change": "修改",
}
OLD_REQUEST = {
    "project_code": "JY-2027-001",
    "project_name": "县第一中学教室改造",
    "fiscal_year": 2027,
    "unit_name": "县第一中学",
    "opening_budget": 300,
    "addition": 50,
    "reduction": 0,
    "functional_category": "2050203 初中教育",
    "economic_category": "31002 办公设备购置",
    "same_category": False,
    "changes_total_budget": False,
    "reason": "新增 2 间多媒体教室改造",
    "indicator_changes": [ROW],
}


def approved_project() -> None:
    school = db.session.scalar(select(Org).where(Org.code == "edu-school1"))
    db.session.add(
        Project(
            code="JY-2027-001",
            name="县第一中学教室改造",
            fiscal_year=2027,
            department_id=school.parent_id,
            unit_id=school.id,
            status="approved",
            special_fund="教育发展专项资金",
            approved_amount=300,
            adjusted_amount=300,
            cumulative_adjustment=0,
            indicators=[{k: v for k, v in ROW.items() if k != "change"}],
            updated_at=datetime(2027, 1, 1),
        )
    )


def test_a_request_being_filled_moves_and_one_past_the_old_route_finishes_where_it_began(app, user):
    approved_project()
    admin = user("admin")
    (old,) = deploy_folder(BEFORE / "processes", BEFORE / "forms", admin)
    unit = user("unit")
    filling, _ = start_instance(unit, KEY, title="仍在填报")
    reviewing, ready = start_instance(unit, KEY, title="已到部门审核")
    complete_task(unit, ready[0].id, OLD_REQUEST)
    db.session.commit()

    deployed = [d for d in deploy_folder(ROOT / "processes", ROOT / "forms", admin) if d.key == KEY]
    assert a_process_admin().username == "admin"
    (report,) = move_to_new_versions(admin, deployed, "随系统升级迁移到新版本")
    db.session.commit()

    assert report.moved == 1 and list(report.stayed) == [reviewing.id]
    assert "adjustment" in report.stayed[reviewing.id][0]
    assert db.session.get(ProcessInstance, filling.id).version == report.to_version
    assert db.session.get(ProcessInstance, reviewing.id).version == old.version

    # The moved request is decided by the new rules: new money goes on to the congress.
    (fill,) = [t for t in list_inbox(unit, process=KEY).tasks if t.instance_id == filling.id]
    new_request = {
        k: v
        for k, v in OLD_REQUEST.items()
        if k not in {"opening_budget", "same_category", "changes_total_budget"}
    }
    instance, _ = complete_task(unit, fill.id, {**new_request, "kind": "追加资金"})
    assert instance.data["adjustment"]["changes_county_total"] is True
    # The one that stayed goes on as its version was drawn.
    (review,) = [
        t for t in list_inbox(user("dept"), process=KEY).tasks if t.instance_id == reviewing.id
    ]
    complete_task(user("dept"), review.id, {"dept_decision": "approve"})
