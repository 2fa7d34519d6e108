"""After an action the page says what happened: a return names the step sent back and
who was told; a submission names the next step; the unit's inbox marks returned work with
who returned it and why."""

from __future__ import annotations

import lxml.html

from app.services.runtime.tasks import complete_task
from factories import GOOD_TARGETS


def flash_text(page) -> str:
    return " ".join(
        lxml.html.fromstring(page.text).xpath("string(//*[contains(@class,'flash')])").split()
    )


def test_submitting_says_which_step_comes_next(client, login, submission, good_post):
    _, task = submission()
    login("unit")
    answer = client.post(f"/tasks/{task.id}", data=good_post)
    assert answer.status_code == 302
    assert "已提交，下一步：“部门审核”。" in flash_text(client.get("/"))


def test_returning_says_what_was_sent_back_and_who_was_told_and_the_inbox_marks_it(
    client, login, submission, user
):
    instance, task = submission()
    _, ready = complete_task(user("unit"), task.id, GOOD_TARGETS)
    login("dept")
    answer = client.post(
        f"/tasks/{ready[0].id}", data={"decision": "return", "comment": "请补充时效指标"}
    )
    assert answer.status_code == 302
    said = flash_text(client.get("/"))
    assert said == f"已退回：“填报绩效目标”需重新办理，已通知 {user('unit').display_name}。"
    assert "已提交" not in said
    login("unit")
    page = lxml.html.fromstring(client.get("/").text)
    (row,) = page.xpath("//tr[@data-task][.//span[contains(@class,'badge-returned')]]")
    note = " ".join(row.xpath("string(.//span[@class='return-note'])").split())
    assert note.startswith(f"{user('dept').display_name} 退回")
    assert note.endswith("：请补充时效指标")
