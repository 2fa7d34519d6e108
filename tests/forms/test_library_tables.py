"""A table whose uischema names a library ("ui:options": {"library": "indicators"}): its
name column suggests the library's entries and a picker lists them under the table; the
form is the same form without them."""

from __future__ import annotations

import pytest

from app.forms import build_form, form_spec

LIBRARY_UI = {"indicators": {"ui:options": {"library": "indicators"}}}
ENTRIES = [
    {
        "library": "共性指标",
        "explanation": "验收合格的工程或货物占全部的比例",
        "fill": {
            "level1": "产出指标",
            "level2": "质量指标",
            "name": "验收合格率",
            "sign": "=",
            "unit": "%",
            "standard": "达到得满分",
            "standard_value": "",
        },
    },
    {
        "library": "本部门个性指标",
        "explanation": "",
        "fill": {
            "level1": "满意度指标",
            "level2": "服务对象满意度指标",
            "name": "师生满意度",
            "sign": "≥",
            "unit": "%",
            "standard": "",
            "standard_value": "",
        },
    },
]


@pytest.fixture
def offered(flask_app):
    """The web layer's `form_library` as the page would have it for a unit."""
    asked = []

    def form_library(name):
        asked.append(name)
        return ENTRIES if name == "indicators" else []

    flask_app.jinja_env.globals["form_library"] = form_library
    return asked


def test_the_name_column_lists_the_library_and_the_picker_lists_its_entries(
    project_schema, render, parse, offered
):
    spec = form_spec(project_schema, LIBRARY_UI)
    page = parse(render(build_form(spec), spec))
    assert offered == ["indicators"]
    name = page.xpath("//input[@name='indicators-0-name']")[0]
    assert name.get("list") == "library-indicators" and name.get("autocomplete") == "off"
    # the blank row the add-row script clones lists it too
    assert page.xpath("//template//input[@name='indicators-__index__-name']/@list") == [
        "library-indicators"
    ]
    options = page.xpath("//datalist[@id='library-indicators']/option")
    assert [o.get("value") for o in options] == ["验收合格率", "师生满意度"]
    assert options[0].get("label") == "产出指标 › 质量指标（%） · 共性指标"
    assert (
        page.xpath("//details[@class='library-picker']/summary")[0].text == "从指标库选择（2 条）"
    )
    picked = page.xpath("//details[@class='library-picker']//tbody/tr/th")
    assert [cell.text for cell in picked] == ["验收合格率", "师生满意度"]
    # the picker sits under the table, outside the rows the add-row script counts
    assert not page.xpath("//div[@data-rows]//details")


def test_without_the_option_a_table_is_drawn_as_before(project_schema, render, parse, offered):
    spec = form_spec(project_schema, {})
    page = parse(render(build_form(spec), spec))
    assert offered == []
    assert page.xpath("//input[@name='indicators-0-name']")[0].get("list") is None
    assert not page.xpath("//datalist") and not page.xpath("//details")


def test_a_read_only_table_offers_no_library(project_schema, render, parse, offered):
    spec = form_spec(project_schema, LIBRARY_UI)
    page = parse(render(build_form(spec), spec, readonly=True))
    assert offered == []
    assert not page.xpath("//datalist") and not page.xpath("//details")


def test_a_host_without_a_library_draws_the_form_without_a_picker(project_schema, render, parse):
    spec = form_spec(project_schema, LIBRARY_UI)
    page = parse(render(build_form(spec), spec))
    assert page.xpath("//input[@name='indicators-0-name']")
    assert not page.xpath("//details")


@pytest.mark.parametrize("library", ["", 'indicators" onclick="x', 3, None])
def test_a_library_name_that_is_no_plain_name_is_ignored(project_schema, library):
    spec = form_spec(project_schema, {"indicators": {"ui:options": {"library": library}}})
    (table,) = [node for node in spec.fields if node.key == "indicators"]
    assert table.library == ""
    assert all("list" not in column.attrs for column in table.children)
