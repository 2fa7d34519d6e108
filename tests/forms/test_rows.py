"""Adding and removing table rows by posting the row buttons (no JavaScript)."""

from __future__ import annotations

import lxml.html
from werkzeug.datastructures import MultiDict

from app.forms import apply_row_action, build_form, form_to_data

ROWS = [
    ("title", "x"),
    ("indicators-0-name", "第一"),
    ("indicators-1-name", "第二"),
    ("indicators-2-name", "第三"),
]


def test_ordinary_submit_is_no_row_action():
    assert apply_row_action(MultiDict(ROWS)) is None


def test_add_row_post_rerenders_with_one_more_blank_row(project_spec, render, parse):
    action = apply_row_action(MultiDict([*ROWS, ("__add_row__", "indicators")]))
    assert (action.kind, action.field, action.index) == ("add", "indicators", 3)
    assert "__add_row__" not in action.formdata
    form = build_form(project_spec, action.formdata)
    page = parse(render(form, project_spec))
    assert len(page.xpath('//*[@id="indicators"]//tbody/tr')) == 4
    assert page.get_element_by_id("indicators-3-name").get("value") == ""
    assert page.get_element_by_id("indicators-2-name").get("value") == "第三"


def test_add_row_to_an_empty_table(project_spec):
    action = apply_row_action(MultiDict([("title", "x"), ("__add_row__", "indicators")]))
    form = build_form(project_spec, action.formdata)
    assert len(form.indicators.entries) == 1


def test_remove_row_post_drops_that_row_and_keeps_the_order(project_spec):
    action = apply_row_action(MultiDict([*ROWS, ("__remove_row__", "indicators-1")]))
    assert (action.kind, action.field, action.index) == ("remove", "indicators", 1)
    form = build_form(project_spec, action.formdata)
    data = form_to_data(project_spec, form, None)
    assert [row["name"] for row in data["indicators"]] == ["第一", "第三"]


def test_malformed_row_button_is_ignored():
    assert apply_row_action(MultiDict([("__remove_row__", "indicators")])) is None
    assert apply_row_action(MultiDict([("__add_row__", "<script>")])) is None


def test_rendered_rows_carry_remove_buttons_and_a_template_for_the_script(
    project_spec, render, parse
):
    form = build_form(project_spec, MultiDict(ROWS))
    page = parse(render(form, project_spec))
    removes = page.xpath('//tbody//button[@name="__remove_row__"]')
    assert [b.get("value") for b in removes] == ["indicators-0", "indicators-1", "indicators-2"]
    box = page.xpath('//*[@data-rows="indicators"]')[0]
    assert box.get("data-next-index") == "3"
    template = lxml.html.tostring(page.xpath("//template")[0], encoding="unicode")
    assert "indicators-__index__-name" in template
    # The script that uses the template is a file of the app's (the CSP runs no inline script).
    assert '<script defer src="/static/form-rows.js"></script>' in render(form, project_spec)
