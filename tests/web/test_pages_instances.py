"""Submissions: the list, one submission's history and data, and who may see them."""

from __future__ import annotations

from io import BytesIO

from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS
from html_page import attributes, every, one, parse, text, texts


def instance_rows(page) -> list[str]:
    return attributes(parse(page), "tr[data-instance]", "data-instance")


def test_submissions_list_shows_current_step_holder_and_filters(client, login, at_review):
    instance, _ = at_review
    login("dept")
    page = client.get("/instances")
    assert instance_rows(page) == [str(instance.id)]
    assert "我的提交" in page.text
    row = page.text.split(f'<tr data-instance="{instance.id}">')[1].split("</tr>")[0]
    assert "项目申报审核" in row and "v1" in row and "县第一中学" in row
    assert "办理中" in row and "部门审核" in row and "未认领" in row
    assert instance_rows(client.get("/instances?status=completed")) == []
    assert instance_rows(client.get("/instances?status=running&process=simple_approval")) == [
        str(instance.id)
    ]
    assert instance_rows(client.get("/instances?overdue=1")) == []
    login("finance")
    assert "全部提交" in client.get("/instances").text
    login("dept2")
    assert instance_rows(client.get("/instances")) == []


def test_instance_page_shows_history_with_comment_and_each_steps_data(
    client, login, at_review, user
):
    instance, review = at_review
    complete_task(user("dept"), review.id, {"decision": "return", "comment": "指标不够细化"})
    login("unit")
    page = client.get(f"/instances/{instance.id}")
    assert page.status_code == 200
    assert "校舍维修改造 申报" in page.text and "项目申报审核" in page.text
    assert "李明（县第一中学）" in page.text  # started by
    timeline = one(parse(page), "ol.timeline")
    assert texts(timeline, ".action") == ["发起", "提交", "提交"]
    history = text(timeline)
    assert "指标不够细化" in history and "结论：退回修改" in history
    assert "王芳（县教育局）" in history
    # the earlier steps' data, rendered with their pinned forms
    assert "校舍维修改造" in page.text and "维修面积" in page.text and "审核意见" in page.text
    # the open step: back at the unit, with its holder
    current = page.text.split("当前步骤")[1].split("办理记录")[0]
    assert "填报绩效目标" in current and "未认领" in current


def test_a_finished_submission_says_so(client, login, at_review, user):
    instance, review = at_review
    _, ready = complete_task(user("dept"), review.id, {"decision": "approve"})
    complete_task(user("finance"), ready[0].id, {"decision": "approve", "comment": "同意"})
    login("unit")
    page = client.get(f"/instances/{instance.id}")
    assert "已办结" in page.text and "没有待办理的步骤" in page.text
    assert "办结" in page.text and "同意" in page.text


def test_another_department_gets_404_on_task_submission_and_attachment(
    client, login, submission, user, good_post
):
    instance, task = submission()
    login("unit")
    post = dict(good_post, attachment=(BytesIO(b"secret"), "a.txt"))
    client.post(f"/tasks/{task.id}", data=post, content_type="multipart/form-data")
    page = client.get(f"/instances/{instance.id}")
    doc = parse(page)
    (attachment,) = attributes(doc, "a[href^='/attachments/']", "href")
    (review,) = [
        link.get("href") for link in every(doc, "a[href^='/tasks/']") if text(link) == "部门审核"
    ]
    for other in ("dept2", "unit2"):
        login(other)
        for url in (f"/tasks/{task.id}", review, f"/instances/{instance.id}", attachment):
            answer = client.get(url)
            assert answer.status_code == 404, (other, url)
            assert "不存在" in answer.text and "secret" not in answer.text
        assert client.post(f"{review}/claim").status_code == 404
        assert client.post(review, data={"decision": "approve"}).status_code == 404
    login("dept")
    assert client.get(attachment).data == b"secret"


def test_a_missing_submission_or_page_is_a_chinese_404(client, login):
    login("unit")
    answer = client.get("/instances/999")
    assert answer.status_code == 404 and "未找到" in answer.text
    assert client.get("/no/such/page").status_code == 404


def test_completing_without_claiming_still_shows_the_task_as_done_for_the_unit(
    client, login, submission, user
):
    instance, task = submission()
    complete_task(user("unit"), task.id, GOOD_TARGETS)
    login("unit")
    page = client.get(f"/instances/{instance.id}")
    assert "部门审核" in page.text


def test_error_pages_answer_in_chinese_with_their_status(app, client, login, submission):
    _, task = submission()
    login("unit")
    not_allowed = client.get("/logout")
    assert not_allowed.status_code == 405 and "不支持的请求方式" in not_allowed.text
    app.config["MAX_CONTENT_LENGTH"] = 1024
    too_large = client.post(
        f"/tasks/{task.id}",
        data={"attachment": (BytesIO(b"x" * 4096), "big.pdf")},
        content_type="multipart/form-data",
    )
    assert too_large.status_code == 413 and "文件过大" in too_large.text
