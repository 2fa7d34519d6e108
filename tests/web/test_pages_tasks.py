"""Starting a submission and filling a task's form in the browser (without JavaScript)."""

from __future__ import annotations

import re

import lxml.html

from app.extensions import db
from app.models import Task, User
from app.models.org import ACTING
from app.services.runtime import queries
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS
from html_page import attributes, every, parse, text


def value_of(page, field_id: str) -> str | None:
    found = every(parse(page), f'input[id="{field_id}"]')
    return found[0].get("value") if found else None


def test_start_page_lists_what_my_roles_may_start_and_opens_the_first_task(client, login):
    login("unit")
    page = client.get("/start")
    assert "项目申报审核" in page.text and 'name="org"' not in page.text
    started = client.post("/start", data={"process": "simple_approval", "title": "新申报"})
    assert started.status_code == 302 and re.fullmatch(r"/tasks/\d+", started.location)
    task_page = client.get(started.location)
    assert "已发起“新申报”" in task_page.text and "填报绩效目标" in task_page.text


def test_start_page_offers_nothing_to_roles_that_may_not_start(client, login):
    login("dept")
    assert "您的角色不能发起任何流程" in client.get("/start").text
    refused = client.post("/start", data={"process": "simple_approval"})
    assert refused.status_code == 403 and "不能发起" in refused.text


def test_task_page_renders_the_form_with_fields_and_facts(client, login, submission):
    _, task = submission("校舍维修改造 申报")
    login("unit")
    page = client.get(f"/tasks/{task.id}")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    for field in ("project_name", "project_code", "total_amount", "annual_goal"):
        assert f'name="{field}"' in page.text, field
    assert 'name="indicators-0-level1"' in page.text and "添加一行" in page.text
    assert "项目名称" in page.text and ">提交</button>" in page.text
    assert "项目申报审核" in page.text and "县第一中学" in page.text and "未认领" in page.text


def test_after_the_switch_to_english_the_forms_own_words_are_english(client, login, submission):
    _, task = submission("校舍维修改造 申报")
    login("unit")
    client.get("/lang/en")
    page = client.get(f"/tasks/{task.id}").text
    assert "Add a row" in page and 'aria-label="Remove row 1"' in page and "(required)" in page
    assert "添加一行" not in page and "（必填）" not in page


def test_an_invalid_post_shows_each_error_at_its_field_and_changes_nothing(
    client, login, submission, good_post
):
    instance, task = submission()
    login("unit")
    bad = dict(good_post, total_amount="-5", project_code="bad code")
    bad.pop("indicators-0-name")
    page = client.post(f"/tasks/{task.id}", data=bad)
    assert page.status_code == 422
    assert value_of(page, "project_code") == "bad code"  # what was typed stays
    assert 'id="total_amount-error"' in page.text
    assert 'id="project_code-error"' in page.text
    assert 'id="indicators-0-name-error"' in page.text and "必填项" in page.text
    db.session.rollback()
    assert db.session.get(Task, task.id).status == "ready"
    starter = db.session.get(User, instance.started_by_id, options=ACTING)
    assert queries.list_inbox(starter).roles_count == 1


def test_a_valid_post_advances_to_the_department_review(client, login, submission, good_post):
    instance, task = submission()
    login("unit")
    answer = client.post(f"/tasks/{task.id}", data=good_post)
    assert answer.status_code == 302 and answer.location == "/"
    assert "已提交" in client.get("/").text
    login("dept")
    inbox = client.get("/")
    assert "部门审核" in inbox.text and "校舍维修改造 申报" in inbox.text
    db.session.expire_all()  # the fixture's task row is stale: read what was stored
    assert db.session.get(Task, task.id).data["indicators"][0]["name"] == "维修面积"


def test_adding_a_row_shows_the_form_again_without_submitting(client, login, submission, good_post):
    _, task = submission()
    login("unit")
    page = client.post(f"/tasks/{task.id}", data=dict(good_post, __add_row__="indicators"))
    assert page.status_code == 200
    assert 'name="indicators-1-name"' in page.text
    assert value_of(page, "indicators-0-name") == "维修面积"
    removed = client.post(f"/tasks/{task.id}", data=dict(good_post, __remove_row__="indicators-0"))
    assert removed.status_code == 200
    assert value_of(removed, "indicators-0-name") == ""  # the filled row is gone (minItems: 1)
    db.session.rollback()
    assert db.session.get(Task, task.id).status == "ready"


