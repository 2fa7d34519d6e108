"""The filters every page writes numbers, periods and times with: as people write them."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from app.web.filters import amount, figure, iso_period, percent, period, shown


@pytest.mark.parametrize(
    ("ratio", "text"),
    [(0.02666666666666667, "2.7%"), (0.25, "25.0%"), (1, "100.0%"), (None, "—"), ("x", "—")],
)
def test_a_rate_is_a_percentage_with_one_decimal(ratio, text):
    assert percent(ratio) == text


@pytest.mark.parametrize(
    ("value", "text"), [(1234.5, "1,234.50"), (120, "120.00"), (0.005, "0.01"), (None, "—")]
)
def test_an_amount_in_wanyuan_has_two_decimals_and_thousands_separators(value, text):
    assert amount(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(10.666666, "10.67"), (2027, "2027"), (3.0, "3"), (0.5, "0.5")]
)
def test_any_other_number_has_at_most_two_decimals(value, text):
    assert figure(value) == text


def test_periods_are_words_never_iso_durations(app):
    with app.test_request_context("/"), force_locale("zh_Hans_CN"):
        assert iso_period("P10D") == "10个工作日"
        assert iso_period("PT4H") == "4小时"
        assert iso_period("P1DT2H") == period(timedelta(days=1, hours=2))
        assert iso_period("P1Y") == "P1Y"  # a year has no fixed length: left as written
        assert iso_period(None) == "—"
    with app.test_request_context("/"), force_locale("en"):
        assert iso_period("P10D") == "10 working days"


def item(key: str, title: str, text: str):
    return SimpleNamespace(key=key, title=title, text=text)


def test_submitted_numbers_read_by_what_the_field_holds():
    assert shown(item("execution_rate", "预算执行率", "0.02666666666666667")) == "2.7%"
    assert shown(item("time_progress", "序时进度", "0.25")) == "25.0%"
    assert shown(item("total", "项目资金总额（万元）", "120.5")) == "120.50"
    assert shown(item("ratio_r", "R", "10.666666666666666")) == "10.67"
    # text of digits that is not a measure stays as written
    assert shown(item("code", "项目编码", "001")) == "001"
    assert shown(item("fiscal_year", "预算年度", "2027")) == "2027"
    assert shown(item("summary", "说明", "按计划实施")) == "按计划实施"


def test_a_field_titled_in_percent_is_not_multiplied_again():
    assert shown(item("completion", "序时完成度（%）", "33.33333333333333")) == "33.33"
    assert shown(item("satisfaction", "满意度（%）", "95")) == "95"


def test_documents_and_e_mails_write_times_in_the_countys_zone(app):
    from datetime import datetime

    from app.services.foundation.document_format import county_time

    stored = datetime(2027, 1, 4, 13, 35)  # naive UTC, as every time is stored
    with app.app_context():
        assert county_time(stored) == "2027-01-04 21:35"
        assert county_time(stored, with_time=False) == "2027-01-04"
        app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Urumqi"  # the TIME_ZONE setting
        assert county_time(stored) == "2027-01-04 19:35"
    assert county_time(None) == "—"


def test_the_icon_answers_at_the_root_without_a_login(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert "Set-Cookie" not in icon.headers
    page = client.get("/login")
    assert 'href="/static/favicon.svg"' in page.text and 'href="/favicon.ico"' in page.text


def test_a_time_kept_as_iso_text_is_shown_in_the_countys_zone(app):
    from app.web.filters import format_time

    with app.test_request_context("/"):
        assert format_time("2027-01-04T13:35") == "2027-01-04 21:35"
        assert format_time("") == "—"
