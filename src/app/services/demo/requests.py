"""The demo county's requests in flight between the regular rounds, driven as the demo
accounts on the demo's calendar (services/demo/clock.py):

- 县第一中学 asks for 25 万元 of new money for teacher training, at 县教育局's review;
- 县人民医院 asks for new money for its equipment: through its department and finance, it
  waits for the county government (县政府审核) — gov's work on login;
- 县人民医院's chest-pain centre asks for more: through the government, it waits for the
  人大常委会 (县人大常委会审批) — congress's work on login.

New money is never filed: it changes the county's total, so the department, finance, the
government and the 人大常委会 decide on it in turn.
"""

from __future__ import annotations

from app.models import ProcessInstance, User
from app.services.demo.clock import later, on
from app.services.demo.data import PROJECTS, THIS_YEAR
from app.services.demo.steps import step
from app.services.runtime.instances import start_instance

MIDYEAR = "midyear_adjustment"


def _request(unit: User, code: str, unit_name: str, addition: float, reason: str, **extra):
    """A unit's request for `addition` 万元 of new money for project `code`."""
    spec = PROJECTS[code]
    instance, _ = start_instance(unit, MIDYEAR, title=f"{spec['name']} · 追加 {addition:g} 万元")
    first = spec["indicators"][0]
    step(
        unit,
        instance,
        "fill_adjustment",
        {
            "project_code": code,
            "project_name": spec["name"],
            "fiscal_year": THIS_YEAR,
            "unit_name": unit_name,
            "kind": "追加资金",
            "addition": addition,
            "reduction": 0,
            "functional_category": spec["functional_category"],
            "reason": reason,
            "indicator_changes": [dict(first, change="修改", **extra.get("target", {}))],
            **{k: v for k, v in extra.items() if k != "target"},
        },
    )
    return instance


def _through_finance(users: dict[str, User], instance: ProcessInstance, days_ago: int) -> None:
    on(days_ago, 10, 20)
    step(users["dept2"], instance, "dept_review", {"dept_decision": "approve"})
    on(days_ago - 3, 15, 0)
    step(
        users["finance"],
        instance,
        "finance_review",
        {"finance_decision": "approve", "finance_opinion": "资金来源已落实，同意报县政府审核"},
    )


def seed_requests(users: dict[str, User]) -> None:
    """The three mid-year requests of the module docstring."""
    on(15, 10, 10)
    _request(
        users["unit"],
        "JY-2026-002",
        "县第一中学",
        25,
        "县教育局部署新课标全员轮训，新增培训 200 人次",
        target={"target": "600"},
        economic_category="30216 培训费",
        functional_category="2050803 培训支出",
    )
    if not {"gov", "congress", "unit2", "dept2"} <= users.keys():
        return
    on(27, 9, 40)
    equipment = _request(
        users["unit2"],
        "WS-2026-001",
        "县人民医院",
        60,
        "县域医共体建设新增 CT 一台，纳入年度设备购置",
        target={"target": "38"},
        economic_category="31002 办公设备购置",
    )
    _through_finance(users, equipment, 24)
    on(33, 14, 10)
    chest_pain = _request(
        users["unit2"],
        "WS-2027-001",
        "县人民医院",
        40,
        "胸痛中心通过省级认证评审，需增配导管室设备",
        economic_category="31002 办公设备购置",
    )
    _through_finance(users, chest_pain, 31)
    on(26, 16, 0)
    step(
        users["gov"],
        chest_pain,
        "gov_review",
        {"gov_decision": "approve", "gov_opinion": "同意，报县人大常委会审批"},
    )
    later(minutes=5)
