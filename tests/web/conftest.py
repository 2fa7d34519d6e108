"""Helpers for the page tests: sign in as a demo account, start and advance submissions."""

from __future__ import annotations

import pytest

from app.services.runtime.instances import start_instance
from app.services.runtime.tasks import complete_task
from conftest import RequestPerContextClient
from factories import GOOD_TARGETS


@pytest.fixture
def good_post() -> dict:
    """GOOD_TARGETS as a browser posts the task form."""
    return {
        "project_name": "校舍维修改造",
        "project_code": "JY-2027-001",
        "nature": "一次性",
        "total_amount": "120.5",
        "annual_goal": "完成三栋教学楼的维修改造",
        "indicators-0-level1": "产出指标",
        "indicators-0-name": "维修面积",
        "indicators-0-sign": "≥",
        "indicators-0-target": "3000",
        "indicators-0-unit": "平方米",
    }


@pytest.fixture
def client(app):
    return RequestPerContextClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def login(client):
    """login("unit") signs the test client in as that demo account."""

    def sign_in(username: str, password: str = "demo"):
        client.post("/logout")
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.text
        return response

    return sign_in


@pytest.fixture
def submission(user):
    """submission() -> (instance, first task) of simple_approval started by `unit`."""

    def start(title: str = "校舍维修改造 申报", starter: str = "unit"):
        instance, ready = start_instance(user(starter), "simple_approval", title=title)
        return instance, ready[0]

    return start


@pytest.fixture
def at_review(submission, user):
    """A submission whose targets `unit` filled: (instance, the department review task)."""
    instance, task = submission()
    _, ready = complete_task(user("unit"), task.id, GOOD_TARGETS)
    return instance, ready[0]
