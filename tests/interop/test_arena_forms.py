"""spiff-arena's forms render as drawn: a JSON Schema without a root type and a
`-uischema.json` in react-jsonschema-form's conventions (ui:order, widgets by their short
or component names, help and placeholders) and spiff-arena's own widgets (typeahead,
date-range, markdown), carried over at deployment (engine/foreign_forms.py)."""

from __future__ import annotations

import re

FEEDBACK = (
    "arena_feedback.bpmn",
    "supplier-feedback.schema.json",
    "supplier-feedback-uischema.json",
)


def _field_order(html: str) -> list[str]:
    """The form's field names in the order the page shows them (first appearance)."""
    names: list[str] = []
    for name in re.findall(r'name="([a-z_]+)"', html):
        if name not in names and name != "csrf_token":
            names.append(name)
    return names


def test_a_spiff_arena_form_shows_its_fields_in_ui_order_with_its_widgets(
    api, deploy, run, client_as, fixture_files
):
    answer = deploy(fixture_files(*FEEDBACK))
    assert answer.status == 201, answer.body
    started = api("unit").post("/processes/arena_feedback/instances", {"title": "评价"})
    assert started.status == 201, started.body
    (task,) = started.body["tasks"]

    page = client_as("unit").get(f"/tasks/{task['id']}")
    assert page.status_code == 200
    html = page.text
    form = html[html.index('class="schema-form"') :]
    # ui:order: rating, summary, details first, the rest ("*") as written, notes last.
    assert _field_order(form) == [
        "rating",
        "summary",
        "details",
        "received_on",
        "service_period",
        "supplier",
        "notes",
    ]
    # rjsf's RadioWidget (its component name) is radio buttons; help and placeholder show.
    assert form.count('name="rating" type="radio"') == 3
    assert 'placeholder="例如：按时交货，质量合格"' in form
    assert "评价将送交财政部门备案" in form
    # textarea by name, spiff-arena's markdown editor as a textarea under its ui:title.
    assert '<textarea id="details" name="details">' in form
    assert re.search(r'<label for="notes">补充说明</label>\s*<textarea id="notes"', form)
    # ui:widget date is a date input; spiff-arena's date range a text input showing the
    # shape of its value; its typeahead a plain text input.
    assert '<input id="received_on" name="received_on" type="date"' in form
    assert 'placeholder="YYYY-MM-DD:::YYYY-MM-DD"' in form
    assert '<input id="supplier" name="supplier" type="text"' in form
    # hidden: shown read-only with its default, never an input the person cannot see.
    assert 'name="batch_ref"' not in form
    assert re.search(r'id="batch_ref-label">批次号</span>\s*<span[^>]*>B-01</span>', form)

    filled = {
        "rating": "good",
        "summary": "按时交货",
        "details": "包装完好",
        "received_on": "2027-03-01",
        "service_period": "2027-03-01:::2027-12-31",
        "supplier": "县办公用品公司",
    }
    late = api("unit").post(
        f"/tasks/{task['id']}/complete", {"data": {**filled, "received_on": "上周"}}
    )
    assert late.status == 422, late.body  # a date field takes a date
    assert late.body["details"] == [{"message": "日期格式应为 YYYY-MM-DD", "path": "/received_on"}]
    (filing,) = run(task, "unit", filled)
    assert filing["activity_id"] == "Activity_file"
    assert run(filing, "finance", {}) == []
    done = api("finance").get(f"/instances/{task['instance_id']}").body
    assert done["status"] == "completed"
    assert done["data"]["service_period"] == "2027-03-01:::2027-12-31"


def test_nested_objects_and_array_items_are_carried_over_too():
    from app.engine.foreign_forms import convert_ui_schema, with_date_formats

    ui = {
        "address": {"street": {"ui:widget": "TextareaWidget"}, "ui:order": ["street"]},
        "rows": {"items": {"when": {"ui:widget": "DateWidget"}, "ref": {"ui:widget": "hidden"}}},
    }
    converted = convert_ui_schema(ui)
    assert converted["address"] == {"street": {"ui:widget": "textarea"}, "ui:order": ["street"]}
    assert converted["rows"]["items"] == {
        "when": {"ui:widget": "date"},
        "ref": {"ui:readonly": True},
    }
    schema = {
        "type": "object",
        "properties": {
            "rows": {
                "type": "array",
                "items": {"type": "object", "properties": {"when": {"type": "string"}}},
            }
        },
    }
    dated = with_date_formats(schema, converted)
    assert dated["properties"]["rows"]["items"]["properties"]["when"] == {
        "type": "string",
        "format": "date",
    }
    assert schema["properties"]["rows"]["items"]["properties"]["when"] == {"type": "string"}
