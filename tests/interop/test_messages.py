"""A diagram drawn in Camunda Modeler 5 that waits for a supplier's receipt (an
intermediate message catch event) and invoice (a receive task) deploys, and another system
delivers those messages over `POST /api/v1/messages`: the submission whose data matches
the correlation moves on, and the gateway after it reads the message's data."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Org
from app.services.operations.setup import add_user

SUPPLIER = (
    "camunda7_supplier.bpmn",
    "supplier-order.schema.json",
    "purchase-review.schema.json",
)
SYSTEM, SYSTEM_PASSWORD = "supplier-gateway", "Gateway-Pa55word-2026"


@pytest.fixture
def sender(app, live_server):
    """The API client of a service account (role service_worker) another system uses."""
    from api.conftest import ApiClient, OverHttp

    finance = db.session.query(Org).filter_by(code="finance").one()
    add_user(SYSTEM, "供应商平台", finance, ["service_worker"], SYSTEM_PASSWORD)
    db.session.commit()
    answer = ApiClient(OverHttp(live_server)).post(
        "/auth/token", {"username": SYSTEM, "password": SYSTEM_PASSWORD}
    )
    assert answer.status == 200, answer.body
    return ApiClient(OverHttp(live_server), answer.body["token"], SYSTEM)


@pytest.fixture
def ordered(api, deploy, run, fixture_files):
    """ordered(order_no) -> the submission, its order filled in, waiting for the receipt."""
    answer = deploy(fixture_files(*SUPPLIER))
    assert answer.status == 201, answer.body

    def order(order_no: str) -> int:
        started = api("unit").post("/processes/c7_supplier/instances", {"title": order_no})
        assert started.status == 201, started.body
        (task,) = started.body["tasks"]
        assert run(task, "unit", {"order_no": order_no, "amount": 1200}) == []
        return task["instance_id"]

    return order


def test_the_receipt_and_invoice_resume_only_the_matching_submission(api, sender, ordered):
    first, second = ordered("PO-1"), ordered("PO-2")
    receipt = sender.post(
        "/messages",
        {"name": "supplier-receipt", "correlation": {"order_no": "PO-2"}, "data": {"at": "dock"}},
    )
    assert receipt.status == 200, receipt.body
    assert [(i["id"], i["tasks"]) for i in receipt.body["instances"]] == [(second, [])]
    invoice = sender.post(
        "/messages",
        {
            "name": "supplier-invoice",
            "correlation": {"order_no": "PO-2"},
            "data": {"delivered": True},
        },
    )
    assert invoice.status == 200, invoice.body
    (resumed,) = invoice.body["instances"]
    assert [t["activity_id"] for t in resumed["tasks"]] == ["Activity_pay"]
    inbox = api("finance").get("/tasks", process="c7_supplier").body
    assert [t["instance_id"] for t in inbox] == [second]
    detail = api("finance").get(f"/instances/{second}").body
    assert (detail["data"]["at"], detail["data"]["delivered"]) == ("dock", True)
    assert "message_received" in [h["action"] for h in detail["history"]]
    # PO-1 still waits for its receipt: the invoice cannot come first.
    early = sender.post(
        "/messages", {"name": "supplier-invoice", "correlation": {"order_no": "PO-1"}, "data": {}}
    )
    assert early.status == 404
    assert api("finance").get(f"/instances/{first}").body["status"] == "running"


def test_a_message_the_gateway_reads_otherwise_routes_the_other_way(api, sender, ordered):
    submission = ordered("PO-3")
    for name, data in (("supplier-receipt", {}), ("supplier-invoice", {"delivered": False})):
        answer = sender.post(
            "/messages", {"name": name, "correlation": {"order_no": "PO-3"}, "data": data}
        )
        assert answer.status == 200, answer.body
    tasks = api("unit").get("/tasks", process="c7_supplier").body
    assert [(t["instance_id"], t["activity_id"]) for t in tasks] == [(submission, "Activity_chase")]


def test_only_service_accounts_and_finance_deliver_messages(api, ordered):
    submission = ordered("PO-4")
    body = {"name": "supplier-receipt", "correlation": {"order_no": "PO-4"}, "data": {}}
    assert api("unit").post("/messages", body).status == 403
    assert api("finance").post("/messages", body).status == 200
    nothing = {"name": "no-such-message", "correlation": {}, "data": {}}
    assert api("finance").post("/messages", nothing).status == 404
    assert api("finance").get(f"/instances/{submission}").body["status"] == "running"


def test_the_integrity_check_reports_a_submission_nothing_will_move(app, ordered):
    import re
    from datetime import timedelta

    from sqlalchemy import update

    from app.models import ProcessDefinition, ProcessInstance
    from app.services.operations.integrity import check_integrity

    waiting = ordered("PO-5")
    db.session.rollback()  # see what the live server committed
    stalled = "进行中，但没有待办任务、后台作业或等待的消息与定时器"
    # Waiting for its receipt is no stall: a message will move it.
    assert not [f for f in check_integrity(notify=False).findings if f.instance_id == waiting]

    # Its diagram changed behind the services' back: the receipt is now a signal that
    # nothing sends, so nothing open, queued or awaited will ever move the submission.
    instance = db.session.get(ProcessInstance, waiting)
    definition = db.session.get(ProcessDefinition, instance.definition_id)
    drawn = re.sub(
        r'<bpmn:messageEventDefinition id="MessageEventDefinition_0rcpt"[^>]*/>',
        '<bpmn:signalEventDefinition id="SignalEventDefinition_0rcpt" signalRef="Signal_x" />',
        definition.bpmn_xml,
    ).replace(
        '<bpmn:message id="Message_receipt"',
        '<bpmn:signal id="Signal_x" name="never-sent"/><bpmn:message id="Message_receipt"',
    )
    assert drawn != definition.bpmn_xml
    db.session.execute(
        update(ProcessDefinition)
        .where(ProcessDefinition.id == definition.id)
        .values(bpmn_xml=drawn, deployed_at=definition.deployed_at + timedelta(seconds=1))
    )
    db.session.commit()
    findings = [f for f in check_integrity(notify=False).findings if f.instance_id == waiting]
    assert [f.problem for f in findings if f.problem.startswith(stalled)] != []

    # Finance's tracking page lists it, from the check's findings (the page reads no state).
    from conftest import RequestPerContextClient

    client = RequestPerContextClient(app, app.response_class, use_cookies=True)
    client.post("/login", data={"username": "finance", "password": "demo"})
    page = client.get("/tracking")
    assert "停滞的提交" in page.text and f"/instances/{waiting}" in page.text
    client.post("/logout")
    client.post("/login", data={"username": "dept", "password": "demo"})
    assert "停滞的提交" not in client.get("/tracking").text


def test_a_message_start_event_starts_a_submission_with_the_message_data(
    api, deploy, sender, fixture_files
):
    files = fixture_files("camunda7_order_placed.bpmn", "purchase-review.schema.json")
    answer = deploy(files)
    assert answer.status == 201, answer.body
    placed = sender.post(
        "/messages", {"name": "order-placed", "data": {"order_no": "PO-9", "amount": 50}}
    )
    assert placed.status == 200, placed.body
    (started,) = placed.body["instances"]
    assert [t["activity_id"] for t in started["tasks"]] == ["Activity_verify"]
    inbox = api("finance").get("/tasks", process="c7_order_placed").body
    assert [t["instance_id"] for t in inbox] == [started["id"]]
    detail = api("finance").get(f"/instances/{started['id']}").body
    assert (detail["title"], detail["data"]["order_no"]) == ("order-placed", "PO-9")
    # Who may not start the process starts nothing with it.
    refused = api("finance").post("/messages", {"name": "order-placed", "data": {}})
    assert refused.status == 404


# --- Camunda 8: the message's zeebe:subscription correlationKey names the field ----------

WAITING_C8 = ("camunda8_message.bpmn", "supplier-order.schema.json")


def test_a_camunda8_correlation_key_resumes_only_its_submission_which_then_waits_its_timer(
    clock, api, sender, deploy, run, fixture_files
):
    from datetime import timedelta

    from app.services.foundation.jobs import run_due_jobs
    from app.services.runtime.calendar import work_calendar
    from conftest import CLOCK_START

    answer = deploy(fixture_files(*WAITING_C8), default_role="budget_unit")
    assert answer.status == 201, answer.body
    ids = {}
    for order_no in ("PO-1", "PO-2"):
        started = api("unit").post("/processes/c8_waiting/instances", {"title": order_no})
        (task,) = started.body["tasks"]
        assert run(task, "unit", {"order_no": order_no, "amount": 80}) == []
        ids[order_no] = task["instance_id"]

    # Published as Camunda 8's clients do: the key's value and variables.
    nobody = sender.post(
        "/messages", {"name": "supplier-receipt", "correlationKey": "PO-9", "variables": {}}
    )
    assert nobody.status == 404, nobody.body
    published = sender.post(
        "/messages",
        {"name": "supplier-receipt", "correlationKey": "PO-2", "variables": {"at": "dock"}},
    )
    assert published.status == 200, published.body
    assert [i["id"] for i in published.body["instances"]] == [ids["PO-2"]]
    second = api("finance").get(f"/instances/{ids['PO-2']}").body
    assert second["data"]["at"] == "dock"
    assert "message_received" in [h["action"] for h in second["history"]]
    first = api("finance").get(f"/instances/{ids['PO-1']}").body
    assert "message_received" not in [h["action"] for h in first["history"]]
    bad = sender.post("/messages", {"name": "supplier-receipt", "correlationKey": {"x": 1}})
    assert bad.status == 400 and "correlationKey" in bad.body["message"]

    # Then it waits =duration("P3D"), three working days from the delivery: Thursday.
    due = work_calendar().due_after(CLOCK_START, timedelta(days=3))
    clock.at = due
    assert run_due_jobs("w1").done == 1
    assert api("finance").get(f"/instances/{ids['PO-2']}").body["status"] == "completed"
    assert api("finance").get(f"/instances/{ids['PO-1']}").body["status"] == "running"


def test_a_correlation_key_that_is_more_than_a_field_is_refused(deploy, fixture_files):
    files = fixture_files(*WAITING_C8)
    files["camunda8_message.bpmn"] = files["camunda8_message.bpmn"].replace(
        b'correlationKey="=order_no"', b'correlationKey="=&quot;PO-&quot; + order_no"'
    )
    answer = deploy(files, default_role="budget_unit")
    assert answer.status == 400, answer.body
    (finding,) = [f for f in answer.body["details"] if f["code"] == "correlation-key"]
    assert finding["element_id"] == "Message_receipt"
    assert '="PO-" + order_no' in finding["message"]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (None, "没有等待消息“supplier-receipt”且与 correlation 相符的提交"),
        (
            "en",
            "No running submission matching the correlation waits for the message "
            "“supplier-receipt”.",
        ),
    ],
)
def test_a_sender_reads_that_nothing_waits_in_its_language(sender, ordered, language, message):
    ordered("PO-1")
    headers = {"Accept-Language": language} if language else None
    answer = sender.post(
        "/messages",
        {"name": "supplier-receipt", "correlation": {"order_no": "PO-7"}, "data": {}},
        headers=headers,
    )
    assert answer.status == 404
    assert answer.body == {"error": "not_found", "message": message}


def test_a_delivery_is_written_in_the_county_s_language_whoever_sends_it(api, sender, ordered):
    instance = ordered("PO-1")
    receipt = sender.post(
        "/messages",
        {"name": "supplier-receipt", "correlation": {"order_no": "PO-1"}, "data": {}},
        headers={"Accept-Language": "en"},
    )
    assert receipt.status == 200, receipt.body
    history = api("finance").get(f"/instances/{instance}").body["history"]
    comments = [h["comment"] for h in history if h["action"] == "message_received"]
    assert comments == ["收到消息“supplier-receipt”"]
