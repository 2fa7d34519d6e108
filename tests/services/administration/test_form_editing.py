"""The form editor's services: saved forms, refusals with the reason, and how a saved
form reaches the next deployment while running submissions keep their old form."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.extensions import db
from app.models import FormDraft, FormEvent
from app.services.administration import form_editing, modeling
from app.services.foundation.errors import BadRequest, Conflict, Forbidden, LintFailed, NotFound
from app.services.runtime.definitions import pinned_forms
from app.services.runtime.forms_view import task_form
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS

FIXTURES = Path(__file__).parents[2] / "fixtures"
BPMN = (FIXTURES / "processes" / "simple_approval.bpmn").read_text(encoding="utf-8")
REVIEW = json.loads((FIXTURES / "forms" / "review.schema.json").read_text(encoding="utf-8"))


def review_with_score() -> dict:
    schema = copy.deepcopy(REVIEW)
    schema["properties"]["score"] = {
        "type": "integer",
        "title": "评审得分",
        "minimum": 0,
        "maximum": 100,
    }
    return schema


def test_a_saved_form_is_what_the_editor_opens_next_with_its_layout_and_an_audit(user):
    admin = user("admin")
    before = form_editing.form_source(admin, "review.schema.json")
    assert before.origin == "deployed" and before.used_by == (("simple_approval", "项目申报审核"),)
    assert before.ui_filename == "review.uischema.json" and before.ui == {}

    ui = {"ui:order": ["score", "decision", "comment"], "comment": {"ui:widget": "textarea"}}
    form_editing.save_form(admin, "review.schema.json", review_with_score(), ui)
    db.session.remove()  # as a reload would: nothing kept in memory

    after = form_editing.form_source(user("admin"), "review.schema.json")
    assert after.origin == "draft"
    assert after.schema["properties"]["score"]["title"] == "评审得分"
    assert after.ui == ui
    history = form_editing.form_history(user("admin"), "review.schema.json")
    assert [(e.action, e.actor.username) for e in history] == [("saved", "admin")]
    assert "score" in history[0].details["fields"]


@pytest.mark.parametrize(
    "change, says",
    [
        (lambda s: s["properties"]["comment"].update(type="money"), "money"),
        (lambda s: s["properties"]["comment"].update(pattern="[0-9"), "正则"),
        (lambda s: s["properties"].update(n={"type": "number", "minimum": 9, "maximum": 1}), "9"),
        (lambda s: s["required"].append("opinion"), "opinion"),
        (lambda s: s["properties"].update({"bad-name": {"type": "string"}}), "bad-name"),
    ],
    ids=["unknown-type", "bad-pattern", "minimum-above-maximum", "required-missing", "bad-name"],
)
def test_an_invalid_form_is_refused_with_the_reason_and_nothing_is_saved(user, change, says):
    admin = user("admin")
    schema = copy.deepcopy(REVIEW)
    change(schema)
    with pytest.raises(BadRequest) as refused:
        form_editing.save_form(admin, "review.schema.json", schema, {})
    assert any(says in problem for problem in refused.value.details), refused.value.details
    assert db.session.scalar(select(func.count(FormDraft.id))) == 0
    assert db.session.scalar(select(func.count(FormEvent.id))) == 0
    assert form_editing.form_source(admin, "review.schema.json").origin == "deployed"


def test_a_layout_that_is_not_an_object_is_refused(user):
    with pytest.raises(BadRequest) as refused:
        form_editing.save_form(user("admin"), "review.schema.json", REVIEW, ["x"])
    assert "ui schema" in refused.value.details[0]


@pytest.mark.parametrize("name", ["../x.json", "a b.json", "x.uischema.json", "x.txt", ""])
def test_a_bad_file_name_is_refused(user, name):
    with pytest.raises(BadRequest):
        form_editing.save_form(user("admin"), name, REVIEW, {})


@pytest.mark.parametrize("username", ["unit", "dept", "finance", "gov"])
def test_only_process_administrators_may_see_or_change_forms(user, username):
    someone = user(username)
    with pytest.raises(Forbidden):
        form_editing.list_forms(someone)
    with pytest.raises(Forbidden):
        form_editing.form_source(someone, "review.schema.json")
    with pytest.raises(Forbidden):
        form_editing.save_form(someone, "review.schema.json", review_with_score(), {})
    with pytest.raises(Forbidden):
        form_editing.create_form(someone, "new.schema.json")
    with pytest.raises(Forbidden):
        form_editing.preview_form(someone, json.dumps(REVIEW), "{}")
    assert db.session.scalar(select(func.count(FormDraft.id))) == 0


def test_a_new_form_and_a_copy_are_saved_under_their_own_names(user):
    admin = user("admin")
    form_editing.create_form(admin, "blank.schema.json")
    copied = form_editing.create_form(
        admin, "targets-copy.schema.json", "project-targets.schema.json"
    )
    assert copied.content["properties"]["project_name"]["title"] == "项目名称"
    source = form_editing.form_source(admin, "targets-copy.schema.json")
    assert source.ui["annual_goal"] == {"ui:widget": "textarea"}  # the layout came along
    assert form_editing.form_source(admin, "blank.schema.json").schema["properties"] == {}
    names = [row.filename for row in form_editing.list_forms(admin)]
    assert {"blank.schema.json", "targets-copy.schema.json", "review.schema.json"} <= set(names)
    assert "targets-copy.schema.json" in modeling.form_choices("simple_approval")["schemas"]

    with pytest.raises(Conflict):
        form_editing.create_form(admin, "review.schema.json")
    with pytest.raises(NotFound):
        form_editing.create_form(admin, "other.schema.json", "nothing.schema.json")
    with pytest.raises(NotFound):
        form_editing.form_source(admin, "nothing.schema.json")


def test_discarding_a_saved_form_shows_the_deployed_one_again(user):
    admin = user("admin")
    form_editing.save_form(admin, "review.schema.json", review_with_score(), {})
    assert form_editing.discard_form_draft(admin, "review.schema.json") is True
    assert form_editing.form_source(admin, "review.schema.json").origin == "deployed"
    assert form_editing.discard_form_draft(admin, "review.schema.json") is False


def test_the_preview_renders_a_posted_form_and_refuses_what_is_not_json(user):
    admin = user("admin")
    spec = form_editing.preview_form(admin, json.dumps(review_with_score()), "")
    assert [node.title for node in spec.fields] == ["审核结论", "审核意见", "评审得分"]
    with pytest.raises(BadRequest) as refused:
        form_editing.preview_form(admin, '{"type": "object",', "{}")
    assert "JSON" in refused.value.details[0]
    assert db.session.scalar(select(func.count(FormEvent.id))) == 0


def test_a_saved_form_is_pinned_by_the_next_deployment_and_running_submissions_keep_theirs(
    user,
):
    admin = user("admin")
    instance, ready = start_instance(user("unit"), "simple_approval", title="旧表单的申报")
    _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    old_review = ready[0]

    form_editing.save_form(admin, "review.schema.json", review_with_score(), {})
    modeling.save_draft(admin, "simple_approval", BPMN)
    definition = modeling.deploy_draft(admin, "simple_approval", "评审加得分")
    assert definition.version == 2
    assert "score" in pinned_forms(definition)["review.schema.json"]["properties"]

    # The submission started on v1 keeps v1's form; a new one gets the field.
    old_form = task_form(user("dept"), old_review.id)
    assert "score" not in old_form.schema["properties"]
    _, ready = start_instance(user("unit"), "simple_approval", title="新表单的申报")
    _, ready = complete_task(user("unit"), ready[0].id, GOOD_TARGETS)
    assert "score" in task_form(user("dept"), ready[0].id).schema["properties"]


def test_the_deployment_lint_refuses_a_broken_saved_form(user):
    """A saved form written before a rule existed (or by hand) is still checked on deploy."""
    admin = user("admin")
    form_editing.save_form(admin, "review.schema.json", review_with_score(), {})
    draft = db.session.scalar(select(FormDraft).where(FormDraft.filename == "review.schema.json"))
    broken = review_with_score()
    broken["properties"]["score"]["minimum"] = 101
    draft.content = broken
    db.session.commit()
    modeling.save_draft(admin, "simple_approval", BPMN)
    with pytest.raises(LintFailed) as refused:
        modeling.deploy_draft(admin, "simple_approval")
    assert "101" in json.dumps(refused.value.details, ensure_ascii=False)
    assert modeling.get_draft(admin, "simple_approval") is not None


def test_a_refusal_reads_chinese_by_default_and_english_to_an_english_reader(user):
    admin = user("admin")
    with pytest.raises(NotFound) as missing:
        form_editing.form_source(admin, "nowhere.schema.json")
    assert missing.value.message == "没有表单“nowhere.schema.json”"
    with force_locale("en"):
        assert missing.value.message == "There is no form “nowhere.schema.json”."
    with pytest.raises(Conflict) as taken:
        form_editing.create_form(admin, "review.schema.json")
    assert taken.value.message == "表单“review.schema.json”已存在，请换一个文件名"
    with force_locale("en"):
        assert taken.value.message == (
            "A form “review.schema.json” exists already: choose another file name."
        )
    with pytest.raises(BadRequest) as broken:
        form_editing.preview_form(admin, json.dumps(REVIEW), "[1, NaN]")
    assert broken.value.message == "布局（ui schema）不是有效的 JSON"
    assert broken.value.details == ["JSON 中不能有 NaN，请填写数字或 null"]
    with force_locale("en"):
        assert broken.value.message == "The layout (ui schema) is not valid JSON."
        assert broken.value.details == ["NaN is not JSON: send a number or null."]
    with pytest.raises(BadRequest) as refused:
        form_editing.save_form(admin, "review.schema.json", REVIEW, ["x"])
    assert refused.value.message == "表单定义有 1 个问题，未保存"
    assert refused.value.details == ["布局（ui schema）必须是 JSON 对象"]
    with force_locale("en"):
        assert refused.value.message == "The form has 1 problem(s); it was not saved."
        assert refused.value.details == ["The layout (ui schema) must be a JSON object."]
