"""Excel workbooks of what a page lists, for the reports finance files on paper.

Headers are Chinese whatever the page language: the workbook goes to the county's
offices, whose templates are Chinese. Rates are numbers formatted as percentages, so
they can be sorted and summed in Excel.

Every workbook the product writes leaves through `workbook_bytes`, which neutralises
every text cell of every sheet a spreadsheet would run as a formula (OWASP's formula
injection: text from a clerk such as `=HYPERLINK(...)` or `@SUM(...)` is prefixed with a
single quote). Doing it once at the door, not at each cell, means a new export cannot
forget it; `tests/security/test_uploads_and_exports.py` holds that no other module saves
a workbook.
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.models import Project

PROJECT_HEADERS = (
    "编码",
    "项目名称",
    "主管部门",
    "实施单位",
    "批复金额（万元）",
    "调整后预算（万元）",
    "最新季度",
    "执行率",
    "序时进度",
    "预警",
    "评价等级",
    "下年预算建议",
    "资金来源",
)
# What a spreadsheet reads as the start of a formula (or, for tab and CR, of a cell
# whose next characters it may read as one), per OWASP's CSV injection advice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIGHT_NAMES = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "blue": "蓝灯"}
WIDTHS = (16, 30, 16, 16, 14, 16, 10, 10, 10, 8, 10, 16, 14)


def time_progress_of(project: Project) -> float | None:
    """序时进度 at the end of the project's latest monitored quarter."""
    return project.latest_quarter * 3 / 12 if project.latest_quarter else None


def project_row(project: Project) -> list:
    """One registry row as the workbook holds it (blanks stay empty cells)."""
    return [
        project.code,
        project.name,
        project.department.name,
        project.unit.name,
        project.approved_amount,
        project.adjusted_amount,
        f"第{project.latest_quarter}季度" if project.latest_quarter else None,
        project.latest_execution_rate,
        time_progress_of(project),
        LIGHT_NAMES.get(project.latest_light or ""),
        project.grade,
        project.next_year_tag,
        project.funding_source,
    ]


def projects_workbook(projects: Iterable[Project], title: str = "项目库") -> bytes:
    """The registry list as an .xlsx file's bytes: one header row, one row a project."""
    formats = {4: "#,##0.00", 5: "#,##0.00", 7: "0.0%", 8: "0.0%"}  # 万元 amounts; rates
    return table_workbook(title, PROJECT_HEADERS, map(project_row, projects), WIDTHS, formats)


def table_workbook(
    title: str,
    headers: Iterable[str],
    rows: Iterable[Iterable],
    widths: Iterable[int],
    formats: dict[int, str] | None = None,
) -> bytes:
    """One sheet: a bold, frozen header row, then the rows; `formats` maps a column's
    index to its Excel number format."""
    book = new_workbook()
    sheet = book.active
    sheet.title = title[:31]  # Excel's limit on sheet names
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for cells in sheet.iter_rows(min_row=2):
        for index, number_format in (formats or {}).items():
            cells[index].number_format = number_format
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return workbook_bytes(book)


def new_workbook() -> Workbook:
    """An empty workbook, to be written out with `workbook_bytes` and nothing else."""
    return Workbook()


def workbook_bytes(book: Workbook) -> bytes:
    """The .xlsx bytes of `book`, every text cell of every sheet made inert first.

    Text a spreadsheet would run as a formula gets a leading single quote; numbers,
    negative ones included, and dates stay what they are. Characters XML cannot hold
    (control characters a clerk pasted) are dropped rather than failing the export.
    """
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = neutralised(cell.value)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def neutralised(text: str) -> str:
    """`text` as a cell that can only be text."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restored(value):
    """The inverse of `neutralised` for a cell read back from one of our workbooks (the
    batch template comes back filled): the quote we added is dropped again."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
