"""forms/relations.py: what belongs together in a form (x-compare), on the data and on
the schema that declares it."""

from __future__ import annotations

import pytest

from app.forms import check_schema
from app.forms.relations import declaration_problems, relation_errors

# Messages are read as a person reads them, in a request (Chinese by default).
pytestmark = pytest.mark.usefixtures("in_a_request")

SCHEMA = {
    "type": "object",
    "properties": {
        "requested": {"type": "number"},
        "approved": {"type": "number"},
        "reason": {"type": "string"},
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
        "rows": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"points": {"type": "number"}, "score": {"type": "number"}},
                "x-compare": [
                    {"field": "score", "op": "<=", "other": "points", "message": "得分不得超过分值"}
                ],
            },
        },
    },
    "x-compare": [
        {
            "field": "approved",
            "op": "<=",
            "other": "requested",
            "unless": "reason",
            "message": "超过申报金额须说明理由",
        },
        {"field": "end", "op": ">=", "other": "start", "message": "完成日期不能早于开始日期"},
    ],
}


@pytest.mark.parametrize(
    ("data", "paths"),
    [
        ({"requested": 80, "approved": 80}, []),
        ({"requested": 80, "approved": 80.01}, ["/approved"]),
        ({"requested": 80, "approved": 90, "reason": "会议决定"}, []),
        ({"requested": 80, "approved": 90, "reason": "   "}, ["/approved"]),
        ({"approved": 90}, []),  # a blank side is required's business
        ({"start": "2027-03-01", "end": "2027-02-28"}, ["/end"]),
        ({"start": "2027-03-01", "end": "2027-03-01"}, []),
        ({"rows": [{"points": 10, "score": 8}, {"points": 10, "score": 11}]}, ["/rows/1/score"]),
        ({"requested": "80", "approved": 90}, []),  # a wrong type is jsonschema's to name
    ],
)
def test_relations_hold_or_name_the_field(data, paths):
    assert [e.path for e in relation_errors(SCHEMA, data)] == paths


def test_the_message_is_the_one_the_schema_gives():
    (error,) = relation_errors(SCHEMA, {"start": "2027-03-01", "end": "2027-01-01"})
    assert error.message == "完成日期不能早于开始日期"


def test_a_relation_naming_no_field_of_its_object_is_refused_at_deployment():
    schema = {
        "type": "object",
        "properties": {"a": {"type": "number"}},
        "x-compare": [{"field": "a", "op": "≤", "other": "b"}],
    }
    problems = declaration_problems(schema)
    assert [where for where, _ in problems] == ["/x-compare/0", "/x-compare/0"]
    assert any("“b”" in message for _, message in problems)
    assert any("比较符" in problem for problem in check_schema(schema))


PARTS = {
    "type": "object",
    "properties": {
        name: {"type": "number"} for name in ("this_year", "carried", "fiscal_total", "other_total")
    },
    "x-compare": [
        {
            "field": ["this_year", "carried"],
            "op": "<=",
            "other": ["fiscal_total", "other_total"],
            "message": "年度资金合计不得超过项目资金总额",
        }
    ],
}


@pytest.mark.parametrize(
    ("data", "paths"),
    [
        ({"this_year": 60, "carried": 40, "fiscal_total": 80, "other_total": 20}, []),
        (
            {"this_year": 60, "carried": 40.01, "fiscal_total": 80, "other_total": 20},
            ["/this_year"],
        ),
        ({"this_year": 101, "fiscal_total": 100}, ["/this_year"]),  # blank parts count nothing
        ({"this_year": 101}, []),  # a blank total is required's business
    ],
)
def test_parts_within_totals_sum_each_side(data, paths):
    errors = relation_errors(PARTS, data)
    assert [e.path for e in errors] == paths
    assert all(e.message == "年度资金合计不得超过项目资金总额" for e in errors)


def test_a_sum_naming_no_field_of_its_object_is_refused_at_deployment():
    schema = {
        **PARTS,
        "x-compare": [{"field": ["this_year", "typo"], "op": "<=", "other": "carried"}],
    }
    assert [m for _, m in declaration_problems(schema)] == ["字段“typo”不在本表单中"]
