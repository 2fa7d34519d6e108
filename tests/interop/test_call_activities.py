"""Several .bpmn files deployed together: a call activity calls a process drawn in
another file of the deployment, or one already deployed."""

from __future__ import annotations

import io
import zipfile

ORDER = ("camunda7_order.bpmn", "purchase-request.schema.json")
APPROVAL = ("camunda7_approval.bpmn", "purchase-review.schema.json")


def test_a_call_activity_calls_a_process_of_another_file_of_the_deployment(
    api, deploy, run, fixture_files
):
    answer = deploy(fixture_files(*ORDER, *APPROVAL))
    assert answer.status == 201, answer.body
    # The process nobody calls is the one deployed; the list names every process.
    assert (answer.body["key"], answer.body["version"]) == ("c7_order", 1)
    assert answer.body["processes"] == ["c7_order", "c7_approval"]
    # `${amount > 100000}` / `${amount <= 100000}` cover every amount: no default asked.
    assert not [w for w in answer.body["warnings"] if w["code"] == "gateway-no-default"]
    assert "c7_approval" not in {p["key"] for p in api("unit").get("/processes").body}

    started = api("unit").post("/processes/c7_order/instances", {"title": "订单"})
    assert started.status == 201, started.body
    (request,) = started.body["tasks"]
    (dept,) = run(request, "unit", {"amount": 300000, "category": "edu"})
    # The called process's steps route by its own candidate groups.
    assert (dept["activity_id"], dept["role"]) == ("Activity_dept_review", "budget_department")
    (finance,) = run(dept, "dept", {"decision": "approve"})
    assert (finance["activity_id"], finance["role"]) == (
        "Activity_finance_review",
        "finance_bureau",
    )
    assert run(finance, "finance", {"decision": "approve"}) == []
    finished = api("finance").get(f"/instances/{request['instance_id']}")
    assert finished.body["status"] == "completed"


def test_a_call_activity_may_call_a_process_already_deployed(api, deploy, run, fixture_files):
    handover = ("arena_handover.bpmn", "handover-request.schema.json")
    handover += ("handover-request-uischema.json",)
    assert deploy(fixture_files(*handover)).status == 201  # deployed on its own, with forms
    files = fixture_files(*ORDER)
    files["camunda7_order.bpmn"] = files["camunda7_order.bpmn"].replace(
        b'calledElement="c7_approval"', b'calledElement="arena_handover"'
    )
    # Both diagrams call their first step Activity_request: one id, two steps, refused.
    clash = deploy(files)
    assert clash.status == 400
    assert [f["element_id"] for f in clash.body["details"]] == ["Activity_request"]
    files["camunda7_order.bpmn"] = files["camunda7_order.bpmn"].replace(
        b"Activity_request", b"Activity_order"
    )
    answer = deploy(files)  # its forms are the deployed version's pinned ones
    assert answer.status == 201, answer.body
    assert answer.body["processes"] == ["c7_order", "arena_handover"]

    started = api("unit").post("/processes/c7_order/instances", {"title": "订单"})
    (request,) = started.body["tasks"]
    assert request["activity_id"] == "Activity_order"
    (called,) = run(request, "unit", {"amount": 50, "category": "edu"})
    assert called["activity_id"] == "Activity_request"
    (manual,) = run(called, "unit", {"asset_name": "投影仪", "quantity": 1})
    assert (manual["activity_id"], manual["role"]) == ("Activity_handover", "finance_bureau")
    assert run(manual, "finance", {}) == []


def test_a_call_to_a_process_found_nowhere_is_refused_by_name(deploy, fixture_files):
    answer = deploy(fixture_files(*ORDER))
    assert answer.status == 400
    (call,) = [f for f in answer.body["details"] if f["element_id"] == "Activity_approval"]
    assert call["code"] == "call-unknown" and "c7_approval" in call["message"]


def test_two_diagrams_that_both_stand_alone_are_refused(deploy, fixture_files):
    files = fixture_files(*APPROVAL, "camunda7_purchase.bpmn", "purchase-request.schema.json")
    answer = deploy(files)
    assert answer.status == 400 and "不被其他流程图的调用活动调用" in answer.body["message"]


def test_the_web_import_takes_several_diagrams(client_as, fixture_files):
    web = client_as("admin")
    files = fixture_files(*ORDER, *APPROVAL)
    data = {"files": [(io.BytesIO(raw), name) for name, raw in files.items()]}
    page = web.post("/admin/import", data=data, content_type="multipart/form-data")
    assert page.status_code == 302, page.get_data(as_text=True)[:3000]
    exported = web.get("/admin/processes/c7_order/versions/1/export")
    assert exported.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(exported.data)).namelist()
    assert "c7_order.bpmn" in names or "camunda7_order.bpmn" in names
    assert "decisions/camunda7_approval.bpmn" in names
    # The export imports back: the called diagram goes with the one that calls it.
    data = {"files": [(io.BytesIO(exported.data), "c7_order-v1.zip")]}
    again = web.post("/admin/import", data=data, content_type="multipart/form-data")
    assert again.status_code == 302, again.get_data(as_text=True)[:3000]
    assert '<tr data-version="2">' in web.get("/admin/processes/c7_order/versions").text
