"""Tracking (跟踪): where every submission is stuck, whose desk, since when, and late or not:
the step table and the league table (the list of submissions: submissions.py).

Finance sees everything; a department its own org subtree (policy.instance_visibility).
Counts come from the indexed columns of `task` and `process_instance`; on PostgreSQL
the step table and the league are index-only scans (migration 0013), which keeps them
within their bar at 1,000,000 submissions (benchmarks/scale.py times them).

"Returned" (the league table's third column) means the submission was sent back at
least once; services/runtime/projection.py marks it when that happens.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select

from app.extensions import db
from app.models import (
    Org,
    ProcessInstance,
    Task,
    User,
)
from app.models.instance import OPEN_STATUSES
from app.models.task import TASK_COMPLETED, TASK_READY
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest
from app.services.foundation.policy import (
    instance_visibility,
    require_can_track,
    task_instance_visibility,
)
from app.services.registry.campaigns import CampaignProgress, campaign_progress

LEAGUE_SORTS = ("open", "overdue", "returned")


# --- the step table -------------------------------------------------------------------


@dataclass
class StepStat:
    process_key: str
    version: int
    activity_id: str
    name: str
    role: str
    open: int = 0
    overdue: int = 0
    oldest_since: datetime | None = None
    finished: int = 0
    median: timedelta | None = None
    p90: timedelta | None = None
    bottleneck: bool = False


def percentile(values: list[timedelta], share: float) -> timedelta | None:
    """Nearest-rank percentile: the smallest observed value with at least `share` of all
    values at or below it (p90 of 10 values is the 9th smallest). Always a real duration."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def median(values: list[timedelta]) -> timedelta | None:
    """The middle value; of an even count, the mean of the two middle ones."""
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class Period:
    """Steps opened from `since` (inclusive) until `until` (exclusive); either may be open."""

    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.until <= self.since:
            raise BadRequest(_l("The period must end after it starts."))

    @classmethod
    def of_days(cls, first: date | None, last: date | None) -> Period | None:
        """The steps opened from day `first` through day `last`, both included; None when
        neither is given (no narrowing)."""
        if first is None and last is None:
            return None
        return cls(
            since=datetime.combine(first, time.min) if first else None,
            until=datetime.combine(last + timedelta(days=1), time.min) if last else None,
        )


def _visible_steps(
    actor: User,
    process: str | None,
    version: int | None,
    campaign_id: int | None = None,
    period: Period | None = None,
) -> Select:
    """The task rows of the steps `actor` may follow, said through the task's own columns
    (a task copies its submission's org and version), so that the counts come from
    covering indexes and never join every task to its submission."""
    query = select().select_from(Task).where(task_instance_visibility(actor))
    if process:
        query = query.where(Task.process_key == process)
    if version is not None:
        query = query.where(Task.version == version)
    if campaign_id is not None:
        in_round = select(ProcessInstance.id).where(ProcessInstance.campaign_id == campaign_id)
        query = query.where(Task.instance_id.in_(in_round))
    if period and period.since:
        query = query.where(Task.created_at >= period.since)
    if period and period.until:
        query = query.where(Task.created_at < period.until)
    return query


def step_stats(
    actor: User,
    process: str | None = None,
    version: int | None = None,
    campaign_id: int | None = None,
    period: Period | None = None,
) -> list[StepStat]:
    """Per process, version and step: open, overdue, oldest waiting; for finished ones the
    median and p90 time spent. The step with most overdue (then most open) is flagged as
    each process version's bottleneck. Steps are listed in the order they first opened.
    A round (`campaign_id`) or a `period` in which the steps opened narrows it down.
    A step counts under the version it ran under: a submission migrated to a newer
    version waits under the new one, its finished steps stay with the old."""
    require_can_track(actor)
    at = now()

    # Each statement its own rows (see services/runtime/queries.py's arm_rows).
    def base() -> Select:
        return _visible_steps(actor, process, version, campaign_id, period)

    key_cols = (Task.process_key, Task.version, Task.activity_id)
    stats: dict[tuple, StepStat] = {}
    first_opened: dict[tuple, datetime] = {}

    def stat_of(ident: tuple, name: str, role: str, opened: datetime) -> StepStat:
        if ident not in stats:
            stats[ident] = StepStat(*ident, name, role)
        first_opened[ident] = min(opened, first_opened.get(ident, opened))
        return stats[ident]

    waiting = (
        base()
        .where(Task.status == TASK_READY)
        .with_only_columns(
            *key_cols,
            func.min(Task.name),
            func.min(Task.role_code),
            func.count(),
            func.sum(case((Task.due_at < at, 1), else_=0)),
            func.min(Task.created_at),
        )
    )
    for *ident, name, role, count, late, oldest in db.session.execute(waiting.group_by(*key_cols)):
        stat = stat_of(tuple(ident), name, role, oldest)
        stat.open, stat.overdue, stat.oldest_since = count, int(late or 0), oldest

    def done() -> Select:
        return base().where(Task.status == TASK_COMPLETED, Task.completed_at.is_not(None))

    for ident, name, role, opened, finished, middle, p90 in _time_spent(done, key_cols):
        stat = stat_of(ident, name, role, opened)
        stat.finished, stat.median, stat.p90 = finished, middle, p90
    ordered = sorted(stats, key=lambda i: (i[0], -i[1], first_opened[i], i[2]))
    _flag_bottlenecks(stats.values())
    return [stats[ident] for ident in ordered]


