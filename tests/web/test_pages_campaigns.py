"""轮次 pages: finance launches a round from the page and follows its progress."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, Org, ProcessInstance, Project
from app.services.administration.deployment import deploy_definition
from app.services.foundation.clock import now
from app.services.runtime.queries import open_tasks_of
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS
from html_page import attributes, by_heading, every, one, parse, text, texts

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture
def evaluation_process(app):
    """A tiny process deployed under the key annual_evaluation, started by finance."""
    xml = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('"simple_approval"', '"annual_evaluation"')
    xml = xml.replace('name="budget_unit"', 'name="finance_bureau"')
    forms = {path.name: path.read_bytes() for path in (FIXTURES / "forms").glob("*.json")}
    return deploy_definition(None, xml.encode(), "annual_evaluation.bpmn", {}, None, forms)


@pytest.fixture
def approved_projects(app) -> list[Project]:
    """Three approved 2027 projects (two at schools, one at the hospital), one excluded."""
    orgs = {o.code: o for o in db.session.scalars(select(Org))}
    made = []
    for code, name, dept, unit, status in (
        ("JY-001", "校舍维修改造", "edu", "edu-school1", "approved"),
        ("JY-002", "图书馆藏书", "edu", "edu-school2", "approved"),
        ("WS-001", "医疗设备购置", "health", "health-hospital", "approved"),
        ("WS-009", "远程会诊平台", "health", "health-hospital", "excluded"),
    ):
        project = Project(
            code=code,
            name=name,
            fiscal_year=2027,
            department_id=orgs[dept].id,
            unit_id=orgs[unit].id,
            status=status,
            approved_amount=100.0,
            cumulative_adjustment=0,
            updated_at=datetime(2027, 1, 20),
        )
        db.session.add(project)
        made.append(project)
    db.session.commit()
    return made


LAUNCH = {"process": "annual_evaluation", "fiscal_year": "2027", "due": "2028-03-31"}


def flashes(page) -> list[str]:
    return texts(parse(page), "p.flash[role=status]")


def round_totals(page) -> dict[str, str]:
    """The round's totals as the page words them: {"total": "共 3 份", …}."""
    totals = one(parse(page), "p.round-totals")
    return {
        part: text(one(totals, f".{part}"))
        for part in ("total", "submitted", "finished", "overdue")
    }


@pytest.mark.parametrize("username", ["unit", "dept", "dept2", "gov", "expert", "admin"])
def test_rounds_are_refused_to_everyone_but_finance(client, login, username, evaluation_process):
    login(username)
    assert client.get("/campaigns").status_code == 403
    assert client.post("/campaigns", data=LAUNCH).status_code == 403
    assert client.get("/campaigns/1").status_code == 403
    assert "/campaigns" not in attributes(parse(client.get("/")), "nav a", "href")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_finance_launches_a_round_once_and_relaunching_adds_no_duplicate(
    client, login, evaluation_process, approved_projects
):
    login("finance")
    page = client.get("/campaigns")
    assert page.status_code == 200 and "发起轮次" in page.text and "尚未发起任何轮次" in page.text
    assert "/campaigns" in attributes(parse(client.get("/")), "nav a", "href")

    first = client.post("/campaigns", data=LAUNCH, follow_redirects=True)
    assert first.status_code == 200
    assert flashes(first) == ["已发起 3 份，已存在 0 份"]
    assert "2027年度绩效评价" in first.text

    again = client.post("/campaigns", data=LAUNCH, follow_redirects=True)
    assert flashes(again) == ["已发起 0 份，已存在 3 份"]
    db.session.rollback()
    items = db.session.scalars(select(ProcessInstance.round_item).order_by("round_item")).all()
    assert items == ["JY-001", "JY-002", "WS-001"]

    listing = client.get("/campaigns")
    row = by_heading(parse(listing), "tr[data-campaign]")
    assert row["轮次"] == "2027年度绩效评价" and row["发起人"] == "张伟（县财政局预算股）"
    assert (row["份数"], row["办结"]) == ("3", "0")
    assert row["截止日期"].startswith("2028-03-31")


