"""jsonschema decides validity; errors carry paths and Chinese messages."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.forms import (
    FieldError,
    FormSchemaError,
    check_schema,
    errors_by_field,
    form_spec,
    validate_data,
)

# Messages are read as a person reads them, in a request (Chinese by default).
pytestmark = pytest.mark.usefixtures("in_a_request")

VALID = {
    "title": "校舍维修",
    "indicators": [{"name": "维修面积", "sign": "≥", "target": "500"}],
}


def test_valid_data_has_no_errors(project_schema):
    assert validate_data(project_schema, VALID) == []


def test_missing_required_properties_point_at_the_missing_field(project_schema):
    errors = validate_data(project_schema, {"contact": {}, "indicators": [{"target": "1"}]})
    assert set(errors) == {
        FieldError("/title", "必填项"),
        FieldError("/contact/name", "必填项"),
        FieldError("/indicators/0/name", "必填项"),
    }


@pytest.mark.parametrize(
    ("patch", "path", "message"),
    [
        ({"title": "长" * 101}, "/title", "不能超过 100 个字符"),
        ({"code": "abc"}, "/code", "格式不正确"),
        ({"nature": "偶尔"}, "/nature", "请从给定选项中选择"),
        ({"total": -1}, "/total", "不能小于 0"),
        ({"total": "many"}, "/total", "应为数字"),
        ({"start_date": "2025/01/01"}, "/start_date", "日期格式应为 YYYY-MM-DD"),
        ({"is_new": "yes"}, "/is_new", "应为是或否"),
        ({"indicators": []}, "/indicators", "至少需要 1 项"),
    ],
)
def test_common_errors_have_chinese_messages(project_schema, patch, path, message):
    assert validate_data(project_schema, {**VALID, **patch}) == [FieldError(path, message)]


def test_an_english_reader_reads_the_same_errors_in_english(project_schema):
    with force_locale("en"):
        errors = validate_data(
            project_schema,
            {**VALID, "title": "长" * 101, "total": "many", "is_new": "yes", "indicators": []},
        )
        missing = validate_data(project_schema, {**VALID, "title": " "})
    assert sorted(errors, key=lambda e: e.path) == [
        FieldError("/indicators", "At least 1 items are needed."),
        FieldError("/is_new", "It should be yes or no."),
        FieldError("/title", "At most 100 characters are allowed."),
        FieldError("/total", "It should be a number."),
    ]
    assert missing == [FieldError("/title", "This field is required.")]


def test_error_inside_a_table_row_has_the_row_path(project_schema):
    data = {**VALID, "indicators": [VALID["indicators"][0], {"name": "x", "sign": "约等于"}]}
    assert validate_data(project_schema, data) == [
        FieldError("/indicators/1/sign", "请从给定选项中选择")
    ]


def test_unmapped_keyword_falls_back_to_jsonschema_message():
    schema = {"type": "object", "properties": {}, "additionalProperties": False}
    [error] = validate_data(schema, {"x": 1})
    assert error.path == "" and "x" in error.message


def test_exclusive_bounds_messages():
    schema = {"type": "object", "properties": {"r": {"exclusiveMinimum": 0, "exclusiveMaximum": 1}}}
    assert validate_data(schema, {"r": 0}) == [FieldError("/r", "必须大于 0")]
    assert validate_data(schema, {"r": 1}) == [FieldError("/r", "必须小于 1")]


def test_errors_by_field_maps_paths_to_field_names():
    errors = [
        FieldError("/indicators/1/target", "必填项"),
        FieldError("/contact/name", "必填项"),
        FieldError("/title", "必填项"),
        FieldError("/title", "不能超过 100 个字符"),
        FieldError("", "整体错误"),
    ]
    assert errors_by_field(errors) == {
        "indicators-1-target": ["必填项"],
        "contact-name": ["必填项"],
        "title": ["必填项", "不能超过 100 个字符"],
        "": ["整体错误"],
    }


def test_errors_by_field_with_spec_moves_item_errors_to_their_field():
    schema = {
        "type": "object",
        "properties": {"tags": {"type": "array", "items": {"enum": ["a"]}}},
    }
    spec = form_spec(schema)
    errors = validate_data(schema, {"tags": ["a", "b"], "extra": 1})
    errors.append(FieldError("/nowhere", "?"))
    assert errors_by_field(errors, spec) == {"tags": ["请从给定选项中选择"], "": ["?"]}


def test_check_schema_accepts_the_example(project_schema):
    assert check_schema(project_schema) == []


def test_check_schema_names_an_unknown_type():
    problems = check_schema({"type": "object", "properties": {"a": {"type": "strang"}}})
    assert len(problems) == 1
    assert problems[0].startswith("/properties/a/type:") and "strang" in problems[0]


def test_check_schema_names_a_bad_keyword_value_and_missing_root_object():
    problems = check_schema({"minLength": "x"})
    assert any(p.startswith("/minLength:") and "integer" in p for p in problems)
    assert any("type" in p and "object" in p for p in problems)
    assert any("properties" in p for p in problems)


def test_check_schema_rejects_names_that_cannot_be_fields():
    problems = check_schema(
        {"type": "object", "properties": {"start-date": {}, "data": {}, "项目名称": {}}}
    )
    assert len(problems) == 2
    assert any("/properties/start-date" in p for p in problems)
    assert any("/properties/data" in p for p in problems)


def test_form_spec_refuses_an_invalid_schema():
    with pytest.raises(FormSchemaError) as caught:
        form_spec({"type": "object", "properties": {"a": {"type": "strang"}}})
    assert "strang" in str(caught.value)


def test_form_spec_is_cached_per_schema_and_ui(project_schema):
    first = form_spec(project_schema, {"summary": {"ui:widget": "textarea"}})
    copy = {key: project_schema[key] for key in reversed(list(project_schema))}
    again = form_spec(copy, {"summary": {"ui:widget": "textarea"}})
    assert again is first and again.form_class is first.form_class
    assert form_spec(project_schema).form_class is not first.form_class


@pytest.mark.parametrize(
    ("amount", "ok"), [(19.99, True), (0.07, True), (120.5, True), (2.675, False)]
)
def test_amounts_in_wan_yuan_take_two_decimals_counted_in_decimal(amount, ok):
    schema = {"type": "object", "properties": {"a": {"type": "number", "multipleOf": 0.01}}}
    errors = validate_data(schema, {"a": amount})
    assert (errors == []) is ok, errors
    if not ok:
        assert errors[0].path == "/a" and "0.01" in errors[0].message


def test_required_text_of_only_spaces_is_missing():
    schema = {
        "type": "object",
        "required": ["goal"],
        "properties": {"goal": {"type": "string", "minLength": 2}},
    }
    assert [(e.path, e.message) for e in validate_data(schema, {"goal": " \u3000 "})] == [
        ("/goal", "必填项")
    ]
