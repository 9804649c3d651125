"""The office's calendar: 'today' and the day of a stored moment are the office's (WIB), not the server's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import clock, round_status
from core.config import get_settings
from db.models import Submission

WIB = dt.timedelta(hours=7)


@pytest.fixture(autouse=True)
def _fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_a_stored_moment_falls_on_the_office_day(moment):
    assert clock.local_date(moment) == (moment + WIB).date()  # Asia/Pontianak: UTC+7, no summer time
    aware = moment.replace(tzinfo=dt.UTC)
    assert clock.local_date(aware) == aware.astimezone(ZoneInfo("Asia/Pontianak")).date()


def test_today_is_the_office_day_whatever_the_server_zone(monkeypatch):
    monkeypatch.setenv("KINERJA_TIMEZONE", "Asia/Jayapura")  # WIT, UTC+9
    get_settings.cache_clear()
    before = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)).date()
    got = clock.today()
    after = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)).date()
    assert got in (before, after)


def test_a_submission_at_half_past_six_wib_the_day_after_the_deadline_is_one_day_late():
    sub = Submission(deadline=dt.date(2026, 10, 1), first_submitted_at=dt.datetime(2026, 10, 1, 23, 30))
    assert round_status.submission_days_late(sub, dt.date(2026, 10, 5)) == 1  # 2 Oktober 06.30 WIB
    on_time = Submission(deadline=dt.date(2026, 10, 1), first_submitted_at=dt.datetime(2026, 10, 1, 16, 59))
    assert round_status.submission_days_late(on_time, dt.date(2026, 10, 5)) == 0  # 1 Oktober 23.59 WIB
