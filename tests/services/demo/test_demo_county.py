"""`flask init-db --demo` on the shipped processes: what each demo account sees on login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import (
    AuditEvent,
    Campaign,
    CountyBudget,
    Org,
    ProcessInstance,
    Project,
    ProjectEvent,
    RectificationItem,
    Task,
    User,
)
from app.models.department import DepartmentSelfEvaluation, DepartmentTargets
from app.models.org import ACTING
from app.performance.registry import find_project
from app.services.foundation.errors import NotFound
from app.services.registry.campaigns import campaign_progress
from app.services.runtime.forms_view import task_form
from app.services.runtime.queries import instance_detail, list_inbox, list_instances
from conftest import init_db_demo, shipped_config

SEEDED = "已生成演示年度数据"


@pytest.fixture
def demo_app(initialised_demo, tmp_path):
    """An app on the repository's processes/ and forms/, on a database `init-db --demo`
    initialised (a copy of the template variant the root conftest builds with it)."""
    app = create_app(shipped_config(initialised_demo))
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_init_db_demo_on_an_empty_database_says_it_created_the_year(database_url, tmp_path):
    result = init_db_demo(database_url, str(tmp_path / "instance"))
    assert result.exit_code == 0, result.output
    assert SEEDED in result.output


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username).options(*ACTING))


def seen(username: str) -> list[tuple[str, str, str]]:
    """(process, step, project code) of each task in the account's inbox."""
    return sorted(
        (t.process_key, t.activity_id, t.instance.data.get("project_code"))
        for t in list_inbox(user(username)).tasks
    )


def test_each_account_sees_its_own_work_on_login(demo_app):
    assert seen("unit") == [
        ("budget_compilation", "fill_project_targets", "JY-2026-002"),
        ("quarterly_monitoring", "correction_plan", "JY-2026-001"),
        ("quarterly_monitoring", "fill_monitoring_report", "JY-2026-002"),
    ]
    assert seen("unit2") == [
        ("budget_compilation", "fill_project_targets", "WS-2027-001"),
        ("quarterly_monitoring", "fill_monitoring_report", "WS-2026-001"),
        ("quarterly_monitoring", "fill_monitoring_report", "WS-2027-001"),
    ]
    assert seen("dept") == [
        ("budget_compilation", "dept_review", "JY-2026-001"),
        ("midyear_adjustment", "dept_review", "JY-2026-002"),
    ]
    assert seen("dept2") == [("annual_evaluation", "rectification_follow_up", "WS-2026-002")]
    assert seen("finance") == [
        ("annual_evaluation", "finance_review_self_evaluation", "JY-2026-002"),
        ("annual_evaluation", "verify_rectification", "JY-2026-003"),
        ("budget_compilation", "finance_target_review", "WS-2026-001"),
    ]
    assert seen("expert") == [("budget_compilation", "pre_evaluation", "JY-2028-001")]
    # New money for 县人民医院 waits for the government, and another request for the
    # 人大常委会: neither opens an empty inbox.
    assert seen("gov") == [("midyear_adjustment", "gov_review", "WS-2026-001")]
    assert seen("congress") == [("midyear_adjustment", "congress_review", "WS-2027-001")]
    assert seen("admin") == []


def test_the_red_report_waits_for_its_correction_plan_with_the_approved_targets(demo_app):
    unit = user("unit")
    task = next(t for t in list_inbox(unit).tasks if t.activity_id == "correction_plan")
    form = task_form(unit, task.id)
    assert form.data["quarter"] == 1 and form.data["adjusted_budget"] == 300
    assessment = form.data["assessment"]
    assert assessment["needs_correction"] is True
    assert assessment["execution_light"] == "red" and assessment["project_light"] == "red"
    approved = find_project("JY-2026-001", 2027).indicators
    assert [r["name"] for r in form.data["indicators"]] == [r["name"] for r in approved]

    waiting = next(t for t in list_inbox(unit).tasks if t.activity_id == "fill_monitoring_report")
    prefill = task_form(unit, waiting.id).data
    assert prefill["indicators"] == find_project("JY-2026-002", 2027).indicators


