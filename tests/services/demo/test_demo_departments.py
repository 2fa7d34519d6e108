"""`flask init-db --demo` gives the department level: both demo departments' 2028 targets
approved under the functions their projects serve, and 县教育局's 2026 self-evaluation as
a whole delivered to and read by the county government."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import DepartmentSelfEvaluation, Org, Project, User
from app.models.org import ACTING
from app.performance.department import department_targets_for
from app.services.runtime.queries import instance_detail
from conftest import shipped_config


@pytest.fixture
def demo_app(initialised_demo, tmp_path):
    """An app on the repository's processes/ and forms/, on a database `init-db --demo`
    initialised (a copy of the template variant the root conftest builds with it)."""
    app = create_app(shipped_config(initialised_demo))
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def department(code: str) -> Org:
    return db.session.scalar(select(Org).where(Org.code == code))


@pytest.mark.parametrize("code", ["edu", "health"])
def test_the_2028_targets_are_approved_under_the_functions_the_projects_serve(demo_app, code):
    org = department(code)
    targets = department_targets_for(org.id, 2028)
    assert targets["status"] == "approved" and targets["approved_by"] == "张伟（县财政局预算股）"
    served = set(
        db.session.scalars(
            select(Project.department_function).where(Project.department_id == org.id)
        )
    )
    assert served and served <= set(targets["function_names"])
    assert sum(f["amount"] for f in targets["functions"]) == targets["total_amount"]


def test_educations_2026_self_evaluation_was_delivered_and_read(demo_app):
    report = db.session.scalar(
        select(DepartmentSelfEvaluation).where(
            DepartmentSelfEvaluation.department_id == department("edu").id,
            DepartmentSelfEvaluation.fiscal_year == 2026,
        )
    )
    assert report.status == "read" and report.delivered_at and report.government_read_at
    assert {p["code"]: p["grade"] for p in report.project_grades} == {
        "JY-2026-001": "优",
        "JY-2026-002": "",  # still at finance's review in the demo
        "JY-2026-003": "中",
    }
    gov = db.session.scalar(select(User).where(User.username == "gov").options(*ACTING))
    history = instance_detail(gov, report.instance_id).history
    assert ("completed", "government_read_report") in [(e.action, e.activity_id) for e in history]
