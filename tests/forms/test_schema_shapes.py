"""Less common schema shapes: local $ref, lists of plain values, radio buttons,
tables inside objects."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from app.forms import (
    FieldError,
    build_form,
    errors_by_field,
    form_spec,
    form_to_data,
    validate_data,
)

SCHEMA = {
    "type": "object",
    "$defs": {"money": {"type": "number", "minimum": 0, "title": "金额"}},
    "properties": {
        "nums": {"type": "array", "title": "数列", "items": {"type": "integer"}},
        "choice": {"enum": ["x", "y"], "title": "单选"},
        "budget": {
            "type": "object",
            "title": "预算",
            "properties": {
                "amount": {"$ref": "#/$defs/money"},
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"q": {"type": "integer", "title": "数量"}},
                    },
                },
            },
        },
    },
}


def test_local_ref_is_followed_for_title_and_input_type(render, parse):
    spec = form_spec(SCHEMA)
    page = parse(render(build_form(spec), spec))
    amount = page.get_element_by_id("budget-amount")
    assert (amount.get("type"), amount.get("min")) == ("number", "0")
    assert "金额" in page.xpath('//label[@for="budget-amount"]')[0].text_content()


def test_radio_widget_renders_one_radio_per_option(render, parse):
    spec = form_spec(SCHEMA, {"choice": {"ui:widget": "radio"}})
    page = parse(render(build_form(spec, data={"choice": "y"}), spec))
    radios = page.xpath('//input[@type="radio"][@name="choice"]')
    assert [(r.get("value"), r.get("checked") is not None) for r in radios] == [
        ("x", False),
        ("y", True),
    ]


def test_list_of_numbers_is_one_per_line_and_errors_land_on_the_list(render, parse, in_a_request):
    spec = form_spec(SCHEMA)
    post = MultiDict(
        [("nums", "1\r\n2\r\nx"), ("budget-amount", "-3"), ("budget-items-0-q", "2.5")]
    )
    form = build_form(spec, post)
    data = form_to_data(spec, form, None)
    assert data == {"nums": [1, 2, "x"], "budget": {"amount": -3, "items": [{"q": 2.5}]}}
    errors = validate_data(SCHEMA, data)
    assert errors == [
        FieldError("/nums/2", "应为整数"),
        FieldError("/budget/amount", "不能小于 0"),
        FieldError("/budget/items/0/q", "应为整数"),
    ]
    assert errors_by_field(errors, spec) == {
        "nums": ["应为整数"],
        "budget-amount": ["不能小于 0"],
        "budget-items-0-q": ["应为整数"],
    }
    page = parse(render(form, spec, errors_by_field(errors, spec)))
    assert page.get_element_by_id("nums-error").text_content() == "应为整数"
    assert page.get_element_by_id("budget-items-0-q").get("aria-invalid") == "true"


def test_schema_defaults_prefill_a_new_form():
    schema = {
        "type": "object",
        "properties": {"year": {"type": "integer", "default": 2025}},
    }
    spec = form_spec(schema)
    assert build_form(spec).year.data == 2025
    assert build_form(spec, data={"year": 2024}).year.data == 2024
