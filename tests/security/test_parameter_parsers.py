"""The one parser of each kind of request value (app/params.py), for any text at all: it
answers a value within its bounds or refuses with 400 naming the parameter, and nothing
else ever escapes it (no ValueError, OverflowError or RecursionError, no value the
database cannot hold)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import create_app, params
from app.models import MAX_ID
from app.services.foundation.errors import BadRequest
from conftest import make_config

TEXT = st.one_of(
    st.text(max_size=30),
    st.integers().map(str),
    st.integers(min_value=2**62, max_value=2**80).map(str),
    st.dates().map(str),
    st.sampled_from(["²", "١٢", "1_0", "1e400", "NaN", "+5", " 5 ", "-0", "9999-12-31", "on"]),
)


@pytest.fixture(scope="module")
def app():
    return create_app(make_config("sqlite://"))


def _parsed(app, value: str, parse):
    with app.test_request_context(query_string={"p": value}):
        try:
            return parse("p")
        except BadRequest as refused:
            assert "参数 p" in refused.message and refused.details[0]["path"] == "/p"
            return refused


@settings(max_examples=300, deadline=None, derandomize=True)
@given(value=TEXT)
def test_an_integer_is_in_its_range_or_refused(app, value):
    got = _parsed(app, value, lambda name: params.integer(name, -5, 10**6))
    assert isinstance(got, BadRequest) or got is None or -5 <= got <= 10**6


@settings(max_examples=300, deadline=None, derandomize=True)
@given(value=TEXT)
def test_an_id_fits_the_id_columns_or_is_refused(app, value):
    got = _parsed(app, value, params.record_id)
    assert isinstance(got, BadRequest) or got is None or 1 <= got <= MAX_ID


@settings(max_examples=300, deadline=None, derandomize=True)
@given(value=TEXT)
def test_a_day_is_on_the_calendar_with_a_day_after_it_or_is_refused(app, value):
    got = _parsed(app, value, params.day)
    assert isinstance(got, BadRequest) or got is None or date(1900, 1, 1) <= got < date.max


@settings(max_examples=200, deadline=None, derandomize=True)
@given(value=TEXT)
def test_a_flag_is_yes_or_no_or_refused(app, value):
    got = _parsed(app, value, params.flag)
    assert isinstance(got, BadRequest | bool)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(value=st.text(max_size=40))
def test_text_holds_no_control_character_or_is_refused(app, value):
    got = _parsed(app, value, params.text)
    assert isinstance(got, BadRequest) or got is None or "\x00" not in got


@pytest.mark.parametrize(
    "value, expected",
    [("12", 12), (" 12 ", 12), ("+12", 12), ("", None), ("١٢", "refused"), ("²", "refused")],
)
def test_only_ascii_digits_are_a_number(app, value, expected):
    got = _parsed(app, value, lambda name: params.integer(name, 0, 100))
    assert (got if not isinstance(got, BadRequest) else "refused") == expected


def test_out_of_range_is_refused_not_clamped(app):
    refused = _parsed(app, "1001", lambda name: params.integer(name, 1, 1000))
    assert isinstance(refused, BadRequest)
    with app.test_request_context():  # the message is read in a request: Chinese by default
        assert refused.message == "参数 p 须为 1 到 1000 之间的整数"
    with app.test_request_context("/?lang=en"):
        assert refused.message == "The parameter p must be a whole number from 1 to 1000."


def test_the_strict_json_reader_keeps_what_the_session_cookie_carries(app):
    """Flask's session serialiser reads through app.json with an object hook of its own
    (flashed messages are tuples, tagged): the strict reader must pass it on."""
    from flask.json.tag import TaggedJSONSerializer

    serializer = TaggedJSONSerializer()
    session = {"_flashes": [("success", "已保存")], "raw": b"\x00"}
    with app.app_context():
        assert serializer.loads(serializer.dumps(session)) == session
