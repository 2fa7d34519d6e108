"""The Excel template of the batch monitoring page: the unit's ready reports, prefilled,
with the approved columns grey and locked and the entered ones offered as drop-downs.

What the clerk sends back is read by `batch_upload.import_monitoring`; the headers and
sheet names are `batch_monitoring`'s, read by both, so the two cannot drift apart. The
workbook leaves through `exports.workbook_bytes`, like every export, so text from a
submission that a spreadsheet would run as a formula arrives as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from app.models import User
from app.services.foundation.exports import new_workbook, workbook_bytes
from app.services.registry.batch_monitoring import (
    BOOLEAN_FIELDS,
    DELAY_REASONS,
    DEVIATION_REASONS,
    INDICATOR_ENTERED,
    INDICATOR_INFO,
    INDICATOR_SHEET,
    LIKELIHOODS,
    NO,
    PROJECT_ENTERED,
    PROJECT_INFO,
    PROJECT_SHEET,
    QUALITATIVE_RESULTS,
    YES,
    BatchItem,
    monitoring_batch,
)

LISTS_SHEET = "选项"
PROJECT_WIDTHS = (14, 16, 28, 10, 16, 18, 16, 16, 20, 40)
INDICATOR_WIDTHS = (14, 16, 8, 24, 8, 12, 10, 18, 16, 14, 22, 30, 16)
GREY = PatternFill("solid", fgColor="DDDDDD")
# When a column must be filled, said on its header (a note Excel shows on hovering): the
# upload names every missing one at once, but the clerk should not have to upload to learn.
WHEN_REQUIRED = {
    "截至本季度末支出数（万元）": "必填；不小于 0 的数字（万元）",
    "是否达到阶段性目标（是/否）": "必填：是 或 否",
    "未达序时进度原因类型": "执行率（支出数 ÷ 调整预算数）低于序时进度（已过月数 ÷ 12）时必填",
    "进度分析": "未达到序时进度或未达到阶段性目标时必填",
    "截至本季度末实际完成值": "定量指标（符号不是“定性”）必填，须为数字，如 12、95.5 或 95.5%",
    "预计全年完成值": "定量指标填写时须为数字，如 12、95.5 或 95.5%",
    "完成可能性": "必填",
    "偏差原因（可多选，逗号分隔）": "完成可能性为“有可能”或“完全不可能”时必填",
    "拟采取的措施": "完成可能性为“有可能”或“完全不可能”时必填",
    "定性指标完成情况": "定性指标（符号为“定性”）必填",
}


def monitoring_template(actor: User) -> bytes:
    """The batch as an .xlsx workbook's bytes, prefilled with what the tasks hold."""
    items = monitoring_batch(actor)
    book = new_workbook()
    projects = book.active
    projects.title = PROJECT_SHEET
    indicators = book.create_sheet(INDICATOR_SHEET)
    lists = book.create_sheet(LISTS_SHEET)
    _write_lists(lists, _choices(items))

    _header(projects, PROJECT_INFO + PROJECT_ENTERED, PROJECT_WIDTHS)
    for item in items:
        values = [item.task.id] + [item.data.get(f) for _, f in PROJECT_INFO[1:]]
        values += [_cell_value(f, item.data.get(f)) for _, f in PROJECT_ENTERED]
        projects.append(values)
    _lock(projects, len(PROJECT_INFO), len(PROJECT_INFO) + len(PROJECT_ENTERED))
    for row in projects.iter_rows(min_row=2, min_col=5, max_col=6):
        for cell in row:
            cell.number_format = "#,##0.00"
    first = len(PROJECT_INFO) + 1
    _validation(projects, _list_range("A", 2), first + 1, first + 2, "请填“是”或“否”")
    _validation(projects, _list_range("B", len(_choices(items)["delay"])), first + 3, first + 3)
    _number_validation(projects, first)

    _header(indicators, INDICATOR_INFO + INDICATOR_ENTERED, INDICATOR_WIDTHS)
    for item in items:
        for number, row in enumerate(item.indicators, start=1):
            values = [item.task.id, item.project_code, number]
            values += [row.get(f) for _, f in INDICATOR_INFO[3:]]
            values += [_cell_value(f, row.get(f)) for _, f in INDICATOR_ENTERED]
            indicators.append(values)
    _lock(indicators, len(INDICATOR_INFO), len(INDICATOR_INFO) + len(INDICATOR_ENTERED))
    first = len(INDICATOR_INFO) + 1
    choices = _choices(items)
    _validation(
        indicators,
        _list_range("C", len(choices["likelihood"])),
        first + 2,
        first + 2,
        "请从 " + "/".join(choices["likelihood"]) + " 中选择",
    )
    _validation(
        indicators,
        _list_range("E", len(choices["qualitative"])),
        first + 5,
        first + 5,
        "请从 " + "/".join(choices["qualitative"]) + " 中选择",
    )
    lists.sheet_state = "hidden"
    return workbook_bytes(book)


