"""热力图: a process version's diagram, each user task coloured by how many submissions
wait there and labelled with the median time spent, from tracking's step statistics.

The numbers are dashboard.step_stats for one process and version, seen as the signed-in
person may see them (finance everything, a department its own subtree), narrowed to one
round (campaign) or to the steps opened in a period when asked. The page embeds the
numbers as JSON for static/diagram.js and repeats them in a table, which is all there is
without JavaScript.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from flask import render_template
from flask_babel import gettext as _

from app import params
from app.services.administration import diagram_views
from app.services.foundation import policy
from app.services.registry import campaigns
from app.services.tracking import dashboard
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor
from app.web.routes_diagrams import _version_arg
from app.web.routes_tracking import duration

LEVELS = 4


@dataclass
class HeatStep:
    activity_id: str
    name: str
    role: str | None
    open: int
    overdue: int
    finished: int
    median: timedelta | None
    p90: timedelta | None
    level: int  # 0: nobody waits; 1..4: quarters of the busiest step's count


def heat_level(count: int, busiest: int) -> int:
    """0 when nobody waits, else the quarter of the busiest step's count `count` falls in
    (1: up to a quarter of it … 4: more than three quarters; the busiest is always 4)."""
    if count <= 0 or busiest <= 0:
        return 0
    return min(max(math.ceil(LEVELS * count / busiest), 1), LEVELS)


def level_ranges(busiest: int) -> list[tuple[int, int, int]]:
    """(level, lowest, highest) waiting counts of each level that some count can reach."""
    ranges = []
    for level in range(1, LEVELS + 1):
        low = (level - 1) * busiest // LEVELS + 1
        high = level * busiest // LEVELS
        if low <= high:
            ranges.append((level, low, high))
    return ranges


def _period_arg() -> dashboard.Period | None:
    """`since` and `until` are days, both included."""
    return dashboard.Period.of_days(params.day("since"), params.day("until"))


def heat_steps(
    key: str,
    version: int | None,
    campaign_id: int | None = None,
    period: dashboard.Period | None = None,
):
    """The chosen version and its user tasks in diagram order, with tracking's numbers
    (a thin merge of diagram_views.process_steps and dashboard.step_stats)."""
    user = actor()
    policy.require_can_track(user)
    definition = diagram_views.definition_version(key, version)
    stats = {
        s.activity_id: s
        for s in dashboard.step_stats(user, definition.key, definition.version, campaign_id, period)
        if s.process_key == definition.key and s.version == definition.version
    }
    busiest = max((s.open for s in stats.values()), default=0)
    steps = []
    for step in diagram_views.process_steps(definition):
        s = stats.get(step.activity_id)
        waiting = s.open if s else 0
        steps.append(
            HeatStep(
                activity_id=step.activity_id,
                name=step.name,
                role=step.role_name or step.lane,
                open=waiting,
                overdue=s.overdue if s else 0,
                finished=s.finished if s else 0,
                median=s.median if s else None,
                p90=s.p90 if s else None,
                level=heat_level(waiting, busiest),
            )
        )
    return definition, steps, busiest


def heat_label(step: HeatStep) -> str:
    return _("Waiting %(n)s · median %(median)s", n=step.open, median=duration(step.median))


@bp.get("/processes/<key>/heatmap")
def process_heatmap(key: str):
    policy.require_can_track(actor())  # rights before reading the filters
    campaign_id = params.record_id("campaign")
    definition, steps, busiest = heat_steps(key, _version_arg(), campaign_id, _period_arg())
    data = {
        "busiest": busiest,
        "steps": [
            {
                "activity_id": s.activity_id,
                "open": s.open,
                "overdue": s.overdue,
                "finished": s.finished,
                "median_seconds": None if s.median is None else int(s.median.total_seconds()),
                "level": s.level,
                "label": heat_label(s),
            }
            for s in steps
        ],
    }
    return render_template(
        "heatmap.html",
        definition=definition,
        versions=diagram_views.versions_of(definition.key),
        steps=steps,
        busiest=busiest,
        ranges=level_ranges(busiest),
        heat_data=data,
        rounds=[c for c in campaigns.list_campaigns() if c.process_key == definition.key],
        campaign_id=campaign_id,
    )
