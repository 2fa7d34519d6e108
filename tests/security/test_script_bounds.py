"""A hostile script in a deployed diagram cannot freeze the county: its completion is
refused with a 4xx naming the bound it passed, the submission's history and finance
learn of it, nothing of the step is stored, and other submissions go on being completed
while and after it runs. (Each bound construct by construct: tests/engine/
test_script_bounds.py.)
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.engine import runtime
from app.engine.sandbox import make_script_engine
from app.extensions import db
from app.models import AuditEvent, Notification, ProcessInstance, Task
from app.services.administration.deployment import deploy_definition
from app.services.foundation.errors import BadRequest
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from conftest import make_config, reset_database, seed_demo
from factories import GOOD_TARGETS

FIXTURES = Path(__file__).parents[1] / "fixtures"
# The bounds as an administrator sets them, shorter than the defaults to keep tests short.
SETTINGS = {"SCRIPT_TIME_LIMIT": 0.5, "STEP_TIME_LIMIT": 5.0, "ENGINE_STEP_LIMIT": 200}

# Hostile only for some comments, so the same task can then be completed with another.
SCRIPT = """comment = data.get("comment", "")
if comment == "hold":
    hold()
if comment in ("hold", "slow"):
    x = sum([[1]] * 1000000, [])
if comment == "greedy":
    x = "x".ljust(10 ** 9)
if comment == "shared":
    a = [1] * 1000
    b = [a] * 1000
    c = [b] * 100
