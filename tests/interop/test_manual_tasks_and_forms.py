"""spiff-arena's manual tasks reach the lane's inbox and are done with a plain "done";
its forms may leave out the root "type": "object" that their properties imply."""

from __future__ import annotations

HANDOVER = (
    "arena_handover.bpmn",
    "handover-request.schema.json",
    "handover-request-uischema.json",
)


def test_a_manual_task_is_a_step_done_without_a_form(api, deploy, run, fixture_files):
    answer = deploy(fixture_files(*HANDOVER))
    assert answer.status == 201, answer.body
    # No "no form" warning for a manual task: it has none by design.
    assert not [w for w in answer.body["warnings"] if w["element_id"] == "Activity_handover"]

    started = api("unit").post("/processes/arena_handover/instances", {"title": "移交"})
    assert started.status == 201, started.body
    (request,) = started.body["tasks"]
    (handover,) = run(request, "unit", {"asset_name": "投影仪", "quantity": 2})
    assert (handover["activity_id"], handover["role"]) == ("Activity_handover", "finance_bureau")
    inbox = api("finance").get("/tasks", process="arena_handover").body
    assert [t["id"] for t in inbox] == [handover["id"]]
    assert api("finance").get(f"/tasks/{handover['id']}").body["form"]["schema"]["properties"] == {}
    assert run(handover, "finance", {}) == []
    finished = api("finance").get(f"/instances/{request['instance_id']}")
    assert finished.body["status"] == "completed"


def test_a_step_without_a_form_refuses_fields_by_name_and_stays_open(
    api, deploy, run, fixture_files
):
    # A form-less step sets nothing (the deployment check counts on it): fields sent to it
    # are refused, each named, never silently dropped or stored.
    assert deploy(fixture_files(*HANDOVER)).status == 201
    started = api("unit").post("/processes/arena_handover/instances", {"title": "移交"})
    (request,) = started.body["tasks"]
    (handover,) = run(request, "unit", {"asset_name": "投影仪", "quantity": 2})
    sent = {"data": {"quantity": 99, "approved": True}}
    refused = api("finance").post(f"/tasks/{handover['id']}/complete", sent)
    assert refused.status == 422, refused.body
    assert "没有表单" in refused.body["message"]
    assert [d["path"] for d in refused.body["details"]] == ["/approved", "/quantity"]
    assert api("finance").get(f"/tasks/{handover['id']}").body["status"] == "ready"
    assert run(handover, "finance", {}) == []


def test_a_form_without_a_root_type_is_still_checked_as_an_object(api, deploy, run, fixture_files):
    assert deploy(fixture_files(*HANDOVER)).status == 201
    started = api("unit").post("/processes/arena_handover/instances", {"title": "移交"})
    (request,) = started.body["tasks"]
    refused = api("unit").post(f"/tasks/{request['id']}/complete", {"data": {"quantity": 0}})
    assert refused.status == 422, refused.body


def test_a_form_that_is_no_object_is_still_refused(deploy, fixture_files):
    files = fixture_files(*HANDOVER)
    files["handover-request.schema.json"] = b'{"title": "x", "items": {"type": "string"}}'
    answer = deploy(files)
    assert answer.status == 400
    assert any(f["code"] == "form-invalid" for f in answer.body["details"])


def test_in_the_browser_a_manual_task_is_done_with_its_button_alone(
    api, deploy, run, client_as, fixture_files
):
    assert deploy(fixture_files(*HANDOVER)).status == 201
    started = api("unit").post("/processes/arena_handover/instances", {"title": "移交"})
    (request,) = started.body["tasks"]
    (handover,) = run(request, "unit", {"asset_name": "投影仪", "quantity": 2})
    web = client_as("finance")
    page = web.get(f"/tasks/{handover['id']}")
    assert page.status_code == 200
    assert 'type="submit"' in page.text and "现场交接资产" in page.text
    done = web.post(f"/tasks/{handover['id']}", data={})
    assert done.status_code == 302, done.text[:2000]
    finished = api("finance").get(f"/instances/{request['instance_id']}")
    assert finished.body["status"] == "completed"
