"""Tracking: where submissions wait, how long finished steps took, which orgs lag."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.extensions import db
from app.models import Campaign
from app.services.foundation.errors import Forbidden
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import claim_task, complete_task
from app.services.tracking.dashboard import org_league, percentile, step_stats, tracking_dashboard
from app.services.tracking.interventions import terminate_instance
from app.services.tracking.submissions import SubmissionFilter, search_submissions
from conftest import CLOCK_START
from factories import GOOD_TARGETS

T0 = CLOCK_START  # where the clock fixture starts: a Monday, 09:00


def start(user, starter: str, title: str):
    instance, ready = start_instance(user(starter), "simple_approval", title=title)
    return instance, ready[0]


def step(stats, activity: str):
    (found,) = [s for s in stats if s.activity_id == activity]
    return found


def test_each_step_shows_how_many_wait_how_many_are_late_and_since_when(user, clock):
    a, a_fill = start(user, "unit", "A 校舍维修")
    b, _ = start(user, "unit2", "B 医疗设备")
    clock.at = T0 + timedelta(days=1)
    start(user, "unit", "C 食堂改造")
    clock.at = T0 + timedelta(days=2)
    complete_task(user("unit"), a_fill.id, GOOD_TARGETS)  # A waits at dept_review from 03-03
    # fill_targets is due in 10 working days: B on 03-15 09:00, C on 03-16 09:00;
    # dept_review in 5: A on 03-10 09:00.
    clock.at = datetime(2027, 3, 15, 12, 0)
    stats = step_stats(user("finance"), "simple_approval")
    fill, review = step(stats, "fill_targets"), step(stats, "dept_review")
    assert (fill.open, fill.overdue, fill.oldest_since) == (2, 1, T0)
    assert (review.open, review.overdue, review.oldest_since) == (1, 1, T0 + timedelta(days=2))
    assert [s.activity_id for s in stats] == ["fill_targets", "dept_review"]
    assert fill.bottleneck and not review.bottleneck  # 1 overdue each, more open at fill


def test_finished_steps_show_the_median_and_90th_percentile_of_time_spent(user, clock):
    hours = [1, 2, 4, 10]
    tasks = [start(user, "unit", f"申报 {h}")[1] for h in hours]
    for h, task in zip(hours, tasks, strict=True):
        clock.at = T0 + timedelta(hours=h)
        complete_task(user("unit"), task.id, GOOD_TARGETS)
    fill = step(step_stats(user("finance"), "simple_approval", 1), "fill_targets")
    # median of 1, 2, 4, 10 hours = (2 + 4) / 2; p90 by nearest rank: ceil(0.9 * 4) = 4th.
    assert (fill.finished, fill.median, fill.p90) == (4, timedelta(hours=3), timedelta(hours=10))
    assert (fill.open, fill.overdue) == (0, 0)
    review = step(step_stats(user("finance"), "simple_approval", 1), "dept_review")
    assert (review.open, review.finished, review.median) == (4, 0, None)


def test_the_percentile_is_an_observed_duration_by_nearest_rank():
    days = [timedelta(days=d) for d in (5, 1, 3, 2, 4, 6, 7, 8, 9, 10)]
    assert percentile(days, 0.9) == timedelta(days=9)
    assert percentile(days[:1], 0.9) == timedelta(days=5)
    assert percentile([], 0.9) is None


def test_the_league_table_counts_open_overdue_and_returned_per_organisation(user, clock):
    _, returned_fill = start(user, "unit", "A 退回过的")
    start(user, "unit", "B 未动")
    start(user, "unit2", "C 医院")
    clock.at = T0 + timedelta(days=1)
    (review,) = complete_task(user("unit"), returned_fill.id, GOOD_TARGETS)[1]
    complete_task(user("dept"), review.id, {"decision": "return", "comment": "指标不完整"})
    clock.at = datetime(2027, 3, 20, 9, 0)  # all three fill_targets are overdue by now
    rows = org_league(user("finance"), sort="returned")
    assert [(r.org_name, r.total, r.open, r.overdue, r.returned) for r in rows] == [
        ("县第一中学", 2, 2, 2, 1),
        ("县人民医院", 1, 1, 1, 0),
    ]
    by_name = [r.org_name for r in org_league(user("finance"), sort="open")]
    assert by_name == ["县第一中学", "县人民医院"]


def test_the_list_filters_by_step_org_overdue_wait_text_role_and_assignee(user, clock):
    a, a_fill = start(user, "unit", "校舍维修 A")
    start(user, "unit2", "医疗设备 B")
    clock.at = T0 + timedelta(days=3)
    c, c_fill = start(user, "unit", "食堂改造 C")
    claim_task(user("unit"), c_fill.id)
    complete_task(user("unit"), a_fill.id, GOOD_TARGETS)
    clock.at = datetime(2027, 3, 15, 12, 0)  # B's fill is late (03-15 09:00), C's is not
    finance = user("finance")

    def titles(**chosen) -> list[str]:
        found = search_submissions(finance, SubmissionFilter(**chosen), sort="title")
        return [row.instance.title for row in found.rows]

    assert titles() == ["医疗设备 B", "校舍维修 A", "食堂改造 C"]
    assert titles(activity="dept_review") == ["校舍维修 A"]
    assert titles(role="budget_unit") == ["医疗设备 B", "食堂改造 C"]
    assert titles(overdue=True) == ["医疗设备 B", "校舍维修 A"]
    assert titles(activity="fill_targets", overdue=True) == ["医疗设备 B"]
    assert titles(waited_days=13) == ["医疗设备 B"]
    assert titles(assignee="unit") == ["食堂改造 C"]
    assert titles(text="设备") == ["医疗设备 B"]
    assert titles(org_id=a.org_id) == ["校舍维修 A", "食堂改造 C"]
    assert titles(org_id=user("dept").org_id) == ["校舍维修 A", "食堂改造 C"]  # the subtree
    assert titles(status="completed") == []


def test_the_list_filters_by_round_and_fiscal_year_and_pages(user, clock):
    for n in range(5):
        start(user, "unit", f"申报 {n}")
    instances = [
        row.instance for row in search_submissions(user("finance"), SubmissionFilter()).rows
    ]
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
    for instance in instances[:2]:
        instance.campaign_id = round_.id
    db.session.commit()
    finance = user("finance")
    assert search_submissions(finance, SubmissionFilter(campaign_id=round_.id)).total == 2
    assert search_submissions(finance, SubmissionFilter(fiscal_year=2027)).total == 2
    assert search_submissions(finance, SubmissionFilter(fiscal_year=2026)).total == 0
    pages = [
        search_submissions(finance, SubmissionFilter(), "title", page, per_page=2)
        for page in (1, 2, 3)
    ]
    assert [(p.total, p.pages) for p in pages] == [(5, 3)] * 3
    assert [[r.instance.title for r in p.rows] for p in pages] == [
        ["申报 0", "申报 1"],
        ["申报 2", "申报 3"],
        ["申报 4"],
    ]


def test_a_department_tracks_only_its_own_subtree_and_units_not_at_all(user, clock):
    start(user, "unit", "教育 A")
    start(user, "unit2", "卫生 B")
    dashboard = tracking_dashboard(user("dept2"))
    assert [r.org_name for r in dashboard.league] == ["县人民医院"]
    assert [s.open for s in dashboard.steps] == [1]
    found = search_submissions(user("dept2"), SubmissionFilter())
    assert [r.instance.title for r in found.rows] == ["卫生 B"]
    with pytest.raises(Forbidden):
        tracking_dashboard(user("unit"))
    with pytest.raises(Forbidden):
        search_submissions(user("unit"), SubmissionFilter())


def test_the_list_sorts_by_waiting_and_due_with_open_ones_first_across_pages(user, clock):
    a, a_fill = start(user, "unit", "A")
    clock.at = T0 + timedelta(days=1)
    start(user, "unit2", "B")
    clock.at = T0 + timedelta(days=2)
    complete_task(user("unit"), a_fill.id, GOOD_TARGETS)  # A waits at review from 03-03
    clock.at = T0 + timedelta(days=3)
    start(user, "unit", "C")
    for title in ("D", "E"):  # withdrawn: nothing open, listed after, newest first
        withdrawn, _ = start(user, "unit", title)
        terminate_instance(user("finance"), withdrawn.id, "撤回")
    finance = user("finance")

    def titles(sort: str, page: int = 1, per_page: int | None = None) -> list[str]:
        found = search_submissions(finance, SubmissionFilter(), sort, page, per_page)
        return [row.instance.title for row in found.rows]

    # Waiting since: A 03-03, B 03-02, C 03-04. Due: A 03-10, B 03-15, C 03-17.
    assert titles("waiting") == ["B", "A", "C", "E", "D"]
    assert titles("-waiting") == ["C", "A", "B", "E", "D"]
    assert titles("due") == ["A", "B", "C", "E", "D"]
    assert titles("-due") == ["C", "B", "A", "E", "D"]
    pages = [titles("waiting", page, 2) for page in (1, 2, 3, 4)]
    assert pages == [["B", "A"], ["C", "E"], ["D"], []]