checked = True"""

# dept_review -> check (the script) -> again: "loop" goes back to the script, with no
# wait state in between; anything else goes on to the review's decision.
CHECK = f"""<bpmn:sequenceFlow id="flow_to_decision" sourceRef="dept_review" targetRef="check" />
    <bpmn:scriptTask id="check" name="核对">
      <bpmn:incoming>flow_to_decision</bpmn:incoming>
      <bpmn:incoming>flow_again</bpmn:incoming>
      <bpmn:outgoing>flow_checked</bpmn:outgoing>
      <bpmn:script>{SCRIPT}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="flow_checked" sourceRef="check" targetRef="again" />
    <bpmn:exclusiveGateway id="again" name="再核对" default="flow_on">
      <bpmn:incoming>flow_checked</bpmn:incoming>
      <bpmn:outgoing>flow_again</bpmn:outgoing>
      <bpmn:outgoing>flow_on</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="flow_again" sourceRef="again" targetRef="check">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">comment == "loop"
      </bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="flow_on" sourceRef="again" targetRef="review_decision" />"""


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(make_config(database_url, **SETTINGS))
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        reset_database()
        seed_demo()
        db.session.remove()
        _deploy_with_script()
        yield app
        db.session.remove()
        db.engine.dispose()


def _deploy_with_script() -> None:
    from app.models import User
    from app.models.org import ACTING

    bpmn = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")
    original = (
        '<bpmn:sequenceFlow id="flow_to_decision" sourceRef="dept_review" '
        'targetRef="review_decision" />'
    )
    assert original in bpmn
    bpmn = bpmn.replace(original, CHECK).replace(
        "<bpmn:incoming>flow_to_decision</bpmn:incoming>\n      <bpmn:outgoing>flow_approve",
        "<bpmn:incoming>flow_on</bpmn:incoming>\n      <bpmn:outgoing>flow_approve",
    )
    forms = {p.name: p.read_bytes() for p in (FIXTURES / "forms").glob("*.json")}
    admin = db.session.scalar(select(User).where(User.username == "admin").options(*ACTING))
    deploy_definition(admin, bpmn.encode(), "simple_approval.bpmn", forms, "核对脚本")


def _at_dept_review(user, title: str) -> int:
    _, ready = start_instance(user("unit"), "simple_approval", title=title)
    _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    assert [t.activity_id for t in ready] == ["dept_review"]
    return ready[0].id


@pytest.fixture
def bearer(client):
    def token(username: str) -> dict[str, str]:
        answer = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
        return {"Authorization": f"Bearer {answer.get_json()['token']}"}

    return token


def _incident(instance_id: int) -> AuditEvent | None:
    return db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action == "incident"
        )
    )


@pytest.mark.parametrize(
    ("comment", "named"),
    [
        ("slow", "脚本运行超过 0.5 秒，已被停止"),
        ("greedy", "脚本需要的内存超过其 256 MB 上限"),
        ("shared", "would take more than the 1,024 KB allowed"),
        ("loop", "passed 200 engine tasks without reaching a wait state"),
    ],
)
def test_a_script_past_its_bound_fails_the_completion_with_a_400_naming_the_bound(
    client, bearer, user, comment, named
):
    task_id = _at_dept_review(user, "恶意脚本")
    task = db.session.get(Task, task_id)
    instance_id = task.instance_id
    instance = db.session.get(ProcessInstance, instance_id)
    data_before, state_before = dict(instance.data), instance.engine_state

    answer = client.post(
        f"/api/v1/tasks/{task_id}/complete",
        json={"data": {"decision": "approve", "comment": comment}},
        headers=bearer("dept"),
    )

    assert answer.status_code == 400
    assert answer.get_json()["error"] == "bad_request"
    assert named in answer.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Task, task_id).status == "ready"  # nothing of the step stored
    instance = db.session.get(ProcessInstance, instance_id)
    assert instance.data == data_before
    assert instance.engine_state == state_before
    incident = _incident(instance_id)
    assert incident.activity_id == "dept_review" and named in incident.comment
    assert db.session.scalar(
        select(Notification).where(
            Notification.user_id == user("finance").id,
            Notification.kind == "incident",
            Notification.instance_id == instance_id,
        )
    )

    # Completed with another comment, the same task goes through.
    answer = client.post(
        f"/api/v1/tasks/{task_id}/complete",
        json={"data": {"decision": "approve", "comment": "同意"}},
        headers=bearer("dept"),
    )
    assert answer.status_code == 200
    assert [t["activity_id"] for t in answer.get_json()["tasks"]] == ["finance_review"]


def test_while_a_hostile_script_runs_other_submissions_can_still_be_completed(
    app, user, monkeypatch
):
    hostile = _at_dept_review(user, "恶意脚本")
    others = [_at_dept_review(user, f"正常提交{n}") for n in (1, 2)]
    running = threading.Event()

    def hold() -> bool:
        running.set()  # the hostile step now holds its lock (SQLite: the database's)
        return True

    functions = {**runtime.registered_functions(), "hold": hold}
    engine = make_script_engine(functions, limits=runtime.current_limits())
    monkeypatch.setattr(runtime.current_runtime(), "script_engine", engine)
    outcome: dict[str, str] = {}

    def attack() -> None:
        with app.app_context():
            try:
                complete_task(user("dept"), hostile, {"decision": "approve", "comment": "hold"})
            except BadRequest as refused:
                outcome["refused"] = refused.message
            finally:
                db.session.remove()

    attacker = threading.Thread(target=attack)
    attacker.start()
    try:
        assert running.wait(timeout=120)
        # While the hostile script runs: this completion waits at most for its bound.
        _, ready = complete_task(user("dept"), others[0], {"decision": "approve"})
        assert [t.activity_id for t in ready] == ["finance_review"]
    finally:
        attacker.join(timeout=120)
    assert not attacker.is_alive()  # the worker thread was given back
    assert "脚本运行超过 0.5 秒，已被停止" in outcome["refused"]

    # And after it: the county goes on writing, the hostile task waits to be retried.
    _, ready = complete_task(user("dept"), others[1], {"decision": "approve"})
    assert [t.activity_id for t in ready] == ["finance_review"]
    db.session.expire_all()
    assert db.session.get(Task, hostile).status == "ready"
    assert "运行超过 0.5 秒" in _incident(db.session.get(Task, hostile).instance_id).comment
    _, ready = complete_task(user("dept"), hostile, {"decision": "approve", "comment": "同意"})
    assert [t.activity_id for t in ready] == ["finance_review"]


def test_the_settings_set_the_bounds_the_engine_runs_with(app):
    limits = runtime.current_limits()
    assert (limits.script_seconds, limits.step_seconds, limits.engine_steps) == (0.5, 5.0, 200)
    assert (limits.memory_mb, limits.data_kb, limits.state_mb) == (256, 1024, 16)
