"""The form editor in Chromium: add a field, watch the preview, save, deploy, and find the
field on the next submission's task while an earlier submission keeps its old form."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app.extensions import db
from app.models.org import ACTING
from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS


def review_task_of_a_new_submission(app, title: str) -> int:
    """Start simple_approval as `unit` and fill the targets: the department review's id."""
    from sqlalchemy import select

    from app.models import User

    with app.app_context():
        unit = db.session.scalar(select(User).where(User.username == "unit").options(*ACTING))
        _, ready = start_instance(unit, "simple_approval", title=title)
        _, ready = complete_task(unit, ready[0].id, GOOD_TARGETS)
        task_id = ready[0].id
        db.session.remove()
    return task_id


def test_an_admin_adds_a_field_sees_it_previewed_saves_deploys_and_a_clerk_fills_it(
    app, page: Page, screenshot, log_in
):
    earlier = review_task_of_a_new_submission(app, "改表前的申报")

    log_in("admin")
    page.goto("/admin/forms")
    review = page.locator('tr[data-form="review.schema.json"]')
    expect(review.locator("td.used-by")).to_have_text("项目申报审核")
    screenshot(page, "list")
    review.locator("td.actions a").click()
    expect(page.locator("[data-form-editor].form-editor-ready")).to_have_count(1)
    preview = page.frame_locator("iframe[name=form-preview]")
    expect(preview.locator("label[for=decision]")).to_have_text("审核结论 *（必填）")
    expect(preview.locator("label", has_text="评审得分")).to_have_count(0)

    page.click("[data-action=add-field]")
    field = page.locator(".fe-field").last
    field.locator("input[name=title]").fill("评审得分")
    key = field.locator("input[name=key]")
    key.fill("score")
    key.dispatch_event("change")
    field = page.locator('.fe-field[data-field="score"]')
    field.locator("select[name=kind]").select_option("integer")
    field.locator("input[name=maximum]").fill("100")
    field.locator("input[name=description]").fill("0 到 100 分")
    field.locator("input[name=required]").check()

    # The preview is the task page's own form for what is on screen now.
    label = preview.locator("label[for=score]")
    expect(label).to_contain_text("评审得分")
    expect(label).to_contain_text("*")
    expect(preview.locator("input#score")).to_have_attribute("max", "100")
    expect(preview.locator("#score-help")).to_contain_text("0 到 100 分")
    # ... and the raw JSON beside it says the same.
    page.locator("details.form-editor-json summary").click()
    schema_json = page.locator("#schema-json")
    expect(schema_json).to_have_value(re.compile(r'"score": \{[^}]*"title": "评审得分"'))
    expect(schema_json).to_have_value(re.compile(r'"score": \{[^}]*"type": "integer"'))
    expect(schema_json).to_have_value(re.compile(r'"required": \[\s*"decision",\s*"score"'))
    screenshot(page, "editor")

    # A broken pattern is refused with the reason, and the page says so.
    comment = page.locator('.fe-field[data-field="comment"]')
    comment.locator("input[name=pattern]").fill("[0-9")
    expect(preview.locator(".preview-problems")).to_contain_text("正则表达式")
    page.click("[data-action=save]")
    expect(page.locator(".form-editor-problems")).to_contain_text("/properties/comment/pattern")
    comment.locator("input[name=pattern]").fill("")

    page.click("[data-action=save]")
    expect(page.locator(".form-editor-status")).to_have_text("已保存。")
    expect(page.locator(".form-editor-problems")).to_be_hidden()

    page.reload()
    expect(page.locator("[data-origin]")).to_contain_text("保存的版本")
    expect(page.locator('.fe-field[data-field="score"] input[name=title]')).to_have_value(
        "评审得分"
    )
    expect(page.locator(".form-history")).to_contain_text("score")

    # Deploying the process that names the form pins the saved form to version 2.
    page.locator(".form-editor a", has_text="项目申报审核").click()
    expect(page.locator("[data-modeler].modeler-ready")).to_have_count(1)
    page.fill("[name=deploy_comment]", "部门审核增加评审得分")
    page.click("[data-action=deploy]")  # 部署 shows what changes and asks first
    page.locator("dialog.deploy-confirm [data-action=deploy-confirm]").click()
    expect(page.locator(".modeler-status")).to_contain_text("已部署为版本 2")

    later = review_task_of_a_new_submission(app, "改表后的申报")
    log_in("dept")
    page.goto(f"/tasks/{later}")
    expect(page.locator("label[for=score]")).to_contain_text("评审得分")
    expect(page.locator("input#score")).to_have_attribute("max", "100")
    screenshot(page, "new-task")
    page.goto(f"/tasks/{earlier}")
    expect(page.locator("label", has_text="审核意见")).to_be_visible()
    expect(page.locator("input#score")).to_have_count(0)


