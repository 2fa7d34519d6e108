"""项目库: the registry list with its chart and Excel export, and one project's history."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from flask import render_template, request, send_file
from flask_babel import lazy_gettext

from app import params
from app.services.documents import self_evaluation as document_self_evaluation
from app.services.foundation import exports
from app.services.registry import light_views, registry_views
from app.services.registry.registry_views import ExecutionChart, RegistryFilters
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIGHT_LABELS = {
    "red": lazy_gettext("Red light"),
    "yellow": lazy_gettext("Yellow light"),
    "green": lazy_gettext("Green light"),
    "blue": lazy_gettext("Blue light"),
}
PROJECT_STATUSES = {
    "proposed": lazy_gettext("Proposed"),
    "approved": lazy_gettext("Budget approved"),
    "excluded": lazy_gettext("Not funded"),
}
EVENT_KINDS = {
    "approved": lazy_gettext("Approval"),
    "excluded": lazy_gettext("Not funded"),
    "adjusted": lazy_gettext("Adjustment"),
    "monitored": lazy_gettext("Monitoring"),
    "evaluated": lazy_gettext("Evaluation"),
    "rectified": lazy_gettext("Rectification"),
}
ALL_YEARS = "all"


@bp.get("/projects")
def projects():
    user = actor()
    years = registry_views.registry_years(user)
    filters = _filters(years)
    found = registry_views.list_projects(user, filters)
    return render_template(
        "projects.html",
        found=found,
        reported=registry_views.reported_lights(found.projects),
        filters=filters,
        years=years,
        departments=registry_views.registry_departments(user),
        chart=bar_chart(registry_views.execution_chart(user, filters.fiscal_year)),
        lights=registry_views.LIGHTS,
        grades=registry_views.GRADES,
        statuses=PROJECT_STATUSES,
    )


@bp.get("/projects/export.xlsx")
def export_projects():
    user = actor()
    filters = _filters(registry_views.registry_years(user))
    content = exports.projects_workbook(registry_views.filtered_projects(user, filters))
    year = filters.fiscal_year if filters.fiscal_year is not None else "全部"
    return send_file(
        BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=f"项目库-{year}.xlsx"
    )


@bp.get("/projects/<int:project_id>")
def project(project_id: int):
    detail = registry_views.project_detail(actor(), project_id)
    return render_template(
        "project.html",
        detail=detail,
        statuses=PROJECT_STATUSES,
        self_evaluated=document_self_evaluation.has_self_evaluation(detail.project),
    )


def _filters(years: list[int]) -> RegistryFilters:
    """The list's filters from the query string; the newest year unless told otherwise."""
    if request.args.get("year") == ALL_YEARS:
        fiscal_year = None
    else:
        fiscal_year = params.year("year", default=years[0] if years else None)
    return RegistryFilters(
        fiscal_year=fiscal_year,
        department_id=params.record_id("department"),
        light=params.choice("light", registry_views.LIGHTS),
        grade=params.choice("grade", registry_views.GRADES),
        status=params.choice("status", registry_views.PROJECT_STATUSES),
        search=params.text("q"),
        sort=params.choice("sort", registry_views.SORTS, "code"),
        page=params.page(),
    )


@bp.app_template_filter("light_label")
def light_label(light: str | None) -> str:
    return str(LIGHT_LABELS.get(light or "", "—"))


# A light with the figure and the threshold that set it, wherever an assessment is shown
# (the registry, a monitoring submission's task pages): partials/lights.html.
bp.add_app_template_global(light_views.assessment_badges, "light_badges")
bp.add_app_template_global(light_views.indicator_badges, "indicator_light_badges")


@bp.app_template_filter("event_kind")
def event_kind(kind: str) -> str:
    return str(EVENT_KINDS.get(kind, kind))


# The chart's geometry, in SVG user units.
PLOT_HEIGHT = 160
TOP = 24
LEFT = 44
SLOT = 104
BAR_WIDTH = 44
LABELS = 44
# Room right of the bars for the time-progress label, so that it never covers a bar.
PROGRESS_LABEL = 128


@dataclass
class Bar:
    department: str
    rate: float
    projects: int
    light: str | None
    x: float
    y: float
    height: float


@dataclass
class BarChart:
    chart: ExecutionChart
    bars: list[Bar]
    width: float
    height: float
    baseline: float
    progress_y: float
    ticks: list[tuple[float, str]]


def bar_chart(chart: ExecutionChart | None) -> BarChart | None:
    """Where each department's bar and the time-progress line go: 0 % at the baseline,
    the plot's top at 100 % (or at the largest rate when one exceeds it)."""
    if chart is None:
        return None
    scale = max([1.0, chart.time_progress] + [d.average_rate for d in chart.departments])
    baseline = TOP + PLOT_HEIGHT

    def y_of(value: float) -> float:
        return round(baseline - value / scale * PLOT_HEIGHT, 1)

    bars = []
    for index, row in enumerate(chart.departments):
        height = round(row.average_rate / scale * PLOT_HEIGHT, 1)
        x = LEFT + index * SLOT + (SLOT - BAR_WIDTH) / 2
        bars.append(
            Bar(
                row.department,
                row.average_rate,
                row.projects,
                row.light,
                x,
                baseline - height,
                height,
            )
        )
    ticks = [(y_of(share), f"{share * 100:.0f}%") for share in (0, 0.25, 0.5, 0.75, 1.0)]
    return BarChart(
        chart,
        bars,
        width=LEFT + SLOT * len(bars) + PROGRESS_LABEL,
        height=baseline + LABELS,
        baseline=baseline,
        progress_y=y_of(chart.time_progress),
        ticks=ticks,
    )