def test_the_new_project_is_assigned_to_the_expert_and_the_midyear_request_is_reviewed(
    demo_app,
):
    expert = user("expert")
    (task,) = list_inbox(expert).tasks
    assert task.assignee_id == expert.id
    data = task_form(expert, task.id).data
    assert (data["project_name"], data["nature"], data["expert_username"]) == (
        "创客教育实验室建设",
        "新增",
        "expert",
    )
    dept = user("dept")
    review = next(t for t in list_inbox(dept).tasks if t.process_key == "midyear_adjustment")
    data = task_form(dept, review.id).data
    assessment = data["adjustment"]
    assert (assessment["route"], assessment["adjusted_amount"], data["low_performing"]) == (
        "review",
        85,
        False,
    )
    assert assessment["changes_county_total"] is True, "new money goes on to the congress"


def test_finance_follows_the_three_rounds(demo_app):
    finance = user("finance")
    progress = {
        c.code: campaign_progress(finance, c.id) for c in db.session.scalars(select(Campaign))
    }
    assert set(progress) == {
        "annual_evaluation-2026",
        "quarterly_monitoring-2027-Q1",
        "budget_compilation-2028",
    }
    evaluation = progress["annual_evaluation-2026"]
    assert (evaluation.total, evaluation.submitted, evaluation.finished) == (5, 5, 2)
    assert dict(evaluation.by_step) == {
        "财政审核自评报告": 1,
        "整改落实": 1,
        "财政核实整改事项": 1,
    }
    monitoring = progress["quarterly_monitoring-2027-Q1"]
    assert (monitoring.total, monitoring.submitted, monitoring.finished) == (5, 1, 0)
    assert dict(monitoring.by_step) == {"填报季度绩效监控报告": 4, "制定纠偏措施": 1}
    compilation = progress["budget_compilation-2028"]
    # 县人民医院's chest-pain centre was filed, and its department sent it back.
    assert (compilation.total, compilation.submitted, compilation.finished) == (5, 3, 0)
    assert dict(compilation.by_step) == {
        "填报项目绩效目标": 3,
        "部门审核项目": 1,
        "财政审核绩效目标": 1,
    }
    assert {d.department: d.total for d in compilation.by_department} == {
        "县教育局": 3,
        "县卫生健康局": 2,
    }


def test_the_registry_holds_last_years_grades_and_this_years_budget(demo_app):
    graded = {
        p.code: (p.grade, p.next_year_tag)
        for p in db.session.scalars(select(Project).where(Project.fiscal_year == 2026))
    }
    assert graded == {
        "JY-2026-001": ("优", "优先保障"),
        "JY-2026-002": (None, None),  # its self-evaluation waits at finance
        "JY-2026-003": ("中", "压减预算"),
        "WS-2026-001": ("良", "从严审核"),
        "WS-2026-002": ("差", "取消预算"),
    }
    poor = find_project("WS-2026-002", 2026)
    assert poor.score < 60 and poor.latest_light == "red"
    assert db.session.scalars(
        select(RectificationItem.description)
        .where(RectificationItem.project_id == poor.id)
        .order_by(RectificationItem.id)
    ).all() == ["补齐家庭医生团队人员配备，规范随访记录", "建立签约居民健康档案动态更新机制"]
    evaluated = db.session.scalar(
        select(ProjectEvent).where(
            ProjectEvent.project_id == poor.id, ProjectEvent.kind == "evaluated"
        )
    )
    assert evaluated.instance_id is not None, "graded by the real evaluation process"

    this_year = {
        p.code: (p.status, p.approved_amount, p.nature)
        for p in db.session.scalars(select(Project).where(Project.fiscal_year == 2027))
    }
    assert this_year == {
        "JY-2026-001": ("approved", 300, "延续"),
        "JY-2026-002": ("approved", 60, "延续"),
        "JY-2026-003": ("approved", 120, "延续"),
        "WS-2026-001": ("approved", 400, "延续"),
        "WS-2027-001": ("approved", 260, "新增"),
    }
    assert find_project("WS-2026-002", 2027) is None, "cancelled after its 差"
    assert all(len(p.indicators) == 4 for p in db.session.scalars(select(Project)))


