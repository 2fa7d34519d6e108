"""Reading a batch monitoring workbook back (batch_monitoring.py has its layout and the
list of reports): checked as a whole first, each task's submission built from the entered
columns only and validated against the task's own JSON Schema, errors named in Excel
terms (sheet, row, column); any error and nothing is submitted. Otherwise each task is
completed through `tasks.complete_task` in its own transaction, and one that fails is
reported while the rest go on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from app.forms.validation import unstorable_text
from app.models import User
from app.services.foundation.errors import BadRequest, ServiceError
from app.services.foundation.exports import restored
from app.services.foundation.uploads import read_workbook, workbook_limits
from app.services.registry.batch_monitoring import (
    BOOLEAN_FIELDS,
    INDICATOR_ENTERED,
    INDICATOR_INFO,
    INDICATOR_SHEET,
    NO,
    PROJECT_ENTERED,
    PROJECT_INFO,
    PROJECT_SHEET,
    SEPARATORS,
    TASK_ID,
    TEXT_NUMBER_FIELDS,
    YES,
    BatchItem,
    monitoring_batch,
)
from app.services.runtime import tasks


@dataclass(frozen=True)
class RowError:
    """A problem at one row of one sheet, as the clerk finds it in Excel. The sheet and
    column are the workbook's own headers (in the county's language, as the file has
    them); `message` is a lazy message, read in the reader's language."""

    sheet: str
    row: int | None
    column: str
    message: Any

    def __str__(self) -> str:
        where = {"sheet": self.sheet, "row": self.row, "column": self.column}
        if self.row and self.column:
            text = _l(
                "%(sheet)s, row %(row)s, %(column)s: %(problem)s", **where, problem=self.message
            )
        elif self.row:
            text = _l("%(sheet)s, row %(row)s: %(problem)s", **where, problem=self.message)
        elif self.column:
            text = _l("%(sheet)s, %(column)s: %(problem)s", **where, problem=self.message)
        else:
            text = _l("%(sheet)s: %(problem)s", **where, problem=self.message)
        return str(text)


@dataclass
class Submitted:
    task_id: int
    project_code: str
    project_name: str
    next_steps: list[str]  # activity ids of the tasks that became ready
    next_names: list[str]
    light: str | None
    next_ids: list[int] = field(default_factory=list)  # their task ids, in the same order

    @property
    def needs_correction(self) -> bool:
        return "correction_plan" in self.next_steps

    @property
    def correction_task_id(self) -> int | None:
        """The 纠偏 task the report opened, for the result to link to."""
        for activity, task_id in zip(self.next_steps, self.next_ids, strict=False):
            if activity == "correction_plan":
                return task_id
        return None


@dataclass
class Failed:
    task_id: int
    project_code: str
    project_name: str
    message: str


@dataclass
class BatchResult:
    errors: list[RowError] = field(default_factory=list)
    submitted: list[Submitted] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # project codes left blank

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def to_correction(self) -> list[Submitted]:
        return [s for s in self.submitted if s.needs_correction]

    @property
    def to_review(self) -> list[Submitted]:
        return [s for s in self.submitted if not s.needs_correction]


# --- the upload ------------------------------------------------------------------------


@dataclass
class _Entry:
    item: BatchItem
    row: int  # its row on 项目
    submission: dict
    indicator_rows: dict[int, int] = field(default_factory=dict)  # index -> row on 指标


def import_monitoring(actor: User, file_bytes: bytes) -> BatchResult:
    """Check the uploaded workbook as a whole; submit every report only if all are valid.

    Raises BadRequest when the file is not a readable .xlsx workbook of this template
    within the upload bounds (`uploads.read_workbook`, which checks them before reading).
    Returns a BatchResult: its `errors` (nothing submitted) or what was
    submitted, what failed meanwhile and which projects were left blank.
    """
    sheets = read_workbook(file_bytes, (PROJECT_SHEET, INDICATOR_SHEET), workbook_limits())
    project_rows = _sheet_rows(sheets, PROJECT_SHEET)
    indicator_rows = _sheet_rows(sheets, INDICATOR_SHEET)
    items = {item.task.id: item for item in monitoring_batch(actor)}
    result = BatchResult()
    entries = _project_entries(project_rows, items, result)
    _merge_indicators(indicator_rows, entries, result)
    for entry in entries.values():
        _validate(entry, result)
    if result.errors:
        result.errors = _one_per_cell(result.errors)
        result.errors.sort(key=lambda e: (e.sheet != PROJECT_SHEET, e.row or 0))
        return result
    for entry in sorted(entries.values(), key=lambda e: e.row):
        _submit(actor, entry, result)
    return result


