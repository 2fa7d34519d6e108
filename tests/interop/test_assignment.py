"""Who does a step of a diagram drawn without lanes: Camunda 7's candidate groups and
assignees, Camunda 8's assignment definition, spiff-arena's lane-less tasks and the
default role the deployer picks — each deployed over HTTP and run to its end."""

from __future__ import annotations

import io

C7 = ("camunda7_purchase.bpmn", "purchase-request.schema.json", "purchase-review.schema.json")
C8 = ("camunda8_purchase.bpmn", "purchase-request.schema.json", "purchase-review.schema.json")
ARENA = ("arena_purchase.bpmn", "purchase-request.schema.json", "purchase-review.schema.json")


def warned(answer, code: str) -> set[str]:
    return {w["element_id"] for w in answer.body["warnings"] if w["code"] == code}


def test_a_camunda_7_diagram_without_lanes_routes_by_groups_and_assignees(
    api, deploy, run, fixture_files
):
    answer = deploy(fixture_files(*C7), default_role="财政部门")
    assert answer.status == 201, answer.body
    assert (answer.body["key"], answer.body["version"]) == ("c7_purchase", 1)
    # Only the archive step names nobody: the default role does it, and the warning says so.
    assert warned(answer, "default-role") == {"Activity_archive"}

    started = api("unit").post("/processes/c7_purchase/instances", {"title": "采购 C7"})
    assert started.status == 201, started.body  # candidateStarterGroups="budget_unit"
    (request,) = started.body["tasks"]
    assert (request["activity_id"], request["role"]) == ("Activity_request", "budget_unit")
    assert request["due_at"] is not None  # camunda:dueDate="P5D"

    data = {"amount": 200000, "urgent": True, "category": "edu", "expert_username": "expert"}
    (review,) = run(request, "unit", data)
    # candidateGroups="预算部门": a role's display name routes to it.
    assert (review["activity_id"], review["role"]) == ("Activity_review", "budget_department")
    (finance,) = run(review, "dept", {"decision": "approve"})  # ${decision eq 'approve' && …}
    # camunda:assignee="finance": that account, in its role.
    assert (finance["activity_id"], finance["role"], finance["assignee"]) == (
        "Activity_finance",
        "finance_bureau",
        "finance",
    )
    (expert,) = run(finance, "finance", {"decision": "approve"})
    # camunda:assignee="${expert_username}" with candidateGroups="expert": the named field.
    assert (expert["activity_id"], expert["role"], expert["assignee"]) == (
        "Activity_expert",
        "expert",
        "expert",
    )
    (archive,) = run(expert, "expert", {"decision": "approve"})
    assert (archive["activity_id"], archive["role"]) == ("Activity_archive", "finance_bureau")
    assert run(archive, "finance", {"decision": "approve"}) == []
    finished = api("finance").get(f"/instances/{request['instance_id']}")
    assert finished.body["status"] == "completed"


def test_a_camunda_7_return_flow_with_a_juel_condition_goes_back(api, deploy, run, fixture_files):
    assert deploy(fixture_files(*C7), default_role="finance_bureau").status == 201
    started = api("unit").post("/processes/c7_purchase/instances", {"title": "退回"})
    (request,) = started.body["tasks"]
    (review,) = run(request, "unit", {"amount": 10, "category": "health"})
    (again,) = run(review, "dept", {"decision": "return", "comment": "补充报价"})
    assert again["activity_id"] == "Activity_request"


def test_a_camunda_8_diagram_routes_by_its_assignment_definition(api, deploy, run, fixture_files):
    answer = deploy(fixture_files(*C8), default_role="budget_unit")
    assert answer.status == 201, answer.body
    # Camunda 8 has no starter groups: the start takes the default role, with a warning.
    assert warned(answer, "default-role") == {"StartEvent_1"}

    started = api("unit").post("/processes/c8_purchase/instances", {"title": "采购 C8"})
    assert started.status == 201, started.body
    (request,) = started.body["tasks"]
    assert request["role"] == "budget_unit" and request["due_at"] is not None
    # = amount > 100000 and category = "edu" (FEEL) holds: to finance, assignee =reviewer.
    data = {"amount": 150000, "category": "edu", "reviewer": "finance"}
    (finance,) = run(request, "unit", data)
    assert (finance["activity_id"], finance["role"], finance["assignee"]) == (
        "Activity_finance",
        "finance_bureau",
        "finance",
    )
    assert run(finance, "finance", {"decision": "approve"}) == []

    started = api("unit").post("/processes/c8_purchase/instances", {"title": "小额 C8"})
    (request,) = started.body["tasks"]
    (dept,) = run(request, "unit", {"amount": 150000, "category": "health"})
    assert (dept["activity_id"], dept["role"]) == ("Activity_dept", "budget_department")
    assert run(dept, "dept", {"decision": "approve"}) == []


def test_a_spiff_arena_diagram_without_lanes_takes_the_default_role(
    api, deploy, run, fixture_files
):
    answer = deploy(fixture_files(*ARENA), default_role="budget_unit")
    assert answer.status == 201, answer.body
    assert warned(answer, "default-role") == {
        "StartEvent_1",
        "Activity_request",
        "Activity_confirm",
    }
    # `big` / `not big` and `decision == "approve"` / `== "return"` (the form's every
    # value) cover every case: no default flow is asked for.
    assert not [w for w in answer.body["warnings"] if w["code"] == "gateway-no-default"]
    started = api("unit").post("/processes/arena_purchase/instances", {"title": "采购 arena"})
    (request,) = started.body["tasks"]
    (confirm,) = run(request, "unit", {"amount": 500000, "category": "edu"})
    assert (confirm["activity_id"], confirm["role"]) == ("Activity_confirm", "budget_unit")
    (again,) = run(confirm, "unit", {"decision": "return"})
    assert again["activity_id"] == "Activity_request"
    assert run(again, "unit", {"amount": 20, "category": "edu"}) == []  # not big: done
    finished = api("unit").get(f"/instances/{request['instance_id']}")
    assert finished.body["status"] == "completed"


def test_without_a_default_role_a_step_nobody_does_is_refused_by_name(deploy, fixture_files):
    answer = deploy(fixture_files(*ARENA))
    assert answer.status == 400 and answer.body["error"] == "lint_failed"
    findings = {(f["element_id"], f["code"]) for f in answer.body["details"]}
    assert ("Activity_request", "lane-missing") in findings
    assert ("Activity_confirm", "lane-missing") in findings
    assert ("", "start-lane") in findings


def test_an_unknown_default_role_is_refused(deploy, fixture_files):
    answer = deploy(fixture_files(*ARENA), default_role="nobody")
    assert answer.status == 400
    assert "不是已知角色" in str(answer.body)


def test_the_web_import_takes_the_default_role_too(client_as, fixture_files):
    web = client_as("admin")
    files = fixture_files(*ARENA)
    data = {
        "files": [(io.BytesIO(raw), name) for name, raw in files.items()],
        "default_role": "budget_unit",
    }
    page = web.post("/admin/import", data=data, content_type="multipart/form-data")
    assert page.status_code == 302, page.get_data(as_text=True)[:2000]
    listed = web.get("/admin/processes").get_data(as_text=True)
    assert "arena_purchase" in listed
