"""The office's calendar: which day it is, and on which day a stored moment fell, in the office's time zone.

Moments are stored as naive UTC (db.models.utcnow); deadlines are calendar days of the office. A server
that runs in UTC (a container, a cloud machine) would otherwise start "today" at 07.00 WIB and count a
submission at 06.30 WIB on the day after the deadline as on time.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from babel.dates import get_timezone

from core.config import get_settings


@cache
def _zone(name: str) -> dt.tzinfo:
    return get_timezone(name)


def zone() -> dt.tzinfo:
    """The office's time zone (KINERJA_TIMEZONE, default Asia/Pontianak: WIB)."""
    return _zone(get_settings().timezone)


def local(moment: dt.datetime) -> dt.datetime:
    """A stored moment in the office's time zone (naive values are UTC, as db.models.utcnow stores them)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(zone())


def today() -> dt.date:
    """Today's date in the office."""
    return dt.datetime.now(zone()).date()


def local_date(moment: dt.datetime) -> dt.date:
    """The office's calendar day of a stored moment (naive values are UTC)."""
    return local(moment).date()
