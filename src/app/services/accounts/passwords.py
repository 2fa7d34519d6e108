"""The password policy: what a new password must be, each refusal naming its reason.

Length first (NIST SP 800-63B), a mix of two kinds of character (the complexity that
China's MLPS 2.0 / 等保 2.0 asks of government systems, kept to the mildest form), and
nothing guessable. No forced periodic change, which only breeds predictable passwords.

"Guessable" is what guessing tools try first, and each rule names what it found:
- the username, in any width or case (NFKC-normalised and case-folded, so that "ｕｎｉｔ"
  is "unit");
- a common password, also with digits or symbols around it and the usual swaps
  ("P@ssw0rd2024!" is "password" dressed up): attackers' rules add exactly those;
- one character or chunk repeated, a run of letters or digits ("abcdefg", "12345678",
  wrapping 9 to 0), a walk along neighbouring keys ("1qaz2wsx3edc", "asdfghjkl;");
- anything else zxcvbn (Dropbox's estimator, matching dictionaries, names, dates and
  keyboard patterns) reckons fewer than 10^8 guesses away: its "safely unguessable"
  level for an online attack, which sign-in throttling keeps to a few guesses an hour.
The explicit rules come first because the estimator prices "qwerty" + "2024" + "!!" as
the product of three guesses, while guessing tools try that form early.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from itertools import pairwise

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext

MAX_LENGTH = 128  # hashing a megabyte-long "password" is work an attacker could ask for
# The estimator's matching grows much faster than the length (worst case measured: 33 ms
# at 32 characters, 540 ms at 64): it rates the first 32, the rules above see them all.
ESTIMATED_LENGTH = 32
ENOUGH_GUESSES = 1e8  # zxcvbn's score 3

# Passwords common among Chinese users (the 2011 CSDN and later leaks) that zxcvbn's
# English-speaking lists lack, pinyin words people build passwords from, and the words
# of this very system, which an attacker of a finance bureau tries first.
COMMON_HERE = frozenset(
    {
        "demo",
        "admin",
        "administrator",
        "root",
        "woaini",
        "woaini1314",
        "woaini520",
        "aini1314",
        "5201314",
        "1314520",
        "520520",
        "147258369",
        "123qwe",
        "wodemima",
        "mima",
        "zhongguo",
        "beijing",
        "shanghai",
        "zhangwei",
        "wangwei",
        "xiaoming",
        "dearbook",
        "qq123456",
        "caizheng",
        "caizhengju",
        "yusuan",
        "jixiao",
        "czj",
    }
)
# What people put around a word to satisfy a "mix kinds" rule: symbols, then digits too.
DECORATIONS = (re.compile(r"^[\W_]+|[\W_]+$"), re.compile(r"^[\W\d_]+|[\W\d_]+$"))
# The swaps guessing tools undo ("p@ssw0rd"); "1" stands for "i" as often as for "l".
UNSWAPPED = (
    str.maketrans("@4083$5!7+|1", "aaobessittli"),
    str.maketrans("@4083$5!7+|1", "aaobessittll"),
)
REPEATED = re.compile(r"^(.+?)\1+$", re.DOTALL)
SHORTEST_PATTERN = 4  # a core shorter than this is left to the estimator

# Why a password is refused, in the reader's language (msgids in English, translated in
# src/app/translations): each names what an attacker's tool would try.
MESSAGES = {
    "username": lazy_gettext("A password must not contain the username."),
    "common": lazy_gettext(
        "This is a common password, even with digits or symbols around it or letters swapped."
    ),
    "repeated": lazy_gettext("Repeated characters or chunks, like aaaa or abcabc."),
    "sequence": lazy_gettext("A sequence of letters or digits, like abcdef or 123456."),
    "keyboard": lazy_gettext("A walk along neighbouring keys, like qwerty or 1qaz2wsx."),
    "date": lazy_gettext("Mostly a date or a year."),
    "words": lazy_gettext("Common words or names."),
    "guessable": lazy_gettext("Too easy to guess: make it longer or add unrelated words."),
}


def normalised(text: str) -> str:
    """What a comparison sees: full-width and compatibility forms folded (NFKC), case
    folded, so that "ＵＮＩＴ" and "unit" are one name."""
    return unicodedata.normalize("NFKC", text).casefold()


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | COMMON_HERE


@cache
def _neighbours() -> dict[str, str]:
    """Each key's neighbours on a QWERTY keyboard and a numeric keypad, shifted or not."""
    from zxcvbn.adjacency_graphs import ADJACENCY_GRAPHS

    neighbours: dict[str, str] = {}
    for graph in (ADJACENCY_GRAPHS["qwerty"], ADJACENCY_GRAPHS["keypad"]):
        for key, around in graph.items():
            neighbours[key] = neighbours.get(key, "") + "".join(filter(None, around))
    return neighbours


