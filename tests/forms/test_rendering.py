"""What a person sees when a schema-generated form is rendered."""

from __future__ import annotations

import json
from typing import Any

from app.forms import build_form, form_spec, validate_data


def _label_text(page: Any, for_id: str) -> str:
    return page.xpath(f'//label[@for="{for_id}"]')[0].text_content()


def test_string_renders_text_input_with_label_and_length_limit(project_spec, render, parse):
    page = parse(render(build_form(project_spec), project_spec))
    title = page.get_element_by_id("title")
    assert title.tag == "input" and title.get("type") == "text"
    assert title.get("maxlength") == "100"
    assert "项目名称" in _label_text(page, "title")


def test_required_field_shows_star_and_required_attribute(project_spec, render, parse):
    page = parse(render(build_form(project_spec), project_spec))
    assert page.get_element_by_id("title").get("required") is not None
    star = page.xpath('//label[@for="title"]/span[@class="required"]')
    assert star and star[0].text == "*"
    assert not page.xpath('//label[@for="nature"]/span[@class="required"]')
    assert page.get_element_by_id("nature").get("required") is None


def test_anchored_pattern_becomes_html_pattern(project_schema, render, parse):
    spec = form_spec(project_schema)  # without the example ui schema `code` is writable
    page = parse(render(build_form(spec, data={"code": "JY-1"}), spec))
    assert page.get_element_by_id("code").get("pattern") == "^[A-Z0-9\\-]+$"


def test_a_pattern_the_browser_would_not_compile_is_left_to_the_server(render, parse):
    """HTML compiles `pattern` in the `v` mode, where an unescaped '-' ending a class is an
    error: the browser would drop the check without a word, so it is not put on the page;
    the server still refuses what does not match."""
    schema = {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": "^[A-Z0-9-]+$"}},
    }
    spec = form_spec(schema)
    page = parse(render(build_form(spec), spec))
    assert page.get_element_by_id("code").get("pattern") is None
    assert [e.path for e in validate_data(schema, {"code": "jy 1"})] == ["/code"]


def test_an_empty_read_only_field_is_left_out_and_a_filled_one_shown(project_spec, render, parse):
    empty = parse(render(build_form(project_spec), project_spec))
    assert empty.xpath('//*[@id="code"]') == []
    filled = parse(render(build_form(project_spec, data={"code": "JY-1"}), project_spec))
    assert filled.get_element_by_id("code").text_content() == "JY-1"


def test_unanchored_pattern_is_left_to_the_server(render, parse):
    spec = form_spec({"type": "object", "properties": {"a": {"type": "string", "pattern": "x"}}})
    page = parse(render(build_form(spec), spec))
    assert page.get_element_by_id("a").get("pattern") is None


def test_enum_renders_select_with_blank_choice_and_all_options(project_spec, render, parse):
    page = parse(render(build_form(project_spec), project_spec))
    options = page.xpath('//select[@id="nature"]/option')
    assert [o.get("value") for o in options] == ["", "一次性", "经常性", "阶段性"]


def test_one_of_const_renders_select_with_titles(render, parse):
    schema = {
        "type": "object",
        "properties": {
            "grade": {
                "type": "integer",
                "title": "等级",
                "oneOf": [{"const": 1, "title": "优"}, {"const": 2, "title": "良"}],
            }
        },
    }
    spec = form_spec(schema)
    page = parse(render(build_form(spec, data={"grade": 2}), spec))
    options = page.xpath('//select[@id="grade"]/option')
    assert [(o.get("value"), o.text) for o in options][1:] == [("1", "优"), ("2", "良")]
    assert page.xpath('//select[@id="grade"]/option[@selected]')[0].text == "良"


def test_date_number_boolean_and_textarea_inputs(project_spec, render, parse):
    page = parse(render(build_form(project_spec), project_spec))
    assert page.get_element_by_id("start_date").get("type") == "date"
    total = page.get_element_by_id("total")
    assert (total.get("type"), total.get("min"), total.get("step")) == ("number", "0", "any")
    assert page.get_element_by_id("is_new").get("type") == "checkbox"
    assert page.get_element_by_id("summary").tag == "textarea"


def test_integer_exclusive_bounds_become_min_max(render, parse):
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10}},
    }
    spec = form_spec(schema)
    field = parse(render(build_form(spec), spec)).get_element_by_id("n")
    assert (field.get("min"), field.get("max"), field.get("step")) == ("1", "9", "1")


