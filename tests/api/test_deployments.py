"""Deploying a new version of a process over the API, and the linter refusing bad uploads."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures"
BPMN = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")
FORMS = {path.name: path.read_bytes() for path in sorted((FIXTURES / "forms").glob("*.json"))}

# A script task between the start event and fill_targets, for the script checks.
SCRIPT_TASK = """
    <bpmn:scriptTask id="prepare" name="准备数据">
      <bpmn:incoming>flow_start</bpmn:incoming>
      <bpmn:outgoing>flow_prepared</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="flow_prepared" sourceRef="prepare" targetRef="fill_targets" />
    <bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="prepare" />"""


def edited(old: str, new: str, source: str = BPMN) -> str:
    assert old in source, f"the fixture diagram no longer contains {old!r}"
    return source.replace(old, new, 1)


def with_script(script: str) -> str:
    diagram = edited(
        '<bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="fill_targets" />',
        SCRIPT_TASK.format(script=script),
    )
    diagram = edited(
        "<bpmn:flowNodeRef>fill_targets</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>prepare</bpmn:flowNodeRef>\n"
        "        <bpmn:flowNodeRef>fill_targets</bpmn:flowNodeRef>",
        diagram,
    )
    return edited(
        "<bpmn:incoming>flow_start</bpmn:incoming>\n      <bpmn:incoming>flow_return",
        "<bpmn:incoming>flow_prepared</bpmn:incoming>\n      <bpmn:incoming>flow_return",
        diagram,
    )


def upload(client, diagram: str | bytes, forms: dict[str, bytes] | None = None, **kwargs):
    content = diagram.encode() if isinstance(diagram, str) else diagram
    return client.post_files(
        "/deployments",
        {"simple_approval.bpmn": content, **(FORMS if forms is None else forms)},
        **kwargs,
    )


def versions(api) -> dict[str, int]:
    return {p["key"]: p["version"] for p in api("unit").get("/processes").body}


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
""" + BPMN.split("?>", 1)[1].replace('name="项目申报审核" processRef', 'name="&lol3;" processRef')

