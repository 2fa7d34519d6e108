"""The modeler panel's endpoints: operators, script and diagram checks, and the test run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, ProcessInstance, Project, ProjectEvent, Task
from factories import GOOD_TARGETS
from html_page import one, parse

FIXTURES = Path(__file__).parents[1] / "fixtures"
BPMN = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")

# A review whose decision a gateway reads, a registry write on the approve path, and a
# script on the other: what a test run must run, stand in for, and report.
GATEWAY_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="trial" name="试运行" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="Lane_dept" name="budget_department">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gw</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>record</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>note</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end_ok</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end_no</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="review.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gw" name="结论" default="f_no">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f_ok</bpmn:outgoing><bpmn:outgoing>f_no</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:serviceTask id="record" name="登记">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="registry_record_exclusion" resultVariable="recorded">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="project_code" type="any" value='"JY-1"' />
            <spiffworkflow:parameter id="fiscal_year" type="any" value="2027" />
            <spiffworkflow:parameter id="reason" type="any" value='data.get("comment", "")' />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f_ok</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:scriptTask id="note" name="记录" scriptFormat="python">
      <bpmn:incoming>f_no</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>noted = "returned: " + decision</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end_ok"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_no"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="gw" />
    <bpmn:sequenceFlow id="f_ok" name="通过" sourceRef="gw" targetRef="record">
      <bpmn:conditionExpression>decision == "approve"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" name="退回" sourceRef="gw" targetRef="note" />
    <bpmn:sequenceFlow id="f3" sourceRef="record" targetRef="end_ok" />
    <bpmn:sequenceFlow id="f4" sourceRef="note" targetRef="end_no" />
  </bpmn:process>
</bpmn:definitions>
"""

ENDPOINTS = [
    ("get", "/admin/modeler/operators", None),
    ("post", "/admin/modeler/check-script", {"script": "x = 1"}),
    ("post", "/admin/modeler/simple_approval/test-run", {"xml": BPMN}),
    ("post", "/admin/modeler/simple_approval/test-run/step", {"xml": BPMN, "token": "x"}),
]


def counts() -> tuple[int, ...]:
    db.session.rollback()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (ProcessInstance, Task, AuditEvent, Project, ProjectEvent)
    )


def start(client, xml: str = GATEWAY_BPMN, key: str = "trial"):
    return client.post(f"/admin/modeler/{key}/test-run", json={"xml": xml})


def step(client, answer: dict, data: dict, xml: str = GATEWAY_BPMN, key: str = "trial", n=0):
    return client.post(
        f"/admin/modeler/{key}/test-run/step",
        json={
            "xml": xml,
            "token": answer["token"],
            "task_id": answer["ready"][n]["task_id"],
            "data": data,
        },
    )


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize("username", ["dept", "finance"])
def test_panel_endpoints_are_for_process_administrators_only(
    client, login, method, path, body, username
):
    login(username)
    answer = getattr(client, method)(path, json=body)
    assert answer.status_code == 403


def test_the_operator_list_names_each_parameter_and_what_the_operator_does(client, login):
    login("admin")
    operators = {op["name"]: op for op in client.get("/admin/modeler/operators").json}
    adjusted = operators["adjusted_budget"]
    assert [p["name"] for p in adjusted["parameters"]] == ["opening", "addition", "reduction"]
    assert adjusted["parameters"][0]["required"] is True
    assert adjusted["parameters"][1] == {
        "name": "addition",
        "required": False,
        "default": "0",
        "type": "Any",
    }
    # What it does in the reader's language only: Chinese here, English after the switch.
    assert adjusted["description"] == "调整预算数 = 年初预算 + 追加 − 追减"
    assert adjusted["kind"] == "compute"
    english = {op["name"]: op for op in client.get("/admin/modeler/operators?lang=en").json}
    assert english["adjusted_budget"]["description"] == (
        "Adjusted budget = opening + addition − reduction."
    )
    assert english["registry_lookup"]["description"] == (
        "A project's registry record, for gateways and prefill."
    )
    # The threshold parameter the operator fills itself is not offered.
    assert "t" not in [p["name"] for p in operators["is_low_performing"]["parameters"]]
    assert operators["registry_lookup"]["kind"] == "registry-read"
    assert operators["registry_record_exclusion"]["kind"] == "registry-write"
    assert operators["registry_record_exclusion"]["description"] == "登记未予安排预算的项目及原因"


