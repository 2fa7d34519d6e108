"""The password policy: what a new password must be, each refusal naming its reason.

Length first (NIST SP 800-63B), a mix of two kinds of character (the complexity that
China's MLPS 2.0 / 等保 2.0 asks of government systems, kept to the mildest form), and
nothing guessable: not the username, not one of the passwords every attacker tries
first, not a keyboard run or one repeated character. No forced periodic change, which
only breeds predictable passwords.
"""

from __future__ import annotations

from flask import current_app

MAX_LENGTH = 128  # hashing a megabyte-long "password" is work an attacker could ask for

# The passwords every guessing attack starts with (lower-cased), and the demo password.
COMMON = frozenset(
    {
        "demo",
        "password",
        "password1",
        "password123",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "admin123",
        "admin1234",
        "admin12345",
        "administrator",
        "abc123456",
        "abcd1234",
        "abc12345678",
        "a123456789",
        "a1234567890",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "qwerty123",
        "qwerty1234",
        "qwertyuiop",
        "iloveyou1",
        "woaini1314",
        "woaini520",
        "5201314520",
        "1314520520",
        "welcome123",
        "changeme123",
        "zxcvbnm123",
        "asdfghjkl1",
    }
)
RUNS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _kinds(password: str) -> int:
    letters = any(c.isalpha() for c in password)  # Chinese characters count as letters
    digits = any(c.isdigit() for c in password)
    others = any(not c.isalnum() for c in password)
    return letters + digits + others


def _guessable(password: str) -> bool:
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) <= 2:
        return True
    stripped = lowered.rstrip("0123456789!@#$%^&*.")
    for run in RUNS:
        for text in (lowered, stripped):
            if len(text) >= 4 and (text in run * 2 or text in run[::-1] * 2):
                return True
    return False


def password_problems(password: str, username: str = "") -> list[str]:
    """Every rule `password` breaks, as messages a person can act on (empty: acceptable)."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    problems = []
    if len(password) < minimum:
        problems.append(
            f"密码至少需要 {minimum} 个字符 (a password needs at least {minimum} characters)"
        )
    if len(password) > MAX_LENGTH:
        problems.append(f"密码不能超过 {MAX_LENGTH} 个字符 (at most {MAX_LENGTH} characters)")
    if _kinds(password) < 2:
        problems.append(
            "密码须包含字母、数字、符号中的至少两类 (mix at least two of letters, digits, symbols)"
        )
    name = username.strip().lower()
    if len(name) >= 3 and name in password.lower():
        problems.append("密码不能包含用户名 (a password must not contain the username)")
    if _guessable(password):
        problems.append("密码太常见或太容易猜到 (the password is too common or too easy to guess)")
    return problems