# (case, diagram, forms or None for all, the element the finding must name, its code)
REFUSED = [
    ("malformed-xml", BPMN[: len(BPMN) // 2], None, "", "xml"),
    ("dtd-entities", BILLION_LAUGHS, None, "", "xml"),
    (
        "no-executable-process",
        edited('isExecutable="true"', 'isExecutable="false"'),
        None,
        None,
        "no-executable-process",
    ),
    (
        "user-task-outside-lanes",
        edited("<bpmn:flowNodeRef>dept_review</bpmn:flowNodeRef>", ""),
        None,
        "dept_review",
        "lane-missing",
    ),
    (
        "lane-names-no-role",
        edited('name="预算部门"', 'name="不存在的角色"'),
        None,
        "dept_review",
        "unknown-role",
    ),
    (
        "form-file-missing",
        BPMN,
        {k: v for k, v in FORMS.items() if k != "review.schema.json"},
        "dept_review",
        "form-missing",
    ),
    (
        "form-not-a-json-schema",
        BPMN,
        {**FORMS, "review.schema.json": b'{"type":"object","properties":{"a":{"type":"strang"}}}'},
        "dept_review",
        "form-invalid",
    ),
    (
        "condition-does-not-compile",
        edited('decision == "return"', "decision =="),
        None,
        "flow_return",
        "condition",
    ),
    ("script-imports-a-module", with_script("import os"), None, "prepare", "script"),
]


def test_admin_deploys_a_new_version_of_simple_approval(api, conforms):
    answer = upload(api("admin"), BPMN, fields={"comment": "第二版"})
    assert answer.status == 201, answer.body
    conforms("/deployments", "post", answer)
    assert answer.body["key"] == "simple_approval" and answer.body["version"] == 2
    assert versions(api)["simple_approval"] == 2


def test_a_deployment_answers_its_lint_warnings_without_being_blocked(api, conforms):
    no_due = edited('<spiffworkflow:property name="dueIn" value="P5D" />', "")
    answer = upload(api("admin"), no_due)
    assert answer.status == 201, answer.body
    conforms("/deployments", "post", answer)
    assert [(w["element_id"], w["code"]) for w in answer.body["warnings"]] == [
        ("dept_review", "due-missing")
    ]


def test_an_unreachable_step_refuses_the_deployment(api, conforms):
    answer = upload(
        api("admin"),
        edited(
            '<bpmn:sequenceFlow id="flow_approve" name="通过" sourceRef="review_decision" '
            'targetRef="finance_review" />',
            '<bpmn:sequenceFlow id="flow_approve" name="通过" sourceRef="review_decision" '
            'targetRef="end" />',
        ),
    )
    assert answer.status == 400 and answer.error == "lint_failed"
    conforms("/deployments", "post", answer)
    assert ("finance_review", "unreachable") in {
        (f["element_id"], f["code"]) for f in answer.body["details"]
    }
    assert versions(api)["simple_approval"] == 1


def test_a_diagram_with_a_harmless_script_task_deploys(api):
    answer = upload(api("admin"), with_script("checked = True"))
    assert answer.status == 201, answer.body


def test_only_process_administrators_may_deploy(api, conforms):
    for user in ("unit", "finance"):
        answer = upload(api(user), BPMN)
        assert answer.status == 403 and answer.error == "forbidden", user
        conforms("/deployments", "post", answer)
    assert versions(api)["simple_approval"] == 1


def test_an_upload_without_exactly_one_diagram_is_refused(api, conforms):
    answer = api("admin").post_files("/deployments", FORMS)
    assert answer.status == 400 and answer.error == "bad_request"
    conforms("/deployments", "post", answer)
    assert versions(api)["simple_approval"] == 1


@pytest.mark.parametrize(
    ("diagram", "forms", "element_id", "code"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_a_bad_upload_is_refused_with_lint_findings_and_changes_nothing(
    api, conforms, diagram, forms, element_id, code
):
    answer = upload(api("admin"), diagram, forms)
    assert answer.status == 400, answer.body
    assert answer.error == "lint_failed"
    conforms("/deployments", "post", answer)
    findings = answer.body["details"]
    assert findings and all(
        set(f) >= {"element_id", "code", "message", "severity"} for f in findings
    )
    matching = [f for f in findings if f["code"] == code and f["severity"] == "error"]
    assert matching, findings
    if element_id is not None:
        assert element_id in [f["element_id"] for f in matching], findings
    assert all(f["message"] for f in matching)
    assert versions(api) == {"simple_approval": 1}


def test_a_running_submission_keeps_its_version_and_new_ones_start_on_the_new_one(
    api, start, targets
):
    old_id, old_task = start("旧版本申报")
    assert upload(api("admin"), BPMN).body["version"] == 2
    new_id, _ = start("新版本申报")
    by_id = {i["id"]: i for i in api("finance").get("/instances").body}
    assert by_id[old_id]["version"] == 1
    assert by_id[new_id]["version"] == 2
    # the old submission still runs on version 1
    answer = api("unit").post(f"/tasks/{old_task['id']}/complete", {"data": targets})
    assert answer.status == 200
    assert answer.body["tasks"][0]["activity_id"] == "dept_review"
    assert api("finance").get(f"/instances/{old_id}").body["version"] == 1


def test_a_retried_deployment_with_the_same_key_deploys_once(api):
    key = {"Idempotency-Key": "deploy-v2"}
    first = upload(api("admin"), BPMN, headers=key)
    retry = upload(api("admin"), BPMN, headers=key)  # new multipart boundary, same files
    assert first.status == retry.status == 201
    assert retry.body == first.body
    assert first.body == {
        "key": "simple_approval",
        "name": "项目申报审核",
        "version": 2,
        "warnings": [],
        "processes": ["simple_approval"],
    }
    assert versions(api)["simple_approval"] == 2
    other = upload(api("admin"), with_script("checked = True"), headers=key)
    assert other.status == 409
