"""The password policy refuses what guessing tools try first, each refusal naming its
reason: common passwords however dressed up, repetitions, sequences, keyboard walks and
the username in any width or case; passwords people really choose still pass."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.services.accounts.passwords import MESSAGES, password_problems
from app.services.accounts.users import reset_password
from app.services.foundation.errors import BadRequest


def refusal(key: str) -> str:
    """The refusal as the reader sees it (Chinese by default), read inside the app."""
    return str(MESSAGES[key])


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        # common passwords with digits or symbols around them, or letters swapped
        ("Password123!", "common"),
        ("!!qwerty2024", "common"),
        ("admin@123", "common"),
        ("P@ssw0rd2024", "common"),
        ("Welcome@2025", "common"),
        ("woaini1314!!", "common"),
        ("##admin##2025", "common"),
        # repetitions
        ("aaaaaaaaaaaa", "repeated"),
        ("abcabcabcabc", "repeated"),
        ("Xy7!Xy7!Xy7!", "repeated"),
        # keyboard walks, with shift or without
        ("qwertyuiop", "keyboard"),
        ("1qaz2wsx3edc", "keyboard"),
        ("1qaz@WSX#EDC", "keyboard"),
        ("asdfghjkl;", "keyboard"),
        ("zxcvbnm123", "keyboard"),
        ("!QAZ2wsx#EDC", "keyboard"),
        ("147258369+-", "common"),
        # sequences, wrapping 9 to 0
        ("123456789012", "sequence"),
        ("abcdefghijk", "sequence"),
        ("9876543210!!", "sequence"),
        # the username in any width, case or spelling
        ("ｕｎｉｔ-school-2027", "username"),
        ("UNIT-school-2027", "username"),
        ("Ｕｎｉｔ-school-2027", "username"),
        ("un1t-school-2027", "username"),
    ],
)
def test_a_guessable_password_is_refused_naming_why(app, password, reason):
    problems = password_problems(password, "unit")
    assert any(refusal(reason) in problem for problem in problems), problems


@pytest.mark.parametrize(
    "password",
    [
        "Budget-2027-plan",
        "县财政局2027预算",
        "correct horse battery 7",
        "Jiaoyu-2027-plan",
        "my-school-budget",
        "Xk9#mP2$vL",
        "tree-house-47",
        "Demo-county-2027",
    ],
)
def test_passwords_people_choose_pass(app, password):
    assert password_problems(password, "unit") == []


def test_what_the_estimator_finds_is_named_too(app):
    # No rule above holds these; zxcvbn's estimate does: a name and a year, a date.
    assert refusal("words") in " ".join(password_problems("Michael1990!", "unit"))
    assert refusal("date") in " ".join(password_problems("1990-12-31ab", "unit"))


def test_a_long_password_passes_and_an_overlong_one_is_refused_for_its_length_only(app):
    long = "Budget-2027-plan for the county's schools, phase two; Xk9#mP2$vL, signed 县财政局"
    assert len(long) > 64 and password_problems(long, "unit") == []
    too_long = password_problems("x" * 129 + "1", "unit")
    assert len(too_long) == 1 and "不能超过 128 个字符" in too_long[0]


# The app fixture only lends its configuration (the minimum length): nothing to reset.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.text(max_size=6),
    after=st.text(max_size=6),
    width=st.sampled_from(["half", "full"]),
    case=st.sampled_from([str.lower, str.upper, str.title]),
)
def test_any_password_holding_the_username_is_refused(app, before, after, width, case):
    name = case("dept")
    if width == "full":  # ＤＥＰＴ: the full-width forms Chinese input methods type
        name = "".join(chr(ord(char) + 0xFEE0) for char in name)
    problems = password_problems(before + name + after, "dept")
    assert refusal("username") in problems


def test_the_demo_password_is_refused_by_the_policy(app, user):
    with pytest.raises(BadRequest) as refused:
        reset_password(user("admin"), user("unit").id, "demo")
    assert "至少需要 10 个字符" in refused.value.message
    assert refusal("common") in refused.value.message
    assert user("unit").check_password("demo")  # nothing changed