def _sheet_rows(sheets: dict[str, list], title: str) -> list[tuple[int, dict[str, Any]]]:
    """The sheet's data rows as (Excel row number, {header: value}), blank rows left out."""
    if title not in sheets:
        raise BadRequest(
            _l(
                "The workbook has no sheet “%(sheet)s”: use the template downloaded from this"
                " page.",
                sheet=title,
            )
        )
    rows = iter(sheets[title])
    header = next(rows, (1, ()))[1]
    names = [str(h).strip() if h is not None else "" for h in header]
    expected = (
        PROJECT_INFO + PROJECT_ENTERED
        if title == PROJECT_SHEET
        else (INDICATOR_INFO + INDICATOR_ENTERED)
    )
    missing = [h for h, _ in expected if h not in names]
    if missing:
        raise BadRequest(
            _l(
                "The sheet “%(sheet)s” lacks the columns %(columns)s: do not change the headers,"
                " use the template downloaded from this page.",
                sheet=title,
                columns="、".join(missing),
            )
        )
    out = []
    for number, values in rows:
        if values is None or all(_blank(v) for v in values):
            continue
        cells = zip(names, values, strict=False)
        out.append((number, {n: restored(v) for n, v in cells if n}))
    return out


def _project_entries(
    rows: list[tuple[int, dict]], items: dict[int, BatchItem], result: BatchResult
) -> dict[int, _Entry]:
    entries: dict[int, _Entry] = {}
    for number, values in rows:
        task_id = _task_id(values.get(TASK_ID))
        item = items.get(task_id) if task_id is not None else None
        if item is None:
            result.errors.append(
                RowError(
                    PROJECT_SHEET,
                    number,
                    TASK_ID,
                    _l(
                        "This is no monitoring report waiting for you (it may have been"
                        " submitted, returned to someone else or changed): download the"
                        " template again."
                    ),
                )
            )
            continue
        if task_id in entries:
            result.errors.append(
                RowError(
                    PROJECT_SHEET,
                    number,
                    TASK_ID,
                    _l(
                        "Repeats row %(row)s (project %(project)s).",
                        row=entries[task_id].row,
                        project=item.project_code,
                    ),
                )
            )
            continue
        entered = [values.get(h) for h, _ in PROJECT_ENTERED]
        if all(_blank(v) for v in entered):
            result.skipped.append(item.project_code)
            entries[task_id] = _Entry(item, number, {}, {})  # marks the id as seen
            continue
        submission = dict(item.data)
        for header, name in PROJECT_ENTERED:
            value = _parse(name, values.get(header))
            if value is None:
                submission.pop(name, None)
            else:
                submission[name] = value
        submission["indicators"] = [dict(r) for r in item.indicators]
        entries[task_id] = _Entry(item, number, submission)
    return entries


def _merge_indicators(
    rows: list[tuple[int, dict]], entries: dict[int, _Entry], result: BatchResult
) -> None:
    """Entered columns onto the approved rows, matched by task and row number."""
    for number, values in rows:
        task_id = _task_id(values.get(TASK_ID))
        entry = entries.get(task_id) if task_id is not None else None
        if entry is None:
            result.errors.append(
                RowError(
                    INDICATOR_SHEET,
                    number,
                    TASK_ID,
                    _l(
                        "The sheet “%(sheet)s” has no row for this project (do not change the"
                        " task number; a project not reported is deleted from both sheets).",
                        sheet=PROJECT_SHEET,
                    ),
                )
            )
            continue
        if not entry.submission:
            continue  # the project is skipped: its indicator rows go with it
        index = _task_id(values.get("行号"))
        shown = _l("(blank)") if _blank(values.get("行号")) else values.get("行号")
        approved = entry.submission["indicators"]
        if index is None or not 1 <= index <= len(approved):
            result.errors.append(
                RowError(
                    INDICATOR_SHEET,
                    number,
                    "行号",
                    _l(
                        "Project %(project)s has no indicator row %(row)s (do not change the"
                        " row numbers).",
                        project=entry.item.project_code,
                        row=shown,
                    ),
                )
            )
            continue
        if index - 1 in entry.indicator_rows:
            result.errors.append(
                RowError(
                    INDICATOR_SHEET,
                    number,
                    "行号",
                    _l(
                        "Repeats row %(row)s (project %(project)s).",
                        row=entry.indicator_rows[index - 1],
                        project=entry.item.project_code,
                    ),
                )
            )
            continue
        entry.indicator_rows[index - 1] = number
        row = approved[index - 1]
        for header, name in INDICATOR_ENTERED:
            value = _parse(name, values.get(header))
            if value is None:
                row.pop(name, None)
            else:
                row[name] = value
    for entry in entries.values():
        if not entry.submission:
            continue
        for index in range(len(entry.submission["indicators"])):
            if index not in entry.indicator_rows:
                result.errors.append(
                    RowError(
                        INDICATOR_SHEET,
                        None,
                        "",
                        _l(
                            "Indicator row %(row)s of project %(project)s is missing (do not"
                            " delete indicator rows).",
                            row=index + 1,
                            project=entry.item.project_code,
                        ),
                    )
                )