def test_the_health_department_never_sees_educations_submissions(demo_app):
    dept2 = user("dept2")
    education = db.session.scalar(select(Org).where(Org.code == "edu"))
    visible = list_instances(dept2)
    assert visible and all(not i.org_path.startswith(education.path) for i in visible)
    assert all(not t.org_path.startswith(education.path) for t in list_inbox(dept2).tasks)
    theirs = db.session.scalars(
        select(ProcessInstance).where(ProcessInstance.org_path.startswith(education.path))
    ).all()
    # 3 evaluations, 3 monitoring, 3 + 1 compilation, 1 adjustment, and the department
    # level's 2026 and 2028 targets and 2026 self-evaluation
    assert len(theirs) == 14
    for instance in theirs:
        with pytest.raises(NotFound):
            instance_detail(dept2, instance.id)


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (
            Project,
            ProjectEvent,
            ProcessInstance,
            Task,
            AuditEvent,
            Campaign,
            RectificationItem,
        )
    }


def test_running_init_db_demo_again_changes_nothing(demo_app):
    before = counts()
    assert before["Project"] == 10 and before["Campaign"] == 3
    result = demo_app.test_cli_runner().invoke(args=["init-db", "--demo"])
    assert result.exit_code == 0, result.output
    assert SEEDED not in result.output and "已部署" not in result.output
    db.session.remove()
    assert counts() == before


def test_every_open_task_of_the_demo_has_someone_who_can_act_on_it(demo_app):
    """The demo county is possible: whoever owns a step has an account that holds it."""
    from app.services.foundation.policy import holds_role_for

    users = list(db.session.scalars(select(User).where(User.active.is_(True)).options(*ACTING)))
    open_tasks = list(db.session.scalars(select(Task).where(Task.status == "ready")))
    assert open_tasks
    orphans = [
        (t.process_key, t.activity_id, t.role_code, t.org_path)
        for t in open_tasks
        if not any(holds_role_for(u, t) or t.assignee_id == u.id for u in users)
    ]
    assert orphans == []


def test_the_demos_rectification_list_has_a_claim_a_failure_and_an_overdue_item(demo_app):
    from app.services.documents.rectification import RectificationFilters, rectification_list

    finance = user("finance")
    found = rectification_list(finance, RectificationFilters(fiscal_year=2026))
    assert [(r.project.code, r.status_label, r.item.failures, r.overdue) for r in found.rows] == [
        ("JY-2026-003", "待核实", 0, False),
        ("WS-2026-002", "整改中", 1, False),
        ("WS-2026-002", "整改中", 0, True),
    ]
    assert found.rows[1].item.last_reason.startswith("随访记录仍不规范")
    assert [d.decided_by for d in found.rows[1].decisions] == [finance.display_name]
    assert [(r.item.description, r.ground_labels) for r in found.accountability] == [
        ("建立签约居民健康档案动态更新机制", ["逾期未销号"])
    ]
    listed = rectification_list(user("dept"), RectificationFilters(fiscal_year=2026)).rows
    assert [r.project.code for r in listed] == ["JY-2026-003"], "县教育局 sees its own only"


# -- a year in motion: the seed's clock ran weeks back (services/demo/clock.py) -------------


def county_time(at):
    from datetime import UTC
    from zoneinfo import ZoneInfo

    return at.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))


def test_the_demo_started_weeks_ago_and_one_step_is_clearly_the_bottleneck(demo_app):
    from app.services.foundation.clock import now
    from app.services.tracking.dashboard import step_stats

    today = now()
    started = db.session.scalars(select(ProcessInstance.started_at)).all()
    assert min(started) < today - timedelta(weeks=8) and max(started) <= today
    open_tasks = db.session.scalars(select(Task).where(Task.status == "ready")).all()
    assert all(t.created_at <= today for t in open_tasks)
    overdue = [t for t in open_tasks if t.due_at and t.due_at < today]
    assert len(overdue) >= 5, "some work is late"
    assert any(t.due_at > today for t in open_tasks), "and some is not yet"

    stats = step_stats(user("finance"))
    worst = max(stats, key=lambda s: (s.overdue, s.open))
    assert (worst.process_key, worst.activity_id) == (
        "quarterly_monitoring",
        "fill_monitoring_report",
    )
    assert worst.bottleneck and worst.open == worst.overdue == 4
    assert worst.oldest_since < today - timedelta(weeks=4)
    second = sorted((s.overdue for s in stats), reverse=True)[1]
    assert second <= 2, "one step stands out"


