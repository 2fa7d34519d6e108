"""Batch filling of quarterly monitoring reports through one Excel workbook: the template
holds the unit's ready reports, an upload is checked as a whole and names each error by
sheet, row and column, and nothing is submitted until every report is valid."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import Org, Project, Task
from app.services.administration.deployment import deploy_definition
from app.services.foundation.clock import now
from app.services.foundation.errors import BadRequest
from app.services.registry import batch_upload
from app.services.registry.batch_monitoring import monitoring_batch
from app.services.registry.batch_template import monitoring_template
from app.services.registry.batch_upload import import_monitoring
from app.services.registry.campaigns import launch_campaign
from app.services.runtime import tasks
from app.services.runtime.forms_view import task_form

ROOT = Path(__file__).parents[3]
KEY, YEAR = "quarterly_monitoring", 2027
AREA = {"level1": "产出指标", "level2": "数量指标", "name": "维修校舍面积", "sign": "≥",
        "target": "3000", "unit": "平方米", "period": "年度"}  # fmt: skip
SATISFACTION = {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "师生满意度",
                "sign": "定性", "target": "满意", "unit": "", "period": "年度"}  # fmt: skip
TRAINED = {"level1": "产出指标", "level2": "数量指标", "name": "培训教师人数", "sign": "≥",
           "target": "200", "unit": "人", "period": "年度"}  # fmt: skip


def deploy_monitoring() -> None:
    """As tests/processes/conftest.py deploys a shipped process: its diagram, every form."""
    forms = {p.name: p.read_bytes() for p in sorted((ROOT / "forms").glob("*.json"))}
    path = ROOT / "processes" / f"{KEY}.bpmn"
    deploy_definition(None, path.read_bytes(), path.name, {}, None, forms)
    db.session.commit()


def org(code: str) -> Org:
    return db.session.scalar(select(Org).where(Org.code == code))


def add_project(code: str, name: str, dept: str, unit: str, budget: float, rows: list) -> None:
    db.session.add(
        Project(
            code=code,
            name=name,
            fiscal_year=YEAR,
            department_id=org(dept).id,
            unit_id=org(unit).id,
            status="approved",
            approved_amount=budget,
            adjusted_amount=budget,
            indicators=rows,
            cumulative_adjustment=0,
            updated_at=now(),
        )
    )


@pytest.fixture
def monitoring_round(app, user):
    """Two approved projects of 县第一中学 (unit), one of 县人民医院 (unit2), in round Q1."""
    deploy_monitoring()
    add_project("JY-2027-001", "校舍维修改造", "edu", "edu-school1", 100, [AREA, SATISFACTION])
    add_project("JY-2027-002", "教师培训", "edu", "edu-school1", 80, [TRAINED])
    add_project("WS-2027-001", "设备购置", "health", "health-hospital", 50, [AREA])
    db.session.commit()
    launch = launch_campaign(user("finance"), KEY, YEAR, 1)
    assert len(launch.started) == 3
    return launch


def workbook(actor):
    return load_workbook(BytesIO(monitoring_template(actor)))


def rows_of(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [
        dict(zip(header, row, strict=False)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]


def set_cell(sheet, row: int, header: str, value) -> None:
    column = [c.value for c in sheet[1]].index(header) + 1
    sheet.cell(row=row, column=column).value = value  # (value=None would be ignored)


def row_of(sheet, code: str, number: int | None = None) -> int:
    for index, values in enumerate(rows_of(sheet), start=2):
        if values["项目编码"] == code and (number is None or values["行号"] == number):
            return index
    raise AssertionError(f"no row for {code} {number}")


def fill(book, spent_on_track=30, likelihood="有可能") -> None:
    """JY-2027-001 on track (to department review); JY-2027-002 behind (to correction)."""
    projects, indicators = book["项目"], book["指标"]
    on_track, behind = row_of(projects, "JY-2027-001"), row_of(projects, "JY-2027-002")
    set_cell(projects, on_track, "截至本季度末支出数（万元）", spent_on_track)
    set_cell(projects, on_track, "是否达到阶段性目标（是/否）", "是")
    set_cell(projects, behind, "截至本季度末支出数（万元）", 4)
    set_cell(projects, behind, "是否达到阶段性目标（是/否）", "否")
    set_cell(projects, behind, "未达序时进度原因类型", "政府采购程序")
    set_cell(projects, behind, "进度分析", "培训机构采购延期，四月开班")

    area = row_of(indicators, "JY-2027-001", 1)
    set_cell(indicators, area, "截至本季度末实际完成值", 800)
    set_cell(indicators, area, "预计全年完成值", "3000")
    set_cell(indicators, area, "完成可能性", "确定能")
    satisfaction = row_of(indicators, "JY-2027-001", 2)
    set_cell(indicators, satisfaction, "完成可能性", "确定能")
    set_cell(indicators, satisfaction, "定性指标完成情况", "达成")
    trained = row_of(indicators, "JY-2027-002", 1)
    set_cell(indicators, trained, "截至本季度末实际完成值", "10")
    set_cell(indicators, trained, "预计全年完成值", "150")
    set_cell(indicators, trained, "完成可能性", likelihood)
    set_cell(indicators, trained, "偏差原因（可多选，逗号分隔）", "经费，人员")
    set_cell(indicators, trained, "拟采取的措施", "下半年集中开班")


def as_bytes(book) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def ready_reports(actor) -> dict[str, int]:
    return {item.project_code: item.task.id for item in monitoring_batch(actor)}


def test_the_template_holds_the_units_reports_with_approved_rows_locked(user, monitoring_round):
    unit = user("unit")
    assert sorted(ready_reports(unit)) == ["JY-2027-001", "JY-2027-002"]
    book = workbook(unit)
    assert book.sheetnames[:2] == ["项目", "指标"]
    projects = rows_of(book["项目"])
    assert [
        (r["项目编码"], r["项目名称"], r["监控季度"], r["调整预算数（万元）"]) for r in projects
    ] == [
        ("JY-2027-001", "校舍维修改造", 1, 100),
        ("JY-2027-002", "教师培训", 1, 80),
    ]
    assert [r["任务编号（请勿修改）"] for r in projects] == list(ready_reports(unit).values())
    indicators = rows_of(book["指标"])
    assert [(r["项目编码"], r["行号"], r["三级指标"], r["指标值"]) for r in indicators] == [
        ("JY-2027-001", 1, "维修校舍面积", "3000"),
        ("JY-2027-001", 2, "师生满意度", "满意"),
        ("JY-2027-002", 1, "培训教师人数", "200"),
    ]
    sheet = book["指标"]
    assert sheet.protection.sheet
    assert sheet["F2"].protection.locked and not sheet["J2"].protection.locked
    lists = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert any("$C$2:$C$4" in f for f in lists), "likelihood: 确定能/有可能/完全不可能"

    # Each entered column says on its header when it must be filled (an Excel note).
    notes = {c.value: c.comment.text for c in book["项目"][1] + sheet[1] if c.comment}
    assert "低于序时进度" in notes["未达序时进度原因类型"]
    assert "须为数字" in notes["截至本季度末实际完成值"]
    assert "“有可能”或“完全不可能”时必填" in notes["拟采取的措施"]
    assert "项目编码" not in notes  # read-only columns need none

    other = rows_of(workbook(user("unit2"))["项目"])
    assert [r["项目编码"] for r in other] == ["WS-2027-001"]
    assert rows_of(workbook(user("dept"))["项目"]) == [], "reviewers fill no reports"


def test_errors_are_named_by_sheet_row_and_column_and_nothing_is_submitted(user, monitoring_round):
    unit = user("unit")
    before = ready_reports(unit)
    book = workbook(unit)
    fill(book, spent_on_track=-5, likelihood="也许")
    result = import_monitoring(unit, as_bytes(book))

    assert not result.ok and result.submitted == []
    messages = [str(e) for e in result.errors]
    spent_row = row_of(book["项目"], "JY-2027-001")
    trained_row = row_of(book["指标"], "JY-2027-002", 1)
    assert f"项目 第{spent_row}行 截至本季度末支出数：不能小于 0" in messages
    assert f"指标 第{trained_row}行 完成可能性：请从给定选项中选择" in messages
    # What the completion would say too, now said by the same upload: spending below the
    # time progress asks for its reason and analysis.
    behind = "执行率 -5.0% 未达到序时进度 25.0%，须填写"
    assert f"项目 第{spent_row}行 未达序时进度原因类型：{behind}" in messages
    assert f"项目 第{spent_row}行 进度分析：{behind}" in messages
    assert len(messages) == 4, messages
    assert ready_reports(unit) == before, "all or nothing: both reports still wait"


def test_a_fixed_file_submits_every_report_and_keeps_the_approved_targets(user, monitoring_round):
    unit = user("unit")
    book = workbook(unit)
    fill(book)
    indicators = book["指标"]
    set_cell(indicators, row_of(indicators, "JY-2027-001", 1), "指标值", "1")  # ignored
    set_cell(indicators, row_of(indicators, "JY-2027-001", 1), "三级指标", "改了")
    ids = ready_reports(unit)

    result = import_monitoring(unit, as_bytes(book))

    assert result.ok and result.failed == [] and result.skipped == []
    assert [s.project_code for s in result.to_review] == ["JY-2027-001"]
    assert [s.project_code for s in result.to_correction] == ["JY-2027-002"]
    assert result.to_correction[0].light in ("red", "yellow")
    assert ready_reports(unit) == {}
    on_track = db.session.get(Task, ids["JY-2027-001"])
    assert on_track.status == "completed" and on_track.completed_by_id == unit.id
    assert on_track.data["spent"] == 30
    assert on_track.instance.data["assessment"]["reaches_time_progress"] is True  # computed
    area, satisfaction = on_track.data["indicators"]
    assert (area["name"], area["target"], area["actual"]) == ("维修校舍面积", "3000", "800")
    assert satisfaction["qualitative_result"] == "达成"
    behind = db.session.get(Task, ids["JY-2027-002"])
    assert behind.data["delay_reason_type"] == "政府采购程序"
    assert behind.data["indicators"][0]["deviation_reasons"] == ["经费", "人员"]
    assert behind.data["indicators"][0]["target"] == "200"

    correction = db.session.scalar(
        select(Task).where(Task.instance_id == behind.instance_id, Task.status == "ready")
    )
    assert correction.activity_id == "correction_plan"
    assert result.to_correction[0].correction_task_id == correction.id  # the result links it
    review = db.session.scalar(
        select(Task).where(Task.instance_id == on_track.instance_id, Task.status == "ready")
    )
    assert review.activity_id == "dept_review"
    assert task_form(user("dept"), review.id).data["spent"] == 30


def test_every_conditionally_required_column_is_named_in_one_upload(user, monitoring_round):
    """What a report needs because of what else it says (a delay reason when spending is
    behind, an analysis when the stage goal is missed, reasons and measures when the
    year's target is in doubt) is all named by the first upload, not one upload at a time."""
    unit = user("unit")
    book = workbook(unit)
    fill(book)
    projects, indicators = book["项目"], book["指标"]
    behind = row_of(projects, "JY-2027-002")
    set_cell(projects, behind, "未达序时进度原因类型", "")
    set_cell(projects, behind, "进度分析", "")
    trained = row_of(indicators, "JY-2027-002", 1)
    set_cell(indicators, trained, "偏差原因（可多选，逗号分隔）", "")
    set_cell(indicators, trained, "拟采取的措施", "")

    result = import_monitoring(unit, as_bytes(book))

    assert not result.ok and result.submitted == []
    named = {(e.sheet, e.row, e.column) for e in result.errors}
    assert named == {
        ("项目", behind, "未达序时进度原因类型"),
        ("项目", behind, "进度分析"),
        ("指标", trained, "偏差原因"),
        ("指标", trained, "拟采取的措施"),
    }, [str(e) for e in result.errors]
    reason = next(e for e in result.errors if e.column == "未达序时进度原因类型")
    assert "未达到序时进度" in reason.message


def test_words_where_a_quantity_is_expected_are_refused_naming_the_cell(user, monitoring_round):
    unit = user("unit")
    book = workbook(unit)
    fill(book)
    indicators = book["指标"]
    trained = row_of(indicators, "JY-2027-002", 1)
    set_cell(indicators, trained, "截至本季度末实际完成值", "很多")
    set_cell(indicators, row_of(indicators, "JY-2027-001", 1), "预计全年完成值", "3,000")

    result = import_monitoring(unit, as_bytes(book))

    assert [str(e) for e in result.errors] == [
        f"指标 第{trained}行 截至本季度末实际完成值："
        "定量指标的完成值须为数字（如 12、95.5 或 95.5%）"
    ]
    assert result.submitted == []


def test_blank_rows_are_skipped_and_prefilled_values_come_back(user, monitoring_round):
    unit = user("unit")
    book = workbook(unit)
    fill(book)
    projects = book["项目"]
    behind = row_of(projects, "JY-2027-002")
    for header in ("截至本季度末支出数（万元）", "是否达到阶段性目标（是/否）",
                   "未达序时进度原因类型", "进度分析"):  # fmt: skip
        set_cell(projects, behind, header, None)
    result = import_monitoring(unit, as_bytes(book))
    assert result.ok and [s.project_code for s in result.submitted] == ["JY-2027-001"]
    assert result.skipped == ["JY-2027-002"]
    assert list(ready_reports(unit)) == ["JY-2027-002"]


def test_a_report_submitted_meanwhile_is_reported_and_the_rest_go_on(
    user, monitoring_round, monkeypatch
):
    unit = user("unit")
    ids = ready_reports(unit)
    book = workbook(unit)
    fill(book)
    original = tasks.complete_task
    calls = []

    def colleague(actor, task_id, data):
        if not calls:
            second = task_form(actor, ids["JY-2027-002"]).data
            original(
                actor,
                ids["JY-2027-002"],
                second
                | {
                    "spent": 20,
                    "reached_stage_goal": True,
                    "indicators": [
                        dict(TRAINED, actual="50", expected_full_year="200", likelihood="确定能")
                    ],
                },
            )
        calls.append(task_id)
        return original(actor, task_id, data)

    monkeypatch.setattr(batch_upload.tasks, "complete_task", colleague)
    result = import_monitoring(unit, as_bytes(book))
    assert [s.project_code for s in result.submitted] == ["JY-2027-001"]
    assert [(f.project_code, "已办理" in f.message) for f in result.failed] == [
        ("JY-2027-002", True)
    ]
    assert db.session.get(Task, ids["JY-2027-002"]).data["spent"] == 20, "the colleague's stays"


def test_foreign_rows_and_files_that_are_not_workbooks_are_refused(user, monitoring_round):
    unit = user("unit")
    book = load_workbook(BytesIO(monitoring_template(user("unit2"))))
    set_cell(book["项目"], 2, "截至本季度末支出数（万元）", 10)
    result = import_monitoring(unit, as_bytes(book))
    assert [e.sheet for e in result.errors] == ["项目", "指标"]
    assert "不是您待填报的监控报告" in str(result.errors[0])

    with pytest.raises(BadRequest, match="不是 Excel"):
        import_monitoring(unit, b"code,spent\nJY-2027-001,10\n")
    with pytest.raises(BadRequest, match="超过"):
        import_monitoring(unit, b"PK\x03\x04" + b"0" * (5 << 20))
    with pytest.raises(BadRequest, match="不是有效的 zip"):
        import_monitoring(unit, b"PK\x03\x04 not really a zip")
    assert len(ready_reports(unit)) == 2


def test_an_upload_is_refused_in_chinese_by_default_and_in_english_to_an_english_reader(
    user, monitoring_round
):
    unit = user("unit")
    book = load_workbook(BytesIO(monitoring_template(user("unit2"))))
    set_cell(book["项目"], 2, "截至本季度末支出数（万元）", 10)
    result = import_monitoring(unit, as_bytes(book))
    foreign = result.errors[0]
    assert str(foreign) == (
        "项目 第2行 任务编号（请勿修改）："
        "不是您待填报的监控报告（可能已提交、已退回他人或被修改），请重新下载模板"
    )
    with force_locale("en"):
        assert str(foreign) == (
            "项目, row 2, 任务编号（请勿修改）: This is no monitoring report waiting for you"
            " (it may have been submitted, returned to someone else or changed): download the"
            " template again."
        )

    del book["指标"]
    with pytest.raises(BadRequest) as refused:
        import_monitoring(unit, as_bytes(book))
    assert refused.value.message == "工作簿中没有“指标”表，请使用本页下载的填报模板"
    with force_locale("en"):
        assert refused.value.message == (
            "The workbook has no sheet “指标”: use the template downloaded from this page."
        )
