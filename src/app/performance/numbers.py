"""Reading the numbers, signs and labels that arrive from JSON form data.

Values come as int, float, str ("3,000", "95%", "１２０万元") or Decimal; the rules compute
in Decimal so that 0.1 + 0.2 is 0.3 and a boundary like exactly 5 % is exact.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext

POSITIVE_SIGNS = ("≥", ">", "=")
NEGATIVE_SIGNS = ("≤", "<")
QUALITATIVE = "定性"

# Qualitative results as the forms write them, mapped to the codes the rules use.
QUALITATIVE_RESULTS: dict[str, str] = {
    "达成": "met",
    "已达成": "met",
    "部分达成": "partly",
    "部分": "partly",
    "未达成": "not_met",
    "met": "met",
    "partly": "partly",
    "partly_met": "partly",
    "not_met": "not_met",
}

_SIGNS = {
    "≥": "≥",
    ">=": "≥",
    "=>": "≥",
    "≧": "≥",
    ">": ">",
    "=": "=",
    "==": "=",
    "<": "<",
    "≤": "≤",
    "<=": "≤",
    "=<": "≤",
    "≦": "≤",
    "定性": QUALITATIVE,
    "qualitative": QUALITATIVE,
}
# One number, optionally with thousands separators, a percent sign and a unit without digits.
_NUMBER = re.compile(r"[^\d+\-.]*?([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%?\s*[^\d]*")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def to_decimal(value: Any) -> Decimal | None:
    """The number in `value`, or None when there is none (blank, text, NaN, several numbers).

    A percent sign is dropped: "95%" reads as 95, in the unit the indicator states.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        text = _THOUSANDS.sub("", text)
        match = _NUMBER.fullmatch(text)
        if not match:
            return None
        try:
            number = Decimal(match.group(1))
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def to_float(value: Decimal | None, places: int | None = None) -> float | None:
    """JSON-ready float of a Decimal, rounded half-up to `places` when given."""
    if value is None:
        return None
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return float(value)


def money_text(amount: Decimal) -> str:
    """万元 as finance writes them in a message: two decimals."""
    return f"{amount.quantize(Decimal('0.01')):f}"


def normalize_sign(sign: Any) -> str | None:
    """The canonical sign (≥ > = < ≤ 定性), None when blank; ValueError when unknown."""
    if sign is None:
        return None
    text = unicodedata.normalize("NFKC", str(sign)).strip().lower()
    if not text:
        return None
    try:
        return _SIGNS[text]
    except KeyError:
        raise ValueError(
            gettext(
                "The indicator sign “%(sign)s” is unknown: it must be one of ≥ > = < ≤ 定性.",
                sign=sign,
            )
        ) from None


def normalize_qualitative(result: Any) -> str | None:
    """'met', 'partly' or 'not_met' for 达成/部分达成/未达成, None when blank or unknown."""
    if result is None:
        return None
    return QUALITATIVE_RESULTS.get(str(result).strip().lower())


def to_bool(value: Any) -> bool:
    """Truth of a form value: true/"true"/"是"/"1"/"yes" are True; anything else False."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "y", "是", "on"}
    return bool(value)


def is_blank(value: Any) -> bool:
    """None, a blank string, or an empty list/dict (an unanswered multi-select)."""
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict | set):
        return not value
    return value is None
