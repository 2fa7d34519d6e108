"""Posted forms become JSON data of the schema's types, judged by jsonschema."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import CombinedMultiDict, FileStorage, MultiDict

from app.forms import (
    FieldError,
    build_form,
    form_spec,
    form_to_data,
    store_files,
    validate_data,
)

# Messages are read as a person reads them, in a request (Chinese by default).
pytestmark = pytest.mark.usefixtures("in_a_request")


def _post(spec, pairs, previous=None):
    form = build_form(spec, MultiDict(pairs), data=previous)
    return form_to_data(spec, form, previous)


def test_numbers_dates_and_booleans_get_json_types(project_spec):
    data = _post(
        project_spec,
        [("title", "校舍维修"), ("total", "120.50"), ("start_date", "2025-03-01"), ("is_new", "y")],
    )
    assert data["total"] == 120.5 and isinstance(data["total"], float)
    assert data["start_date"] == "2025-03-01"
    assert data["is_new"] is True


def test_integral_number_becomes_int_and_unchecked_box_false(project_spec):
    data = _post(project_spec, [("title", "x"), ("total", "100")])
    assert data["total"] == 100 and isinstance(data["total"], int)
    assert data["is_new"] is False


def test_blank_optional_inputs_are_omitted(project_spec):
    data = _post(
        project_spec,
        [
            ("title", "x"),
            ("nature", ""),
            ("start_date", ""),
            ("total", ""),
            ("summary", "  "),
            ("contact-name", ""),
            ("contact-phone", ""),
        ],
    )
    assert not {"nature", "start_date", "total", "summary", "contact"} & data.keys()
    # only the blank first indicator row (minItems 1) is left to complain about
    assert validate_data(project_spec.schema, data) == [FieldError("/indicators/0/name", "必填项")]


def test_blank_required_input_is_reported_as_required(project_spec):
    data = _post(project_spec, [("title", "  "), ("indicators-0-name", "n")])
    assert "title" not in data
    assert FieldError("/title", "必填项") in validate_data(project_spec.schema, data)


def test_text_in_a_number_field_yields_a_type_error_at_that_path(project_spec):
    data = _post(project_spec, [("title", "x"), ("total", "abc"), ("indicators-0-name", "n")])
    assert data["total"] == "abc"
    assert validate_data(project_spec.schema, data) == [FieldError("/total", "应为数字")]


def test_impossible_date_yields_a_date_format_error(project_spec):
    data = _post(
        project_spec, [("title", "x"), ("start_date", "2025-02-30"), ("indicators-0-name", "n")]
    )
    assert validate_data(project_spec.schema, data) == [
        FieldError("/start_date", "日期格式应为 YYYY-MM-DD")
    ]


def test_table_rows_come_back_in_order_with_selected_codes(project_spec):
    data = _post(
        project_spec,
        [
            ("title", "x"),
            ("indicators-0-level1", "产出指标"),
            ("indicators-0-name", "维修面积"),
            ("indicators-0-sign", "≥"),
            ("indicators-0-target", "500"),
            ("indicators-1-level1", "满意度指标"),
            ("indicators-1-name", "满意度"),
            ("indicators-1-sign", ""),
        ],
    )
    assert data["indicators"] == [
        {"level1": "产出指标", "name": "维修面积", "sign": "≥", "target": "500"},
        {"level1": "满意度指标", "name": "满意度"},
    ]
    assert validate_data(project_spec.schema, data) == []


def test_nested_object_fields_are_collected(project_spec):
    data = _post(project_spec, [("title", "x"), ("contact-name", "王"), ("contact-phone", "1")])
    assert data["contact"] == {"name": "王", "phone": "1"}


def test_readonly_field_keeps_previous_value_whatever_is_posted(project_spec):
    previous = {"title": "old", "code": "P-001"}
    data = _post(project_spec, [("title", "new"), ("code", "HACKED")], previous)
    assert data["code"] == "P-001" and data["title"] == "new"
    form = build_form(project_spec, MultiDict([("code", "HACKED")]), data=previous)
    assert form.code.data == "P-001"


def test_wholly_readonly_form_returns_previous_data(project_schema):
    spec = form_spec(project_schema, {"ui:readonly": True})
    previous = {"title": "old"}
    assert _post(spec, [("title", "new")], previous) == previous


def test_integer_choices_come_back_as_integers():
    schema = {
        "type": "object",
        "properties": {
            "grade": {
                "type": "integer",
                "oneOf": [{"const": 1, "title": "优"}, {"const": 2, "title": "良"}],
            },
            "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}},
        },
    }
    spec = form_spec(schema)
    data = _post(spec, [("grade", "2"), ("tags", "a"), ("tags", "c")])
    assert data == {"grade": 2, "tags": ["a", "c"]}


def test_unknown_choice_is_reported_not_dropped():
    schema = {"type": "object", "properties": {"n": {"enum": ["a", "b"]}}}
    spec = form_spec(schema)
    data = _post(spec, [("n", "zzz")])
    assert validate_data(schema, data) == [FieldError("/n", "请从给定选项中选择")]


def _file_spec():
    return form_spec(
        {"type": "object", "properties": {"report": {"type": "string", "format": "data-url"}}}
    )


def test_new_file_comes_back_as_file_storage():
    spec = _file_spec()
    upload = FileStorage(io.BytesIO(b"%PDF"), filename="自评.pdf", name="report")
    formdata = CombinedMultiDict([MultiDict({"report": upload}), MultiDict({"x": "1"})])
    data = form_to_data(spec, build_form(spec, formdata), {"report": "attachment:3/old.pdf"})
    assert data["report"] is upload


def test_no_new_file_keeps_the_stored_attachment():
    spec = _file_spec()
    empty = FileStorage(io.BytesIO(b""), filename="", name="report")
    previous = {"report": "attachment:3/old.pdf"}
    formdata = CombinedMultiDict([MultiDict({"report": empty}), MultiDict({"x": "1"})])
    assert form_to_data(spec, build_form(spec, formdata, previous), previous) == previous


def test_store_files_replaces_uploads_everywhere_with_attachment_references():
    upload = FileStorage(io.BytesIO(b"x"), filename="a.pdf")
    data = {"report": upload, "rows": [{"f": upload}], "n": 1}
    stored = store_files(data, lambda f: f"attachment:9/{f.filename}")
    assert stored == {"report": "attachment:9/a.pdf", "rows": [{"f": "attachment:9/a.pdf"}], "n": 1}
