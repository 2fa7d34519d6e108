"""The process modeler in Chromium: edit a step in the panel, keep it as a draft, deploy it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

ROOT = Path(__file__).parents[2]
SPIFF_TAG = re.compile(r"<spiffworkflow:(\w+)")

# The title review.schema.json gives itself: the form picker shows it, not the file name.
REVIEW_FORM_TITLE = "审核意见"


def open_modeler(page: Page, key: str) -> None:
    page.goto(f"/admin/modeler/{key}")
    expect(page.locator("[data-modeler].modeler-ready")).to_have_count(1)


def select_element(page: Page, element_id: str, click: bool = True) -> None:
    """Click the shape as a person would, or (lanes under a context pad, thin flows) select
    it through bpmn-js's selection service."""
    if click:
        page.locator(f".djs-element[data-element-id={element_id}]").first.click()
    else:
        page.evaluate(
            """id => {
              const element = window.modeler.get('elementRegistry').get(id);
              window.modeler.get('selection').select(element);
            }""",
            element_id,
        )
    expect(page.locator(".modeler-panel .element-id")).to_have_text(element_id)


def set_field(page: Page, name: str, value: str) -> None:
    control = page.locator(f".modeler-panel [name={name}]")
    control.fill(value)
    control.dispatch_event("change")


def deploy(page: Page) -> None:
    """部署, then confirm in the dialog that shows what the deployment changes."""
    page.click("[data-action=deploy]")
    page.locator("dialog.deploy-confirm [data-action=deploy-confirm]").click()


def test_an_admin_edits_a_step_keeps_the_draft_and_deploys_it_as_v2(page: Page, screenshot, log_in):
    log_in("admin")
    open_modeler(page, "simple_approval")

    # Lanes read as the roles people know; the diagram keeps the codes inside.
    lane_text = page.locator(".djs-element[data-element-id=Lane_finance] .djs-visual text")
    expect(lane_text).to_have_text("财政部门")
    select_element(page, "dept_review")
    panel = page.locator(".modeler-panel")
    expect(panel.locator("[name=form]")).to_have_value("review.schema.json")
    # Forms are picked by their title, the file name small beneath.
    picked = panel.locator("[name=form] option:checked")
    expect(picked).to_have_text(REVIEW_FORM_TITLE)
    expect(panel.locator(".form-links .form-file")).to_have_text("review.schema.json")
    expect(panel.locator("[name=due_days]")).to_have_value("5")
    set_field(page, "name", "部门初审")
    set_field(page, "due_days", "3")
    expect(panel.locator("[name=due_calendar]")).to_have_value("")  # working days
    panel.locator("[name=due_calendar]").select_option("calendar")

    # A lane named by the role's display name shows that role; picking writes the code.
    select_element(page, "Lane_dept", click=False)
    expect(panel.locator("[name=role]")).to_have_value("budget_department")
    # Only roles that hold tasks are offered, by name: no administrators, no codes.
    offered = panel.locator("[name=role] option").all_text_contents()
    assert "预算部门" in offered and "财政部门" in offered
    assert not {"流程管理员", "账号管理员"} & set(offered)
    assert not any("budget_" in label for label in offered)
    panel.locator("[name=role]").select_option("budget_department")

    # The return flow's condition is read back into the builder.
    select_element(page, "flow_return", click=False)
    expect(panel.locator("[name=cond_field]")).to_have_value("decision")
    expect(panel.locator("[name=cond_operator]")).to_have_value("==")
    expect(panel.locator("[name=cond_value]")).to_have_value("return")
    expect(panel.locator("[name=default_flow]")).not_to_be_checked()

    page.click("[data-action=save]")
    expect(page.locator(".modeler-status")).to_contain_text("草稿已保存")

    page.reload()
    expect(page.locator("[data-draft-state]")).to_contain_text("草稿")
    open_modeler(page, "simple_approval")
    select_element(page, "dept_review")
    expect(panel.locator("[name=name]")).to_have_value("部门初审")
    expect(panel.locator("[name=due_days]")).to_have_value("3")
    expect(panel.locator("[name=due_calendar]")).to_have_value("calendar")
    xml = page.evaluate("window.modeler.saveXML().then(r => r.xml)")
    assert 'name="dueIn" value="P3D"' in xml
    assert 'name="dueCalendar" value="calendar"' in xml
    assert 'name="formJsonSchemaFilename" value="review.schema.json"' in xml
    assert '<bpmn:lane id="Lane_dept" name="budget_department">' in xml
    screenshot(page, "modeler")

    page.fill("[name=deploy_comment]", "部门审核改为3天")
    # Deploying shows what changed, property by property, and asks; saying no deploys nothing.
    page.click("[data-action=deploy]")
    dialog = page.locator("dialog.deploy-confirm")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".deploy-confirm-question")).to_contain_text(
        "将“simple_approval”部署为版本 2"
    )
    changed = dialog.locator("tr[data-element=dept_review]")
    expect(changed.locator("li[data-property=name]")).to_have_text("名称：部门审核 → 部门初审")
    expect(changed.locator("li[data-property='property:dueIn']")).to_have_text(
        "办理时限：5个工作日 → 3个工作日"
    )
    expect(changed.locator("li[data-property='property:dueCalendar']")).to_contain_text("自然日")
    screenshot(page, "deploy-confirm")
    dialog.locator("[data-action=deploy-cancel]").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".modeler-status")).to_contain_text("未部署")
    deploy(page)
    expect(page.locator(".modeler-status")).to_contain_text("已部署为版本 2")

    page.goto("/admin/processes/simple_approval/versions")
    row = page.locator('tr[data-version="2"]')
    expect(row).to_contain_text("部门审核改为3天")
    expect(row).to_contain_text("v2")
    screenshot(page, "versions")


