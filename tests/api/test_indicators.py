"""GET /api/v1/indicators: the library a client fills target rows from — the 共性指标 and
the caller's department's (or a named department's) 个性指标, as the document says."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Org
from app.services.demo.indicators import seed_indicator_library


@pytest.fixture(autouse=True)
def library(app):
    seed_indicator_library({org.code: org for org in db.session.scalars(select(Org))})
    db.session.commit()


def names(answer) -> list[str]:
    return [row["name"] for row in answer.body]


def test_a_unit_gets_the_common_library_then_its_departments_own(api, conforms):
    answer = api("unit").get("/indicators")
    assert answer.status == 200
    conforms("/indicators", "get", answer)
    libraries = [row["library"] for row in answer.body]
    assert libraries == sorted(libraries)  # "common" rows first, then "department"
    acceptance = next(row for row in answer.body if row["name"] == "验收合格率")
    assert acceptance | {"id": 0} == {
        "id": 0,
        "library": "common",
        "department_id": None,
        "level1": "产出指标",
        "level2": "质量指标",
        "name": "验收合格率",
        "sign": "=",
        "unit": "%",
        "scoring_standard": "达到指标值得满分；每低1个百分点扣分值的10%，扣完为止",
        "standard_value": "行业标准",
        "explanation": "验收合格的工程或货物占全部的比例",
    }
    assert "师生满意度" in names(answer) and "患者满意度" not in names(answer)
    assert names(answer)[:4] == ["新建（改扩建）面积", "改造面积", "设备购置数量", "培训人次"]


def test_finance_names_a_department_and_a_search_narrows_the_list(api, conforms):
    answer = api("finance").get("/indicators", department="health", q="满意度")
    assert answer.status == 200
    conforms("/indicators", "get", answer)
    assert names(answer) == [
        "服务对象满意度",
        "受益群众满意度",
        "社会公众满意度",
        "患者满意度",
        "签约居民满意度",
    ]


def test_another_departments_own_library_is_not_found(api, conforms):
    answer = api("unit2").get("/indicators", department="edu")
    assert answer.status == 404 and answer.error == "not_found"
    conforms("/indicators", "get", answer)
    missing = api("unit").get("/indicators", department="no-such-org")
    assert missing.status == 404