def test_description_and_ui_help_show_under_the_field(render, parse):
    schema = {
        "type": "object",
        "properties": {"total": {"type": "number", "description": "含财政拨款"}},
    }
    ui = {"total": {"ui:help": "单位：万元", "ui:placeholder": "0.00"}}
    spec = form_spec(schema, ui)
    page = parse(render(build_form(spec), spec))
    help_box = page.get_element_by_id("total-help")
    assert "含财政拨款" in help_box.text_content() and "单位：万元" in help_box.text_content()
    field = page.get_element_by_id("total")
    assert field.get("aria-describedby") == "total-help"
    assert field.get("placeholder") == "0.00"


def test_a_read_only_field_shows_its_value_without_the_help_on_filling_it_in(render, parse):
    schema = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "description": "字母、数字和连字符，例如 JY-2027-001"},
            "total": {"type": "number", "description": "含财政拨款"},
        },
    }
    spec = form_spec(schema, {"code": {"ui:readonly": True, "ui:help": "立项时编定"}})
    page = parse(render(build_form(spec, data={"code": "JY-1", "total": 5}), spec))
    assert page.get_element_by_id("code").text_content() == "JY-1"
    assert page.xpath('//*[@id="code-help"]') == []
    assert "例如" not in page.text_content() and "立项时编定" not in page.text_content()
    assert "含财政拨款" in page.get_element_by_id("total-help").text_content()


def test_nested_object_is_a_fieldset_with_legend(project_spec, render, parse):
    page = parse(render(build_form(project_spec), project_spec))
    fieldset = page.get_element_by_id("contact")
    assert fieldset.tag == "fieldset"
    assert fieldset.xpath("./legend")[0].text_content().strip() == "联系人"
    assert fieldset.xpath('.//input[@name="contact-name"]')[0].get("required") is not None


def test_table_shows_column_titles_and_add_row_button(project_spec, render, parse):
    page = parse(render(build_form(project_spec), project_spec))
    table = page.get_element_by_id("indicators")
    headers = [th.text_content().strip() for th in table.xpath(".//thead/tr/th")]
    assert headers[:5] == ["一级指标", "指标名称 *（必填）", "符号", "指标值", "单位"]
    # minItems 1 on an empty table starts with one blank row
    assert len(table.xpath(".//tbody/tr")) == 1
    add = table.xpath('.//button[@name="__add_row__"]')[0]
    assert add.get("value") == "indicators" and add.get("formnovalidate") is not None


def test_optional_empty_table_has_headers_and_no_rows(render, parse):
    schema = {
        "type": "object",
        "properties": {
            "rows": {
                "type": "array",
                "items": {"type": "object", "properties": {"x": {"title": "X", "type": "string"}}},
            }
        },
    }
    spec = form_spec(schema)
    table = parse(render(build_form(spec), spec)).get_element_by_id("rows")
    assert table.xpath(".//thead/tr/th")[0].text_content().strip() == "X"
    assert table.xpath(".//tbody/tr") == []
    assert table.xpath('.//button[@name="__add_row__"]')


def test_prefill_shows_earlier_data_including_table_rows(project_spec, render, parse):
    data = {
        "title": "校舍维修",
        "nature": "经常性",
        "start_date": "2025-03-01",
        "total": 120.5,
        "is_new": True,
        "contact": {"name": "王老师"},
        "indicators": [
            {"level1": "产出指标", "name": "维修面积", "sign": "≥", "target": "500", "unit": "㎡"},
            {"level1": "满意度指标", "name": "师生满意度", "sign": "≥", "target": "90"},
        ],
    }
    page = parse(render(build_form(project_spec, data=data), project_spec))
    assert page.get_element_by_id("title").get("value") == "校舍维修"
    assert page.xpath('//select[@id="nature"]/option[@selected]')[0].text == "经常性"
    assert page.get_element_by_id("start_date").get("value") == "2025-03-01"
    assert page.get_element_by_id("total").get("value") == "120.5"
    assert page.get_element_by_id("is_new").get("checked") is not None
    assert page.get_element_by_id("contact-name").get("value") == "王老师"
    assert len(page.xpath('//*[@id="indicators"]//tbody/tr')) == 2
    assert page.get_element_by_id("indicators-1-name").get("value") == "师生满意度"
    level = page.xpath('//select[@id="indicators-1-level1"]/option[@selected]')[0]
    assert level.text == "满意度指标"