def test_a_new_form_gets_a_table_with_columns_reordered_fields_and_a_textarea(
    page: Page, screenshot, log_in
):
    log_in("admin")
    page.goto("/admin/forms")
    page.fill("#filename", "project-plan.schema.json")
    page.click(".new-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/forms/project-plan\.schema\.json$"))
    expect(page.locator("[data-form-editor].form-editor-ready")).to_have_count(1)
    preview = page.frame_locator("iframe[name=form-preview]")

    page.fill("input[name=form_title]", "项目实施计划")
    page.click("[data-action=add-field]")
    page.locator(".fe-field").last.locator("input[name=title]").fill("实施内容")
    page.locator(".fe-field").last.locator("select[name=kind]").select_option("textarea")

    page.click("[data-action=add-field]")
    table = page.locator('.fe-field[data-field="field2"]')
    table.locator("input[name=title]").fill("进度安排")
    table.locator("select[name=kind]").select_option("table")
    table = page.locator('.fe-field[data-field="field2"]')
    table.locator("input[name=min_rows]").check()
    column = table.locator('.fe-columns .fe-field[data-field="column1"]')
    column.locator("input[name=title]").fill("阶段")
    column.locator("select[name=kind]").select_option("select")
    column = table.locator('.fe-columns .fe-field[data-field="column1"]')
    column.locator("textarea[name=options]").fill("准备\n实施\n验收")
    table.locator("[data-action=add-column]").click()
    table.locator('.fe-columns .fe-field[data-field="column2"] input[name=title]').fill("完成日期")
    table.locator('.fe-columns .fe-field[data-field="column2"] select[name=kind]').select_option(
        "date"
    )

    # The table comes first once moved up.
    page.locator('.fe-field[data-field="field2"] > .fe-head [data-action=move-up]').click()
    expect(preview.locator(".preview-title")).to_have_text("项目实施计划")
    expect(preview.locator("fieldset.field-table legend")).to_have_text("进度安排")
    headers = preview.locator("fieldset.field-table thead th")
    expect(headers.nth(0)).to_have_text("阶段")
    expect(headers.nth(1)).to_have_text("完成日期")
    expect(preview.locator("fieldset.field-table tbody select option")).to_have_text(
        ["请选择…", "准备", "实施", "验收"]
    )
    expect(preview.locator("fieldset.field-table tbody input[type=date]")).to_have_count(1)
    expect(preview.locator("textarea#field1")).to_have_count(1)
    fields = preview.locator(".schema-form > .field, .schema-form > fieldset")
    expect(fields.first).to_have_class(re.compile("field-table"))
    screenshot(page, "table")

    # Removing the text field takes it out of the preview too.
    page.locator('.fe-field[data-field="field1"] > .fe-head [data-action=remove]').click()
    expect(preview.locator("textarea#field1")).to_have_count(0)
    page.click("[data-action=save]")
    expect(page.locator(".form-editor-status")).to_have_text("已保存。")
    page.reload()
    expect(page.locator(".fe-field")).to_have_count(3)  # the table and its two columns
    expect(preview.locator("fieldset.field-table thead th").first).to_have_text("阶段")