def test_deadlines_fall_at_the_end_of_a_working_day(demo_app):
    due = [
        *db.session.scalars(select(Task.due_at).where(Task.status == "ready")),
        *db.session.scalars(select(Campaign.due_at)),
    ]
    assert due and None not in due, "every open step and every round has a deadline"
    for at in due:
        local = county_time(at)
        assert (local.hour, local.minute) == (17, 30) and local.weekday() < 5, local


def test_a_returned_submission_waits_at_the_unit_with_its_reason(demo_app):
    from app.services.runtime.returns import returned_tasks

    inbox = list_inbox(user("unit2")).tasks
    marks = returned_tasks(inbox)
    (task,) = [t for t in inbox if t.id in marks]
    assert task.instance.data["project_code"] == "WS-2027-001"
    assert marks[task.id].by == user("dept2").display_name
    assert marks[task.id].reason.startswith("胸痛中心年度接诊目标偏低")
    from app.services.tracking.reminders import list_notifications

    (told,) = [n for n in list_notifications(user("unit2")) if n.kind == "returned"]
    assert told.task_id == task.id and "胸痛中心年度接诊目标偏低" in told.body


def test_the_overdue_reports_escalation_fired(demo_app):
    from app.models import Notification

    told = db.session.scalars(select(Notification).where(Notification.kind == "escalation")).all()
    assert {n.user_id for n in told} >= {user("dept").id, user("finance").id}
    assert any("教师能力提升培训 · 填报季度绩效监控报告" in n.title for n in told)


def test_the_county_budget_of_this_year_was_approved_as_a_whole(demo_app):
    """/county-budget opens on 2027 as the county approved it: both departments' budgets
    under their approved overall targets, and the government's return in its history."""
    from app.services.registry.county_budget import county_budget_year

    year = county_budget_year(user("gov"), None)
    assert (year.fiscal_year, str(year.status_name)) == (2027, "县人大已批准")
    budget = year.budget
    assert (budget["project_count"], budget["total_selected"]) == (5, 1140)
    by_department = {row["department"]: row["selected"] for row in budget["departments"]}
    assert by_department == {"县教育局": 480, "县卫生健康局": 660}
    assert all(row["overall_goal"] for row in budget["departments"])
    assert [r["department"] for r in budget["returns"]] == ["县卫生健康局"]


def test_the_demos_history_could_have_happened_in_its_order(demo_app):
    """A year's targets come before its budget, last year's grades before the budget that
    uses them (2027 cancels WS-2026-002 after its 差), the budget before its monitoring,
    the department's self-evaluation after its projects' grades, next year's targets
    before its compilation."""

    def events(kind: str, year: int) -> list:
        return db.session.scalars(
            select(ProjectEvent.at)
            .join(Project, Project.id == ProjectEvent.project_id)
            .where(ProjectEvent.kind == kind, Project.fiscal_year == year)
        ).all()

    def targets_approved(year: int) -> list:
        return db.session.scalars(
            select(DepartmentTargets.approved_at).where(DepartmentTargets.fiscal_year == year)
        ).all()

    def launched(process_key: str, year: int):
        return db.session.scalar(
            select(Campaign.launched_at).where(
                Campaign.process_key == process_key, Campaign.fiscal_year == year
            )
        )

    county_2027 = db.session.scalar(select(CountyBudget).where(CountyBudget.fiscal_year == 2027))
    graded_2026 = events("evaluated", 2026)
    assert len(graded_2026) == 4
    assert max(targets_approved(2026)) < min(events("approved", 2026))
    assert max(events("approved", 2026)) < min(events("monitored", 2026))
    assert max(events("monitored", 2026)) < launched("annual_evaluation", 2026)
    assert launched("annual_evaluation", 2026) < min(graded_2026)
    assert max(targets_approved(2027)) < county_2027.started_at
    assert max(graded_2026) < county_2027.started_at, "the 2027 budget used 2026's grades"
    assert county_2027.approved_at <= min(events("approved", 2027)), "批复 after the congress"
    assert max(events("approved", 2027)) < launched("quarterly_monitoring", 2027)
    evaluation = db.session.scalar(
        select(DepartmentSelfEvaluation).where(DepartmentSelfEvaluation.fiscal_year == 2026)
    )
    assert max(graded_2026) < evaluation.delivered_at < evaluation.government_read_at
    assert max(targets_approved(2028)) < launched("budget_compilation", 2028)
