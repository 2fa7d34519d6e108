"""The demo county's indicator library: finance's 共性指标 and a few 个性指标 of each demo
department, worded as county finance bureaus word them (after 财预〔2020〕10号's framework
and the common indicator lists provinces publish), so the demo's forms offer real ones."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import LibraryIndicator, Org
from app.services.foundation.clock import now

# How practitioners write the scoring of each kind of indicator (BRIEF, Indicators and scoring).
MORE = "达到指标值得满分；未达到的，按实际完成值/指标值×分值计分"
LESS = "不超过指标值得满分；超过的，按指标值/实际完成值×分值计分"
EXACT = "达到指标值得满分；每低1个百分点扣分值的10%，扣完为止"
WORDS = "全部达成得分值的80%-100%，部分达成得60%-80%，未达成得0-60%"

# level-1, level-2, level-3 name, sign, unit, scoring standard, standard value, explanation
Row = tuple[str, str, str, str, str, str, str, str]

COMMON: tuple[Row, ...] = (
    (
        "产出指标",
        "数量指标",
        "新建（改扩建）面积",
        "≥",
        "平方米",
        MORE,
        "计划标准",
        "按项目批复的建设规模",
    ),
    ("产出指标", "数量指标", "改造面积", "≥", "平方米", MORE, "计划标准", ""),
    ("产出指标", "数量指标", "设备购置数量", "≥", "台（套）", MORE, "计划标准", "按采购合同计"),
    ("产出指标", "数量指标", "培训人次", "≥", "人次", MORE, "上年实际", ""),
    (
        "产出指标",
        "数量指标",
        "补助对象人数",
        "≥",
        "人",
        MORE,
        "计划标准",
        "符合条件并获得补助的人数",
    ),
    ("产出指标", "数量指标", "开展活动次数", "≥", "次", MORE, "", ""),
    ("产出指标", "数量指标", "完成项目个数", "≥", "个", MORE, "计划标准", ""),
    (
        "产出指标",
        "质量指标",
        "验收合格率",
        "=",
        "%",
        EXACT,
        "行业标准",
        "验收合格的工程或货物占全部的比例",
    ),
    ("产出指标", "质量指标", "工程质量达标率", "=", "%", EXACT, "行业标准", ""),
    ("产出指标", "质量指标", "设备完好率", "≥", "%", MORE, "行业标准", ""),
    (
        "产出指标",
        "质量指标",
        "资金发放准确率",
        "=",
        "%",
        EXACT,
        "",
        "补助资金发放对象和金额准确的比例",
    ),
    ("产出指标", "质量指标", "培训合格率", "≥", "%", MORE, "", ""),
    ("产出指标", "质量指标", "问题整改完成率", "≥", "%", MORE, "", ""),
    (
        "产出指标",
        "时效指标",
        "按期完成率",
        "≥",
        "%",
        MORE,
        "计划标准",
        "按计划时间完成的任务占全部任务的比例",
    ),
    (
        "产出指标",
        "时效指标",
        "资金拨付及时率",
        "≥",
        "%",
        MORE,
        "",
        "在规定时限内拨付的资金占应拨付资金的比例",
    ),
    ("产出指标", "时效指标", "补助资金发放时限", "≤", "个工作日", LESS, "", ""),
    ("产出指标", "时效指标", "项目开工及时性", "定性", "", WORDS, "", "是否按计划时间开工"),
    ("产出指标", "成本指标", "成本控制率", "≤", "%", LESS, "", "实际成本占预算成本的比例"),
    ("产出指标", "成本指标", "单位面积建设成本", "≤", "元/平方米", LESS, "行业标准", ""),
    ("产出指标", "成本指标", "人均培训成本", "≤", "元/人", LESS, "历史标准", ""),
    ("产出指标", "成本指标", "设备采购单价", "≤", "万元/台", LESS, "市场价格", ""),
    ("效益指标", "经济效益指标", "带动就业人数", "≥", "人", MORE, "", ""),
    ("效益指标", "经济效益指标", "带动群众增收", "≥", "万元", MORE, "", ""),
    ("效益指标", "经济效益指标", "节约运行成本", "≥", "万元", MORE, "上年实际", ""),
    ("效益指标", "社会效益指标", "受益人数", "≥", "人", MORE, "", "项目直接服务或惠及的人数"),
    ("效益指标", "社会效益指标", "受益群众覆盖率", "≥", "%", MORE, "", ""),
    ("效益指标", "社会效益指标", "政策知晓率", "≥", "%", MORE, "", "以抽样问卷调查为准"),
    ("效益指标", "社会效益指标", "公共服务水平提升", "定性", "", WORDS, "", ""),
    ("效益指标", "生态效益指标", "节能减排量", "≥", "吨标准煤", MORE, "", ""),
    ("效益指标", "生态效益指标", "污水处理率", "≥", "%", MORE, "行业标准", ""),
    ("效益指标", "生态效益指标", "新增绿化面积", "≥", "平方米", MORE, "", ""),
    ("效益指标", "生态效益指标", "生态环境改善", "定性", "", WORDS, "", ""),
    ("效益指标", "可持续影响指标", "长效管理机制", "定性", "", WORDS, "", "是否建立并执行管护制度"),
    ("效益指标", "可持续影响指标", "设施使用年限", "≥", "年", MORE, "行业标准", ""),
    ("效益指标", "可持续影响指标", "项目持续发挥作用期限", "≥", "年", MORE, "", ""),
    (
        "满意度指标",
        "服务对象满意度指标",
        "服务对象满意度",
        "≥",
        "%",
        MORE,
        "",
        "以抽样问卷调查为准",
    ),
    ("满意度指标", "服务对象满意度指标", "受益群众满意度", "≥", "%", MORE, "", ""),
    ("满意度指标", "服务对象满意度指标", "社会公众满意度", "≥", "%", MORE, "", ""),
)

DEPARTMENTS: dict[str, tuple[Row, ...]] = {
    "edu": (
        ("产出指标", "数量指标", "改造教室数量", "≥", "间", MORE, "计划标准", ""),
        ("产出指标", "数量指标", "资助家庭经济困难学生人数", "≥", "人", MORE, "", ""),
        ("产出指标", "质量指标", "义务教育巩固率", "≥", "%", MORE, "省定标准", ""),
        ("效益指标", "社会效益指标", "学生学习条件改善", "定性", "", WORDS, "", ""),
        ("满意度指标", "服务对象满意度指标", "师生满意度", "≥", "%", MORE, "", ""),
        ("满意度指标", "服务对象满意度指标", "家长满意度", "≥", "%", MORE, "", ""),
    ),
    "health": (
        ("产出指标", "数量指标", "家庭医生签约人数", "≥", "人", MORE, "", ""),
        ("产出指标", "数量指标", "医疗设备购置数量", "≥", "台", MORE, "计划标准", ""),
        ("产出指标", "质量指标", "医院感染发生率", "≤", "%", LESS, "行业标准", ""),
        ("效益指标", "社会效益指标", "县域内就诊率", "≥", "%", MORE, "", ""),
        ("满意度指标", "服务对象满意度指标", "患者满意度", "≥", "%", MORE, "", ""),
        ("满意度指标", "服务对象满意度指标", "签约居民满意度", "≥", "%", MORE, "", ""),
    ),
}


def seed_indicator_library(orgs: dict[str, Org]) -> None:
    """Add the demo library unless the county has one (in the caller's transaction)."""
    if db.session.scalar(select(LibraryIndicator.id).limit(1)) is not None:
        return
    owned = [(None, row) for row in COMMON] + [
        (orgs[code].id, row) for code, rows in DEPARTMENTS.items() if code in orgs for row in rows
    ]
    for department_id, row in owned:
        level1, level2, name, sign, unit, standard, standard_value, explanation = row
        db.session.add(
            LibraryIndicator(
                department_id=department_id,
                level1=level1,
                level2=level2,
                name=name,
                sign=sign,
                unit=unit or None,
                scoring_standard=standard,
                standard_value=standard_value or None,
                explanation=explanation or None,
                active=True,
                updated_at=now(),
            )
        )