def test_editing_the_raw_json_updates_the_fields_and_the_preview(page: Page, log_in):
    log_in("admin")
    page.goto("/admin/forms/review.schema.json")
    expect(page.locator("[data-form-editor].form-editor-ready")).to_have_count(1)
    preview = page.frame_locator("iframe[name=form-preview]")
    page.locator("details.form-editor-json summary").click()

    page.locator("#schema-json").fill('{"type": "object", "properties": {')
    expect(page.locator('[data-json-error="schema"]')).to_contain_text("JSON 无效")
    expect(page.locator('.fe-field[data-field="decision"]')).to_have_count(1)  # kept as it was

    page.locator("#schema-json").fill(
        '{"type": "object", "title": "简化意见", "properties": {"opinion": '
        '{"type": "string", "title": "处理意见", "maxLength": 500}}}'
    )
    page.locator("#ui-json").fill('{"opinion": {"ui:widget": "textarea"}}')
    expect(page.locator('[data-json-error="schema"]')).to_be_empty()
    expect(page.locator(".fe-field")).to_have_count(1)
    field = page.locator('.fe-field[data-field="opinion"]')
    expect(field.locator("select[name=kind]")).to_have_value("textarea")
    expect(field.locator("input[name=maxLength]")).to_have_value("500")
    expect(preview.locator("textarea#opinion")).to_have_attribute("maxlength", "500")
    expect(preview.locator("label[for=decision]")).to_have_count(0)


def test_renaming_a_field_keeps_the_focus_and_every_keystroke(page: Page, screenshot, log_in):
    log_in("admin")
    page.goto("/admin/forms/review.schema.json")
    expect(page.locator("[data-form-editor].form-editor-ready")).to_have_count(1)
    key = page.locator('.fe-field[data-field="comment"] input[name=key]')
    key.click()
    key.press("End")
    page.keyboard.type("_text")
    page.keyboard.press("Tab")  # commits the new name and moves on, as a person does
    renamed = page.locator('.fe-field[data-field="comment_text"]')
    expect(renamed.locator("select[name=kind]")).to_be_focused()
    expect(renamed.locator("input[name=key]")).to_have_value("comment_text")
    # The list was not redrawn under the person: what they type next all lands.
    help_text = renamed.locator("input[name=description]")
    help_text.click()
    help_text.press("End")
    page.keyboard.type("请写明理由", delay=50)
    page.wait_for_timeout(600)  # past the preview's refresh
    expect(help_text).to_be_focused()
    expect(help_text).to_have_value(re.compile("请写明理由$"))
    page.locator("details.form-editor-json summary").click()
    expect(page.locator("#schema-json")).to_have_value(re.compile(r'"comment_text": \{'))
    screenshot(page, "renamed")


def test_typing_a_whole_field_name_keeps_every_keystroke(page: Page, log_in):
    """字段名 and 标题 typed key by key, as a person types: the list is not redrawn under
    them, so the focus stays and the whole name arrives in the schema."""
    log_in("admin")
    page.goto("/admin/forms/review.schema.json")
    expect(page.locator("[data-form-editor].form-editor-ready")).to_have_count(1)
    page.click("[data-action=add-field]")
    field = page.locator(".fe-field").last
    title = field.locator("input[name=title]")
    title.fill("")
    title.click()
    page.keyboard.type("项目资金总额", delay=60)
    expect(title).to_be_focused()
    expect(title).to_have_value("项目资金总额")
    key = field.locator("input[name=key]")
    key.fill("")
    key.click()
    page.keyboard.type("total_fiscal_funds", delay=60)
    expect(key).to_be_focused()
    expect(key).to_have_value("total_fiscal_funds")
    page.keyboard.press("Tab")
    renamed = page.locator('.fe-field[data-field="total_fiscal_funds"]')
    expect(renamed.locator("input[name=title]")).to_have_value("项目资金总额")
    page.locator("details.form-editor-json summary").click()
    expect(page.locator("#schema-json")).to_have_value(
        re.compile(r'"total_fiscal_funds": \{\s*"type": "string",\s*"title": "项目资金总额"')
    )