def test_stored_value_that_does_not_parse_is_shown_as_sent(project_spec, render, parse):
    data = {"total": "abc", "start_date": "2025-13-45"}
    page = parse(render(build_form(project_spec, data=data), project_spec))
    assert page.get_element_by_id("total").get("value") == "abc"
    assert page.get_element_by_id("start_date").get("value") == "2025-13-45"


def test_readonly_field_is_shown_as_text_not_as_a_disabled_input(project_spec, render, parse):
    page = parse(render(build_form(project_spec, data={"code": "X-1"}), project_spec))
    code = page.get_element_by_id("code")
    assert code.tag == "span" and code.text_content() == "X-1"
    assert not page.xpath('//input[@name="code"]')


def test_whole_form_readonly_shows_text_and_hides_row_buttons(project_schema, render, parse):
    spec = form_spec(project_schema, {"ui:readonly": True})
    data = {"title": "t", "indicators": [{"name": "n"}]}
    page = parse(render(build_form(spec, data=data), spec))
    assert not page.xpath("//input[not(@type='hidden')] | //select | //textarea")
    assert page.get_element_by_id("title").text_content() == "t"
    assert "n" in [s.text_content() for s in page.xpath('//span[@class="readonly-value"]')]
    assert not page.xpath('//button[@name="__add_row__" or @name="__remove_row__"]')


def test_readonly_argument_of_the_macro_shows_a_normal_form_read_only(project_spec, render, parse):
    page = parse(render(build_form(project_spec), project_spec, readonly=True))
    assert page.get_element_by_id("title").tag == "span"
    assert not page.xpath('//input[@name="title"]')


def test_read_only_rates_and_amounts_read_as_people_write_them(render, parse):
    schema = {
        "type": "object",
        "properties": {
            "execution_rate": {"type": "number", "title": "预算执行率"},
            "time_progress": {"type": "number", "title": "序时进度"},
            "total": {"type": "number", "title": "项目资金总额（万元）"},
            "score": {"type": "number", "title": "得分"},
        },
    }
    spec = form_spec(schema, {"ui:readonly": True})
    data = {"execution_rate": 0.02666666666666667, "time_progress": 0.25, "total": 1234.5}
    page = parse(render(build_form(spec, data={**data, "score": 10.6666}), spec))
    shown = {key: page.get_element_by_id(key).text_content() for key in [*data, "score"]}
    assert shown == {
        "execution_rate": "2.7%",
        "time_progress": "25.0%",
        "total": "1,234.50",
        "score": "10.67",
    }


def test_long_text_gets_a_box_that_wraps(render, parse):
    schema = {
        "type": "object",
        "properties": {
            "summary": {"type": "string", "maxLength": 2000},
            "name": {"type": "string", "maxLength": 100},
        },
    }
    spec = form_spec(schema)
    page = parse(render(build_form(spec), spec))
    assert page.get_element_by_id("summary").tag == "textarea"
    assert page.get_element_by_id("name").tag == "input"


def test_ui_order_with_wildcard_orders_fields(render, parse):
    schema = {
        "type": "object",
        "properties": {k: {"type": "string"} for k in ("a", "b", "c", "d")},
    }
    spec = form_spec(schema, {"ui:order": ["c", "*", "a"]})
    names = [e.get("name") for e in parse(render(build_form(spec), spec)).xpath("//input")]
    assert names == ["c", "b", "d", "a"]
    assert spec.order == ("c", "b", "d", "a")


def test_ui_order_applies_inside_table_rows(project_schema, render, parse):
    ui = {"indicators": {"items": {"ui:order": ["name", "*"]}}}
    spec = form_spec(project_schema, ui)
    page = parse(render(build_form(spec), spec))
    headers = [th.text_content().strip() for th in page.xpath('//*[@id="indicators"]//th')]
    assert headers[0].startswith("指标名称")


def test_array_of_enum_strings_is_multi_select_or_checkboxes(render, parse):
    schema = {
        "type": "object",
        "properties": {
            "reasons": {
                "type": "array",
                "title": "偏差原因",
                "items": {"type": "string", "enum": ["经费", "制度", "人员"]},
            }
        },
    }
    spec = form_spec(schema)
    page = parse(render(build_form(spec, data={"reasons": ["制度"]}), spec))
    select = page.get_element_by_id("reasons")
    assert select.tag == "select" and select.get("multiple") is not None
    assert [o.text for o in select.xpath("./option[@selected]")] == ["制度"]

    spec = form_spec(schema, {"reasons": {"ui:widget": "checkboxes"}})
    page = parse(render(build_form(spec, data={"reasons": ["制度"]}), spec))
    boxes = page.xpath('//input[@type="checkbox"][@name="reasons"]')
    assert [b.get("value") for b in boxes] == ["经费", "制度", "人员"]
    assert [b.get("value") for b in boxes if b.get("checked") is not None] == ["制度"]


