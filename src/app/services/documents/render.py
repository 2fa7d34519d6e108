"""A document (services/documents/document.py) as a printable A4 PDF and as an Excel workbook.

The PDF is drawn with ReportLab, which needs no browser or system library, with a CJK
font from the operating system embedded (subset) so that it prints the same anywhere:
Debian's fonts-wqy-microhei by default, or the file the DOCUMENT_FONT setting names.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus import Table as PdfTable

from app.services.documents.document import Document
from app.services.foundation.errors import NotFound, ServiceError
from app.services.foundation.exports import new_workbook, workbook_bytes

FONT = "DocumentCJK"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
MARGIN = 20 * mm
RULE = colors.HexColor("#333333")


class FontMissing(ServiceError):
    status = 503
    code = "font_missing"


def _font() -> str:
    """Register the CJK font once per process; its name for the styles."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return FONT
    configured = current_app.config.get("DOCUMENT_FONT")
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            pdfmetrics.registerFont(TTFont(FONT, candidate, subfontIndex=0))
            return FONT
    raise FontMissing(
        _l("A CJK font is needed to print: install fonts-wqy-microhei or set DOCUMENT_FONT.")
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIMETYPES = {"pdf": "application/pdf", "xlsx": XLSX}


def require_kind(kind: str) -> None:
    """A document is a "pdf" or an "xlsx" file. Raises NotFound for another kind."""
    if kind not in MIMETYPES:
        raise NotFound(_l("There is no .%(kind)s document, only pdf and xlsx.", kind=kind))


def document_file(document: Document, kind: str) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of the document as a "pdf" or an "xlsx" file: what
    a page and the API send alike. Raises NotFound for another kind (no such file)."""
    require_kind(kind)
    content = pdf_bytes(document) if kind == "pdf" else workbook(document)
    return content, MIMETYPES[kind], f"{document.filename}.{kind}"


def pdf_bytes(document: Document) -> bytes:
    font = _font()
    pagesize = landscape(A4) if document.landscape else A4
    page_width = pagesize[0] - 2 * MARGIN
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=TA_CENTER)
    subtitle = ParagraphStyle("subtitle", fontName=font, fontSize=11, alignment=TA_CENTER)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    # A table's heading stays with its first rows rather than ending a page alone.
    heading = ParagraphStyle(
        "heading", fontName=font, fontSize=11, leading=16, spaceAfter=2 * mm, keepWithNext=1
    )

    def para(text: str, style: ParagraphStyle = cell) -> Paragraph:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(escaped.replace("\n", "<br/>"), style)

    story: list = [para(document.title, title), para(document.subtitle, subtitle)]
    story.append(Spacer(1, 6 * mm))
    if document.fields:
        rows = [[para(label), para(value)] for label, value in document.fields]
        story.append(_ruled(rows, (0.25 * page_width, 0.75 * page_width)))
    for table in document.tables:
        total = sum(table.widths)
        widths = tuple(page_width * w / total for w in table.widths)
        rows = [[para(c) for c in table.columns]]
        rows += [[para(str(v)) for v in row] for row in table.rows] or [
            [para("（无）")] + [para("") for _ in table.columns[1:]]
        ]
        story += [Spacer(1, 5 * mm), para(table.title, heading)]
        story.append(_ruled(rows, widths, header=True))
    if document.signatures:
        story.append(Spacer(1, 10 * mm))
        lines = [[para(f"{label}：________________")] for label in document.signatures]
        story.append(PdfTable(lines, colWidths=(page_width,), hAlign="LEFT"))
    out = BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=document.title,
        author="全过程绩效预算管理平台",
    )
    pdf.build(story)
    return out.getvalue()


def _ruled(rows: list, widths: tuple, header: bool = False) -> PdfTable:
    table = PdfTable(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.6, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF1F6")))
    table.setStyle(style)
    return table


def workbook(document: Document) -> bytes:
    """One sheet laid out like the printed form: title, fields, ruled tables, signatures."""
    book = new_workbook()
    sheet = book.active
    sheet.title = document.title[:31]
    width = max([2, *(len(t.columns) for t in document.tables)])
    thin = Side(style="thin", color="333333")
    ruled = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")

    def line(values: list, bold: bool = False, border: bool = False) -> None:
        sheet.append(values)
        for c in sheet[sheet.max_row]:
            c.alignment = wrap
            if bold:
                c.font = Font(bold=True)
            if border and c.column <= len(values):
                c.border = ruled

    sheet.append([document.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([document.subtitle])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet["A2"].alignment = Alignment(horizontal="center")
    sheet.append([])
    for label, value in document.fields:
        line([label, value], border=True)
        sheet.merge_cells(
            start_row=sheet.max_row, start_column=2, end_row=sheet.max_row, end_column=width
        )
    for table in document.tables:
        sheet.append([])
        line([table.title], bold=True)
        line(list(table.columns), bold=True, border=True)
        for row in table.rows:
            line(list(row), border=True)
    sheet.append([])
    for label in document.signatures:
        sheet.append([f"{label}：", ""])
    for index in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18 if index > 1 else 20
    return workbook_bytes(book)
