"""Roles and statuses are read by their labels, in the reader's language, from the one
source each (models/org.py, models/instance.py and models/task.py)."""

from __future__ import annotations

from flask_babel import force_locale

from app.extensions import db
from app.models import Role
from app.models.task import status_label
from app.services.tracking.submissions import role_names


def test_a_role_reads_as_its_chinese_name_or_after_the_switch_its_english_one(app):
    with force_locale("zh_Hans_CN"):
        chinese = role_names()
    with force_locale("en"):
        english = role_names()
    assert chinese["finance_bureau"] == "财政部门" and chinese["budget_unit"] == "部门预算单位"
    assert english["finance_bureau"] == "Finance bureau"
    assert english["peoples_congress"] == "County people's congress"


def test_the_seeded_role_rows_keep_the_chinese_names_diagram_lanes_may_use(app):
    assert db.session.get(Role, "finance_bureau").name == "财政部门"
    assert db.session.get(Role, "expert").name == "评审专家"


def test_a_role_of_the_county_s_own_reads_as_its_stored_name(app):
    db.session.add(Role(code="audit_office", name="县审计局", scope="all"))
    db.session.flush()
    with force_locale("en"):
        assert role_names()["audit_office"] == "县审计局"


def test_a_status_reads_as_its_label_in_either_language(app):
    with force_locale("zh_Hans_CN"):
        assert [status_label(s) for s in ("running", "suspended", "terminated", "ready")] == [
            "办理中",
            "已挂起",
            "已终止",
            "待办理",
        ]
    with force_locale("en"):
        assert status_label("suspended") == "Suspended" and status_label("ready") == "To do"
    assert status_label("unheard_of") == "unheard_of"


def test_a_department_year_s_status_reads_in_either_language(app):
    from app.models.department import EVALUATION_STATUS_LABELS, TARGETS_NONE_LABEL

    with force_locale("zh_Hans_CN"):
        assert str(EVALUATION_STATUS_LABELS["read"]) == "县政府已阅知"
        assert str(TARGETS_NONE_LABEL) == "未申报"
    with force_locale("en"):
        assert str(EVALUATION_STATUS_LABELS["read"]) == "Seen by the county government"


def test_a_rectification_item_s_status_reads_in_either_language(app):
    from app.models.rectification import RECTIFICATION_STATUS_LABELS, RECTIFICATION_STATUSES

    assert set(RECTIFICATION_STATUS_LABELS) == set(RECTIFICATION_STATUSES)
    with force_locale("zh_Hans_CN"):
        assert [str(RECTIFICATION_STATUS_LABELS[s]) for s in RECTIFICATION_STATUSES] == [
            "整改中",
            "待核实",
            "已销号",
        ]
    with force_locale("en"):
        assert str(RECTIFICATION_STATUS_LABELS["claimed"]) == "Awaiting verification"


def test_a_role_row_reads_as_its_label(app):
    finance = db.session.get(Role, "finance_bureau")
    with force_locale("en"):
        assert finance.label == "Finance bureau"
    with force_locale("zh_Hans_CN"):
        assert finance.label == "财政部门"