@pytest.mark.parametrize(
    ("form", "message", "status"),
    [
        (
            {"process": "quarterly_monitoring", "fiscal_year": "2027"},
            "季度监控须指定第 1–4 季度",
            400,
        ),
        ({"process": "budget_compilation", "fiscal_year": "2028"}, "未部署", 400),
        ({"process": "annual_evaluation", "fiscal_year": "明年"}, "请以数字填写年度", 400),
    ],
)
def test_a_refused_launch_shows_why_and_starts_nothing(
    client, login, evaluation_process, approved_projects, form, message, status
):
    login("finance")
    answer = client.post("/campaigns", data=form)
    assert answer.status_code == status
    assert "未能发起本轮" in answer.text and message in answer.text
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_a_round_without_approved_projects_is_refused_and_leaves_no_empty_round(
    client, login, evaluation_process
):
    login("finance")
    page = client.post("/campaigns", data=LAUNCH)
    assert page.status_code == 400
    assert "本轮没有可纳入的已批复项目，未发起任何提交" in page.text
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_progress_page_counts_submitted_finished_overdue_by_step_and_department(
    app, client, login, user, evaluation_process, approved_projects
):
    login("finance")
    client.post("/campaigns", data=LAUNCH)
    db.session.rollback()
    first = db.session.scalar(select(ProcessInstance).where(ProcessInstance.round_item == "JY-001"))
    task = open_tasks_of([first.id])[first.id][0]
    complete_task(user("finance"), task.id, GOOD_TARGETS)  # JY-001 moves to the dept review
    campaign_id = first.campaign_id

    page = client.get(f"/campaigns/{campaign_id}")
    assert page.status_code == 200
    assert round_totals(page) == {
        "total": "共 3 份",
        "submitted": "已提交 1",
        "finished": "已办结 0",
        "overdue": "逾期 0",
    }
    doc = parse(page)
    steps = {
        step.get("data-step"): text(one(step, ".bar-count")) for step in every(doc, "li[data-step]")
    }
    assert steps == {"填报绩效目标": "2", "部门审核": "1"}
    departments = [
        by_heading(doc, f'tr[data-department="{name}"]')
        for name in attributes(doc, "tr[data-department]", "data-department")
    ]
    assert [(d["主管部门"], d["份数"], d["已提交"], d["办结"]) for d in departments] == [
        ("县卫生健康局", "1", "0", "0"),
        ("县教育局", "2", "1", "0"),
    ]
    assert len(every(doc, "tr[data-instance]")) == 3

    # A month on, only the department review (due in 5 working days) is late: the round's
    # first steps are due at the round's deadline.
    later = now() + timedelta(days=30)
    app.config["CLOCK"] = lambda: later
    assert round_totals(client.get(f"/campaigns/{campaign_id}"))["overdue"] == "逾期 1"
    # Past the round's deadline every open step is late; most overdue first.
    app.config["CLOCK"] = lambda: datetime(2028, 4, 2, 9, 0)
    page = client.get(f"/campaigns/{campaign_id}")
    assert round_totals(page)["overdue"] == "逾期 3"
    order = attributes(parse(page), "tr[data-department]", "data-department")
    assert order == ["县教育局", "县卫生健康局"]
    by_name = parse(client.get(f"/campaigns/{campaign_id}?sort=department"))
    assert attributes(by_name, "tr[data-department]", "data-department") == sorted(order)


def test_a_missing_round_is_404_for_finance(client, login):
    login("finance")
    assert client.get("/campaigns/999").status_code == 404


def test_finance_schedules_a_round_the_worker_launches_on_the_day(
    app, client, login, evaluation_process, approved_projects
):
    from app.services.foundation.jobs import run_due_jobs

    app.config["CLOCK"] = lambda: datetime(2027, 12, 30, 9, 0)
    login("finance")
    page = client.post(
        "/campaigns", data={**LAUNCH, "launch_on": "2028-01-03"}, follow_redirects=True
    )
    assert flashes(page)[-1] == "该轮次将于 2028-01-03 自动发起。"
    row = by_heading(parse(page), "tr[data-job]")
    assert row["流程"] == "年度绩效评价" and row["发起时间"] == "2028-01-03 08:00"
    again = client.post("/campaigns", data={**LAUNCH, "launch_on": "2028-01-03"})
    assert again.status_code == 400 and "已按此时间排定" in again.text
    past = client.post("/campaigns", data={**LAUNCH, "launch_on": "2027-12-01"})
    assert past.status_code == 400 and "须晚于现在" in past.text
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0

    run_due_jobs("w1")  # not yet the day
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0
    app.config["CLOCK"] = lambda: datetime(2028, 1, 3, 0, 0)  # 08:00 in Beijing
    assert run_due_jobs("w1").done == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 3
    assert db.session.scalar(select(Campaign.launched_by_id)) is not None
    assert every(parse(client.get("/campaigns")), "tr[data-job]") == []  # no longer pending
    app.config["CLOCK"] = None


def test_a_scheduled_round_can_be_cancelled_and_then_never_launches(
    app, client, login, evaluation_process, approved_projects
):
    from app.services.foundation.jobs import run_due_jobs

    app.config["CLOCK"] = lambda: datetime(2027, 12, 30, 9, 0)
    login("finance")
    page = client.post("/campaigns", data={**LAUNCH, "launch_on": "2028-01-03"})
    (job_id,) = attributes(parse(client.get("/campaigns")), "tr[data-job]", "data-job")
    login("dept")
    assert client.post(f"/campaigns/scheduled/{job_id}/cancel").status_code == 403
    login("finance")
    page = client.post(f"/campaigns/scheduled/{job_id}/cancel", follow_redirects=True)
    assert flashes(page)[-1] == "已取消定时轮次。"
    assert client.post(f"/campaigns/scheduled/{job_id}/cancel").status_code == 404
    app.config["CLOCK"] = lambda: datetime(2028, 1, 4, 0, 0)
    assert run_due_jobs("w1").done == 0
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0
    app.config["CLOCK"] = None