def test_the_modeler_page_carries_operators_and_form_fields(client, login):
    login("admin")
    page = client.get("/admin/modeler/simple_approval").text
    config = json.loads(one(parse(page), "script#modeler-config").text)
    assert "adjusted_budget" in [op["name"] for op in config["operators"]]
    decision = config["formFields"]["review.schema.json"][0]
    assert decision["name"] == "decision"
    assert decision["options"] == [
        {"value": "approve", "label": "通过"},
        {"value": "return", "label": "退回修改"},
    ]
    assert "project-targets.uischema.json" not in config["formFields"]
    # each user task's form links to the form editor, and "new form" to the forms list
    assert config["formEditorUrl"] == "/admin/forms/__FORM__"
    assert config["newFormUrl"] == "/admin/forms"


def test_a_good_script_passes_the_check(client, login):
    login("admin")
    answer = client.post(
        "/admin/modeler/check-script", json={"script": "total = a + b\nok = total > 3"}
    )
    assert answer.status_code == 200 and answer.json == {"ok": True, "findings": []}


def test_a_bad_script_is_answered_with_its_line_and_problem(client, login):
    login("admin")
    answer = client.post(
        "/admin/modeler/check-script", json={"script": "x = 1\nimport os\ny = x.__class__"}
    )
    assert answer.json["ok"] is False
    lines = {f["line"]: f["message"] for f in answer.json["findings"]}
    assert "import os" in lines[2] and "__class__" in lines[3]
    condition = client.post(
        "/admin/modeler/check-script", json={"script": "decision ==", "mode": "eval"}
    )
    assert condition.json["ok"] is False and condition.json["findings"][0]["line"] == 1


@pytest.mark.parametrize(
    ("body", "problem"),
    [({"script": "x = 1", "mode": "run"}, "mode"), ({"script": 5}, "script 必须是文本")],
)
def test_a_malformed_check_request_names_the_problem(client, login, body, problem):
    login("admin")
    answer = client.post("/admin/modeler/check-script", json=body)
    assert answer.status_code == 400 and problem in answer.json["message"]


def test_check_lints_the_diagram_without_deploying(client, login):
    login("admin")
    bad = BPMN.replace('name="finance_bureau"', 'name="nobody"').replace(
        'decision == "return"', "import os"
    )
    answer = client.post("/admin/modeler/simple_approval/check", data=bad.encode())
    found = {(f["element_id"], f["code"]) for f in answer.json["findings"]}
    assert ("flow_return", "condition") in found
    clean = client.post(
        "/admin/modeler/simple_approval/check",
        data=BPMN.replace("review.schema.json", "missing.schema.json").encode(),
    )
    assert {(f["element_id"], f["code"]) for f in clean.json["findings"]} == {
        ("dept_review", "form-missing"),
        ("finance_review", "form-missing"),
    }
    versions = client.get("/admin/processes/simple_approval/versions").text
    assert versions.count("data-version=") == 1


def test_check_judges_a_camunda_diagram_as_a_deployment_would_convert_it(client, login):
    """Lane-less tasks with candidate groups and JUEL conditions are no errors in the
    modeler when the deployment would route and convert them."""
    login("admin")
    camunda = Path(__file__).parents[1] / "fixtures" / "foreign" / "camunda7_purchase.bpmn"
    answer = client.post("/admin/modeler/c7_purchase/check", data=camunda.read_bytes())
    unrouted = {f["element_id"] for f in answer.json["findings"] if f["code"] == "lane-missing"}
    # Only the step the author left to the deployer's default role; the rest are routed.
    assert unrouted == {"Activity_archive"}
    assert "condition" not in {f["code"] for f in answer.json["findings"]}


def test_a_test_run_takes_the_path_the_data_chooses_and_writes_nothing(client, login):
    before = counts()
    login("admin")
    first = start(client).json
    assert first["visited"] == ["start"] and first["flows"] == ["f1"]
    assert [t["activity_id"] for t in first["ready"]] == ["review"]
    assert first["ready"][0]["role"] == "budget_department"
    assert first["ready"][0]["role_name"] == "预算部门"
    assert [f["name"] for f in first["ready"][0]["fields"]] == ["decision", "comment"]

    approved = step(client, first, {"decision": "approve"}).json
    assert approved["finished"] is True
    assert approved["flows"] == ["f2", "f_ok", "f3"]
    assert approved["decisions"] == [{"gateway": "gw", "flows": [{"id": "f_ok", "name": "通过"}]}]
    assert approved["stand_ins"] == ["registry_record_exclusion"]
    assert approved["data"]["recorded"]["recorded"] is False

    returned = step(client, first, {"decision": "return", "comment": "补充材料"}).json
    assert returned["flows"] == ["f2", "f_no", "f4"]
    assert returned["data"]["noted"] == "returned: return"
    assert returned["visited"] == ["review", "gw", "note", "end_no"]
    assert counts() == before


