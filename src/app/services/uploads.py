"""Reading uploaded zips and Excel workbooks without trusting them.

Every upload that is a zip (a process export, an .xlsx workbook) is opened here and only
here, and everything it claims is checked before anything is unpacked or parsed: the
number of members, each member's and the whole request's unpacked size, member names
(no `..`, no absolute path, no control character), encryption and compression method.
Then every member is read once, streamed and thrown away, so a bad CRC or a truncated
stream is found before a parser sees a byte. A workbook's XML parts are then scanned,
streaming and building no tree, with DTDs refused: a sheet's claimed dimension, its row
numbers and its columns must fit the bounds before openpyxl reads a single row, because
openpyxl pads every row to the claimed width and fills every missing row up to the
claimed height (a sheet claiming A1:XFD1048576 is 17 billion cells to walk), and no part
may hold more of what openpyxl turns into objects (styles, rich text) than it can build
in a moment.

Whatever is wrong answers BadRequest naming the problem; nothing here changes data.
"""

from __future__ import annotations

import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Any

from flask import current_app
from lxml import etree
from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string

from app.services.errors import BadRequest, ServiceError

MB = 1024 * 1024
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx and old .xls
# What Python's zipfile can unpack; anything else (Deflate64, AES as method 99...) is named.
READABLE_METHODS = frozenset(
    [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
)
_CHUNK = 64 * 1024
# openpyxl builds an object for every element of the parts it loads whole (styles,
# names) and of a sheet's rich text and formatting: 100,000 cell formats cost it 4 s and
# 190 MB, 100,000 rich-text runs in cells 7.6 s and 180 MB. Each part may hold this many
# such elements (a sheet's plain cells and shared strings are bounded by rows, columns
# and size instead); Excel's own files hold a few hundred.
PART_ELEMENTS = 20_000
PLAIN_CELL_PARTS = frozenset(["sheetData", "row", "c", "v", "f", "is", "t"])
_CELL_REF = re.compile(r"\s*\$?([A-Za-z]{1,3})\$?(\d{1,7})\s*$")
_UNPACK_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    OSError,
    ValueError,
    OverflowError,
    struct.error,
    LookupError,
)


@dataclass(frozen=True)
class ZipLimits:
    """Bounds on what a request's zips may unpack to."""

    members: int
    member_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class WorkbookLimits:
    """Bounds on an uploaded .xlsx: the file as sent, what it unpacks to, each sheet."""

    upload_bytes: int
    zip: ZipLimits
    rows: int
    columns: int


def import_zip_limits() -> ZipLimits:
    config = current_app.config
    return ZipLimits(
        config["IMPORT_ZIP_MAX_MEMBERS"],
        config["IMPORT_ZIP_MAX_MEMBER_BYTES"],
        config["IMPORT_ZIP_MAX_TOTAL_BYTES"],
    )


def workbook_limits() -> WorkbookLimits:
    config = current_app.config
    unpacked = config["XLSX_MAX_UNPACKED_BYTES"]
    return WorkbookLimits(
        config["XLSX_MAX_BYTES"],
        ZipLimits(config["XLSX_MAX_MEMBERS"], unpacked, unpacked),
        config["XLSX_MAX_ROWS"],
        config["XLSX_MAX_COLUMNS"],
    )


class UnpackBudget:
    """What one request may still unpack: the limits hold over all its zips together,
    so ten uploads just under the limit are not ten times the limit."""

    def __init__(self, limits: ZipLimits):
        self.limits = limits
        self.members = 0
        self.total = 0

    def take(self, name: str, size: int) -> None:
        """Count one member of `size` bytes; raises BadRequest past a limit."""
        limits = self.limits
        self.members += 1
        self.total += size
        if self.members > limits.members:
            raise BadRequest(
                f"zip 中的文件超过 {limits.members} 个 (the zip holds more than "
                f"{limits.members} files)"
            )
        if size > limits.member_bytes:
            raise BadRequest(
                f"zip 中的“{_shown(name)}”解压后超过 {_mb(limits.member_bytes)} "
                f"(a member unpacks to more than {_mb(limits.member_bytes)})"
            )
        if self.total > limits.total_bytes:
            raise BadRequest(
                f"上传的 zip 解压后合计超过 {_mb(limits.total_bytes)} "
                f"(the upload unpacks to more than {_mb(limits.total_bytes)})"
            )


# --- zips ------------------------------------------------------------------------------


def open_zip(data: bytes, budget: UnpackBudget) -> zipfile.ZipFile:
    """The uploaded zip, opened and checked whole before anything is unpacked.

    Counts every member against `budget`, refuses unsafe names, encrypted members and
    methods zipfile cannot unpack, then reads every member once (streamed, nothing
    kept) so a bad CRC or a broken stream is refused here, not halfway through a use.
    Raises BadRequest naming the problem.
    """
    if data.startswith(OLE_SIGNATURE):
        raise BadRequest(
            "文件已加密或为旧版 Office 格式（OLE），请另存为不加密的 .xlsx 或 .zip 后上传 "
            "(the file is encrypted or an old OLE format, not a zip)"
        )
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except _UNPACK_ERRORS as exc:
        raise BadRequest(f"不是有效的 zip 文件 (not a zip file): {exc}") from exc
    for info in members:
        budget.take(info.filename, info.file_size)
        _check_member(info)
    for info in members:
        if not info.is_dir():
            _read_through(archive, info)
    return archive


