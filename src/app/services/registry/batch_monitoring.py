"""Batch filling of quarterly monitoring reports: one Excel workbook for all of a unit's
ready `fill_monitoring_report` tasks, downloaded prefilled and uploaded back.

The workbook has two sheets: 项目 (one row per task: the report's top-level fields) and
指标 (one row per indicator row of every task). An upload is checked as a whole first:
each task's submission is built from the file (entered columns only; the approved,
read-only columns always come from the task's data) and validated against the task's
own JSON Schema, errors named in Excel terms (sheet, row, column). Any error and nothing
is submitted, so the clerk fixes the file and uploads it again. Otherwise each task is
completed through `tasks.complete_task`, each in its own transaction; one that fails
(e.g. submitted meanwhile by a colleague) is reported and the rest go on.

This module holds the list and the workbook's layout; the upload is `batch_upload`'s.

Headers are Chinese whatever the page language, as in `exports`: the county's offices
fill these sheets. The template itself is written by `batch_template`; the file comes
back through `uploads.read_workbook`, which checks its bounds before reading it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.models import Task, User
from app.services.foundation.policy import holds_role_for
from app.services.runtime import queries
from app.services.runtime.forms_view import task_form

PROCESS = "quarterly_monitoring"
ACTIVITY = "fill_monitoring_report"
MAX_TASKS = 2000

PROJECT_SHEET = "项目"
INDICATOR_SHEET = "指标"

TASK_ID = "任务编号（请勿修改）"
YES, NO = "是", "否"
LIKELIHOODS = ("确定能", "有可能", "完全不可能")
DEVIATION_REASONS = ("经费", "制度", "人员", "硬件条件", "其他")
QUALITATIVE_RESULTS = ("达成", "部分达成", "未达成")
DELAY_REASONS = (
    "政策调整",
    "政府采购程序",
    "其他不可控",
    "按计划暂未实施",
    "合同约定暂未支付",
    "其他",
)
SEPARATORS = re.compile(r"[,，、;；/\s]+")

# (header, field) — the read-only columns shown for orientation, then the entered ones.
PROJECT_INFO = (
    (TASK_ID, None),
    ("项目编码", "project_code"),
    ("项目名称", "project_name"),
    ("监控季度", "quarter"),
    ("调整预算数（万元）", "adjusted_budget"),
)
PROJECT_ENTERED = (
    ("截至本季度末支出数（万元）", "spent"),
    ("是否达到阶段性目标（是/否）", "reached_stage_goal"),
    ("未达序时进度原因类型", "delay_reason_type"),
    ("进度分析", "progress_analysis"),
)
INDICATOR_INFO = (
    (TASK_ID, None),
    ("项目编码", "project_code"),
    ("行号", None),
    ("三级指标", "name"),
    ("符号", "sign"),
    ("指标值", "target"),
    ("计量单位", "unit"),
)
INDICATOR_ENTERED = (
    ("截至本季度末实际完成值", "actual"),
    ("预计全年完成值", "expected_full_year"),
    ("完成可能性", "likelihood"),
    ("偏差原因（可多选，逗号分隔）", "deviation_reasons"),
    ("拟采取的措施", "measures"),
    ("定性指标完成情况", "qualitative_result"),
)
BOOLEAN_FIELDS = {"reached_stage_goal"}
TEXT_NUMBER_FIELDS = {"actual", "expected_full_year"}


@dataclass
class BatchItem:
    """One ready report the actor may fill, with its form and what it holds so far."""

    task: Task
    schema: dict
    ui: dict
    data: dict

    @property
    def project_code(self) -> str:
        return str(self.data.get("project_code") or "")

    @property
    def project_name(self) -> str:
        return str(self.data.get("project_name") or self.task.instance.title)

    @property
    def quarter(self) -> int | None:
        return self.data.get("quarter")

    @property
    def adjusted_budget(self) -> Any:
        return self.data.get("adjusted_budget")

    @property
    def due_at(self) -> datetime | None:
        return self.task.due_at

    @property
    def indicators(self) -> list[dict]:
        rows = self.data.get("indicators")
        return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []

    @property
    def status(self) -> str:
        """Returned ("returned") when a reviewer sent it back with an opinion, else "new"."""
        if self.data.get("dept_opinion") or self.data.get("finance_opinion"):
            return "returned"
        return "new"


# --- the list --------------------------------------------------------------------------


def monitoring_batch(actor: User) -> list[BatchItem]:
    """The ready monitoring reports `actor` may fill now, ordered by project code.

    Visible tasks of the actor's roles (or assigned to them), not claimed by someone
    else: exactly those `complete_task` would accept from them.
    """
    found = queries.list_inbox(actor, process=PROCESS, limit=MAX_TASKS).tasks
    items = []
    for task in found:
        if task.activity_id != ACTIVITY:
            continue
        if task.assignee_id not in (None, actor.id):
            continue
        if task.assignee_id != actor.id and not holds_role_for(actor, task):
            continue
        form = task_form(actor, task.id)
        items.append(BatchItem(task, form.schema, form.ui, dict(form.data)))
    items.sort(key=lambda i: (i.project_code, i.quarter or 0, i.task.id))
    return items
