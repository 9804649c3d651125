"""Indonesian number, money, percent and date formats through Babel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from typing import Optional, Union

from babel import Locale
from babel.dates import DateTimePattern, format_date
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import NumberPattern, parse_pattern

LOCALE = "id_ID"
# Parsed once: Babel's format_decimal re-parses the pattern and the locale name on every call (3x the cost).
_LOCALE = Locale.parse(LOCALE)
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
Num = Union[Decimal, int, float]


def quarter_label(q: int) -> str:
    return f"TW {ROMAN[q]}"


def quarter_long(q: int) -> str:
    return f"Triwulan {ROMAN[q]}"


def number(value: Optional[Num], decimals: int = 2, strip: bool = True) -> str:
    """1.234,56; '–' for a missing value. With strip, trailing zero decimals are dropped."""
    if value is None:
        return "–"
    return _pattern(decimals, strip).apply(Decimal(str(value)), _LOCALE)


@cache
def _pattern(decimals: int, strip: bool) -> NumberPattern:
    return parse_pattern("#,##0" + ("." + ("#" if strip else "0") * decimals if decimals else ""))


def percent(value: Optional[Num], decimals: int = 2) -> str:
    """87,50 %"""
    if value is None:
        return "–"
    return number(value, decimals, strip=False) + " %"


def money(value: Optional[Num]) -> str:
    """Rp 1.250.000.000"""
    if value is None:
        return "–"
    return "Rp " + _pattern(0, True).apply(Decimal(str(value)), _LOCALE)


def date(value: Optional[dt.date]) -> str:
    """24 November 2026"""
    if value is None:
        return "–"
    return format_date(value, format="d MMMM y", locale=_LOCALE)


def datetime(value: Optional[dt.datetime]) -> str:
    """24 November 2026 14.05 WIB: the moment in the office's time zone (KINERJA_TIMEZONE).

    Naive values are UTC, as the database stores them (db.models.utcnow)."""
    if value is None:
        return "–"
    from core import clock  # clock reads the settings, which fmt does not need at import

    return _DATETIME.apply(clock.local(value), _LOCALE)


_DATETIME: DateTimePattern = parse_date_pattern("d MMMM y HH.mm z")


def duration(minutes: Optional[float]) -> str:
    """A duration in words: '25 menit', '3 jam 10 menit', '2 hari 4 jam'."""
    if minutes is None:
        return "–"
    m = int(round(minutes))
    if m < 60:
        return f"{m} menit"
    days, rest = divmod(m, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} hari")
    if hours:
        parts.append(f"{hours} jam")
    if mins and not days:
        parts.append(f"{mins} menit")
    return " ".join(parts)
