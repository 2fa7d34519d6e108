"""Test data shared by the service, API, web and browser tests."""

GOOD_TARGETS = {
    "project_name": "校舍维修改造",
    "project_code": "JY-2027-001",
    "nature": "一次性",
    "total_amount": 120.5,
    "annual_goal": "完成三栋教学楼的维修改造",
    "indicators": [
        {"level1": "产出指标", "name": "维修面积", "sign": "≥", "target": "3000", "unit": "平方米"}
    ],
}
