"""Test data shared by the service, API, web and browser tests."""

GOOD_TARGETS = {
    "project_name": "校舍维修改造",
    "project_code": "JY-2027-001",
    "nature": "一次性",
    "total_amount": 120.5,
    "annual_goal": "完成三栋教学楼的维修改造",
    "indicators": [
        {"level1": "产出指标", "name": "维修面积", "sign": "≥", "target": "3000", "unit": "平方米"}
    ],
}

# 县第一中学's building repair project as compilation approved it: one quantity, one
# qualitative satisfaction indicator (what rounds prefill and reports answer).
SCHOOL_INDICATORS = [
    {
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "维修校舍面积",
        "sign": "≥",
        "target": "3000",
        "unit": "平方米",
        "period": "年度",
    },
    {
        "level1": "满意度指标",
        "level2": "服务对象满意度指标",
        "name": "师生满意度",
        "sign": "定性",
        "target": "满意",
        "unit": "",
        "period": "年度",
    },
]


# The school's repair project as a scored target form files it: each level's points at its
# default weight (产出 50, 效益 30, 满意度 10), what evaluation and rectification score.
SCORED_SCHOOL_INDICATORS = [
    {
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "维修校舍面积",
        "sign": "≥",
        "target": "3000",
        "unit": "平方米",
        "period": "年度",
        "points": 50,
    },
    {
        "level1": "效益指标",
        "level2": "社会效益指标",
        "name": "改善办学条件",
        "sign": "定性",
        "target": "明显改善",
        "unit": "",
        "period": "年度",
        "points": 30,
    },
    {
        "level1": "满意度指标",
        "level2": "服务对象满意度指标",
        "name": "师生满意度",
        "sign": "≥",
        "target": "90",
        "unit": "%",
        "period": "年度",
        "points": 10,
    },
]


def org(code: str):
    """The demo org with this code."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Org

    return db.session.scalar(select(Org).where(Org.code == code))


def approved_project(code: str, year: int, indicators: list[dict], **fields):
    """An approved project of 县第一中学 (县教育局) in the registry, as compilation leaves it."""
    from app.extensions import db
    from app.models import Project
    from app.services.foundation.clock import now

    values = dict(
        code=code,
        name="校舍维修改造",
        fiscal_year=year,
        department_id=org("edu").id,
        unit_id=org("edu-school1").id,
        status="approved",
        approved_amount=100,
        adjusted_amount=100,
        indicators=indicators,
        cumulative_adjustment=0,
        updated_at=now(),
    )
    values.update(fields)
    row = Project(**values)
    db.session.add(row)
    db.session.commit()
    return row


def launched_monitoring_round(year: int, quarter: int) -> None:
    """The finance bureau's quarterly monitoring round, launched for every approved project
    of `year`: each unit gets its report to fill."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User
    from app.models.org import ACTING
    from app.services.registry.campaigns import launch_campaign

    finance = db.session.scalar(select(User).where(User.username == "finance").options(*ACTING))
    launch_campaign(finance, "quarterly_monitoring", year, quarter)


def deploy_simple_approval(replaced_forms: dict[str, dict]):
    """A new version of the fixture process simple_approval whose forms `replaced_forms`
    (file name -> JSON) replace or add to the fixture forms; a review.uischema.json is
    named by both review steps."""
    import json
    from pathlib import Path

    from app.extensions import db
    from app.services.administration.deployment import deploy_definition

    fixtures = Path(__file__).parent / "fixtures"
    forms = {p.name: p.read_bytes() for p in (fixtures / "forms").glob("*.json")}
    forms.update({name: json.dumps(content).encode() for name, content in replaced_forms.items()})
    bpmn = (fixtures / "processes" / "simple_approval.bpmn").read_text()
    if "review.uischema.json" in replaced_forms:
        review = (
            '<spiffworkflow:property name="formJsonSchemaFilename" value="review.schema.json" />'
        )
        bpmn = bpmn.replace(
            review,
            review + '<spiffworkflow:property name="formUiSchemaFilename" '
            'value="review.uischema.json" />',
        )
    definition = deploy_definition(None, bpmn.encode(), "simple_approval.bpmn", {}, None, forms)
    db.session.commit()
    return definition
