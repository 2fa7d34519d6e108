"""forms/ownership.py: whatever JSON is posted, a step writes only its own writable
fields, read-only values stay as stored, and approved rows keep their identity."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.forms import form_spec
from app.forms.ownership import ROW_KEY, owned_data, without_row_keys

FORMS = Path(__file__).parents[2] / "forms"


def shipped(name: str):
    schema = json.loads((FORMS / f"{name}.schema.json").read_text())
    ui_path = FORMS / f"{name}.uischema.json"
    ui = json.loads(ui_path.read_text()) if ui_path.exists() else {}
    return form_spec(schema, ui)


REPORT = shipped("monitoring-report")
STORED = {
    "project_code": "JY-2027-001",
    "quarter": 2,
    "adjusted_budget": 100,
    "dept_opinion": "同意",
    "approved_amount": 100,  # a field of no step of this form
    "indicators": [
        {"_row": "1", "name": "维修校舍面积", "sign": "≥", "target": "3000", "code": "A1"},
        {"_row": "2", "name": "师生满意度", "sign": "定性", "target": "满意"},
    ],
}
READ_ONLY = {"project_code", "quarter", "adjusted_budget", "dept_opinion", "project_name"}
ROW_READ_ONLY = {"level1", "level2", "name", "sign", "target", "unit", "period", "standard"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)
field_names = st.sampled_from([*REPORT.order, "approved_amount", "score", ROW_KEY, "x"])
row_names = st.sampled_from(["name", "target", "actual", "likelihood", ROW_KEY, "evil"])
rows = st.lists(
    st.dictionaries(row_names, json_values | st.sampled_from(["1", "2", "3"]), max_size=5),
    max_size=4,
)
posts = st.dictionaries(field_names, json_values, max_size=8).flatmap(
    lambda post: st.builds(lambda r: {**post, "indicators": r}, rows) | st.just(post)
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(posts)
def test_any_post_writes_only_the_steps_own_writable_fields(posted):
    data = owned_data(REPORT.fields, posted, STORED).data
    writable = {n.key for n in REPORT.fields if not n.readonly}
    assert set(data) <= writable | (READ_ONLY & STORED.keys())
    for name in READ_ONLY & STORED.keys():
        assert data[name] == STORED[name], f"{name} is read-only"
    assert "approved_amount" not in data and "score" not in data


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_approved_rows_are_neither_dropped_added_reordered_nor_swapped(posted_rows):
    data = owned_data(REPORT.fields, {"indicators": posted_rows}, STORED).data
    stored_rows = STORED["indicators"]
    assert [r[ROW_KEY] for r in data["indicators"]] == ["1", "2"]
    for row, approved in zip(data["indicators"], stored_rows, strict=True):
        for column in ROW_READ_ONLY & approved.keys():
            assert row[column] == approved[column]
        assert "evil" not in row
    assert data["indicators"][0]["code"] == "A1", "what the form does not show stays"


def test_a_posted_row_answers_the_approved_row_it_names():
    posted = [{"_row": "2", "likelihood": "有可能"}, {"_row": "1", "actual": "1500"}]
    data = owned_data(REPORT.fields, {"indicators": posted}, STORED).data
    assert data["indicators"][0]["actual"] == "1500"
    assert data["indicators"][1]["likelihood"] == "有可能"


def test_rows_without_keys_answer_by_their_position_and_are_given_keys():
    stored = {
        "indicators": [{k: v for k, v in r.items() if k != ROW_KEY} for r in STORED["indicators"]]
    }
    posted = [{"actual": "1500"}, {"likelihood": "确定能"}, {"actual": "extra"}]
    owned = owned_data(REPORT.fields, {"indicators": posted}, stored)
    assert [r[ROW_KEY] for r in owned.data["indicators"]] == ["1", "2"]
    assert owned.data["indicators"][0]["actual"] == "1500"
    assert owned.ignored == ["/indicators/2"]


def test_what_was_not_taken_is_named():
    posted = {"quarter": 4, "approved_amount": 1, "spent": 50, "progress_analysis": "按计划推进"}
    owned = owned_data(REPORT.fields, posted, STORED)
    assert sorted(owned.ignored) == ["/approved_amount", "/quarter"]
    assert owned.data["spent"] == 50 and owned.data["quarter"] == 2


def test_a_read_only_field_posted_back_unchanged_is_not_named():
    owned = owned_data(REPORT.fields, {"quarter": 2, "spent": 10}, STORED)
    assert owned.ignored == []


def test_a_wholly_read_only_form_writes_nothing():
    spec = form_spec(
        {"type": "object", "properties": {"a": {"type": "string"}}}, {"ui:readonly": True}
    )
    owned = owned_data(spec.fields, {"a": "new"}, {"a": "old"}, spec.readonly)
    assert owned.data == {"a": "old"} and owned.ignored == ["/a"]


def test_json_schema_read_only_at_the_root_makes_the_form_read_only():
    spec = form_spec({"type": "object", "readOnly": True, "properties": {"a": {"type": "string"}}})
    assert spec.readonly


def test_free_tables_take_any_rows_but_only_their_declared_columns():
    spec = form_spec(
        {
            "type": "object",
            "properties": {
                "rows": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"n": {"type": "string"}}},
                }
            },
        }
    )
    posted = {"rows": [{"n": "a", "_row": "1", "x": 1}, {"n": "b"}]}
    assert owned_data(spec.fields, posted, {}).data == {"rows": [{"n": "a"}, {"n": "b"}]}


def test_schemas_see_the_data_without_row_keys():
    assert without_row_keys({"t": [{"_row": "1", "a": 1}], "b": 2}) == {"t": [{"a": 1}], "b": 2}