def test_lint_findings_are_listed_and_marked_on_the_diagram(page: Page, screenshot, log_in):
    log_in("admin")
    open_modeler(page, "simple_approval")
    # A lane naming no role: only possible by hand, which is what lint is for.
    page.evaluate(
        """() => {
          const lane = window.modeler.get('elementRegistry').get('Lane_finance');
          window.modeler.get('modeling').updateLabel(lane, '不存在的角色');
        }"""
    )
    deploy(page)
    findings = page.locator(".modeler-findings")
    expect(findings).to_be_visible()
    expect(findings.locator('tr[data-element-id="finance_review"]')).to_contain_text("unknown-role")
    expect(page.locator(".djs-element.lint-error[data-element-id=finance_review]")).to_have_count(1)
    expect(page.locator(".modeler-status")).to_contain_text("部署被拒绝")
    screenshot(page, "findings")


def test_a_new_process_starts_with_a_pool_a_budget_unit_lane_and_a_start_event(page: Page, log_in):
    log_in("admin")
    page.goto("/admin/modeler/new")
    expect(page.locator("[data-modeler].modeler-ready")).to_have_count(1)
    select_element(page, "Lane_budget_unit", click=False)
    expect(page.locator(".modeler-panel [name=role]")).to_have_value("budget_unit")
    expect(page.locator(".djs-element[data-element-id=start]")).to_have_count(1)

    select_element(
        page,
        "Participant_"
        + page.evaluate(
            "window.modeler.get('canvas').getRootElement().businessObject.participants[0].processRef.id"
        ),
        click=False,
    )
    set_field(page, "process_key", "special_audit")
    set_field(page, "process_name", "专项审计")
    page.click("[data-action=save]")
    expect(page.locator(".modeler-status")).to_contain_text("草稿已保存")
    assert page.url.endswith("/admin/modeler/special_audit")
    page.goto("/admin/processes")
    expect(page.locator('tr[data-process="special_audit"]')).to_contain_text("未部署")


