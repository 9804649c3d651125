"""Numbers typed by people, read by Indonesian rules whatever the browser's locale; Decimal out, never float.

The rule (the office writes Indonesian, and so do the unit workbook's instructions):
- the comma is the decimal mark, at most one: ``12,5`` = 12.5, ``1,234`` = 1.234 (a decimal);
- the dot only separates thousands, in whole groups of three after a first group of 1–3 digits that does
  not start with 0: ``1.250`` = 1250, ``125.000.000`` = 125000000, ``1.250,5`` = 1250.5;
- ``Rp`` in front, ``%`` behind and spaces (also non-breaking ones) are ignored: ``Rp 1.250.000``, ``12,5 %``;
- at most four decimals (the database keeps four): ``0,00001`` is refused, not stored as 0.

Anything else is refused, never reinterpreted. A dot that is not a thousands separator (``40.5``,
``0.125``, ``12.50``) or English grouping (``1,250.5``, ``1,234,567``) is refused with a message that shows
the Indonesian way to write what an English reader would mean (``40,5``, ``1.250,5``); other text
(``1.25.0``, ``1e5``, ``12,,5``, words) is refused with a general hint. Numbers that arrive as numbers (an
Excel cell, an int from code) are taken as they are.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Optional

from core.errors import InvalidInput

FOUR = Decimal("0.0001")
MAX_DECIMALS = 4  # db.models.Value is Numeric(20, 4)
MAX_INTEGER_DIGITS = 16
# A number with decimals keeps at most 15 significant digits: what SQLite holds exactly (db.models.ExactDecimal
# stores it as a lossless REAL; whole numbers are stored as exact integers up to 16 digits).
MAX_SIGNIFICANT = 15

# Indonesian: 1.250.000,5 or 1250000,5; the first dotted group does not start with 0 (0.125 is not 125).
_INDONESIAN = re.compile(r"^(?P<whole>[1-9]\d{0,2}(?:\.\d{3})+|\d+)(?:,(?P<frac>\d+))?$")
# English, only to say what to write instead: 1,250,000.5 or 1250000.5 or .5
_ENGLISH = re.compile(r"^(?P<whole>[1-9]\d{0,2}(?:,\d{3})+|\d*)(?:\.(?P<frac>\d+))?$")
HINT = "Tulis angka cara Indonesia: titik pemisah ribuan, koma desimal, misalnya 1.250 atau 12,5."


def _fail(label: str, raw: Any, why: str) -> InvalidInput:
    return InvalidInput(f"{label}: '{raw}' {why} {HINT}".strip())


def _clean(text: str) -> str:
    s = re.sub(r"[\s\u00a0\u202f]", "", text)
    if s[:2].lower() == "rp":
        s = s[2:]
        if s.startswith("."):
            s = s[1:]
    if s.endswith("%"):
        s = s[:-1]
    return s


def _indonesian(s: str) -> Optional[str]:
    """An unsigned Indonesian number as plain '1234.5', or None."""
    m = _INDONESIAN.match(s)
    if m is None:
        return None
    whole = m["whole"].replace(".", "")
    return whole + ("." + m["frac"] if m["frac"] else "")


def _english_reading(s: str) -> Optional[tuple[Decimal, int]]:
    """What an English reader means by `s` (value, decimals), when `s` is English and not Indonesian."""
    m = _ENGLISH.match(s)
    if m is None or (not m["whole"] and not m["frac"]):
        return None
    if "." not in s and "," not in s:
        return None
    whole = m["whole"].replace(",", "") or "0"
    frac = m["frac"] or ""
    return Decimal(whole + ("." + frac if frac else "")), len(frac)


def _refusal(label: str, raw: Any, s: str) -> InvalidInput:
    english = _english_reading(s)
    if english is not None:
        from core import fmt

        value, decimals = english
        sign = "-" if raw.strip().startswith("-") else ""
        meant = sign + fmt.number(value, decimals, strip=False)
        return InvalidInput(
            f"{label}: '{raw}' tidak dibaca — dalam penulisan Indonesia titik memisahkan ribuan dan koma "
            f"menandai desimal (1.250 = seribu dua ratus lima puluh; 12,5 = dua belas koma lima). "
            f"Tulis {meant} bila itu yang Anda maksud.")
    return _fail(label, raw, "bukan angka yang sah.")


def _excel_precision(d: Decimal) -> Decimal:
    """A float from a spreadsheet cell to the 15 significant digits Excel keeps (0.1 + 0.2 is 0.3, not
    0.30000000000000004): digits past those were never typed."""
    if d.is_finite() and d != 0 and len(d.as_tuple().digits) > MAX_SIGNIFICANT:
        return d.quantize(Decimal(1).scaleb(d.adjusted() - MAX_SIGNIFICANT + 1), rounding=ROUND_HALF_UP)
    return d


def parse_number(value: Any, label: str = "Nilai", allow_negative: bool = False) -> Optional[Decimal]:
    """A Decimal from typed text or a number, at most 4 decimals; None for an empty cell.

    Text is read by the Indonesian rule of this module; text, NaN, infinity, negatives (unless allowed),
    more than four decimals and numbers too large for the database are refused with an Indonesian
    message that starts with `label`, repeats what was typed and says what to write instead.
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
        d = _excel_precision(Decimal(repr(float(value))))
    elif isinstance(value, str):
        if re.sub(r"[\s\u00a0\u202f]", "", value) == "":
            return None
        s = _clean(value)
        if s == "":
            raise _fail(label, value, "bukan angka.")
        neg = s.startswith("-")
        body = s[1:] if neg or s.startswith("+") else s
        plain = _indonesian(body)
        if plain is None:
            raise _refusal(label, value, body)
        if "." in plain and len(plain.split(".")[1].rstrip("0")) > MAX_DECIMALS:
            raise InvalidInput(f"{label}: '{value}' punya lebih dari {MAX_DECIMALS} angka di belakang koma; "
                               f"bulatkan menjadi paling banyak {MAX_DECIMALS} angka desimal, misalnya 0,0125.")
        d = Decimal(("-" if neg else "") + plain)
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
    out = d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()
    if out != out.to_integral_value() and len(out.as_tuple().digits) > MAX_SIGNIFICANT:
        raise InvalidInput(f"{label}: angka {value} terlalu besar untuk ditulis serinci itu: paling banyak "
                           f"{MAX_SIGNIFICANT} angka seluruhnya bila ada desimal (misalnya 12.345.678.901,2345). "
                           "Bulatkan desimalnya.")
    return out


def parse_text(value: Any) -> str:
    """A free-text cell: None/NaN become '', everything else a stripped string."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    return str(value).strip()
