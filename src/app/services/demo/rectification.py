"""The demo year's 整改清单, driven through the 2026 evaluation round as the demo accounts:

- 县卫生健康局 (差): its staffing item was reported done and failed by finance once, so it
  is back at the department with finance's reason; its records item is past its deadline
  and still being rectified (on the accountability list);
- 县教育局 (中): its catering item is reported done and waits for finance's verification.
"""

from __future__ import annotations

from datetime import timedelta

from app.models import ProcessInstance, User
from app.services.demo.steps import step
from app.services.foundation.clock import now

ITEMS = "rectification_items"
STAFFING = "补齐家庭医生团队人员配备，规范随访记录"
RECORDS = "建立签约居民健康档案动态更新机制"
CATERING = "优化营养餐配餐方案，建立学生配餐满意度月度调查"


def rectification_items(code: str) -> list[dict]:
    """What finance sets at 评价结果应用 for a 2026 project of the demo."""
    today = now().date()
    if code == "WS-2026-002":
        return [
            {"description": STAFFING, "deadline": "2027-06-30"},
            {"description": RECORDS, "deadline": (today - timedelta(days=10)).isoformat()},
        ]
    if code == "JY-2026-003":
        return [{"description": CATERING, "deadline": (today + timedelta(days=90)).isoformat()}]
    return []


def follow_up_rectification(users: dict[str, User], code: str, instance: ProcessInstance) -> None:
    """The department's reports and finance's verifications that leave the demo's items
    where the module docstring says."""
    if code == "WS-2026-002":
        rows = [
            {"action_taken": "新招聘全科医生 2 名、护士 3 名，团队配备到位", "progress": "已完成"},
            {"action_taken": "已制定档案更新制度，正在逐户补录", "progress": "正在整改"},
        ]
        step(users["dept2"], instance, "rectification_follow_up", {ITEMS: rows})
        failed = {
            "verification": "未通过",
            "verification_reason": "随访记录仍不规范：抽查 20 户，6 户未按期随访",
        }
        step(users["finance"], instance, "verify_rectification", {ITEMS: [failed, {}]})
    elif code == "JY-2026-003":
        row = {"action_taken": "聘请营养师重订四周轮换食谱，九月起每月调查", "progress": "已完成"}
        step(users["dept"], instance, "rectification_follow_up", {ITEMS: [row]})
