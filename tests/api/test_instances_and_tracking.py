"""Following submissions: the filtered list, one submission's detail, the tracking summary."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from conftest import CLOCK_START

T0 = CLOCK_START  # where the clock fixture starts: a Monday, 09:00
DAY = timedelta(days=1)


def at(moment: datetime) -> str:
    return moment.isoformat() + "Z"


@pytest.fixture
def county(api, targets, clock):
    """A known state of the county, the clock then at T0 + 9 days (T0 is a Monday; due
    periods count working days):

    a, b: edu-school1, at dept_review since T0+1d (P5D: due T0+8d, so overdue)
    c:    edu-school1, at fill_targets since T0 (P10D: due T0+14d)
    d:    health-hospital (unit2), at fill_targets since T0+2d (P10D: due T0+16d)
    done: edu-school1, approved by dept and finance on T0+3d
    """

    def start(user, title):
        answer = api(user).post("/processes/simple_approval/instances", {"title": title})
        assert answer.status == 201, answer.body
        return answer.body["id"], answer.body["tasks"][0]["id"]

    def complete(user, task_id, data):
        answer = api(user).post(f"/tasks/{task_id}/complete", {"data": data})
        assert answer.status == 200, answer.body
        return answer.body["tasks"][0]["id"] if answer.body["tasks"] else None

    clock.at = T0
    ids = {}
    pending = {}
    for name in ("a", "b", "c", "done"):
        ids[name], pending[name] = start("unit", f"申报 {name}")
    clock.at = T0 + DAY
    for name in ("a", "b", "done"):
        pending[name] = complete("unit", pending[name], targets)
    clock.at = T0 + 2 * DAY
    ids["d"], pending["d"] = start("unit2", "申报 d")
    clock.at = T0 + 3 * DAY
    pending["done"] = complete("dept", pending["done"], {"decision": "approve"})
    complete("finance", pending["done"], {"decision": "approve", "comment": "同意"})
    clock.at = T0 + 9 * DAY
    return ids


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
        "due_at": at(T0 + 8 * DAY + timedelta(minutes=30)),  # 17:30 Beijing
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


def test_overdue_submissions_grow_as_the_clock_moves(api, county, clock):
    clock.at = T0 + 15 * DAY
    assert listed(api, "finance", overdue=1) == {county["a"], county["b"], county["c"]}
    clock.at = T0 + 17 * DAY
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


def test_tracking_summary_counts_only_what_the_caller_may_see(api, county, clock):
    edu = {
        r["activity_id"]: (r["open"], r["overdue"])
        for r in api("dept").get("/tracking/summary").body
    }
    assert edu == {"fill_targets": (1, 0), "dept_review": (2, 2)}
    health = api("dept2").get("/tracking/summary").body
    assert [(r["activity_id"], r["open"], r["oldest_since"]) for r in health] == [
        ("fill_targets", 1, at(T0 + 2 * DAY))
    ]
    clock.at = T0 + 17 * DAY
    late = {r["activity_id"]: r["overdue"] for r in api("finance").get("/tracking/summary").body}
    assert late == {"fill_targets": 2, "dept_review": 2}


# --- every number of the tracking screen, over the API -----------------------------------


def test_step_statistics_give_times_spent_and_the_bottleneck(api, county, conforms):
    answer = api("finance").get("/tracking/steps", process="simple_approval")
    conforms("/tracking/steps", "get", answer)
    rows = {r["activity_id"]: r for r in answer.body}
    assert list(rows) == ["fill_targets", "dept_review", "finance_review"]
    fill, review, final = rows["fill_targets"], rows["dept_review"], rows["finance_review"]
    # c and d wait at the unit's step; a, b and done each took a day there.
    assert (fill["open"], fill["overdue"], fill["oldest_since"]) == (2, 0, at(T0))
    assert (fill["finished"], fill["median_seconds"], fill["p90_seconds"]) == (3, 86400, 86400)
    # a and b wait at the review, both late; done spent two days there.
    assert (review["open"], review["overdue"], review["oldest_since"]) == (2, 2, at(T0 + DAY))
    assert (review["finished"], review["median_seconds"]) == (1, 2 * 86400)
    assert review["bottleneck"] and not fill["bottleneck"] and not final["bottleneck"]
    assert (final["open"], final["finished"], final["median_seconds"]) == (0, 1, 0)
    # A period narrows to the steps opened in it: from T0+1d, the reviews only.
    later = api("finance").get("/tracking/steps", since=(T0 + DAY).date().isoformat())
    assert {r["activity_id"]: r["open"] for r in later.body} == {
        "dept_review": 2,
        "finance_review": 0,
        "fill_targets": 1,  # d, started on T0+2d
    }
    refused = api("finance").get("/tracking/steps", since="上周")
    assert refused.status == 400 and "since" in refused.body["message"]
    assert api("unit").get("/tracking/steps").status == 403


def test_the_organisation_league_over_the_api_and_a_department_sees_its_own(api, county, conforms):
    answer = api("finance").get("/tracking/organisations", sort="open")
    conforms("/tracking/organisations", "get", answer)
    assert [
        (r["org"], r["submissions"], r["open"], r["overdue"], r["returned"]) for r in answer.body
    ] == [
        ("县第一中学", 4, 3, 2, 0),
        ("县人民医院", 1, 1, 0, 0),
    ]
    mine = api("dept2").get("/tracking/organisations").body
    assert [(r["org"], r["open"]) for r in mine] == [("县人民医院", 1)]
    assert api("finance").get("/tracking/organisations", sort="name").status == 400


def test_a_rounds_progress_over_the_api(app, api, county, conforms):
    from app.extensions import db
    from app.models import Campaign, ProcessInstance, User
    from app.models.org import ACTING

    with app.app_context():
        finance = db.session.query(User).options(*ACTING).filter_by(username="finance").one()
        round_ = Campaign(
            code="simple-2027",
            name="2027年度申报",
            process_key="simple_approval",
            fiscal_year=2027,
            launched_by_id=finance.id,
            launched_at=T0,
        )
        db.session.add(round_)
        db.session.flush()
        for name in ("c", "d"):
            db.session.get(ProcessInstance, county[name]).campaign_id = round_.id
        db.session.commit()
        round_id = round_.id
    answer = api("finance").get(f"/campaigns/{round_id}/progress")
    conforms("/campaigns/{campaign_id}/progress", "get", answer)
    body = answer.body
    assert (body["submissions"], body["submitted"], body["not_yet"]) == (2, 0, 2)
    assert [(d["department"], d["submissions"], d["not_yet"]) for d in body["departments"]] == [
        ("县卫生健康局", 1, 1),
        ("县教育局", 1, 1),
    ]
    assert body["waiting_at"] == [{"name": "填报绩效目标", "open": 2}]
    assert api("dept2").get(f"/campaigns/{round_id}/progress").body["submissions"] == 1
    assert api("finance").get("/campaigns/999/progress").status == 404


def test_chasing_over_the_api_lights_the_holders_bell(api, county, conforms):
    c_task = api("finance").get(f"/instances/{county['c']}").body["current"][0]["task_id"]
    answer = api("finance").post(f"/tasks/{c_task}/remind", {"message": "请本周提交"})
    conforms("/tasks/{task_id}/remind", "post", answer)
    assert answer.body == {"reminded": ["unit"]}
    bell = api("unit").get("/notifications")
    conforms("/notifications", "get", bell)
    assert bell.body["unread"] == 1
    (note,) = bell.body["items"]
    assert (note["kind"], note["task_id"], note["read"]) == ("reminder", c_task, False)
    assert note["body"].startswith("请本周提交")
    assert api("unit").post(f"/tasks/{c_task}/remind").status == 403
    assert api("dept2").post(f"/tasks/{c_task}/remind").status == 404
    assert api("unit2").get("/notifications").body == {"unread": 0, "items": []}


def test_finance_lists_and_retries_incidents_over_the_api(app, api, county, conforms):
    from app.extensions import db
    from app.models import Job

    with app.app_context():
        job = Job(
            kind="send_email",
            payload={},
            run_at=T0,
            status="incident",
            attempts=5,
            max_attempts=5,
            created_at=T0,
            finished_at=T0 + DAY,
            last_error="ConnectionRefusedError",
            instance_id=county["a"],
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    listed_ = api("finance").get("/incidents")
    conforms("/incidents", "get", listed_)
    assert [(i["id"], i["kind"], i["instance_id"]) for i in listed_.body] == [
        (job_id, "send_email", county["a"])
    ]
    assert api("dept").get("/incidents").status == 403
    retried = api("finance").post(f"/incidents/{job_id}/retry")
    conforms("/incidents/{job_id}/retry", "post", retried)
    assert retried.body["status"] == "pending"
    assert api("finance").get("/incidents").body == []
    assert api("finance").post(f"/incidents/{job_id}/retry").status == 409