def test_data_url_string_is_a_file_input_showing_the_stored_file(render, parse):
    schema = {
        "type": "object",
        "required": ["report"],
        "properties": {"report": {"type": "string", "format": "data-url", "title": "报告"}},
    }
    spec = form_spec(schema)
    assert spec.has_files
    page = parse(render(build_form(spec), spec))
    assert page.get_element_by_id("report").get("type") == "file"
    assert page.get_element_by_id("report").get("required") is not None
    page = parse(render(build_form(spec, data={"report": "attachment:7/自评.pdf"}), spec))
    assert page.get_element_by_id("report").get("required") is None
    assert "自评.pdf" in page.xpath('//*[@class="current-file"]')[0].text_content()


def test_a_read_only_attachment_is_its_file_name_not_a_disabled_file_input(render, parse):
    schema = {
        "type": "object",
        "properties": {"report": {"type": "string", "format": "data-url", "title": "报告"}},
    }
    spec = form_spec(schema, {"report": {"ui:readonly": True}})
    page = parse(render(build_form(spec, data={"report": "attachment:7/自评.pdf"}), spec))
    report = page.get_element_by_id("report")
    assert report.tag == "span" and report.text_content() == "自评.pdf"
    assert not page.xpath("//input[@type='file']")


def test_the_form_tells_the_page_what_belongs_together(render, parse):
    """The rules the server judges by ride along for static/form-rules.js: the root's on
    the form, a table's on its rows; a read-only form carries none."""
    schema = {
        "type": "object",
        "properties": {
            "start": {"type": "string", "format": "date"},
            "end": {"type": "string", "format": "date"},
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"a": {"enum": ["x", "y"]}, "b": {"enum": ["1", "2"]}},
                    "if": {"properties": {"a": {"const": "x"}}, "required": ["a"]},
                    "then": {"properties": {"b": {"enum": ["1"]}}},
                },
            },
        },
        "x-compare": [{"field": "end", "op": ">=", "other": "start", "message": "晚于开始"}],
    }
    spec = form_spec(schema)
    page = parse(render(build_form(spec), spec))
    (form,) = page.xpath("//div[@data-form-rules]")
    assert json.loads(form.get("data-form-rules"))["compare"][0]["message"] == "晚于开始"
    (rows,) = page.xpath("//div[@data-row-rules]")
    (when,) = json.loads(rows.get("data-row-rules"))["when"]
    assert when == {"if": {"field": "a", "in": ["x"]}, "field": "b", "enum": ["1"], "message": ""}
    assert page.xpath("//script[contains(@src, 'form-rules.js')]")
    readonly = form_spec(schema, {"ui:readonly": True})
    page = parse(render(build_form(readonly), readonly))
    assert not page.xpath("//*[@data-form-rules or @data-row-rules]")


def test_errors_show_next_to_fields_and_in_a_summary(project_spec, render, parse):
    errors = {"title": ["必填项"], "indicators-0-name": ["必填项"], "": ["整体错误"]}
    page = parse(render(build_form(project_spec), project_spec, errors))
    title = page.get_element_by_id("title")
    assert title.get("aria-invalid") == "true"
    assert page.get_element_by_id("title-error").text_content() == "必填项"
    assert page.get_element_by_id("title-error").get("class") == "field-error"
    assert page.get_element_by_id("indicators-0-name").get("aria-invalid") == "true"
    summary = page.xpath('//*[@class="form-errors"]')[0].text_content()
    assert "整体错误" in summary
    assert "项目名称：必填项" in summary
    assert "绩效指标 第1行 指标名称：必填项" in summary


def test_error_on_unknown_path_is_shown_at_the_top(project_spec, render, parse):
    page = parse(render(build_form(project_spec), project_spec, {"nowhere-1": ["多余的属性"]}))
    assert "多余的属性" in page.xpath('//*[@class="form-errors"]')[0].text_content()
    assert not page.xpath('//*[@class="field-error"]')
