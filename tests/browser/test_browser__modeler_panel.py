"""The modeler's properties panel beyond names and lanes, and its test run, in Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, ProcessInstance, Task


def open_modeler(page: Page, key: str) -> None:
    page.goto(f"/admin/modeler/{key}")
    expect(page.locator("[data-modeler].modeler-ready")).to_have_count(1)


def select_element(page: Page, element_id: str, click: bool = True) -> None:
    if click:
        page.locator(f".djs-element[data-element-id={element_id}]").first.click()
    else:
        page.evaluate(
            "id => window.modeler.get('selection').select("
            "window.modeler.get('elementRegistry').get(id))",
            element_id,
        )
    expect(page.locator(".modeler-panel .element-id")).to_have_text(element_id)


def set_field(page: Page, name: str, value: str) -> None:
    control = page.locator(f".modeler-panel [name={name}]")
    control.fill(value)
    control.dispatch_event("change")


def exported_xml(page: Page) -> str:
    return page.evaluate("window.modeler.saveXML().then(r => r.xml)")


def row_counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (ProcessInstance, Task, AuditEvent)
        )


def test_a_test_run_steps_through_each_role_and_shows_the_path_taken(
    page: Page, screenshot, log_in, app
):
    before = row_counts(app)
    log_in("admin")
    open_modeler(page, "simple_approval")
    page.click("[data-action=test-run]")
    run = page.locator(".modeler-testrun")
    step = run.locator("form[data-step=fill_targets]")
    expect(step.locator(".testrun-role")).to_contain_text("部门预算单位")
    expect(
        page.locator(".djs-element.testrun-current[data-element-id=fill_targets]")
    ).to_have_count(1)
    step.locator("[name=project_name]").fill("校舍维修改造")
    step.locator("[name=total_amount]").fill("120.5")
    step.locator("[name=annual_goal]").fill("完成三栋教学楼的维修改造")
    step.locator("[name=nature]").select_option(label="一次性")
    # The form is the task page's own: the indicator table has rows and cells, not JSON.
    expect(step.locator("[name=indicators]")).to_have_count(0)
    table = step.locator("table")
    expect(table.first).to_be_visible()
    step.locator("[name='indicators-0-level1']").select_option("产出指标")
    step.locator("[name='indicators-0-name']").fill("维修面积")
    step.locator("[name='indicators-0-sign']").select_option("≥")
    step.locator("[name='indicators-0-target']").fill("3000")
    step.locator("[name='indicators-0-unit']").fill("平方米")
    screenshot(page, "step-form")
    step.locator(".form-buttons button[type=submit]").click()

    review = run.locator("form[data-step=dept_review]")
    expect(review.locator(".testrun-role")).to_contain_text("预算部门")
    # A form the schema refuses is answered inline, and the run stays where it was.
    review.locator("[name=decision]").select_option(label="退回修改")
    review.locator(".form-buttons button[type=submit]").click()
    expect(review.locator(".field:has([name=comment]) .field-error")).to_be_visible()

    review.locator("[name=comment]").fill("请补充指标")
    review.locator(".form-buttons button[type=submit]").click()
    expect(run.locator(".testrun-log li.decision[data-gateway=review_decision]")).to_contain_text(
        "退回修改"
    )
    expect(page.locator(".djs-element.testrun-flow[data-element-id=flow_return]")).to_have_count(1)
    expect(page.locator(".djs-element.testrun-flow[data-element-id=flow_approve]")).to_have_count(0)
    # Back at the first step, prefilled with what the run already holds.
    again = run.locator("form[data-step=fill_targets]")
    expect(again.locator("[name=project_name]")).to_have_value("校舍维修改造")
    screenshot(page, "returned")

    again.locator(".form-buttons button[type=submit]").click()
    review = run.locator("form[data-step=dept_review]")
    review.locator("[name=decision]").select_option(label="通过")
    review.locator(".form-buttons button[type=submit]").click()
    final = run.locator("form[data-step=finance_review]")
    expect(final.locator(".testrun-role")).to_contain_text("财政部门")
    expect(page.locator(".djs-element.testrun-flow[data-element-id=flow_approve]")).to_have_count(1)
    final.locator("[name=decision]").select_option(label="通过")
    final.locator(".form-buttons button[type=submit]").click()
    expect(run.locator(".testrun-status")).to_contain_text("流程已运行到结束")
    expect(page.locator(".djs-element.testrun-visited[data-element-id=end]")).to_have_count(1)
    screenshot(page, "finished")

    assert row_counts(app) == before

    run.locator("[data-action=test-run-stop]").click()
    expect(run).to_be_hidden()
    expect(page.locator(".djs-element.testrun-flow")).to_have_count(0)


def test_service_task_script_task_and_condition_are_edited_in_the_panel(
    page: Page, screenshot, log_in, real_processes
):
    log_in("admin")
    open_modeler(page, "midyear_adjustment")
    panel = page.locator(".modeler-panel")

    # Service task: the operator from the performance module, one input per parameter.
    select_element(page, "decide_route", click=False)
    expect(panel.locator("[name=operator]")).to_have_value("registry_assess_adjustment")
    expect(panel.locator("[name=param_kind]")).to_have_value("kind")
    expect(panel).to_contain_text("备案或审核")  # the operator's own description
    expect(panel).to_contain_text("调用的算子")
    set_field(page, "result_variable", "route_decided")
    panel.locator("[name=operator]").select_option("adjusted_budget")
    expect(panel.locator("[name=param_opening]")).to_have_value("")
    expect(panel.locator("[name=param_addition]")).to_be_visible()
    set_field(page, "param_opening", "opening_budget")
    set_field(page, "param_addition", "addition")
    expect(panel.locator("[name=result_variable]")).to_have_value("route_decided")
    screenshot(page, "service-task")
    xml = exported_xml(page)
    operator = xml[
        xml.index(
            '<spiffworkflow:serviceTaskOperator id="adjusted_budget" resultVariable="route_decided"'
        ) :
    ]
    operator = operator[: operator.index("</spiffworkflow:serviceTaskOperator>")]
    assert '<spiffworkflow:parameter id="opening" type="any" value="opening_budget" />' in operator
    assert '<spiffworkflow:parameter id="addition" type="any" value="addition" />' in operator
    assert "registry_assess_adjustment" not in operator


def test_a_script_is_checked_by_the_sandbox_and_its_problem_shown_inline(
    page: Page, screenshot, log_in, real_processes
):
    log_in("admin")
    open_modeler(page, "budget_compilation")
    panel = page.locator(".modeler-panel")
    select_element(page, "compute_pre_eval_score", click=False)
    expect(panel.locator("[name=script]")).to_have_value(
        "pre_eval_score = score_necessity + score_economy + score_targets"
        " + score_feasibility + score_compliance"
    )
    panel.locator("[data-action=check-script]").click()
    expect(panel.locator(".code-check.code-ok")).to_have_text("沙箱检查通过。")

    set_field(page, "script", "total = 1\nimport os\n")
    panel.locator("[data-action=check-script]").click()
    expect(panel.locator(".code-check.code-problems")).to_contain_text("第 2 行")
    expect(panel.locator(".code-check.code-problems")).to_contain_text("import os")
    screenshot(page, "script-check")
    assert "<bpmn:script>total = 1\nimport os\n</bpmn:script>" in exported_xml(page)

    # Scripts before and after a user task, checked the same way.
    select_element(page, "dept_review", click=False)
    panel.locator("details.task-scripts summary").click()
    set_field(page, "pre_script", "review_round = data.get('review_round', 0) + 1")
    set_field(page, "post_script", "reviewed = True")
    panel.locator("[data-action=check-post_script]").click()
    expect(panel.locator(".code-check.code-ok")).to_have_count(1)
    xml = exported_xml(page)
    task = xml[xml.index('<bpmn:userTask id="dept_review"') :]
    task = task[: task.index("</bpmn:userTask>")]
    assert (
        "<spiffworkflow:preScript>review_round = data.get('review_round', 0) + 1"
        "</spiffworkflow:preScript>" in task
    )
    assert "<spiffworkflow:postScript>reviewed = True</spiffworkflow:postScript>" in task
    assert 'name="formJsonSchemaFilename"' in task  # the properties kept beside them


def test_a_condition_offers_the_fields_of_the_forms_filled_before_its_gateway(
    page: Page, screenshot, log_in
):
    log_in("admin")
    open_modeler(page, "simple_approval")
    panel = page.locator(".modeler-panel")
    select_element(page, "flow_return", click=False)
    field = panel.locator("[name=cond_field]")
    expect(field).to_have_value("decision")
    # Fields of both forms before the gateway: the review and, upstream, the targets.
    expect(field.locator("option[value=decision]")).to_have_count(1)
    expect(field.locator("option[value=project_name]")).to_have_count(1)
    # A field with choices offers them as values.
    expect(panel.locator("select[name=cond_value]")).to_have_value("return")
    panel.locator("select[name=cond_value]").select_option("approve")
    expect(panel.locator("[name=cond_raw]")).to_have_value('decision == "approve"')
    field.select_option("total_amount")
    panel.locator("[name=cond_operator]").select_option(">")
    set_field(page, "cond_value", "100")
    expect(panel.locator("[name=cond_raw]")).to_have_value("total_amount > 100")
    screenshot(page, "condition")
    assert "total_amount &gt; 100</bpmn:conditionExpression>" in exported_xml(page)

    # A raw expression the sandbox refuses is said so at once.
    set_field(page, "cond_raw", "decision ==")
    expect(panel.locator(".code-check.code-problems")).to_be_visible()


def test_a_boundary_timer_and_assignee_field_are_set_in_days_and_by_field(page: Page, log_in):
    log_in("admin")
    open_modeler(page, "simple_approval")
    page.evaluate(
        """() => {
          const modeler = window.modeler;
          const factory = modeler.get('bpmnFactory');
          const task = modeler.get('elementRegistry').get('finance_review');
          const bo = factory.create('bpmn:BoundaryEvent', { id: 'remind_finance' });
          bo.eventDefinitions = [factory.create('bpmn:TimerEventDefinition')];
          bo.cancelActivity = false;
          const shape = modeler.get('elementFactory')
            .createShape({ type: 'bpmn:BoundaryEvent', businessObject: bo });
          const at = { x: task.x + 20, y: task.y + task.height };
          modeler.get('modeling').createShape(shape, at, task, { attach: true });
        }"""
    )
    select_element(page, "remind_finance", click=False)
    set_field(page, "timer_days", "3")
    xml = exported_xml(page)
    assert '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P3D"</bpmn:timeDuration>' in xml
    select_element(page, "dept_review")
    expect(page.locator(".modeler-panel [name=timer_days]")).to_have_count(0)
    select_element(page, "remind_finance", click=False)
    expect(page.locator(".modeler-panel [name=timer_days]")).to_have_value("3")

    select_element(page, "finance_review")
    assignee = page.locator(".modeler-panel [name=assignee_from]")
    options = page.locator(".modeler-panel datalist option")
    expect(options.filter(has=page.locator("xpath=self::*[@value='decision']"))).to_have_count(1)
    assignee.fill("reviewer")
    assignee.dispatch_event("change")
    assert 'name="assigneeFrom" value="reviewer"' in exported_xml(page)
    assignee.fill("not a name")
    assignee.dispatch_event("change")
    expect(page.locator(".modeler-status")).to_contain_text("字段名")
    assert 'name="assigneeFrom" value="reviewer"' in exported_xml(page)


def test_check_marks_findings_and_clicking_one_selects_its_element(page: Page, log_in):
    log_in("admin")
    open_modeler(page, "simple_approval")
    select_element(page, "flow_return", click=False)
    set_field(page, "cond_raw", "import os")
    page.click("[data-action=check]")
    findings = page.locator(".modeler-findings")
    expect(findings.locator('tr[data-element-id="flow_return"]')).to_contain_text("condition")
    expect(page.locator(".djs-element.lint-error[data-element-id=flow_return]")).to_have_count(1)
    expect(page.locator(".modeler-status")).to_contain_text("1 个错误")
    select_element(page, "dept_review")
    findings.locator('tr[data-element-id="flow_return"] button').click()
    expect(page.locator(".modeler-panel .element-id")).to_have_text("flow_return")
    # Nothing was deployed: the process is still at version 1.
    page.goto("/admin/processes/simple_approval/versions")
    expect(page.locator("tr[data-version]")).to_have_count(1)
