"""What belongs together in the project target form, over the API: each broken rule is a
422 naming the field it sits on, in the schema's words, and nothing is submitted."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.extensions import db
from app.services.operations.setup import deploy_folder
from compilation_data import INDICATORS, project_form

ROOT = Path(__file__).parents[2]


@pytest.fixture
def targets_task(app, api):
    deploy_folder(ROOT / "processes", ROOT / "forms")
    db.session.remove()
    answer = api("unit").post("/processes/budget_compilation/instances", {"title": "教室改造"})
    assert answer.status == 201, answer.body
    (task,) = answer.body["tasks"]
    assert task["activity_id"] == "fill_project_targets"
    return task["id"]


def row(**changes) -> list[dict]:
    return [dict(INDICATORS[0], **changes), *INDICATORS[1:]]


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        (
            {"plan_start_date": "2027-08-31", "plan_end_date": "2027-03-01"},
            "/plan_end_date",
            "计划完成日期不得早于计划开始日期",
        ),
        (
            {"total_fiscal_funds": 100, "requested_amount": 320},
            "/requested_amount",
            "当年财政拨款不得超过项目资金总额中的财政资金",
        ),
        (
            {"total_fiscal_funds": 320, "requested_amount": 300, "carryover_amount": 30},
            "/requested_amount",
            "年度资金申请合计（当年财政拨款、上年结转、其他资金）不得超过项目资金总额",
        ),
        (
            {"indicators": row(level2="社会效益指标")},
            "/indicators/0/level2",
            "产出指标下的二级指标只能是：数量指标、质量指标、时效指标、成本指标",
        ),
        (
            {"indicators": row(target="很多")},
            "/indicators/0/target",
            "定量指标的指标值须为数字（如 12 或 95.5），定性指标请把符号选为“定性”",
        ),
        (
            {
                "schedule": [
                    {"stage": "施工", "content": "施工", "start": "2027-05-01", "end": "2027-04-01"}
                ]
            },
            "/schedule/0/end",
            "完成日期不得早于开始日期",
        ),
    ],
)
def test_a_broken_rule_is_refused_naming_its_field(api, targets_task, changes, path, message):
    answer = api("unit").post(f"/tasks/{targets_task}/complete", {"data": project_form(**changes)})
    assert answer.status == 422, answer.body
    assert {"path": path, "message": message} in answer.body["details"]
    assert api("unit").get(f"/tasks/{targets_task}").status == 200  # still ready, not submitted


def test_the_same_form_with_every_rule_kept_is_accepted(api, targets_task):
    data = project_form(carryover_amount=0, other_annual_amount=0, total_other_funds=0)
    answer = api("unit").post(f"/tasks/{targets_task}/complete", {"data": data})
    assert answer.status == 200, answer.body
