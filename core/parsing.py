"""Numbers typed by people: Indonesian "1.234,5", English "1,234.5", plain numbers; Decimal out, never float.

Ambiguity rule (the office writes Indonesian): a single comma is the decimal mark ("12,5", "1,234" =
1,234 as a decimal); a single dot followed by exactly three digits after a 1–3 digit non-zero integer
part is a thousands separator ("1.234" = 1234, "4.000" = 4000); any other single dot is the decimal
mark ("12.5", "0.125"). With both marks the last one is the decimal mark.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Optional

from core.errors import InvalidInput

FOUR = Decimal("0.0001")
MAX_INTEGER_DIGITS = 16  # db.models.Value is Numeric(20, 4)

_PLAIN = re.compile(r"^\d+(\.\d+)?$")
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+$")  # thousands groups after the first
_HINT = "Tulis angka seperti 1.234,5 atau 12,5 (tanpa huruf)."


def _fail(label: str, raw: Any, why: str) -> InvalidInput:
    return InvalidInput(f"{label}: '{raw}' {why} {_HINT}".strip())


def _normalise(text: str) -> Optional[str]:
    """The string as a plain '1234.5' (no grouping), or None when it is not a number."""
    s = text
    neg = s.startswith("-")
    if neg or s.startswith("+"):
        s = s[1:]
    if not s:
        return None
    has_dot, has_comma = "." in s, "," in s
    if has_dot and has_comma:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        grp = "." if dec == "," else ","
        whole, _, frac = s.rpartition(dec)
        if grp in frac or not frac.isdigit() or not _GROUPED.match(whole.replace(grp, ",")):
            return None
        plain = whole.replace(grp, "") + "." + frac
    elif has_comma:
        if s.count(",") == 1:
            plain = s.replace(",", ".")
        elif _GROUPED.match(s):
            plain = s.replace(",", "")
        else:
            return None
    elif has_dot:
        if s.count(".") == 1:
            whole, frac = s.split(".")
            if len(frac) == 3 and 1 <= len(whole) <= 3 and whole.isdigit() and whole[0] != "0":
                plain = whole + frac  # Indonesian thousands: 1.234
            else:
                plain = s
        elif _GROUPED.match(s.replace(".", ",")):
            plain = s.replace(".", "")
        else:
            return None
    else:
        plain = s
    if not _PLAIN.match(plain):
        return None
    return ("-" if neg else "") + plain


def parse_number(value: Any, label: str = "Nilai", allow_negative: bool = False) -> Optional[Decimal]:
    """A Decimal from text or a number, rounded to 4 decimals; None for an empty cell.

    Refuses text, NaN, infinity, negatives (unless allowed) and numbers too large for the database,
    with an Indonesian message that starts with `label` and says how to write the number.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise _fail(label, value, "bukan angka.")
    if isinstance(value, (int, Decimal)):
        d = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _fail(label, value, "bukan angka yang sah.")
        d = Decimal(repr(float(value)))
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if text == "":
            return None
        if text.lower().startswith("rp"):
            text = text[2:].lstrip(".")
        if text.endswith("%"):
            text = text[:-1]
        plain = _normalise(text)
        if plain is None:
            raise _fail(label, value, "bukan angka yang sah.")
        d = Decimal(plain)
    else:
        try:
            d = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise _fail(label, value, "bukan angka yang sah.") from None
    if not d.is_finite():
        raise _fail(label, value, "bukan angka yang sah.")
    if d < 0 and not allow_negative:
        raise InvalidInput(f"{label}: nilai tidak boleh negatif ({value}). Isi 0 atau angka positif.")
    if d != 0 and d.adjusted() >= MAX_INTEGER_DIGITS:  # before quantize: beyond 28 digits it raises
        raise InvalidInput(f"{label}: angka {value} terlalu besar (paling banyak {MAX_INTEGER_DIGITS} digit).")
    d = d.quantize(FOUR, rounding=ROUND_HALF_UP)
    if len(str(abs(d).to_integral_value(rounding="ROUND_DOWN"))) > MAX_INTEGER_DIGITS:
        raise InvalidInput(f"{label}: angka {value} terlalu besar (paling banyak {MAX_INTEGER_DIGITS} digit).")
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def parse_text(value: Any) -> str:
    """A free-text cell: None/NaN become '', everything else a stripped string."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    return str(value).strip()