def test_a_returned_task_comes_back_prefilled_for_the_unit(client, login, at_review, user):
    _, review = at_review
    login("dept")
    page = client.post(
        f"/tasks/{review.id}", data={"decision": "return", "comment": "指标不够细化"}
    )
    assert page.status_code == 302
    login("unit")
    inbox = client.get("/")
    again = attributes(parse(inbox), "tr[data-task]", "data-task")[0]
    form = client.get(f"/tasks/{again}")
    assert value_of(form, "project_name") == "校舍维修改造"
    assert value_of(form, "indicators-0-target") == "3000"
    assert "指标不够细化" in form.text  # the department's comment, under earlier steps
    assert "<details" in form.text and "退回修改" in form.text


def test_the_reviewer_sees_the_step_under_review_open_and_older_ones_closed(
    client, login, at_review
):
    _, review = at_review
    login("dept")
    page = lxml.html.fromstring(client.get(f"/tasks/{review.id}").text)
    (step,) = page.xpath('//section[@class="earlier-steps"]//details[@class="step"]')
    assert step.get("open") is not None  # the targets the department decides on, shown
    assert "3000" in step.text_content()


def test_a_department_review_needs_a_comment_to_return(client, login, at_review):
    _, review = at_review
    login("dept")
    page = client.post(f"/tasks/{review.id}", data={"decision": "return"})
    assert page.status_code == 422 and 'id="comment-error"' in page.text


def test_a_handled_task_says_so_and_a_second_post_answers_409(
    client, login, submission, user, good_post
):
    _, task = submission()
    complete_task(user("unit"), task.id, GOOD_TARGETS)
    login("unit")
    page = client.get(f"/tasks/{task.id}")
    assert page.status_code == 200 and "该任务已办理" in page.text
    assert ">提交</button>" not in page.text
    again = client.post(f"/tasks/{task.id}", data=good_post)
    assert again.status_code == 409
    assert "已办理" in again.text and "Traceback" not in again.text


def test_a_file_field_upload_is_stored_and_downloadable(client, login, submission, good_post):
    from io import BytesIO

    instance, task = submission()
    login("unit")
    post = dict(good_post, attachment=(BytesIO(b"%PDF-1.4 demo"), "预算说明.pdf"))
    answer = client.post(f"/tasks/{task.id}", data=post, content_type="multipart/form-data")
    assert answer.status_code == 302
    page = client.get(f"/instances/{instance.id}")
    (link,) = [
        a.get("href")
        for a in every(parse(page), "a[href^='/attachments/']")
        if text(a) == "预算说明.pdf"
    ]
    download = client.get(link)
    assert download.status_code == 200 and download.data == b"%PDF-1.4 demo"
    assert "attachment" in download.headers["Content-Disposition"]


def test_finance_may_start_on_behalf_of_another_org(client, login, user):
    from pathlib import Path

    from app.services.administration.deployment import deploy_definition

    fixtures = Path(__file__).parents[1] / "fixtures"
    bpmn = (fixtures / "processes" / "simple_approval.bpmn").read_bytes()
    bpmn = bpmn.replace(b'name="budget_unit"', b'name="finance_bureau"')
    forms = {p.name: p.read_bytes() for p in (fixtures / "forms").glob("*.json")}
    deploy_definition(user("admin"), bpmn, "simple_approval.bpmn", forms)
    school = user("unit").org
    login("finance")
    page = client.get("/start")
    assert 'name="org"' in page.text and f'<option value="{school.id}"' in page.text
    started = client.post(
        "/start", data={"process": "simple_approval", "title": "代报", "org": str(school.id)}
    )
    assert started.status_code == 302
    task_page = client.get(started.location)
    assert "代报" in task_page.text and "县第一中学" in task_page.text
