"""Following submissions: the filtered list, one submission's detail, the tracking summary."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

T0 = datetime(2027, 3, 1, 9, 0, 0)
DAY = timedelta(days=1)


def at(moment: datetime) -> str:
    return moment.isoformat() + "Z"


@pytest.fixture
def county(app, api, targets):
    """A known state of the county, the clock then at T0 + 9 days (T0 is a Monday; due
    periods count working days):

    a, b: edu-school1, at dept_review since T0+1d (P5D: due T0+8d, so overdue)
    c:    edu-school1, at fill_targets since T0 (P10D: due T0+14d)
    d:    health-hospital (unit2), at fill_targets since T0+2d (P10D: due T0+16d)
    done: edu-school1, approved by dept and finance on T0+3d
    """

    def clock(moment):
        app.config["CLOCK"] = lambda: moment

    def start(user, title):
        answer = api(user).post("/processes/simple_approval/instances", {"title": title})
        assert answer.status == 201, answer.body
        return answer.body["id"], answer.body["tasks"][0]["id"]

    def complete(user, task_id, data):
        answer = api(user).post(f"/tasks/{task_id}/complete", {"data": data})
        assert answer.status == 200, answer.body
        return answer.body["tasks"][0]["id"] if answer.body["tasks"] else None

    clock(T0)
    ids = {}
    pending = {}
    for name in ("a", "b", "c", "done"):
        ids[name], pending[name] = start("unit", f"申报 {name}")
    clock(T0 + DAY)
    for name in ("a", "b", "done"):
        pending[name] = complete("unit", pending[name], targets)
    clock(T0 + 2 * DAY)
    ids["d"], pending["d"] = start("unit2", "申报 d")
    clock(T0 + 3 * DAY)
    pending["done"] = complete("dept", pending["done"], {"decision": "approve"})
    complete("finance", pending["done"], {"decision": "approve", "comment": "同意"})
    clock(T0 + 9 * DAY)
    yield ids
    app.config["CLOCK"] = None


def listed(api, user, **params) -> set[int]:
    answer = api(user).get("/instances", **params)
    assert answer.status == 200, answer.body
    return {i["id"] for i in answer.body}


def test_instance_list_has_the_contract_shape_with_current_steps(api, county, conforms):
    answer = api("finance").get("/instances")
    conforms("/instances", "get", answer)
    by_id = {i["id"]: i for i in answer.body}
    assert set(by_id) == set(county.values())
    a = by_id[county["a"]]
    assert {k: a[k] for k in ("process_key", "version", "title", "org", "status")} == {
        "process_key": "simple_approval",
        "version": 1,
        "title": "申报 a",
        "org": "edu-school1",
        "status": "running",
    }
    assert a["started_at"] == at(T0)
    (current,) = a["current"]
    assert {k: current[k] for k in current if k != "task_id"} == {
        "activity_id": "dept_review",
        "name": "部门审核",
        "role": "budget_department",
        "org": "edu-school1",
        "assignee": None,
        "since": at(T0 + DAY),
        "due_at": at(T0 + 8 * DAY),
    }
    assert by_id[county["done"]]["status"] == "completed"
    assert by_id[county["done"]]["current"] == []


def test_instance_list_filters_by_process_status_activity_org_and_overdue(api, county):
    everything = set(county.values())
    running = everything - {county["done"]}
    assert listed(api, "finance", process="simple_approval") == everything
    assert listed(api, "finance", process="no_such_process") == set()
    assert listed(api, "finance", status="running") == running
    assert listed(api, "finance", status="completed") == {county["done"]}
    assert listed(api, "finance", activity="dept_review") == {county["a"], county["b"]}
    assert listed(api, "finance", activity="fill_targets") == {county["c"], county["d"]}
    assert listed(api, "finance", org="health-hospital") == {county["d"]}
    assert listed(api, "finance", org="edu-school1") == everything - {county["d"]}
    assert listed(api, "finance", overdue=1) == {county["a"], county["b"]}
    assert listed(api, "finance", overdue=1, activity="fill_targets") == set()
    assert listed(api, "finance", status="running", org="edu-school1", activity="fill_targets") == {
        county["c"]
    }


def test_overdue_submissions_grow_as_the_clock_moves(app, api, county):
    app.config["CLOCK"] = lambda: T0 + 15 * DAY
    assert listed(api, "finance", overdue=1) == {county["a"], county["b"], county["c"]}
    app.config["CLOCK"] = lambda: T0 + 17 * DAY
    assert listed(api, "finance", overdue=1) == {county["a"], county["b"], county["c"], county["d"]}


def test_each_department_sees_only_its_own_submissions(api, county):
    edu = {county[n] for n in ("a", "b", "c", "done")}
    assert listed(api, "dept") == edu
    assert listed(api, "unit") == edu
    assert listed(api, "dept2") == {county["d"]}
    assert listed(api, "unit2") == {county["d"]}
    assert listed(api, "dept2", org="edu-school1") == set()
    assert listed(api, "admin") == set()


def test_department_two_sees_an_empty_list_before_it_has_submissions(api, start):
    start()
    assert api("dept2").get("/instances").body == []


def test_paging_and_bad_query_values(api, county):
    first = api("finance").get("/instances", limit=2)
    second = api("finance").get("/instances", limit=2, offset=2)
    assert len(first.body) == 2 and len(second.body) == 2
    assert not {i["id"] for i in first.body} & {i["id"] for i in second.body}
    bad = api("finance").get("/instances", limit="many")
    assert bad.status == 400 and bad.error == "bad_request"
    unknown = api("finance").get("/instances", org="no-such-org")
    assert unknown.status == 404


def test_instance_detail_shows_history_current_tasks_and_data(api, county, conforms):
    answer = api("dept").get(f"/instances/{county['done']}")
    assert answer.status == 200
    conforms("/instances/{instance_id}", "get", answer)
    detail = answer.body
    assert detail["status"] == "completed" and detail["current"] == []
    assert detail["data"]["project_name"] == "校舍维修改造"
    assert detail["data"]["decision"] == "approve"
    assert [
        {k: e[k] for k in ("at", "actor", "action", "activity_id", "comment")}
        for e in detail["history"]
    ] == [
        {"at": at(T0), "actor": "unit", "action": "started", "activity_id": None, "comment": None},
        {
            "at": at(T0 + DAY),
            "actor": "unit",
            "action": "completed",
            "activity_id": "fill_targets",
            "comment": None,
        },
        {
            "at": at(T0 + 3 * DAY),
            "actor": "dept",
            "action": "completed",
            "activity_id": "dept_review",
            "comment": None,
        },
        {
            "at": at(T0 + 3 * DAY),
            "actor": "finance",
            "action": "completed",
            "activity_id": "finance_review",
            "comment": "同意",
        },
        {
            "at": at(T0 + 3 * DAY),
            "actor": "finance",
            "action": "finished",
            "activity_id": None,
            "comment": None,
        },
    ]
    running = api("dept").get(f"/instances/{county['a']}").body
    assert [c["activity_id"] for c in running["current"]] == ["dept_review"]


def test_instance_detail_is_404_for_another_department(api, county):
    for user, name in (("dept2", "a"), ("unit2", "done"), ("dept", "d"), ("unit", "d")):
        answer = api(user).get(f"/instances/{county[name]}")
        assert answer.status == 404 and answer.error == "not_found", (user, name)
    assert api("finance").get("/instances/999999").status == 404


def test_tracking_summary_counts_open_and_overdue_tasks_per_step(api, county, conforms):
    answer = api("finance").get("/tracking/summary")
    assert answer.status == 200
    conforms("/tracking/summary", "get", answer)
    assert answer.body == [
        {
            "process_key": "simple_approval",
            "activity_id": "fill_targets",
            "name": "填报绩效目标",
            "role": "budget_unit",
            "open": 2,
            "overdue": 0,
            "oldest_since": at(T0),
        },
        {
            "process_key": "simple_approval",
            "activity_id": "dept_review",
            "name": "部门审核",
            "role": "budget_department",
            "open": 2,
            "overdue": 2,
            "oldest_since": at(T0 + DAY),
        },
    ]
    assert api("finance").get("/tracking/summary", process="simple_approval").body == answer.body
    assert api("finance").get("/tracking/summary", process="other").body == []


def test_tracking_summary_counts_only_what_the_caller_may_see(app, api, county):
    edu = {
        r["activity_id"]: (r["open"], r["overdue"])
        for r in api("dept").get("/tracking/summary").body
    }
    assert edu == {"fill_targets": (1, 0), "dept_review": (2, 2)}
    health = api("dept2").get("/tracking/summary").body
    assert [(r["activity_id"], r["open"], r["oldest_since"]) for r in health] == [
        ("fill_targets", 1, at(T0 + 2 * DAY))
    ]
    app.config["CLOCK"] = lambda: T0 + 17 * DAY
    late = {r["activity_id"]: r["overdue"] for r in api("finance").get("/tracking/summary").body}
    assert late == {"fill_targets": 2, "dept_review": 2}
