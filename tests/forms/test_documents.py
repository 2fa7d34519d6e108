"""A document or a text that cannot be kept is refused saying why, in the reader's
language: Chinese by default, English to an English reader."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, lazy_gettext

from app.forms.documents import DocumentError, load_document
from app.forms.validation import text_problem, unstorable_text


@pytest.fixture
def context(flask_app):
    with flask_app.test_request_context():
        yield


@pytest.mark.parametrize(
    "raw, chinese, english",
    [
        (
            b'{"a": NaN}',
            "JSON 中不能有 NaN，请填写数字或 null",
            "NaN is not JSON: send a number or null.",
        ),
        (b'{"a": 1e400}', "数字 1e400 超出范围", "The number 1e400 is out of range."),
        (
            b"[" * 65 + b"]" * 65,
            "文档嵌套超过 64 层",
            "The document is nested more than 64 levels deep.",
        ),
        (
            "审核".encode("gbk"),
            "文档不是 UTF-8 编码，第 0 个字节无法解读",
            "The document is not UTF-8: byte 0 cannot be read.",
        ),
    ],
    ids=["nan", "out-of-range", "too-deep", "not-utf8"],
)
def test_a_document_that_is_not_json_is_refused_in_the_readers_language(
    context, raw, chinese, english
):
    with pytest.raises(DocumentError) as refused:
        load_document(raw)
    assert str(refused.value) == chinese
    with force_locale("en"):
        assert str(refused.value) == english


def test_the_document_is_named_as_the_caller_names_it(context):
    with pytest.raises(DocumentError) as refused:
        load_document(b"{", lazy_gettext("The layout (ui schema)"))
    assert str(refused.value).startswith("布局（ui schema）不是有效的 JSON：")
    with force_locale("en"):
        assert str(refused.value).startswith("The layout (ui schema) is not valid JSON: ")


def test_a_text_that_cannot_be_kept_says_why_in_the_readers_language(context):
    assert str(text_problem("a\x07b")) == "含有控制字符"
    assert str(text_problem("a\nb")) == "须为一行文字"
    assert text_problem("a\nb", one_line=False) is None
    (error,) = unstorable_text({"title": "a\x00b"})
    assert error.path == "/title"
    assert str(error.message) == "含有无法保存的字符（NUL 或不成对的代理字符）"
    with force_locale("en"):
        assert str(text_problem("a\x07b")) == "holds control characters"
        assert str(text_problem("a\nb")) == "must be one line of text"
        assert str(error.message) == (
            "holds characters that cannot be stored (NUL or lone surrogates)"
        )
