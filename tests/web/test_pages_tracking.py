"""The tracking screen, the bell, chasing and interventions, as people see them."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.models import Campaign, ProcessInstance
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from conftest import CLOCK_START
from factories import GOOD_TARGETS
from html_page import attributes, by_heading, every, one, parse, text, texts

T0 = CLOCK_START  # where the clock fixture starts: a Monday, 09:00


@pytest.fixture
def county(user, clock):
    """Three submissions on 03-15 12:00: A at dept_review (late), B (hospital) late at
    fill_targets, C (school) at fill_targets, not yet due."""
    a, ready = start_instance(user("unit"), "simple_approval", title="校舍维修 A")
    b, _ = start_instance(user("unit2"), "simple_approval", title="医疗设备 B")
    clock.at = T0 + timedelta(days=1)
    c, _ = start_instance(user("unit"), "simple_approval", title="食堂改造 C")
    clock.at = T0 + timedelta(days=2)
    complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    clock.at = datetime(2027, 3, 15, 12, 0)
    return a.id, b.id, c.id


def listed(page) -> list[str]:
    """The submissions the tracking list shows, by id, in its order."""
    return attributes(parse(page), ".tracking-list tr[data-instance]", "data-instance")


def test_finance_sees_each_step_with_waiting_overdue_and_oldest_and_a_chart(client, login, county):
    login("finance")
    page = client.get("/tracking?process=simple_approval")
    assert page.status_code == 200
    doc = parse(page)
    # a count is headed as a count (等待件数), a duration as a duration (最早停留自)
    fill = by_heading(doc, 'tr[data-step="simple_approval:1:fill_targets"]')
    assert fill["步骤"].startswith("填报绩效目标") and "瓶颈" in fill["步骤"]
    assert (fill["等待件数"], fill["已逾期"]) == ("2", "1")
    assert fill["最早停留自"].startswith("2027-03-01 17:00")  # Beijing time of 09:00 UTC
    review = by_heading(doc, 'tr[data-step="simple_approval:1:dept_review"]')
    assert (review["等待件数"], review["已逾期"]) == ("1", "1")
    assert len(every(doc, "svg.step-chart .bar-overdue")) == 3  # two steps and the legend
    assert "跟踪" in texts(doc, "nav.main-nav a")


def test_the_chart_names_each_step_and_beneath_it_its_process(client, login, county):
    login("finance")
    row = one(parse(client.get("/tracking")), 'svg.step-chart g.chart-row[data-step="dept_review"]')
    label = one(row, ".chart-label")
    assert label.text == "部门审核"
    assert one(label, "title").text == "部门审核 · 项目申报审核 v1"  # the whole name on hover
    assert texts(row, ".chart-sub") == ["项目申报审核 v1"]


def test_the_league_table_sorts_by_the_column_chosen(client, login, county, user):
    login("finance")
    doc = parse(client.get("/tracking?league=overdue"))
    school = by_heading(doc, 'tr[data-org="县第一中学"]')
    assert [school[h] for h in ("份数", "办理", "已逾期", "退回过")] == ["2", "2", "1", "0"]
    hospital = by_heading(doc, 'tr[data-org="县人民医院"]')
    assert [hospital[h] for h in ("份数", "办理", "已逾期", "退回过")] == ["1", "1", "1", "0"]

    def order(sort: str) -> list[str]:
        league = parse(client.get(f"/tracking?league={sort}"))
        return attributes(league, ".list.league tr[data-org]", "data-org")

    assert order("open") == ["县第一中学", "县人民医院"]  # 2 open against 1
    assert order("overdue") == ["县人民医院", "县第一中学"]  # a tie: by name


def test_the_list_filters_and_the_export_holds_exactly_the_filtered_rows(client, login, county):
    a, b, c = county
    login("finance")
    assert listed(client.get("/tracking?sort=title").text) == [str(b), str(a), str(c)]
    query = "/tracking?overdue=1&sort=title"
    assert listed(client.get(query).text) == [str(b), str(a)]
    assert listed(client.get("/tracking?q=食堂").text) == [str(c)]
    assert listed(client.get("/tracking?waited=14").text) == [str(b)]  # C: 13 days 3 hours
    assert listed(client.get("/tracking?activity=dept_review").text) == [str(a)]
    exported = client.get(query + "&export=xlsx")
    assert exported.status_code == 200
    assert exported.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(exported.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:8] == ("编号", "流程", "版本", "轮次", "标题", "单位", "状态", "当前环节")
    assert [(r[0], r[4], r[5], r[6], r[7], r[12]) for r in rows[1:]] == [
        (b, "医疗设备 B", "县人民医院", "办理中", "填报绩效目标", "是"),
        (a, "校舍维修 A", "县第一中学", "办理中", "部门审核", "是"),
    ]
    assert rows[1][10] == datetime(2027, 3, 1, 17, 0)  # since, in Beijing time
    assert rows[1][13] == 14  # whole days waited


def test_the_list_pages_and_filters_by_round(client, login, county, user):
    a, b, c = county
    round_ = Campaign(
        code="simple-2027",
        name="2027年度申报",
        process_key="simple_approval",
        fiscal_year=2027,
        launched_by_id=user("finance").id,
        launched_at=T0,
    )
    db.session.add(round_)
    db.session.flush()
    db.session.get(ProcessInstance, c).campaign_id = round_.id
    db.session.commit()
    login("finance")
    assert listed(client.get(f"/tracking?campaign={round_.id}")) == [str(c)]
    assert listed(client.get("/tracking?year=2027")) == [str(c)]
    doc = parse(client.get(f"/tracking?campaign={round_.id}"))
    round_section = one(doc, "section.tracking-round")
    assert "2027年度申报" in text(one(round_section, "h2"))
    # The round's own progress: C (the school's) is the one submission, not handed in.
    assert text(one(round_section, ".round-totals")).split(" · ")[:3] == [
        "共 1 份",
        "已提交 0",
        "1 份未提交",
    ]
    assert by_heading(round_section, 'tr[data-department="县教育局"]') == {
        "主管部门": "县教育局",
        "份数": "1",
        "已提交": "0",
        "办结": "0",
        "已逾期": "0",
        "未提交": "1",
    }
    steps = texts(doc, "section.tracking-steps tr[data-step] td:nth-child(3) a")
    assert steps == ["填报绩效目标"]  # A waits at 部门审核, but A is not in this round


def test_a_department_sees_only_its_own_subtree_and_a_unit_not_at_all(client, login, county):
    a, b, c = county
    login("dept2")
    page = client.get("/tracking")
    assert listed(page) == [str(b)]
    doc = parse(page)
    assert attributes(doc, "section.tracking-league tr[data-org]", "data-org") == ["县人民医院"]
    fill = by_heading(doc, 'tr[data-step="simple_approval:1:fill_targets"]')
    assert (fill["等待件数"], fill["已逾期"]) == ("1", "1")
    exported = load_workbook(BytesIO(client.get("/tracking?export=xlsx").data)).active
    assert [r[0] for r in exported.iter_rows(min_row=2, values_only=True)] == [b]
    login("unit")
    assert client.get("/tracking").status_code == 403
    assert "跟踪" not in texts(parse(client.get("/")), "nav.main-nav a")


def test_a_reminder_lights_the_bell_of_whoever_holds_the_task(client, login, county, user):
    a, b, c = county
    login("finance")
    (remind,) = attributes(
        parse(client.get(f"/instances/{c}")), "form[action$='/remind']", "action"
    )
    task_id = int(remind.split("/")[2])
    sent = client.post(f"/tasks/{task_id}/remind", data={"message": "请本周内提交"})
    assert sent.status_code == 302
    assert "李明" in client.get(sent.location).text
    login("unit")
    inbox = client.get("/").text
    assert texts(parse(inbox), ".bell-count") == ["1"]
    notes = client.get("/notifications").text
    assert "催办：食堂改造 C · 填报绩效目标" in notes and "请本周内提交" in notes
    client.post("/notifications/read")
    assert texts(parse(client.get("/")), ".bell-count") == []
    history = client.get(f"/instances/{c}").text
    assert "催办" in history or "Reminded" in history


def test_remind_everyone_overdue_in_a_round(client, login, county, user):
    a, b, c = county
    round_ = Campaign(
        code="simple-2027",
        name="2027年度申报",
        process_key="simple_approval",
        fiscal_year=2027,
        launched_by_id=user("finance").id,
        launched_at=T0,
    )
    db.session.add(round_)
    db.session.flush()
    for ident in (a, b, c):
        db.session.get(ProcessInstance, ident).campaign_id = round_.id
    db.session.commit()
    login("finance")
    assert "催办全部逾期" in client.get(f"/campaigns/{round_.id}").text
    sent = client.post(f"/campaigns/{round_.id}/remind-overdue")
    assert sent.status_code == 302
    assert "2" in " ".join(texts(parse(client.get(sent.location)), "[role=status]"))
    login("unit2")
    assert texts(parse(client.get("/")), ".bell-count") == ["1"]
    login("dept")  # A waits at dept_review
    assert texts(parse(client.get("/")), ".bell-count") == ["1"]
    login("unit")  # C is not overdue
    assert texts(parse(client.get("/")), ".bell-count") == []


def test_finance_terminates_with_a_reason_and_the_task_leaves_the_inbox(client, login, county):
    a, b, c = county
    login("finance")
    page = client.get(f"/instances/{c}").text
    assert "撤回" in page and "挂起" in page
    refused = client.post(f"/instances/{c}/terminate", data={"reason": " "})
    assert refused.status_code == 400 and "原因" in refused.text
    done = client.post(f"/instances/{c}/terminate", data={"reason": "项目取消"})
    assert done.status_code == 302
    page = client.get(f"/instances/{c}").text
    assert "已终止" in page and "项目取消" in page
    login("unit")
    assert "食堂改造 C" not in client.get("/").text
    assert client.post(f"/instances/{a}/suspend", data={"reason": "x"}).status_code == 403


def test_finance_suspends_resumes_and_reassigns_from_the_submission_page(client, login, county):
    a, b, c = county
    login("finance")
    assert client.post(f"/instances/{c}/suspend", data={"reason": "待审计"}).status_code == 302
    page = client.get(f"/instances/{c}").text
    assert "已挂起" in page and "待审计" in page
    assert client.post(f"/instances/{c}/resume", data={"reason": "审计完成"}).status_code == 302
    (reassign,) = attributes(
        parse(client.get(f"/instances/{c}")), "form[action$='/reassign']", "action"
    )
    task_id = int(reassign.split("/")[2])
    refused = client.post(f"/tasks/{task_id}/reassign", data={"username": "dept", "reason": "休假"})
    assert refused.status_code == 400 and "不具有" in refused.text
    moved = client.post(f"/tasks/{task_id}/reassign", data={"username": "unit", "reason": "指定"})
    assert moved.status_code == 302
    page = client.get(f"/instances/{c}").text
    assert "指定" in page and "李明（县第一中学）" in page


def test_finance_sees_an_incident_on_the_tracking_page_and_retries_it(
    app, client, login, county, user
):
    from sqlalchemy import select

    from app.models import Job
    from app.models.job import JOB_INCIDENT, JOB_PENDING
    from app.services.foundation.jobs import enqueue

    a, _, _ = county
    job = enqueue(
        "send_email",
        payload={"to": ["x@example"], "subject": "督办", "body": "<b>x</b>"},
        instance_id=a,
    )
    job.status, job.attempts, job.finished_at = JOB_INCIDENT, 5, T0
    job.last_error = "ConnectionRefusedError: <script>alert(1)</script>"
    db.session.commit()
    login("dept")  # departments track too, but incidents are finance's
    assert every(parse(client.get("/tracking")), "section.tracking-incidents") == []
    assert client.post(f"/jobs/{job.id}/retry").status_code == 403
    login("finance")
    page = client.get("/tracking").text
    incident = by_heading(parse(page), f'tr[data-job="{job.id}"]')
    assert (incident["后台任务"], incident["提交标题"], incident["尝试次数"]) == (
        "邮件发送",
        f"#{a}",
        "5",
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # an error text is shown, not run
    done = client.post(f"/jobs/{job.id}/retry", follow_redirects=True)
    assert "已重新排队" in done.text and every(parse(done), "section.tracking-incidents") == []
    db.session.rollback()
    assert db.session.scalar(select(Job.status).where(Job.id == job.id)) == JOB_PENDING
    assert client.post(f"/jobs/{job.id}/retry").status_code == 409
    assert client.post("/jobs/999/retry").status_code == 404


def test_absurd_numbers_in_the_filters_are_refused_or_match_nothing(client, login, county):
    login("finance")
    assert client.get("/tracking?campaign=99999999999999999999").status_code == 400
    assert client.get("/tracking?version=99999999999999999999").status_code == 400
    page = client.get("/tracking?waited=2000000000")
    assert page.status_code == 200 and listed(page.text) == []