def _choices(items: list[BatchItem]) -> dict[str, tuple[str, ...]]:
    """The option lists, from the deployed form when it names them."""
    schema = items[0].schema if items else {}
    props = schema.get("properties", {}) if isinstance(schema, dict) else {}
    row = (props.get("indicators") or {}).get("items", {}).get("properties", {})
    return {
        "delay": tuple((props.get("delay_reason_type") or {}).get("enum") or DELAY_REASONS),
        "likelihood": tuple((row.get("likelihood") or {}).get("enum") or LIKELIHOODS),
        "reasons": tuple(
            ((row.get("deviation_reasons") or {}).get("items") or {}).get("enum")
            or DEVIATION_REASONS
        ),
        "qualitative": tuple(
            (row.get("qualitative_result") or {}).get("enum") or QUALITATIVE_RESULTS
        ),
    }


def _write_lists(sheet, choices: dict[str, tuple[str, ...]]) -> None:
    columns = (
        ("是否", (YES, NO)),
        ("未达序时进度原因类型", choices["delay"]),
        ("完成可能性", choices["likelihood"]),
        ("偏差原因", choices["reasons"]),
        ("定性指标完成情况", choices["qualitative"]),
    )
    for index, (title, values) in enumerate(columns, start=1):
        sheet.cell(row=1, column=index, value=title).font = Font(bold=True)
        for offset, value in enumerate(values, start=2):
            sheet.cell(row=offset, column=index, value=value)


def _list_range(column: str, count: int) -> str:
    return f"{quote_sheetname(LISTS_SHEET)}!${column}$2:${column}${count + 1}"


def _header(sheet, columns: Iterable[tuple[str, str | None]], widths: tuple[int, ...]) -> None:
    sheet.append([title for title, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        if cell.value in WHEN_REQUIRED:
            cell.comment = Comment(WHEN_REQUIRED[cell.value], "填报说明")
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"


def _lock(sheet, info_columns: int, last_column: int) -> None:
    """Grey and lock the read-only columns; the entered ones stay editable.

    The sheet is protected without a password: it guards against slips, not intent
    (the upload ignores those columns anyway).
    """
    for row in range(1, sheet.max_row + 1):
        for column in range(1, last_column + 1):
            cell = sheet.cell(row=row, column=column)
            if column <= info_columns:
                cell.fill = GREY
            cell.protection = Protection(locked=row == 1 or column <= info_columns)
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.autoFilter = False
    sheet.protection.sort = False


def _validation(sheet, source: str, first: int, last: int, error: str | None = None) -> None:
    validation = DataValidation(type="list", formula1=source, allow_blank=True)
    validation.error = error or "请从下拉列表中选择"
    validation.errorTitle = "不在可选值中"
    validation.showErrorMessage = True
    sheet.add_data_validation(validation)
    for column in range(first, last + 1):
        letter = get_column_letter(column)
        validation.add(f"{letter}2:{letter}1048576")


def _number_validation(sheet, column: int) -> None:
    validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    validation.allow_blank = True
    validation.error = "请填写不小于 0 的数字（万元）"
    validation.errorTitle = "支出数不正确"
    validation.showErrorMessage = True
    sheet.add_data_validation(validation)
    letter = get_column_letter(column)
    validation.add(f"{letter}2:{letter}1048576")


def _cell_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in BOOLEAN_FIELDS and isinstance(value, bool):
        return YES if value else NO
    if name == "deviation_reasons" and isinstance(value, list):
        return "，".join(str(v) for v in value)
    if isinstance(value, (dict, list)):
        return None
    return value
