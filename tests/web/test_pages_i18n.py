"""Every English msgid of the pages has its Chinese translation, and times show in Beijing time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

from app.web.filters import decision_word, format_time, waited

SRC = Path(__file__).parents[2] / "src" / "app"
PO = SRC / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def test_every_page_string_has_a_chinese_translation():
    method_map = [
        ("web/**.py", "python"),
        ("api/**.py", "python"),
        ("services/**.py", "python"),
        ("forms/**.py", "python"),
        ("templates/**.html", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    used = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(SRC, method_map, keywords=keywords)
    }
    with PO.open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and m.string and (m.string if isinstance(m.string, str) else m.string[0])
    }
    assert sorted(used - translated) == []


def test_times_show_in_beijing_time_and_waits_in_words(app):
    app.config["CLOCK"] = lambda: datetime(2027, 1, 4, 2, 0)
    with app.test_request_context("/"):
        assert format_time(datetime(2027, 1, 1, 2, 30)) == "2027-01-01 10:30"
        with force_locale("zh_Hans_CN"):
            assert waited(datetime(2027, 1, 1, 0, 0)) == "3天2小时"
            assert waited(datetime(2027, 1, 4, 1, 55)) == "5分钟"
        with force_locale("en"):
            assert waited(datetime(2027, 1, 1, 0, 0)) == "3 days 2 hours"
            assert waited(datetime(2027, 1, 3, 2, 0)) == "1 day"


def test_decisions_show_as_words_not_codes(app):
    with app.test_request_context("/"):
        with force_locale("zh_Hans_CN"):
            assert decision_word("return") == "退回"
            assert decision_word("approve") == decision_word("pass") == "通过"
            assert decision_word("优") == "优"  # a grade is already a word
        with force_locale("en"):
            assert decision_word("return") == "Returned for changes"