def _variants(text: str) -> set[str]:
    """The text with and without its decoration, each with the usual swaps undone."""
    texts = {text} | {core for pattern in DECORATIONS if (core := pattern.sub("", text))}
    return texts | {each.translate(swaps) for each in texts for swaps in UNSWAPPED}


def _is_sequence(text: str) -> bool:
    if len(text) < SHORTEST_PATTERN:
        return False
    for alphabet in ("0123456789", "abcdefghijklmnopqrstuvwxyz"):
        if all(c in alphabet for c in text):
            steps = {
                (alphabet.index(b) - alphabet.index(a)) % len(alphabet) for a, b in pairwise(text)
            }
            return steps in ({1}, {len(alphabet) - 1})
    return False


def _is_keyboard_walk(text: str) -> bool:
    """Neighbouring keys, broken at most once every four keys ("1qaz2wsx3edc" is three
    walks of four; "zxcvbnm123" two)."""
    if len(text) < SHORTEST_PATTERN:
        return False
    neighbours = _neighbours()
    breaks = sum(1 for a, b in pairwise(text) if b not in neighbours.get(a, ""))
    return len(text) >= SHORTEST_PATTERN * (breaks + 1)


def _estimated_reason(text: str, username: str) -> str | None:
    """zxcvbn's verdict: None when it reckons enough guesses, else what it matched most
    of (a common password, a keyboard pattern, a repetition, a date...)."""
    from zxcvbn import zxcvbn

    estimate = zxcvbn(text[:ESTIMATED_LENGTH], user_inputs=[username] if username else [])
    if float(estimate["guesses"]) >= ENOUGH_GUESSES:
        return None
    longest = max(estimate["sequence"], key=lambda match: len(match["token"]))
    pattern = longest["pattern"]
    if pattern == "dictionary":
        source = longest.get("dictionary_name")
        return {"passwords": "common", "user_inputs": "username"}.get(source, "words")
    return {
        "repeat": "repeated",
        "sequence": "sequence",
        "spatial": "keyboard",
        "date": "date",
        "regex": "date",  # zxcvbn's one regex is "a recent year"
    }.get(pattern, "guessable")


def guessable_reasons(password: str, username: str = "") -> list[str]:
    """Why `password` is among the first an attacker would try, as keys of MESSAGES
    (empty: none found)."""
    text, name = normalised(password), normalised(username.strip())
    variants = _variants(text)
    reasons = []
    if len(name) >= 3 and any(name in each for each in variants):
        reasons.append("username")
    if variants & _common():
        reasons.append("common")
    for reason, found in (
        ("repeated", lambda each: bool(REPEATED.match(each))),
        ("sequence", _is_sequence),
        ("keyboard", _is_keyboard_walk),
    ):
        if any(len(each) >= SHORTEST_PATTERN and found(each) for each in variants):
            reasons.append(reason)
    if not reasons and text:  # zxcvbn cannot rate nothing (an IndexError on "")
        estimated = _estimated_reason(text, name)
        if estimated:
            reasons.append(estimated)
    return reasons


def password_problems(password: str, username: str = "") -> list[str]:
    """Every rule `password` breaks, as messages a person can act on (empty: acceptable)."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    problems = []
    if len(password) < minimum:
        problems.append(_("A password needs at least %(minimum)s characters.", minimum=minimum))
    if len(password) > MAX_LENGTH:
        problems.append(_("A password has at most %(maximum)s characters.", maximum=MAX_LENGTH))
        return problems  # rating it would be the work the limit is there to refuse
    if _kinds(password) < 2:
        problems.append(_("Mix at least two of letters, digits and symbols."))
    problems.extend(str(MESSAGES[reason]) for reason in guessable_reasons(password, username))
    return problems


def _kinds(password: str) -> int:
    letters = any(c.isalpha() for c in password)  # Chinese characters count as letters
    digits = any(c.isdigit() for c in password)
    others = any(not c.isalnum() for c in password)
    return letters + digits + others