def _flag_bottlenecks(stats) -> None:
    """Each process version's step with most overdue, then most open."""
    worst: dict[tuple, StepStat] = {}
    for stat in stats:
        current = worst.get((stat.process_key, stat.version))
        if stat.open and (
            current is None or (stat.overdue, stat.open) > (current.overdue, current.open)
        ):
            worst[stat.process_key, stat.version] = stat
    for stat in worst.values():
        stat.bottleneck = True


def _time_spent(done: Callable[[], Select], key_cols: tuple) -> list[tuple]:
    """(step key, name, role, first opened, finished count, median, p90) per step of the
    finished tasks `done()`.

    PostgreSQL computes them where the rows are (percentile_cont is the median's mean of
    the two middle values, percentile_disc the nearest rank), so a million finished
    steps never travel to Python; SQLite, a county's single-host store, sorts in Python
    by the same two rules.
    """
    labels = (
        func.min(Task.name),
        func.min(Task.role_code),
        func.min(Task.created_at),
        func.count(),
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # date_part is double precision; extract is numeric, which sorts three times slower.
        seconds = func.date_part("epoch", Task.completed_at - Task.created_at)
        rows = db.session.execute(
            done()
            .with_only_columns(
                *key_cols,
                *labels,
                func.percentile_cont(0.5).within_group(seconds),
                func.percentile_disc(0.9).within_group(seconds),
            )
            .group_by(*key_cols)
        )
        return [
            (
                (key, ver, step),
                name,
                role,
                opened,
                n,
                timedelta(seconds=mid),
                timedelta(seconds=p90),
            )
            for key, ver, step, name, role, opened, n, mid, p90 in rows
        ]
    durations: dict[tuple, list[timedelta]] = {}
    for key, ver, step, created, completed in db.session.execute(
        done().with_only_columns(*key_cols, Task.created_at, Task.completed_at)
    ):
        durations.setdefault((key, ver, step), []).append(completed - created)
    rows = db.session.execute(done().with_only_columns(*key_cols, *labels).group_by(*key_cols))
    return [
        (
            (key, ver, step),
            name,
            role,
            opened,
            n,
            median(durations[key, ver, step]),
            percentile(durations[key, ver, step], 0.9),
        )
        for key, ver, step, name, role, opened, n in rows
    ]


# --- the league table ------------------------------------------------------------------


@dataclass
class OrgRow:
    org_id: int
    org_name: str
    total: int
    open: int
    overdue: int
    returned: int


def org_league(
    actor: User,
    process: str | None = None,
    version: int | None = None,
    sort: str = "overdue",
    campaign_id: int | None = None,
) -> list[OrgRow]:
    """Per organisation of the submissions: how many are open, overdue and were returned,
    sorted by `sort` (most first, then by name).

    Two index-only counts: submissions per org (with the `returned` mark written when it
    happened), and the overdue ones per org from the open tasks, which carry their
    submission's org."""
    require_can_track(actor)
    is_open = ProcessInstance.status.in_(OPEN_STATUSES)
    totals = (
        select(
            ProcessInstance.org_id,
            func.count(),
            func.sum(case((is_open, 1), else_=0)),
            func.sum(case((ProcessInstance.returned, 1), else_=0)),
        )
        .where(instance_visibility(actor))
        .group_by(ProcessInstance.org_id)
    )
    if process:
        totals = totals.where(ProcessInstance.process_key == process)
    if version is not None:
        totals = totals.where(ProcessInstance.version == version)
    if campaign_id is not None:
        totals = totals.where(ProcessInstance.campaign_id == campaign_id)
    late = (
        _visible_steps(actor, process, version, campaign_id)
        .where(Task.status == TASK_READY, Task.due_at < now())
        .with_only_columns(Task.org_id, func.count(Task.instance_id.distinct()))
        .group_by(Task.org_id)
    )
    overdue = {org_id: n for org_id, n in db.session.execute(late)}
    counted = db.session.execute(totals).all()
    in_league = [org_id for org_id, *_ in counted]
    names = {
        org_id: name
        for org_id, name in db.session.execute(
            select(Org.id, Org.name).where(Org.id.in_(in_league))
        )
    }
    rows = [
        OrgRow(org_id, names[org_id], total, int(o or 0), overdue.get(org_id, 0), int(back or 0))
        for org_id, total, o, back in counted
    ]
    column = sort if sort in LEAGUE_SORTS else "overdue"
    return sorted(rows, key=lambda r: (-getattr(r, column), r.org_name))


@dataclass
class Dashboard:
    steps: list[StepStat]
    league: list[OrgRow]
    round: CampaignProgress | None = None  # submitted vs not yet, by department


def tracking_dashboard(
    actor: User,
    process: str | None = None,
    version: int | None = None,
    sort: str = "overdue",
    campaign_id: int | None = None,
) -> Dashboard:
    """The step table and the league table of what `actor` may see, for one round when
    `campaign_id` is given (then with the round's progress by department too). Raises
    Forbidden for anyone but finance and departments."""
    require_can_track(actor)
    return Dashboard(
        step_stats(actor, process, version, campaign_id),
        org_league(actor, process, version, sort, campaign_id),
        campaign_progress(actor, campaign_id) if campaign_id is not None else None,
    )
