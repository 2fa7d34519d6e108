"""The money rules over the API, as the demo roles: new money is never filed and goes on to the
government and the 人大常委会; money cannot be taken from another unit's project."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Org, Project
from app.services.operations.setup import deploy_folder

ROOT = Path(__file__).parents[2]
KEY = "midyear_adjustment"
REQUEST = {
    "project_code": "JY-2027-001",
    "project_name": "县第一中学教室改造",
    "fiscal_year": 2027,
    "unit_name": "县第一中学",
    "kind": "追加资金",
    "addition": 1,
    "reduction": 0,
    "functional_category": "2050203 初中教育",
    "economic_category": "31002 办公设备购置",
    "reason": "新增 2 间多媒体教室改造",
    "indicator_changes": [
        {
            "level1": "产出指标",
            "level2": "数量指标",
            "name": "改造教室数量",
            "sign": "≥",
            "target": "14",
            "unit": "间",
            "period": "年度",
            "change": "修改",
        }
    ],
}


def project(code: str, school: str, amount: float) -> Project:
    unit = db.session.scalar(select(Org).where(Org.code == school))
    return Project(
        code=code,
        name=f"项目 {code}",
        fiscal_year=2027,
        department_id=unit.parent_id,
        unit_id=unit.id,
        status="approved",
        department_function="义务教育",
        special_fund="教育发展专项资金",
        approved_amount=amount,
        adjusted_amount=amount,
        cumulative_adjustment=0,
        indicators=[{k: v for k, v in REQUEST["indicator_changes"][0].items() if k != "change"}],
        updated_at=datetime(2027, 1, 1),
    )


@pytest.fixture
def registry(app):
    """The shipped processes, and two education projects of one fund: the school's own
    (300 万元) and the primary school's (1700 万元)."""
    deploy_folder(ROOT / "processes", ROOT / "forms")
    db.session.add(project("JY-2027-001", "edu-school1", 300))
    db.session.add(project("JY-2027-002", "edu-school2", 1700))
    db.session.commit()
    db.session.remove()


def complete(api, user: str, activity: str, data: dict) -> dict:
    tasks = [t for t in api(user).get("/tasks").body if t["activity_id"] == activity]
    assert len(tasks) == 1, f"{user} should have one {activity}: {tasks}"
    answer = api(user).post(f"/tasks/{tasks[0]['id']}/complete", {"data": data})
    assert answer.status == 200, answer.body
    return answer.body


def test_new_money_always_reaches_the_government_and_the_congress(api, registry):
    started = api("unit").post(f"/processes/{KEY}/instances", {"title": "教室改造追加 1 万元"})
    assert started.status == 201, started.body
    # One 万元, and the unit claims a filing within one category: neither decides.
    complete(api, "unit", "fill_adjustment", {**REQUEST, "route": "filing", "same_category": True})
    assert [
        t for t in api("finance").get("/tasks").body if t["activity_id"] == "finance_filing"
    ] == []
    complete(api, "dept", "dept_review", {"dept_decision": "approve"})
    complete(api, "finance", "finance_review", {"finance_decision": "approve"})
    complete(api, "gov", "gov_review", {"gov_decision": "approve"})
    done = complete(api, "congress", "congress_review", {"congress_decision": "approve"})
    assert done["tasks"] == []
    instance = api("finance").get(f"/instances/{started.body['id']}").body
    assert instance["status"] == "completed"
    steps = [e["activity_id"] for e in instance["history"] if e["action"] == "completed"]
    assert steps == [
        "fill_adjustment",
        "dept_review",
        "finance_review",
        "gov_review",
        "congress_review",
    ]
    assert (
        db.session.scalar(select(Project.adjusted_amount).where(Project.code == "JY-2027-001"))
        == 301
    )


def test_money_cannot_be_moved_from_another_units_project(api, registry):
    api("unit").post(f"/processes/{KEY}/instances", {"title": "从实验小学调剂"})
    (task,) = api("unit").get("/tasks").body
    reallocation = {
        **REQUEST,
        "kind": "同一职能分类内项目间调剂",
        "addition": 10,
        "source_project_code": "JY-2027-002",
    }
    answer = api("unit").post(f"/tasks/{task['id']}/complete", {"data": reallocation})
    assert answer.status == 422 and answer.error == "validation_failed"
    assert [d["path"] for d in answer.body["details"]] == ["/source_project_code"]
    assert "1700" not in str(answer.body), "nothing of the other school's project is told"
    assert (
        db.session.scalar(select(Project.adjusted_amount).where(Project.code == "JY-2027-002"))
        == 1700
    )
