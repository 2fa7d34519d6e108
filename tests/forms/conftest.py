"""Fixtures for the forms package: the shared "project target" example form
and a tiny Flask app that renders the macros the way a host page does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from flask import Flask, render_template_string
from flask_babel import Babel

import app as app_package
from app.forms import FormSpec, form_spec

TEMPLATES = Path(app_package.__file__).resolve().parent / "templates"

PROJECT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "项目绩效目标",
    "type": "object",
    "required": ["title", "indicators"],
    "properties": {
        "title": {"type": "string", "title": "项目名称", "maxLength": 100},
        "code": {"type": "string", "title": "项目编码", "pattern": "^[A-Z0-9\\-]+$"},
        "nature": {
            "type": "string",
            "title": "项目性质",
            "enum": ["一次性", "经常性", "阶段性"],
        },
        "start_date": {"type": "string", "title": "开始日期", "format": "date"},
        "total": {
            "type": "number",
            "title": "资金总额（万元）",
            "minimum": 0,
            "description": "含财政拨款和其他资金",
        },
        "is_new": {"type": "boolean", "title": "是否新增项目"},
        "summary": {"type": "string", "title": "项目概述"},
        "contact": {
            "type": "object",
            "title": "联系人",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "title": "姓名"},
                "phone": {"type": "string", "title": "电话"},
            },
        },
        "indicators": {
            "type": "array",
            "title": "绩效指标",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "level1": {
                        "type": "string",
                        "title": "一级指标",
                        "enum": ["产出指标", "效益指标", "满意度指标"],
                    },
                    "name": {"type": "string", "title": "指标名称"},
                    "sign": {
                        "type": "string",
                        "title": "符号",
                        "enum": ["≥", ">", "=", "<", "≤", "定性"],
                    },
                    "target": {"type": "string", "title": "指标值"},
                    "unit": {"type": "string", "title": "单位"},
                },
            },
        },
    },
}

PROJECT_UI: dict[str, Any] = {
    "summary": {"ui:widget": "textarea"},
    "code": {"ui:readonly": True},
}


@pytest.fixture
def project_schema() -> dict[str, Any]:
    return PROJECT_SCHEMA


@pytest.fixture
def project_spec() -> FormSpec:
    return form_spec(PROJECT_SCHEMA, PROJECT_UI)


@pytest.fixture
def flask_app() -> Flask:
    from app.web.filters import light_colour, readonly_text, shown

    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.config["TESTING"] = True
    # The macros speak through Flask-Babel, in the app's default language (Chinese).
    Babel(
        app,
        default_locale="zh_Hans_CN",
        default_translation_directories=str(TEMPLATES.parent / "translations"),
    )
    # What the macros take from the app's own filters: values written as people do.
    app.jinja_env.globals["readonly_text"] = readonly_text
    app.jinja_env.filters["shown"] = shown
    app.jinja_env.filters["light_colour"] = light_colour
    return app


@pytest.fixture
def in_a_request(flask_app: Flask):
    """The test runs as a request would: messages in the reader's language, Chinese
    unless the test chooses another (forms/translated.py). Outside one, a message is its
    English msgid."""
    with flask_app.test_request_context():
        yield


@pytest.fixture
def render(flask_app: Flask) -> Callable[..., str]:
    """Render ``render_form`` (or ``render_data``) inside a <form> as a page would."""

    def _render(form: Any, spec: FormSpec, errors: dict | None = None, **kw: Any) -> str:
        with flask_app.test_request_context():
            return render_template_string(
                '{% from "forms/macros.html" import render_form %}'
                "<form>{{ render_form(form, spec, errors or {}, readonly) }}</form>",
                form=form,
                spec=spec,
                errors=errors,
                readonly=kw.get("readonly", False),
            )

    return _render


@pytest.fixture
def render_data(flask_app: Flask) -> Callable[..., str]:
    def _render(spec: FormSpec, data: dict, attachment_url: Any = None) -> str:
        with flask_app.test_request_context():
            return render_template_string(
                '{% from "forms/macros.html" import render_data %}'
                "<div>{{ render_data(spec, data, attachment_url) }}</div>",
                spec=spec,
                data=data,
                attachment_url=attachment_url,
            )

    return _render


@pytest.fixture
def parse() -> Callable[[str], Any]:
    """Parse rendered HTML so tests can ask what a person would see."""
    return lxml.html.fromstring
