"""The inbox: who sees which task, the tab counts, filters, claiming and releasing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.services.runtime.tasks import claim_task
from html_page import attributes, parse


def task_rows(page) -> list[str]:
    """The task ids listed in an inbox page, in order."""
    return attributes(parse(page), "tr[data-task]", "data-task")


def test_unit_sees_its_task_and_other_departments_do_not(client, login, submission):
    _, task = submission("校舍维修改造 申报")
    login("unit")
    page = client.get("/")
    assert task_rows(page) == [str(task.id)]
    assert "校舍维修改造 申报" in page.text and "填报绩效目标" in page.text
    assert "县第一中学" in page.text and "未认领" in page.text
    for other in ("unit2", "dept2", "dept", "admin"):
        login(other)
        page = client.get("/")
        assert task_rows(page) == [], other
        assert "暂无待办事项" in page.text


def test_department_review_waits_in_the_departments_inbox_only(client, login, at_review):
    _, review = at_review
    login("dept")
    assert task_rows(client.get("/")) == [str(review.id)]
    login("dept2")
    assert task_rows(client.get("/")) == []


def test_tabs_count_claimed_and_role_tasks(client, login, submission, user):
    _, first = submission("第一份")
    submission("第二份")
    claim_task(user("unit"), first.id)
    login("unit")
    page = client.get("/")
    assert "我的待办 (1)" in page.text and "角色待办 (2)" in page.text
    assert len(task_rows(page)) == 2
    assert task_rows(client.get("/?mine=1")) == [str(first.id)]


def test_process_filter_lists_only_that_process(client, login, submission):
    _, task = submission()
    login("unit")
    page = client.get("/?process=simple_approval")
    assert task_rows(page) == [str(task.id)]
    assert '<option value="simple_approval" selected>' in page.text
    assert task_rows(client.get("/?process=budget_compilation")) == []


def test_overdue_tasks_carry_a_red_badge_and_can_be_filtered(app, client, login, submission):
    _, task = submission()
    login("unit")
    assert "已逾期" not in client.get("/").text
    assert task_rows(client.get("/?overdue=1")) == []
    # dueIn P10D counts working days: sixteen calendar days on is past it whatever today is.
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=16)
    app.config["CLOCK"] = lambda: later
    page = client.get("/")
    assert 'class="badge badge-overdue">已逾期' in page.text
    assert "16天" in page.text  # waited
    assert task_rows(client.get("/?overdue=1")) == [str(task.id)]


def test_sort_links_order_by_waiting_time_or_due_date(client, login, submission):
    _, older = submission("较早")
    _, newer = submission("较晚")
    login("unit")
    assert task_rows(client.get("/?sort=waiting")) == [str(older.id), str(newer.id)]
    assert task_rows(client.get("/?sort=-waiting")) == [str(newer.id), str(older.id)]
    page = client.get("/?sort=due")
    assert 'href="/?sort=waiting"' in page.text


def test_claim_and_release_buttons_change_the_holder(client, login, submission):
    _, task = submission()
    login("unit")
    page = client.get("/")
    assert f'action="/tasks/{task.id}/claim"' in page.text
    claimed = client.post(f"/tasks/{task.id}/claim", data={"next": "/"})
    assert claimed.status_code == 302 and claimed.location == "/"
    page = client.get("/")
    assert "已认领“填报绩效目标”" in page.text
    assert "我的待办 (1)" in page.text and "李明（县第一中学）</td>" in page.text
    assert f'action="/tasks/{task.id}/unclaim"' in page.text
    client.post(f"/tasks/{task.id}/unclaim", data={"next": "/"})
    page = client.get("/")
    assert "我的待办 (0)" in page.text and f'action="/tasks/{task.id}/claim"' in page.text


def test_a_task_someone_else_holds_cannot_be_claimed_from_the_inbox(
    app, client, login, submission, user
):
    from app.extensions import db
    from app.services.operations.setup import add_user

    _, task = submission()
    colleague = add_user("unit-b", "同校同事", user("unit").org, ["budget_unit"], "pw-secret-1")
    db.session.commit()
    claim_task(colleague, task.id)
    login("unit")
    page = client.get("/")
    assert "同校同事" in page.text and f"/tasks/{task.id}/claim" not in page.text
    refused = client.post(f"/tasks/{task.id}/claim")
    assert refused.status_code == 409 and "同校同事" in refused.text


def test_only_those_who_may_start_something_are_offered_to_start(client, login):
    login("unit")
    page = client.get("/").text
    assert 'href="/start"' in page  # the nav's 发起
    for username in ("congress", "expert"):
        login(username)
        page = client.get("/").text
        assert 'href="/start"' not in page, username  # neither in the nav nor the empty inbox