def read_members(archive: zipfile.ZipFile) -> list[tuple[str, bytes]]:
    """(name, content) of every file of a zip `open_zip` checked."""
    return [(i.filename, archive.read(i)) for i in archive.infolist() if not i.is_dir()]


def _check_member(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise BadRequest(
            f"zip 中的文件名“{_shown(name)}”含控制字符 (a member name holds control characters)"
        )
    path = name.replace("\\", "/")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise BadRequest(
            f"zip 中的文件名“{_shown(name)}”是绝对路径 (a member name is an absolute path)"
        )
    if ".." in path.split("/"):
        raise BadRequest(
            f"zip 中的文件名“{_shown(name)}”含“..” (a member name climbs out with '..')"
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise BadRequest(f"zip 中的“{_shown(name)}”是符号链接 (a member is a symbolic link)")
    if info.flag_bits & 0x1:
        raise BadRequest(
            f"zip 中的“{_shown(name)}”已加密，请上传不加密的文件 (a member is encrypted)"
        )
    if info.compress_type not in READABLE_METHODS:
        raise BadRequest(
            f"zip 中的“{_shown(name)}”使用了不支持的压缩方式 {info.compress_type} "
            f"(unknown compression method {info.compress_type})"
        )


def _read_through(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    try:
        with archive.open(info) as stream:
            while stream.read(_CHUNK):
                pass
    except _UNPACK_ERRORS as exc:
        problem = "校验和错误 (bad CRC-32)" if "CRC" in str(exc) else f"已损坏 (corrupt): {exc}"
        raise BadRequest(f"zip 中的“{_shown(info.filename)}”{problem}") from exc


# --- workbooks -------------------------------------------------------------------------


def read_workbook(
    data: bytes, titles: Iterable[str], limits: WorkbookLimits
) -> dict[str, list[tuple[int, tuple]]]:
    """The named sheets of an uploaded .xlsx as {title: [(Excel row number, values)]},
    values as computed (not formulas), each row at most `limits.columns` wide. Sheets
    the workbook lacks are left out; the caller names what it needed.

    Raises BadRequest, naming the problem, for anything but a readable workbook within
    `limits`; openpyxl is called only on a file that passed every check, and what it
    raises on a file that still surprises it is a refusal too, never a 500.
    """
    if not data:
        raise BadRequest("请选择要上传的 Excel 文件 (no file was uploaded)")
    if len(data) > limits.upload_bytes:
        raise BadRequest(
            f"文件超过 {_mb(limits.upload_bytes)}，请只保留需要的工作表后再上传 "
            f"(the file is larger than {_mb(limits.upload_bytes)})"
        )
    if not data.startswith((ZIP_SIGNATURE, OLE_SIGNATURE)):
        raise BadRequest(
            "文件不是 Excel 工作簿（.xlsx），请上传从本页下载的填报模板 "
            "(the file is not an .xlsx workbook)"
        )
    archive = open_zip(data, UnpackBudget(limits.zip))
    with archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names:
            raise BadRequest(
                "zip 中没有 [Content_Types].xml，不是 Excel 工作簿（.xlsx） "
                "(the zip holds no workbook parts)"
            )
        rows = columns = 1
        for info in archive.infolist():
            size = None if info.is_dir() else _scan_part(archive, info, limits)
            if size is not None:
                rows, columns = max(rows, size[0]), max(columns, size[1])
    # openpyxl reads no further than any sheet goes, whatever a sheet's dimension says.
    return _read_rows(data, titles, rows, columns)


def _read_rows(
    data: bytes, titles: Iterable[str], rows: int, columns: int
) -> dict[str, list[tuple[int, tuple]]]:
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
        try:
            found = {}
            for title in titles:
                if title in book.sheetnames:
                    sheet = book[title]
                    values = sheet.iter_rows(1, rows, 1, columns, values_only=True)
                    found[title] = list(enumerate(values, start=1))
            return found
        finally:
            book.close()
    except ServiceError:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile input to a third-party parser
        # Every part passed the checks above, so what openpyxl still trips on (a
        # relationship to a missing part, a style index out of range...) is the file's
        # fault: the clerk is told, the worker goes on.
        raise BadRequest(
            f"无法读取该 Excel 文件（.xlsx），请上传从本页下载的填报模板 "
            f"(the workbook cannot be read: {type(exc).__name__}: {exc})"[:500]
        ) from exc


def _scan_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: WorkbookLimits
) -> tuple[int, int] | None:
    """Check one part as XML, streaming and building no tree: well-formed, no DTD, and,
    if it is a worksheet, within the row and column bounds. Returns a worksheet's (last
    row, last column), None for any other part. Binary parts (pictures, VBA) pass."""
    # Legacy VML drawings are often not well-formed, and openpyxl reads none in this mode.
    named_xml = info.filename.lower().endswith((".xml", ".rels"))
    scan = _PartScan(info.filename, limits)
    parser = etree.XMLParser(
        target=scan, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                parser.feed(chunk)
                if scan.root is None and not named_xml:
                    return None  # not XML by name, and no element yet: a binary part
        parser.close()
    except etree.XMLSyntaxError as exc:
        if scan.root is None and not named_xml:
            return None  # a binary part: openpyxl will not parse it as XML either
        raise BadRequest(
            f"“{_shown(info.filename)}”的 XML 格式错误 (malformed XML): {exc}"[:500]
        ) from exc
    return (scan.last_row, scan.last_column) if scan.is_sheet else None


class _PartScan:
    """An lxml parser target: sees each element's start, keeps nothing.

    For a worksheet it follows what the XML says of its size and refuses as soon as a
    bound is passed. Rows and cells without a reference are numbered as openpyxl
    numbers them: one past the previous row, one past the previous cell."""

    SHEETS = ("worksheet", "dialogsheet")

    def __init__(self, part: str, limits: WorkbookLimits):
        self.part = part
        self.limits = limits
        self.root: str | None = None
        self.is_sheet = False
        self.elements = 0
        self.row = 0
        self.column = 0
        self.last_row = 1
        self.last_column = 1

    def doctype(self, *_args: Any) -> None:
        raise BadRequest(f"“{_shown(self.part)}”含 DTD 声明，已拒绝 (a part declares a DTD)")

    def start(self, tag: str, attrib: Any) -> None:
        if self.root is None:
            self.root = _local(tag)
            self.is_sheet = self.root in self.SHEETS
            return
        name = _local(tag)
        if not self.is_sheet or name not in PLAIN_CELL_PARTS:
            self.elements += 1
            if self.elements > PART_ELEMENTS and self.root != "sst":
                raise BadRequest(
                    f"“{_shown(self.part)}”中的样式、格式或富文本元素超过 {PART_ELEMENTS} 个 "
                    f"(a part holds more than {PART_ELEMENTS} style, format or rich-text "
                    "elements)"
                )
            if not self.is_sheet or name != "dimension":
                return
        if name == "c":
            ref = attrib.get("r")
            self.column = _cell(ref, self.part)[1] if ref else self.column + 1
            self._check(self.row, self.column)
        elif name == "row":
            ref = attrib.get("r")
            self.row = _number(ref, self.part) if ref else self.row + 1
            self.column = 0
            self._check(self.row, 1)
        elif name == "dimension":
            for ref in (attrib.get("ref") or "").split(":"):
                self._check(*_cell(ref, self.part), claimed=True)

    def close(self) -> None:
        return None

    def _check(self, row: int, column: int, claimed: bool = False) -> None:
        limits = self.limits
        if row <= limits.rows and column <= limits.columns:
            if not claimed:
                self.last_row = max(self.last_row, row)
                self.last_column = max(self.last_column, column)
            return
        what, verb = ("声明的范围", "claims") if claimed else ("内容", "holds")
        if row > limits.rows:
            raise BadRequest(
                f"工作表{what}超过 {limits.rows} 行，请只保留需要填报的行 "
                f"(a sheet {verb} more than {limits.rows} rows)"
            )
        raise BadRequest(
            f"工作表{what}超过 {limits.columns} 列，请使用本页下载的填报模板 "
            f"(a sheet {verb} more than {limits.columns} columns)"
        )


def _cell(ref: str, part: str) -> tuple[int, int]:
    """(row, column) of a reference such as "B12"; BadRequest if it is not one."""
    match = _CELL_REF.match(ref)
    if not match:
        raise BadRequest(
            f"“{_shown(part)}”中的单元格引用“{_shown(ref)}”无效 (a bad cell reference)"
        )
    return int(match.group(2)), _column_index(match.group(1).upper())


@lru_cache(maxsize=4096)
def _column_index(letters: str) -> int:
    return column_index_from_string(letters)


def _number(text: str, part: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 7:
        raise BadRequest(f"“{_shown(part)}”中的行号“{_shown(text)}”无效 (a bad row number)")
    return int(text)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _shown(text: str) -> str:
    """A name from the file, safe to show: control characters made visible, kept short."""
    text = "".join(ch if ord(ch) >= 32 and ord(ch) != 127 else f"\\x{ord(ch):02x}" for ch in text)
    return text if len(text) <= 80 else text[:77] + "..."


def _mb(size: int) -> str:
    return f"{size // MB} MB" if size >= MB else f"{size} bytes"
