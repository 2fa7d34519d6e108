"""The indicator library: finance keeps the 共性指标, a department only its own 个性指标,
a unit reads its department's; the forms are offered the common and their own."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LibraryIndicator, Org
from app.models.indicator import INDICATOR_LEVELS
from app.services.demo.indicators import COMMON, seed_indicator_library
from app.services.foundation.errors import Forbidden, NotFound, ValidationFailed
from app.services.registry import indicators

ACCEPTANCE = indicators.IndicatorFields(
    "产出指标", "质量指标", "验收合格率", "=", "%", "达到得满分"
)
CLASSROOMS = indicators.IndicatorFields("产出指标", "数量指标", "改造教室数量", "≥", "间")


def department(code: str) -> int:
    return db.session.scalar(select(Org.id).where(Org.code == code))


def names(rows) -> list[str]:
    return [row.name for row in rows]


def test_finance_adds_a_common_indicator_that_every_department_is_offered(user):
    added = indicators.add_indicator(user("finance"), None, ACCEPTANCE)
    assert added.department_id is None
    assert "验收合格率" in names(indicators.indicators_for_forms(user("unit")))
    assert "验收合格率" in names(indicators.indicators_for_forms(user("unit2")))


@pytest.mark.parametrize("username", ["dept", "unit", "expert", "gov", "admin"])
def test_only_finance_edits_the_common_library(user, username):
    with pytest.raises(Forbidden):
        indicators.add_indicator(user(username), None, ACCEPTANCE)
    row = indicators.add_indicator(user("finance"), None, ACCEPTANCE)
    with pytest.raises(Forbidden):
        indicators.update_indicator(user(username), row.id, ACCEPTANCE)
    with pytest.raises(Forbidden):
        indicators.set_indicator_active(user(username), row.id, False)


def test_a_department_keeps_its_own_indicators_which_its_units_are_offered(user):
    edu = department("edu")
    row = indicators.add_indicator(user("dept"), edu, CLASSROOMS)
    assert row.department_id == edu
    assert "改造教室数量" in names(indicators.indicators_for_forms(user("unit")))
    assert "改造教室数量" not in names(indicators.indicators_for_forms(user("unit2")))


# Another department's library is not even there for dept2 (404); a unit and finance read
# edu's but may not change it (403).
@pytest.mark.parametrize(
    ("username", "refusal"), [("dept2", NotFound), ("unit", Forbidden), ("finance", Forbidden)]
)
def test_no_one_but_the_department_edits_its_own_indicators(user, username, refusal):
    edu = department("edu")
    with pytest.raises(refusal):
        indicators.add_indicator(user(username), edu, CLASSROOMS)
    row = indicators.add_indicator(user("dept"), edu, CLASSROOMS)
    with pytest.raises(refusal):
        indicators.update_indicator(user(username), row.id, ACCEPTANCE)
    with pytest.raises(refusal):
        indicators.set_indicator_active(user(username), row.id, False)
    row = db.session.get(LibraryIndicator, row.id)
    assert (row.name, row.active) == ("改造教室数量", True)


def test_another_departments_own_indicators_are_not_found_for_its_people(user):
    edu = department("edu")
    row = indicators.add_indicator(user("dept"), edu, CLASSROOMS)
    for username in ("unit2", "dept2"):
        with pytest.raises(NotFound):
            indicators.list_indicators(user(username), edu)
        with pytest.raises(NotFound):
            indicators.get_indicator(user(username), row.id)
    # finance and the county's leadership read every department's
    assert names(indicators.list_indicators(user("finance"), edu)) == ["改造教室数量"]
    assert names(indicators.list_indicators(user("gov"), edu)) == ["改造教室数量"]


def test_a_level_two_heading_of_another_level_one_is_refused_with_nothing_saved(user):
    wrong = indicators.IndicatorFields("满意度指标", "数量指标", "x", "约等于", "%")
    with pytest.raises(ValidationFailed) as refused:
        indicators.add_indicator(user("finance"), None, wrong)
    details = " ".join(refused.value.details)
    assert "满意度指标之下只能是 服务对象满意度指标" in details
    assert "符号" in details and "三级指标至少 2 个字" in details
    assert db.session.scalar(select(LibraryIndicator.id)) is None


def test_the_same_name_twice_under_one_heading_is_refused(user):
    indicators.add_indicator(user("finance"), None, ACCEPTANCE)
    with pytest.raises(ValidationFailed) as refused:
        indicators.add_indicator(user("finance"), None, ACCEPTANCE)
    assert "质量指标下已有“验收合格率”" in refused.value.details[0]
    # a department may still keep one of that name of its own
    indicators.add_indicator(user("dept"), department("edu"), ACCEPTANCE)


def test_a_deactivated_indicator_is_no_longer_offered_and_can_come_back(user):
    row = indicators.add_indicator(user("finance"), None, ACCEPTANCE)
    indicators.set_indicator_active(user("finance"), row.id, False)
    assert "验收合格率" not in names(indicators.indicators_for_forms(user("unit")))
    listed = indicators.list_indicators(user("finance"), None, include_inactive=True)
    assert [(r.name, r.active) for r in listed] == [("验收合格率", False)]
    indicators.set_indicator_active(user("finance"), row.id, True)
    assert "验收合格率" in names(indicators.indicators_for_forms(user("unit")))


def test_the_library_lists_by_level_and_searches_name_heading_unit_and_standard(user):
    finance = user("finance")
    for fields in (
        indicators.IndicatorFields("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥", "%"),
        indicators.IndicatorFields("效益指标", "社会效益指标", "受益人数", "≥", "人"),
        ACCEPTANCE,
        CLASSROOMS,
    ):
        indicators.add_indicator(finance, None, fields)
    assert names(indicators.list_indicators(finance, None)) == [
        "改造教室数量",
        "验收合格率",
        "受益人数",
        "服务对象满意度",
    ]
    assert names(indicators.list_indicators(finance, None, "社会效益")) == ["受益人数"]
    assert names(indicators.list_indicators(finance, None, "间")) == ["改造教室数量"]
    assert names(indicators.list_indicators(finance, None, "满分")) == ["验收合格率"]
    # what is typed is looked for as typed, not as a LIKE wildcard
    assert names(indicators.list_indicators(finance, None, "%")) == ["验收合格率", "服务对象满意度"]
    assert names(indicators.list_indicators(finance, None, "_")) == []


def test_the_demo_library_covers_every_level_two_heading(user):
    orgs = {org.code: org for org in db.session.scalars(select(Org))}
    seed_indicator_library(orgs)
    common = indicators.list_indicators(user("finance"), None)
    assert len(common) == len(COMMON) >= 30
    headings = {(row.level1, row.level2) for row in common}
    assert headings == {(one, two) for one, twos in INDICATOR_LEVELS.items() for two in twos}
    offered = names(indicators.indicators_for_forms(user("unit")))
    assert {"验收合格率", "按期完成率", "成本控制率", "受益人数", "服务对象满意度"} <= set(offered)
    assert "师生满意度" in offered and "患者满意度" not in offered
    assert "患者满意度" in names(indicators.indicators_for_forms(user("unit2")))
