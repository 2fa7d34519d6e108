"""Submitted data shown read-only in the instance history."""

from __future__ import annotations

from app.forms import form_spec

DATA = {
    "title": "校舍维修",
    "nature": "经常性",
    "is_new": False,
    "contact": {"name": "王老师"},
    "indicators": [{"level1": "产出指标", "name": "维修面积", "target": "500", "unit": "㎡"}],
}


def _dd(page, title):
    return page.xpath(f'//dt[normalize-space()="{title}"]/following-sibling::dd[1]')[0]


def test_titles_and_values_are_listed(project_spec, render_data, parse):
    page = parse(render_data(project_spec, DATA))
    assert _dd(page, "项目名称").text_content().strip() == "校舍维修"
    assert _dd(page, "是否新增项目").text_content().strip() == "否"
    assert _dd(page, "资金总额（万元）").text_content().strip() == "—"
    assert _dd(page, "姓名").text_content().strip() == "王老师"


def test_table_rows_show_under_column_titles(project_spec, render_data, parse):
    page = parse(render_data(project_spec, DATA))
    table = _dd(page, "绩效指标").xpath(".//table")[0]
    assert [th.text for th in table.xpath(".//th")] == [
        "一级指标",
        "指标名称",
        "符号",
        "指标值",
        "单位",
    ]
    cells = [td.text_content().strip() for td in table.xpath(".//tbody/tr/td")]
    assert cells == ["产出指标", "维修面积", "—", "500", "㎡"]


def test_enum_titles_replace_codes():
    schema = {
        "type": "object",
        "properties": {
            "grade": {"title": "等级", "oneOf": [{"const": "A", "title": "优"}]},
        },
    }
    [item] = form_spec(schema).describe({"grade": "A"})
    assert (item.title, item.text) == ("等级", "优")


def test_attachments_link_through_the_given_url_builder(render_data, parse):
    schema = {
        "type": "object",
        "properties": {"report": {"title": "报告", "type": "string", "format": "data-url"}},
    }
    spec = form_spec(schema)
    data = {"report": "attachment:42/自评报告.pdf"}
    page = parse(render_data(spec, data, lambda ident: f"/attachments/{ident}"))
    link = _dd(page, "报告").xpath(".//a")[0]
    assert (link.get("href"), link.text) == ("/attachments/42", "自评报告.pdf")


def test_attachment_without_a_working_url_builder_shows_its_name(render_data, parse):
    schema = {"type": "object", "properties": {"report": {"title": "报告", "format": "data-url"}}}
    spec = form_spec(schema)

    def broken(ident: str) -> str:
        raise RuntimeError("no such route")

    for builder in (None, broken):
        page = parse(render_data(spec, {"report": "attachment:42/a.pdf"}, builder))
        assert _dd(page, "报告").text_content().strip() == "a.pdf"
        assert not page.xpath("//a")
