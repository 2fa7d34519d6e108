"""The daily integrity check finds submissions whose state, task rows and history disagree,
and tells finance."""

from __future__ import annotations

from sqlalchemy import select, update

from app.extensions import db
from app.models import Notification, ProcessInstance, Task
from app.services.operations.integrity import check_integrity
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from app.services.tracking.interventions import terminate_instance
from factories import GOOD_TARGETS


def _submissions(user):
    """One waiting at the unit, one at the department, one finished, one withdrawn."""
    fresh, _ = start_instance(user("unit"), "simple_approval", title="待填报")
    at_dept, ready = start_instance(user("unit"), "simple_approval", title="待审核")
    complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    done, ready = start_instance(user("unit"), "simple_approval", title="已办结")
    _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    _, ready = complete_task(user("dept"), ready[0].id, {"decision": "approve"})
    _, ready = complete_task(user("finance"), ready[0].id, {"decision": "approve"})
    assert db.session.get(ProcessInstance, done.id).status == "completed"
    withdrawn, _ = start_instance(user("unit"), "simple_approval", title="已撤回")
    terminate_instance(user("finance"), withdrawn.id, "重复申报")
    return fresh, at_dept, done, withdrawn


def _notes(username_id: int) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == username_id, Notification.kind == "integrity"
            )
        )
    )


def test_a_consistent_database_reports_all_agree_to_finance_only(app, user):
    _submissions(user)
    report = check_integrity()
    assert report.ok and report.checked == 4
    assert [n.title for n in _notes(user("finance").id)] == ["数据一致性检查：4 个提交全部一致"]
    assert _notes(user("dept").id) == [] and _notes(user("unit").id) == []


def test_each_kind_of_disagreement_is_named_with_its_submission(app, user):
    fresh, at_dept, done, withdrawn = _submissions(user)
    # A waiting task's row closed behind the engine's back:
    db.session.execute(
        update(Task)
        .where(Task.instance_id == fresh.id, Task.status == "ready")
        .values(status="cancelled")
    )
    # A finished submission marked as still running:
    db.session.execute(
        update(ProcessInstance).where(ProcessInstance.id == done.id).values(status="running")
    )
    # An unreadable engine state:
    db.session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == at_dept.id)
        .values(engine_state='{"broken": true}')
    )
    # A withdrawn submission whose task came back to an inbox:
    db.session.execute(update(Task).where(Task.instance_id == withdrawn.id).values(status="ready"))
    db.session.commit()

    report = check_integrity()
    problems = {(f.instance_id, f.problem.split(" (")[0]) for f in report.findings}
    assert (fresh.id, "待办任务与流程状态不符：缺 1 项，多 0 项") in problems
    assert (done.id, "流程状态已结束，但提交仍在办理中") in problems
    assert any(i == at_dept.id and p.startswith("流程状态无法读取") for i, p in problems)
    assert (withdrawn.id, "已撤回，但仍有待办任务") in problems
    note = _notes(user("finance").id)[0]
    assert note.title == "数据一致性检查：4 个提交中 4 个不一致，请处理"
    assert f"#{fresh.id} 待填报" in note.body


def test_a_task_marked_done_outside_the_services_is_found(app, user):
    instance, ready = start_instance(user("unit"), "simple_approval", title="无记录")
    start_instance(user("unit"), "simple_approval", title="另一个")
    db.session.execute(update(Task).where(Task.id == ready[0].id).values(status="completed"))
    db.session.commit()
    report = check_integrity(notify=False)
    assert {f.instance_id for f in report.findings} == {instance.id}
    assert any("已办理但历史中没有记录" in f.problem for f in report.findings)
    assert _notes(user("finance").id) == []  # --quiet: printed only


def test_the_command_prints_the_findings_and_fails(app, user):
    fresh, *_ = _submissions(user)
    db.session.execute(update(Task).where(Task.instance_id == fresh.id).values(status="cancelled"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["check-integrity"])
    assert result.exit_code == 1
    assert "4 个提交中 1 个不一致" in result.output
    assert f"#{fresh.id} 待填报: 待办任务与流程状态不符" in result.output


def test_finance_reads_the_report_on_the_notifications_page(app, user):
    _submissions(user)
    app.test_cli_runner().invoke(args=["check-integrity"])
    client = app.test_client()
    client.post("/login", data={"username": "finance", "password": "demo"})
    page = client.get("/notifications")
    assert "数据一致性检查：4 个提交全部一致" in page.text


def test_the_demo_county_as_init_db_makes_it_is_consistent(initialised_demo, tmp_path):
    """Real processes (service tasks, timers, gateways, return loops) keep all three in step.
    The database is one `init-db --demo` initialised (the root conftest's variant)."""
    from app import create_app
    from conftest import shipped_config

    demo = create_app(shipped_config(initialised_demo))
    demo.instance_path = str(tmp_path / "instance")
    with demo.app_context():
        result = demo.test_cli_runner().invoke(args=["check-integrity", "--quiet"])
        assert result.exit_code == 0, result.output
        assert "个提交全部一致" in result.output
        db.session.remove()
        db.engine.dispose()