def _validate(entry: _Entry, result: BatchResult) -> None:
    """Everything the completion would refuse, found now and all at once: the schema, what
    belongs together and the form's domain rules (a delay reason when spending is behind),
    so no conditionally required column is revealed only by the next upload."""
    if not entry.submission:
        return
    found = list(unstorable_text(entry.submission))
    if not found:
        found = tasks.form_errors(entry.item.schema, entry.submission)
    for error in found:
        result.errors.append(_locate(entry, error.path, error.message))


def _one_per_cell(errors: list[RowError]) -> list[RowError]:
    """A cell refused for two reasons (必填项 by the form, the delay rule's why) is one
    line with both, not two lines for one cell; errors not at a cell stay as they are."""
    merged: dict[tuple, list[RowError]] = {}
    for index, error in enumerate(errors):
        at_cell = error.row is not None and error.column
        where = (error.sheet, error.row, error.column) if at_cell else (index,)
        known = merged.setdefault(where, [])
        if all(str(error.message) != str(other.message) for other in known):
            known.append(error)
    return [_both(same) for same in merged.values()]


def _both(errors: list[RowError]) -> RowError:
    """One cell's errors as one, their messages side by side in the reader's language."""
    first, message = errors[0], errors[0].message
    for other in errors[1:]:
        message = _l("%(first)s; %(second)s", first=message, second=other.message)
    return RowError(first.sheet, first.row, first.column, message)


def _locate(entry: _Entry, path: str, message: str) -> RowError:
    """A schema error's JSON pointer as a sheet, row and column of the workbook."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/") if p]
    if len(parts) >= 3 and parts[0] == "indicators" and parts[1].isdigit():
        index = int(parts[1])
        return RowError(
            INDICATOR_SHEET,
            entry.indicator_rows.get(index),
            _column(
                INDICATOR_ENTERED, INDICATOR_INFO, parts[2], _row_title(entry.item.schema, parts[2])
            ),
            message,
        )
    name = parts[0] if parts else ""
    return RowError(
        PROJECT_SHEET,
        entry.row,
        _column(PROJECT_ENTERED, PROJECT_INFO, name, _title(entry.item.schema, name)),
        message,
    )


def _column(entered, info, name: str, fallback: str) -> str:
    for header, field_name in (*entered, *info):
        if field_name == name:
            return header.split("（")[0]
    return fallback


def _title(schema: dict, name: str) -> str:
    prop = (schema.get("properties") or {}).get(name) or {}
    return str(prop.get("title") or name)


def _row_title(schema: dict, name: str) -> str:
    items = ((schema.get("properties") or {}).get("indicators") or {}).get("items") or {}
    prop = (items.get("properties") or {}).get(name) or {}
    return str(prop.get("title") or name)


def _submit(actor: User, entry: _Entry, result: BatchResult) -> None:
    item = entry.item
    if not entry.submission:
        return
    task_id, code, name = item.task.id, item.project_code, item.project_name
    try:
        instance, ready = tasks.complete_task(actor, task_id, entry.submission)
    except ServiceError as exc:  # Conflict (submitted meanwhile), Forbidden (claimed), ...
        result.failed.append(Failed(task_id, code, name, exc.message))
        return
    assessment = (instance.data or {}).get("assessment") or {}
    result.submitted.append(
        Submitted(
            task_id,
            code,
            name,
            [t.activity_id for t in ready],
            [t.name for t in ready],
            assessment.get("project_light") if isinstance(assessment, dict) else None,
            [t.id for t in ready],
        )
    )


# --- cells -----------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _task_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _parse(name: str, value: Any) -> Any:
    """A cell as the form's value; None for blank. Unreadable values are kept as text, so
    the schema names the problem ("应为数字", "应为是或否")."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        value = value.date().isoformat()
    if name == "spent":
        return _number(value)
    if name in BOOLEAN_FIELDS:
        if isinstance(value, bool):
            return value
        text = str(value).strip()
        if text in (YES, "Y", "y", "TRUE", "True", "true", "1"):
            return True
        if text in (NO, "N", "n", "FALSE", "False", "false", "0"):
            return False
        return text
    if name == "deviation_reasons":
        return [p for p in SEPARATORS.split(str(value)) if p]
    if name in TEXT_NUMBER_FIELDS:
        return _number_text(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() else value
    text = str(value).strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return str(value).strip()
    if not number.is_finite():
        return str(value).strip()
    return int(number) if number == number.to_integral_value() else float(number)


def _number_text(value: Any) -> str:
    """An achieved value as the form keeps it: text ("1500", "98.5%"); thousands
    separators are dropped. Words ("很多") stay as typed, for the form to refuse where a
    quantity is expected, naming the cell."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    plain = text.replace(",", "").replace("，", "")
    return plain if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?%?", plain) else text
