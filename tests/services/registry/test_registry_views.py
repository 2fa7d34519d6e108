"""The registry's read functions: scope by org path, filters, the chart's figures, history."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Org, Project
from app.services.foundation.errors import Forbidden, NotFound
from app.services.registry import registry_views
from app.services.registry.registry_views import RegistryFilters
from app.services.runtime.instances import start_instance


@pytest.fixture
def projects(app) -> dict[str, Project]:
    orgs = {o.code: o for o in db.session.scalars(select(Org))}
    made = {}
    for code, dept, unit, quarter, rate, light in (
        ("JY-001", "edu", "edu-school1", 3, 0.45, "yellow"),
        ("JY-002", "edu", "edu-school2", 3, 0.75, "green"),
        ("WS-001", "health", "health-hospital", 2, 0.10, "red"),
    ):
        made[code] = Project(
            code=code,
            name=f"项目{code}",
            fiscal_year=2027,
            department_id=orgs[dept].id,
            unit_id=orgs[unit].id,
            status="approved",
            cumulative_adjustment=0,
            latest_quarter=quarter,
            latest_execution_rate=rate,
            latest_light=light,
            updated_at=datetime(2027, 10, 1),
        )
        db.session.add(made[code])
    db.session.commit()
    return made


def codes(user, **filters) -> list[str]:
    page = registry_views.list_projects(user, RegistryFilters(**filters))
    return [p.code for p in page.projects]


def test_scope_follows_the_org_tree(user, projects):
    assert codes(user("unit")) == ["JY-001"]
    assert codes(user("dept")) == ["JY-001", "JY-002"]
    assert codes(user("dept2")) == codes(user("unit2")) == ["WS-001"]
    assert codes(user("gov")) == ["JY-001", "JY-002", "WS-001"]
    assert codes(user("admin")) == []
    assert registry_views.registry_years(user("dept2")) == [2027]
    assert [o.name for o in registry_views.registry_departments(user("finance"))] == [
        "县教育局",
        "县卫生健康局",
    ]


def test_an_expert_sees_the_projects_of_submissions_handed_to_them(user, projects):
    from app.models import Task

    instance, ready = start_instance(user("unit"), "simple_approval")
    instance.project_id = projects["JY-001"].id
    db.session.get(Task, ready[0].id).assignee_id = user("expert").id
    db.session.commit()
    assert codes(user("expert")) == ["JY-001"]


def test_filters_combine_and_count_the_whole_list(user, projects):
    finance = user("finance")
    assert codes(finance, light="red") == ["WS-001"]
    assert codes(finance, search="jy-") == ["JY-001", "JY-002"]
    assert codes(finance, fiscal_year=2026) == []
    page = registry_views.list_projects(finance, RegistryFilters(sort="-rate"))
    assert [p.code for p in page.projects] == ["JY-002", "JY-001", "WS-001"]
    assert (page.total, page.page, page.pages) == (3, 1, 1)


def test_chart_averages_the_latest_quarter_by_department(user, projects):
    chart = registry_views.execution_chart(user("finance"), 2027)
    # Q3 is the latest: the hospital's Q2 report is not compared against Q3's progress.
    assert (chart.quarter, chart.time_progress) == (3, 0.75)
    assert [
        (d.department, round(d.average_rate, 4), d.projects, d.light) for d in chart.departments
    ] == [
        ("县教育局", 0.6, 2, "green"),
    ]
    assert registry_views.execution_chart(user("dept2"), 2027).quarter == 2
    assert registry_views.execution_chart(user("unit"), 2027) is None
    assert registry_views.execution_chart(user("finance"), 2030) is None


def test_project_detail_lists_next_years_compilation_and_refuses_other_scopes(user, projects):
    project = projects["JY-001"]
    own, _ = start_instance(user("unit"), "simple_approval")
    own.project_id = project.id
    campaign = Campaign(
        code="budget_compilation-2028",
        name="2028年度预算编制",
        process_key="budget_compilation",
        fiscal_year=2028,
        launched_by_id=user("finance").id,
        launched_at=datetime(2027, 9, 1),
    )
    db.session.add(campaign)
    db.session.flush()
    compiled, _ = start_instance(user("unit"), "simple_approval")
    compiled.campaign_id, compiled.round_item = campaign.id, project.code
    db.session.commit()
    detail = registry_views.project_detail(user("dept"), project.id)
    assert [i.id for i in detail.instances] == [own.id, compiled.id]
    with pytest.raises(NotFound):
        registry_views.project_detail(user("dept2"), project.id)
    assert registry_views.round_counts(user("finance"))[campaign.id].total == 1
    assert registry_views.round_counts(user("dept2")) == {}
    assert [i.id for i in registry_views.round_submissions(user("dept"), campaign.id)] == [
        compiled.id
    ]


def test_only_finance_organises_rounds(user):
    registry_views.require_round_organiser(user("finance"))
    for username in ("dept", "gov", "admin"):
        with pytest.raises(Forbidden):
            registry_views.require_round_organiser(user(username))
