"""The working-day calendar page: finance keeps the year's holidays and make-up days,
and due dates of tasks opened afterwards count them."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from app.extensions import db
from app.models import Setting
from app.services.runtime.calendar import CALENDAR_KEY
from app.services.runtime.instances import start_instance
from html_page import parse, texts

NATIONAL_DAY = {
    "holidays": "2026-10-01~2026-10-08",
    "makeup_workdays": "2026-09-27, 2026-10-10",
}


def errors(html: str) -> list[str]:
    return texts(parse(html), ".alert.alert-error li")


def test_finance_saves_national_day_and_a_task_opened_after_counts_it(app, client, login, user):
    login("finance")
    page = client.get("/settings/calendar?year=2026")
    assert page.status_code == 200 and "工作日历" in page.text
    saved = client.post("/settings/calendar?year=2026", data=NATIONAL_DAY, follow_redirects=True)
    assert "2026 年工作日历已保存。" in saved.text
    assert "2026-10-08" in saved.text and "2026-10-10" in saved.text
    assert "最近由 张伟（县财政局预算股） 于" in saved.text
    assert re.search(r"于 \d{4}-\d\d-\d\d \d\d:\d\d 修改", saved.text)  # county time, no "T"
    assert "期限截至最后一天下班时（17:30）。" in saved.text
    db.session.rollback()
    value = db.session.get(Setting, CALENDAR_KEY).value
    assert value["holidays"] == [f"2026-10-0{d}" for d in range(1, 9)]
    assert value["makeup_workdays"] == ["2026-09-27", "2026-10-10"]

    app.config["CLOCK"] = lambda: datetime(2026, 9, 28, 8, 0)  # Monday
    _, ready = start_instance(user("unit"), "simple_approval")
    # dueIn P10D: Sep 29, 30, Oct 9, 10 (make-up), 12, 13, 14, 15, 16, 19, at 17:30 Beijing.
    assert ready[0].due_at == datetime(2026, 10, 19, 9, 30)
    app.config["CLOCK"] = None


def test_saving_one_year_keeps_the_others(client, login):
    login("finance")
    client.post("/settings/calendar?year=2026", data=NATIONAL_DAY)
    client.post("/settings/calendar?year=2027", data={"holidays": "2027-01-01"})
    db.session.rollback()
    value = db.session.get(Setting, CALENDAR_KEY).value
    assert value["holidays"][0] == "2026-10-01" and value["holidays"][-1] == "2027-01-01"
    assert value["makeup_workdays"] == ["2026-09-27", "2026-10-10"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"holidays": "十月一日"}, "法定节假日“十月一日”不是日期"),
        ({"holidays": "2027-10-01"}, "不在 2026 年内"),
        ({"holidays": "2026-10-08~2026-10-01"}, "结束早于开始"),
        ({"holidays": "2026-10-10", "makeup_workdays": "2026-10-10"}, "不能既放假又上班"),
        ({"makeup_workdays": "2026-10-09"}, "是工作日，无需调休"),
    ],
)
def test_a_bad_calendar_is_refused_with_each_error_and_nothing_saved(client, login, form, message):
    login("finance")
    page = client.post("/settings/calendar?year=2026", data=form)
    assert page.status_code == 422
    assert any(message in error for error in errors(page.text)), errors(page.text)
    assert form.get("holidays", "") in page.text  # what was typed is kept to fix
    db.session.rollback()
    assert db.session.get(Setting, CALENDAR_KEY) is None


@pytest.mark.parametrize("username", ["unit", "dept", "admin", "gov"])
def test_only_finance_edits_the_calendar(client, login, username):
    login(username)
    assert client.get("/settings/calendar").status_code == 403
    assert client.post("/settings/calendar", data=NATIONAL_DAY).status_code == 403
    db.session.rollback()
    assert db.session.get(Setting, CALENDAR_KEY) is None
