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
from flask_babel import lazy_gettext as _l
from lxml import etree
from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string

from app.services.foundation.errors import BadRequest, ServiceError

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
            raise BadRequest(_l("The zip holds more than %(count)s files.", count=limits.members))
        if size > limits.member_bytes:
            raise BadRequest(
                _l(
                    "“%(name)s” in the zip unpacks to more than %(size)s.",
                    name=_shown(name),
                    size=_mb(limits.member_bytes),
                )
            )
        if self.total > limits.total_bytes:
            raise BadRequest(
                _l("The upload unpacks to more than %(size)s.", size=_mb(limits.total_bytes))
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
            _l(
                "The file is encrypted or in the old Office format (OLE): "
                "save it as an unencrypted .xlsx or .zip and upload again."
            )
        )
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except _UNPACK_ERRORS as exc:
        raise BadRequest(_l("The file is not a valid zip: %(reason)s", reason=str(exc))) from exc
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
            _l("The file name “%(value)s” in the zip holds control characters.", value=_shown(name))
        )
    path = name.replace("\\", "/")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise BadRequest(
            _l("The file name “%(value)s” in the zip is an absolute path.", value=_shown(name))
        )
    if ".." in path.split("/"):
        raise BadRequest(_l("The file name “%(value)s” in the zip holds “..”.", value=_shown(name)))
    if stat.S_ISLNK(info.external_attr >> 16):
        raise BadRequest(_l("“%(value)s” in the zip is a symbolic link.", value=_shown(name)))
    if info.flag_bits & 0x1:
        raise BadRequest(
            _l(
                "“%(value)s” in the zip is encrypted: upload an unencrypted file.",
                value=_shown(name),
            )
        )
    if info.compress_type not in READABLE_METHODS:
        raise BadRequest(
            _l(
                "“%(name)s” in the zip uses an unknown compression method %(method)s.",
                name=_shown(name),
                method=info.compress_type,
            )
        )


def _read_through(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    try:
        with archive.open(info) as stream:
            while stream.read(_CHUNK):
                pass
    except _UNPACK_ERRORS as exc:
        name = _shown(info.filename)
        if "CRC" in str(exc):
            raise BadRequest(
                _l("“%(name)s” in the zip fails its CRC-32 check.", name=name)
            ) from exc
        raise BadRequest(
            _l("“%(name)s” in the zip is corrupt: %(reason)s", name=name, reason=str(exc))
        ) from exc


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
        raise BadRequest(_l("Choose the Excel file to upload."))
    if len(data) > limits.upload_bytes:
        raise BadRequest(
            _l(
                "The file is larger than %(size)s: keep only the sheets needed and upload again.",
                size=_mb(limits.upload_bytes),
            )
        )
    if not data.startswith((ZIP_SIGNATURE, OLE_SIGNATURE)):
        raise BadRequest(
            _l("The file is not an Excel workbook (.xlsx): upload the template this page offers.")
        )
    archive = open_zip(data, UnpackBudget(limits.zip))
    with archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names:
            raise BadRequest(
                _l("The zip has no [Content_Types].xml: it is not an Excel workbook (.xlsx).")
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
            _l(
                "The Excel file (.xlsx) cannot be read: upload the template this page offers "
                "(%(reason)s).",
                reason=f"{type(exc).__name__}: {exc}"[:400],
            )
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
            _l(
                "The XML of “%(name)s” is malformed: %(reason)s",
                name=_shown(info.filename),
                reason=str(exc)[:400],
            )
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
        raise BadRequest(_l("“%(value)s” declares a DTD and was refused.", value=_shown(self.part)))

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
                    _l(
                        "“%(name)s” holds more than %(count)s style, format or rich-text elements.",
                        name=_shown(self.part),
                        count=PART_ELEMENTS,
                    )
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
        # Whole sentences, each its own msgid: a translation cannot splice in a verb.
        if row > limits.rows and claimed:
            message = _l(
                "A sheet claims more than %(rows)s rows: keep only the rows to be filled.",
                rows=limits.rows,
            )
        elif row > limits.rows:
            message = _l(
                "A sheet holds more than %(rows)s rows: keep only the rows to be filled.",
                rows=limits.rows,
            )
        elif claimed:
            message = _l(
                "A sheet claims more than %(columns)s columns: use the template this page offers.",
                columns=limits.columns,
            )
        else:
            message = _l(
                "A sheet holds more than %(columns)s columns: use the template this page offers.",
                columns=limits.columns,
            )
        raise BadRequest(message)


def _cell(ref: str, part: str) -> tuple[int, int]:
    """(row, column) of a reference such as "B12"; BadRequest if it is not one."""
    match = _CELL_REF.match(ref)
    if not match:
        raise BadRequest(
            _l(
                "The cell reference “%(value2)s” in “%(value)s” is not valid.",
                value=_shown(part),
                value2=_shown(ref),
            )
        )
    return int(match.group(2)), _column_index(match.group(1).upper())


@lru_cache(maxsize=4096)
def _column_index(letters: str) -> int:
    return column_index_from_string(letters)


def _number(text: str, part: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 7:
        raise BadRequest(
            _l(
                "The row number “%(value2)s” in “%(value)s” is not valid.",
                value=_shown(part),
                value2=_shown(text),
            )
        )
    return int(text)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _shown(text: str) -> str:
    """A name from the file, safe to show: control characters made visible, kept short."""
    text = "".join(ch if ord(ch) >= 32 and ord(ch) != 127 else f"\\x{ord(ch):02x}" for ch in text)
    return text if len(text) <= 80 else text[:77] + "..."


def _mb(size: int) -> str:
    return f"{size // MB} MB" if size >= MB else f"{size} bytes"