@pytest.mark.parametrize(
    "key", ["budget_compilation", "midyear_adjustment", "quarterly_monitoring", "annual_evaluation"]
)
def test_the_modeler_writes_back_every_spiffworkflow_extension_it_read(
    page: Page, log_in, real_processes, key
):
    original = (ROOT / "processes" / f"{key}.bpmn").read_text(encoding="utf-8")
    log_in("admin")
    open_modeler(page, key)
    exported = page.evaluate("window.modeler.saveXML().then(r => r.xml)")
    assert sorted(SPIFF_TAG.findall(exported)) == sorted(SPIFF_TAG.findall(original))
    assert exported.count("resultVariable=") == original.count("resultVariable=")


def add_user_task_after(page: Page, source_id: str, lane_id: str, new_id: str) -> None:
    """Drop a user task into a lane, right of `source_id`, and connect source -> task -> the
    source's old target, through bpmn-js's modeling service (dragging from the palette is
    bpmn-js's own behaviour, not ours)."""
    page.evaluate(
        """([sourceId, laneId, newId]) => {
          const modeler = window.modeler;
          const registry = modeler.get('elementRegistry');
          const modeling = modeler.get('modeling');
          const source = registry.get(sourceId);
          const lane = registry.get(laneId);
          const outgoing = source.outgoing[0];
          const target = outgoing.target;
          modeling.removeConnection(outgoing);
          const businessObject = modeler.get('bpmnFactory').create('bpmn:UserTask', { id: newId });
          const task = modeling.createShape(
            { type: 'bpmn:UserTask', businessObject },
            { x: source.x + source.width + 90, y: source.y + source.height / 2 },
            lane
          );
          modeling.moveElements([target], { x: 160, y: 0 });
          modeling.connect(source, task);
          modeling.connect(task, target);
        }""",
        [source_id, lane_id, new_id],
    )


def test_a_step_added_in_the_panel_reaches_the_inbox_of_its_lane_role(
    page: Page, screenshot, log_in, app, user
):
    from app.services.runtime.instances import start_instance
    from app.services.runtime.tasks import complete_task
    from factories import GOOD_TARGETS

    log_in("admin")
    open_modeler(page, "simple_approval")
    add_user_task_after(page, "finance_review", "Lane_finance", "finance_recheck")
    select_element(page, "finance_recheck")
    panel = page.locator(".modeler-panel")
    set_field(page, "name", "财政复核")
    panel.locator("[name=form]").select_option("review.schema.json")
    set_field(page, "due_days", "4")
    select_element(page, "Lane_finance", click=False)
    panel.locator("[name=role]").select_option("finance_bureau")
    select_element(page, "finance_recheck")
    expect(panel.locator("[name=form]")).to_have_value("review.schema.json")
    expect(panel.locator("[name=due_days]")).to_have_value("4")
    expect(page.locator(".djs-element[data-element-id=finance_recheck] text")).to_contain_text(
        "财政复核"
    )
    screenshot(page, "added-step")

    deploy(page)
    expect(page.locator(".modeler-status")).to_contain_text("已部署为版本 2")

    with app.app_context():
        instance, ready = start_instance(user("unit"), "simple_approval", title="复核测试")
        _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
        _, ready = complete_task(user("dept"), ready[0].id, {"decision": "approve"})
        _, ready = complete_task(user("finance"), ready[0].id, {"decision": "approve"})
        assert [t.activity_id for t in ready] == ["finance_recheck"]

    log_in("finance")
    page.goto("/")
    row = page.locator("tr", has_text="复核测试")
    expect(row).to_contain_text("财政复核")
    screenshot(page, "inbox")


def test_a_due_period_in_hours_is_shown_in_words_not_iso(page: Page, log_in):
    log_in("admin")
    open_modeler(page, "simple_approval")
    # A diagram from elsewhere may say PT4H: the day box cannot hold it, the hint says it.
    page.evaluate(
        """() => window.modeler.saveXML().then(r =>
             window.modeler.importXML(r.xml.replace('value="P5D"', 'value="PT4H"')))"""
    )
    select_element(page, "dept_review", click=False)
    hint = page.locator(".modeler-panel .field:has([name=due_days])")
    expect(hint).to_contain_text("4小时")
    expect(hint).not_to_contain_text("PT4H")
