"""How the printed forms write values: amounts in 万元 with two decimals, shares as
percentages, points without trailing zeros, indicator targets as sign, value and unit.

One formatter per kind of value, so a figure reads the same in every document and in
its workbook (the reader compares the printed form with the Excel sheet line by line).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LIGHT_WORDS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "blue": "蓝灯"}
GRADES = ("优", "良", "中", "差")


def text(value: Any) -> str:
    return "" if value is None else str(value)


def amount(value: Any) -> str:
    """万元 with two decimals and thousands separators; blank when unknown."""
    if value in (None, ""):
        return ""
    return f"{float(value):,.2f}"


def points(value: Any) -> str:
    """A score or a weight: 25, 16.67, 99.8."""
    if value in (None, ""):
        return ""
    return f"{round(float(value), 2):g}"


def percent(value: Any) -> str:
    """A rate or share (0.9804) as 98.0%, with one decimal as the pages and the workbooks
    write it (a reader compares them line by line); blank when unknown."""
    if value in (None, ""):
        return ""
    return f"{float(value) * 100:.1f}%"


def county_time(value: datetime | None, with_time: bool = True) -> str:
    """A stored time (naive UTC) as the county reads it, in its zone (the setting
    BABEL_DEFAULT_TIMEZONE, as the pages use): "2027-01-04 21:35", never "13:35 UTC".
    Used by e-mails, reminders and documents, which have no page to convert for them."""
    if value is None:
        return "—"
    zone = "Asia/Shanghai"
    if has_app_context():
        zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE") or zone
    local = value.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M}" if with_time else f"{local:%Y-%m-%d}"


def light(value: str | None) -> str:
    return LIGHT_WORDS.get(value or "", "")


def target(row: dict) -> str:
    """An indicator's target as the form writes it: ≥3000平方米, or the words of a 定性 one."""
    sign, value, unit = text(row.get("sign")), text(row.get("target")), text(row.get("unit"))
    return value if sign == "定性" else f"{sign}{value}{unit}"


def actual(row: dict) -> str:
    """What was achieved: the figure with its unit, or the 定性 result in words."""
    if row.get("sign") == "定性" or row.get("qualitative_result"):
        return text(row.get("qualitative_result") or row.get("actual"))
    value = text(row.get("actual"))
    return f"{value}{text(row.get('unit'))}" if value else ""