def test_a_test_run_loops_back_and_prefills_what_the_run_holds(client, login):
    login("admin")
    first = start(client, BPMN, "simple_approval").json
    second = step(client, first, GOOD_TARGETS, BPMN, "simple_approval").json
    back = step(
        client, second, {"decision": "return", "comment": "请补充"}, BPMN, "simple_approval"
    ).json
    assert "flow_return" in back["flows"] and "flow_approve" not in back["flows"]
    assert back["ready"][0]["activity_id"] == "fill_targets"
    assert back["ready"][0]["prefill"]["project_name"] == GOOD_TARGETS["project_name"]


def test_a_step_the_form_refuses_is_answered_422_and_the_run_stays(client, login):
    login("admin")
    first = start(client).json
    refused = step(client, first, {"decision": "return"})
    assert refused.status_code == 422
    assert refused.json["details"] == [
        {"path": "/comment", "message": refused.json["details"][0]["message"]}
    ]
    # The same token still works: nothing moved.
    assert step(client, first, {"decision": "approve"}).json["finished"] is True


def test_a_forged_or_stale_test_run_is_refused(client, login):
    login("admin")
    first = start(client).json
    forged = dict(first, token=first["token"][:-2] + "xx")
    assert step(client, forged, {"decision": "approve"}).status_code == 400
    changed = GATEWAY_BPMN.replace('name="审核"', 'name="复核"')
    stale = step(client, first, {"decision": "approve"}, xml=changed)
    assert stale.status_code == 400 and "图在试运行期间被修改" in stale.json["message"]
    other = dict(first, ready=[{"task_id": "not-a-task"}])
    assert step(client, other, {"decision": "approve"}).status_code == 400


def test_a_diagram_with_errors_is_not_test_run_and_its_findings_come_back(client, login):
    login("admin")
    answer = start(client, GATEWAY_BPMN.replace("budget_department", "nobody"))
    assert answer.status_code == 400
    errors = {f["code"] for f in answer.json["findings"] if f["severity"] == "error"}
    assert errors == {"unknown-role"}
    wrong_key = start(client, GATEWAY_BPMN, key="other")
    assert wrong_key.status_code == 400 and "trial" in wrong_key.json["message"]


def test_a_flow_back_to_the_step_just_done_is_not_shown_taken_when_the_run_went_on(client, login):
    """The return flow's source (the gateway) ran and its target (the review) ran too,
    but before the gateway: only the flow forward was taken."""
    login("admin")
    looping = GATEWAY_BPMN.replace(
        '<bpmn:sequenceFlow id="f_no" name="退回" sourceRef="gw" targetRef="note" />',
        '<bpmn:sequenceFlow id="f_no" name="退回" sourceRef="gw" targetRef="review" />',
    ).replace(
        "<bpmn:incoming>f1</bpmn:incoming>",
        "<bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f_no</bpmn:incoming>",
    )
    looping = re.sub(r"<bpmn:scriptTask.*?</bpmn:scriptTask>", "", looping, flags=re.S)
    looping = looping.replace(
        '<bpmn:endEvent id="end_no"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>', ""
    )
    looping = looping.replace(
        '<bpmn:sequenceFlow id="f4" sourceRef="note" targetRef="end_no" />', ""
    )
    looping = looping.replace("<bpmn:flowNodeRef>note</bpmn:flowNodeRef>", "").replace(
        "<bpmn:flowNodeRef>end_no</bpmn:flowNodeRef>", ""
    )
    first = start(client, looping).json
    approved = step(client, first, {"decision": "approve"}, xml=looping).json
    assert approved["flows"] == ["f2", "f_ok", "f3"]
    returned = step(client, first, {"decision": "return", "comment": "再审"}, xml=looping).json
    assert returned["flows"] == ["f2", "f_no"]
    assert [t["activity_id"] for t in returned["ready"]] == ["review"]


def test_a_test_run_says_each_due_period_in_words(client, login):
    login("admin")
    first = start(client, BPMN, "simple_approval").json
    assert first["ready"][0]["activity_id"] == "fill_targets"
    assert first["ready"][0]["due_in"] == "10个工作日"  # the diagram says P10D
