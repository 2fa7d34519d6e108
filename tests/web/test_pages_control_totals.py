"""The control totals page: finance sets each department's 控制数 for a year's 遴选排序
and sees what selection has arranged against it."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import ControlTotal, Org
from html_page import attributes, parse


def department_id(code: str) -> int:
    return db.session.scalar(select(Org.id).where(Org.code == code))


def test_finance_sets_a_departments_control_total_and_sees_it_again(client, login):
    login("finance")
    page = client.get("/settings/control-totals?year=2028")
    assert page.status_code == 200
    assert "县教育局" in page.text and "县卫生健康局" in page.text
    field = f"amount_{department_id('edu')}"
    saved = client.post(
        "/settings/control-totals?year=2028", data={field: "1,200.5"}, follow_redirects=True
    )
    assert saved.status_code == 200
    assert attributes(parse(saved), f'input[name="{field}"]', "value") == ["1200.50"]
    db.session.rollback()
    (row,) = db.session.scalars(select(ControlTotal)).all()
    assert (row.fiscal_year, row.amount) == (2028, 1200.5)


def test_a_bad_amount_is_named_and_nothing_is_saved(client, login):
    login("finance")
    edu, health = department_id("edu"), department_id("health")
    answer = client.post(
        "/settings/control-totals?year=2028",
        data={f"amount_{edu}": "1200", f"amount_{health}": "很多"},
    )
    assert answer.status_code == 422
    assert "县卫生健康局：“很多”不是有效的金额（万元）" in answer.text
    kept = attributes(parse(answer), f'input[name="amount_{health}"]', "value")
    assert kept == ["很多"], "kept as typed"
    db.session.rollback()
    assert db.session.scalars(select(ControlTotal)).all() == []


def test_a_department_may_not_see_or_set_control_totals(client, login):
    login("dept")
    assert client.get("/settings/control-totals").status_code == 403
    answer = client.post("/settings/control-totals", data={f"amount_{department_id('edu')}": "1"})
    assert answer.status_code == 403
    db.session.rollback()
    assert db.session.scalars(select(ControlTotal)).all() == []
