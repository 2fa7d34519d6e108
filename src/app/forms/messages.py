"""Simplified Chinese messages for the validation errors people meet most.

Anything not mapped here falls back to jsonschema's own (English) message, so a
rare keyword still produces an error that names the problem. A schema may say what a
keyword means in its own words beside it, with ``x-messages``: a pattern that asks for
a number says "定量指标的指标值须为数字" instead of "格式不正确"::

    "target": {"pattern": "^-?[0-9]+(\\.[0-9]+)?$",
               "x-messages": {"pattern": "定量指标的指标值须为数字"}}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError

TYPE_NAMES = {
    "string": "文本",
    "number": "数字",
    "integer": "整数",
    "boolean": "是或否",
    "object": "对象",
    "array": "列表",
    "null": "空值",
}

FORMAT_MESSAGES = {
    "date": "日期格式应为 YYYY-MM-DD",
    "date-time": "日期时间格式不正确",
    "time": "时间格式不正确",
    "email": "电子邮件地址格式不正确",
    "uri": "网址格式不正确",
}

REQUIRED = "必填项"


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _type(error: ValidationError) -> str:
    expected = error.validator_value
    names = [expected] if isinstance(expected, str) else list(expected or [])
    readable = "或".join(TYPE_NAMES.get(n, n) for n in names)
    return f"应为{readable}"


def _format(error: ValidationError) -> str:
    return FORMAT_MESSAGES.get(error.validator_value, "格式不正确")


def _choices_only(error: ValidationError) -> bool:
    options = error.validator_value
    return isinstance(options, list) and all(
        isinstance(o, Mapping) and "const" in o for o in options
    )


_MESSAGES: dict[str, Callable[[ValidationError], str | None]] = {
    "required": lambda e: REQUIRED,
    "minLength": lambda e: f"至少需要 {e.validator_value} 个字符",
    "maxLength": lambda e: f"不能超过 {e.validator_value} 个字符",
    "minimum": lambda e: f"不能小于 {_num(e.validator_value)}",
    "maximum": lambda e: f"不能大于 {_num(e.validator_value)}",
    "exclusiveMinimum": lambda e: f"必须大于 {_num(e.validator_value)}",
    "exclusiveMaximum": lambda e: f"必须小于 {_num(e.validator_value)}",
    "multipleOf": lambda e: f"必须是 {_num(e.validator_value)} 的倍数",
    "pattern": lambda e: "格式不正确",
    "enum": lambda e: "请从给定选项中选择",
    "const": lambda e: "取值不正确",
    "type": _type,
    "format": _format,
    "minItems": lambda e: f"至少需要 {e.validator_value} 项",
    "maxItems": lambda e: f"最多只能有 {e.validator_value} 项",
    "uniqueItems": lambda e: "不能有重复项",
    "oneOf": lambda e: "请从给定选项中选择" if _choices_only(e) else None,
    "anyOf": lambda e: "请从给定选项中选择" if _choices_only(e) else None,
}


MESSAGES_KEYWORD = "x-messages"


def own_message(schema: Any, keyword: str) -> str | None:
    """The message `schema` gives for a failure of `keyword` (``x-messages``), if any."""
    messages = schema.get(MESSAGES_KEYWORD) if isinstance(schema, Mapping) else None
    text = messages.get(keyword) if isinstance(messages, Mapping) else None
    return text if isinstance(text, str) and text.strip() else None


def message_for(error: ValidationError) -> str:
    """The schema's own message for ``error`` (``x-messages``), else the Chinese one,
    else jsonschema's when unmapped."""
    own = own_message(error.schema, str(error.validator))
    if own:
        return own
    build = _MESSAGES.get(str(error.validator))
    text = build(error) if build else None
    return text or error.message
