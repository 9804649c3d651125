"""Dates and times as the office reads them: Indonesian month names, stored UTC shown in WIB (hypothesis)."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_datetime, get_timezone
from hypothesis import given
from hypothesis import strategies as st

from core import fmt
from core.config import get_settings

moments = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1))


def test_a_stored_utc_time_is_shown_in_the_offices_time_zone():
    assert get_settings().timezone == "Asia/Pontianak"
    assert fmt.datetime(dt.datetime(2026, 9, 30, 18, 5)) == "1 Oktober 2026 01.05 WIB"  # next day in WIB
    assert fmt.datetime(dt.datetime(2026, 9, 30, 18, 5, tzinfo=dt.UTC)) == "1 Oktober 2026 01.05 WIB"
    assert fmt.datetime(None) == "–"
    assert fmt.date(dt.date(2026, 11, 24)) == "24 November 2026"


@given(moments)
def test_datetime_equals_babels_format_datetime_in_the_office_zone(moment):
    zone = get_timezone("Asia/Pontianak")
    assert fmt.datetime(moment) == format_datetime(moment, format="d MMMM y HH.mm z", tzinfo=zone, locale="id_ID")


def test_another_office_zone_is_a_setting(monkeypatch):
    monkeypatch.setenv("KINERJA_TIMEZONE", "Asia/Jayapura")
    get_settings.cache_clear()
    try:
        assert fmt.datetime(dt.datetime(2026, 9, 30, 18, 5)) == "1 Oktober 2026 03.05 WIT"
    finally:
        monkeypatch.delenv("KINERJA_TIMEZONE")
        get_settings.cache_clear()
