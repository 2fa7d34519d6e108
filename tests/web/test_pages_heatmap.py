"""The process heatmap (热力图): the diagram's numbers as JSON, the same in a table."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from conftest import CLOCK_START
from factories import GOOD_TARGETS
from html_page import by_heading, one, parse

T0 = CLOCK_START  # where the clock fixture starts: a Monday, 09:00


@pytest.fixture
def three(user, clock):
    """Three submissions started at T0: A filled after a day (waits at dept_review), B went
    all the way through (2 days filling, 1 day each review), C still waits at fill_targets."""
    a, ready_a = start_instance(user("unit"), "simple_approval", title="校舍维修 A")
    b, ready_b = start_instance(user("unit"), "simple_approval", title="食堂改造 B")
    c, _ = start_instance(user("unit"), "simple_approval", title="操场翻新 C")
    clock.at = T0 + timedelta(days=1)
    complete_task(user("unit"), ready_a[0].id, GOOD_TARGETS)
    clock.at = T0 + timedelta(days=2)
    _, ready = complete_task(user("unit"), ready_b[0].id, GOOD_TARGETS)
    clock.at = T0 + timedelta(days=3)
    _, ready = complete_task(user("dept"), ready[0].id, {"decision": "approve"})
    clock.at = T0 + timedelta(days=4)
    complete_task(user("finance"), ready[0].id, {"decision": "approve", "comment": "同意"})
    clock.at = T0 + timedelta(days=5)
    return a.id, b.id, c.id


def embedded(html: str) -> dict:
    return json.loads(one(parse(html), "script#heatmap-data").text)


COLUMNS = ("等待件数", "已逾期", "办结", "用时中位数", "90分位用时")


def step_row(html: str, activity: str) -> dict[str, str]:
    return by_heading(parse(html), f'tr[data-activity-id="{activity}"]')


def test_finance_sees_waiting_counts_and_medians_on_the_diagram_and_in_the_table(
    client, login, three
):
    login("finance")
    page = client.get("/processes/simple_approval/heatmap")
    assert page.status_code == 200
    html = page.text
    data = embedded(html)
    by_step = {s["activity_id"]: s for s in data["steps"]}
    assert list(by_step) == ["fill_targets", "dept_review", "finance_review"]
    assert data["busiest"] == 1
    fill, review, final = by_step["fill_targets"], by_step["dept_review"], by_step["finance_review"]
    assert (fill["open"], fill["finished"], fill["median_seconds"], fill["level"]) == (
        1,
        2,
        36 * 3600,
        4,
    )  # C waits; A took 1 day and B 2: median 1.5 days
    assert fill["label"] == "等待 1 · 中位 1天12小时"
    assert (review["open"], review["finished"], review["median_seconds"], review["level"]) == (
        1,
        1,
        86400,
        4,
    )
    assert review["label"] == "等待 1 · 中位 1天"
    assert (final["open"], final["finished"], final["level"]) == (0, 1, 0)
    assert final["label"] == "等待 0 · 中位 1天"
    # the same numbers, readable without JavaScript
    fill = step_row(html, "fill_targets")
    assert fill["步骤"] == "填报绩效目标"
    assert [fill[c] for c in COLUMNS] == ["1", "0", "2", "1天12小时", "2天"]
    assert [step_row(html, "dept_review")[c] for c in COLUMNS] == ["1", "0", "1", "1天", "1天"]
    assert [step_row(html, "finance_review")[c] for c in COLUMNS] == ["0", "0", "1", "1天", "1天"]
    assert 'class="heat-row-4"' in html and 'class="heat-row-0"' in html
    assert 'data-xml-url="/processes/simple_approval/diagram.bpmn?version=1"' in html
    assert "diagram.js" in html and "热力图" in html
    # the tracking screen links to it
    tracking = client.get("/tracking").text
    link = 'href="/processes/simple_approval/heatmap" data-heatmap="simple_approval">热力图</a>'
    assert link in tracking


def test_a_version_is_chosen_and_a_missing_one_is_404(client, login, three):
    login("finance")
    assert embedded(client.get("/processes/simple_approval/heatmap?version=1").text)["busiest"] == 1
    assert client.get("/processes/simple_approval/heatmap?version=9").status_code == 404
    bad = client.get("/processes/simple_approval/heatmap?version=x")  # not a version number
    assert bad.status_code == 400 and "version" in bad.text


def test_a_department_sees_its_subtree_and_a_unit_is_refused(client, login, three, user):
    login("dept")
    data = embedded(client.get("/processes/simple_approval/heatmap").text)
    assert {s["activity_id"]: s["open"] for s in data["steps"]} == {
        "fill_targets": 1,
        "dept_review": 1,
        "finance_review": 0,
    }
    login("dept2")  # the hospital's department: none of the school's submissions
    data = embedded(client.get("/processes/simple_approval/heatmap").text)
    assert data["busiest"] == 0 and all(s["level"] == 0 for s in data["steps"])
    login("unit")
    assert client.get("/processes/simple_approval/heatmap").status_code == 403


def test_levels_split_the_busiest_count_in_quarters():
    from app.web.routes_heatmap import heat_level, level_ranges

    assert [heat_level(n, 8) for n in range(9)] == [0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert heat_level(0, 0) == 0
    assert level_ranges(8) == [(1, 1, 2), (2, 3, 4), (3, 5, 6), (4, 7, 8)]
    assert level_ranges(1) == [(4, 1, 1)]


def test_a_period_narrows_the_numbers_to_the_steps_opened_in_it(client, login, three):
    login("finance")
    # Only the steps opened on day 2 or later (T0 + 1 day is March 2): A's and B's
    # department reviews and B's finance review; the three first steps opened on day 1.
    data = embedded(client.get("/processes/simple_approval/heatmap?since=2027-03-02").text)
    opened = {s["activity_id"]: (s["open"], s["finished"]) for s in data["steps"]}
    assert opened == {"fill_targets": (0, 0), "dept_review": (1, 1), "finance_review": (0, 1)}
    data = embedded(client.get("/processes/simple_approval/heatmap?until=2027-03-01").text)
    opened = {s["activity_id"]: (s["open"], s["finished"]) for s in data["steps"]}
    assert opened == {"fill_targets": (1, 2), "dept_review": (0, 0), "finance_review": (0, 0)}
    page = client.get("/processes/simple_approval/heatmap?since=2027-03-05&until=2027-03-01")
    assert page.status_code == 400 and "结束须晚于开始" in page.text
    page = client.get("/processes/simple_approval/heatmap?since=昨天")
    assert page.status_code == 400 and "须为日期" in page.text
