"""Every cache of the pages, keyed on a data version (pages.parts.common.data_version): a save changes the
version, so nothing shown is stale; Cadangan & Pemulihan empties them all after a restore.

Beranda's office-wide data (round picker, current round, timeline, late units, Status Triwulan) is the same
for every user of the office, so it is cached per office and data version, not per user. A save empties that
cache (the version changes); instead of leaving the recomputation to whoever opens Beranda next, the server
recomputes it on a thread of its own as soon as the change is committed (`start_warmer`, once per server
process), for the offices whose Beranda was opened in the last hours. Beranda's part of one user (profile,
Tugas saya) and the recaps of Rekap & Unduh are cached the same way, and made when asked for.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Optional

import pandas as pd
import streamlit as st

from core import audit, change_feed, clock, exports, home, recap, regency_recap, status, tasks, timeline
from core import round_status as rs
from core.actor import SYSTEM, Actor
from core.background import Coalescer
from core.config import get_settings
from core.uow import unit_of_work
from pages.parts.common import data_version

WARM_FOR_HOURS = 8  # an office whose Beranda nobody opened for a working day is not recomputed in advance


# --- Beranda ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeOverview:
    rounds: list[tuple[int, str]]  # the round picker: (id, "TW III 2026"), newest first
    default_round_id: Optional[int]  # the open round, else the latest
    current: Optional[rs.RoundStatus]  # the open round
    steps: Optional[pd.DataFrame]  # its timeline as read; `timeline.as_of(steps, now)` before showing it
    late: Optional[pd.DataFrame]  # its units late after the deadline in force


@st.cache_data(ttl=900, max_entries=256, show_spinner=False)
def plausibility_flags(version: tuple[str, int], actor: Actor, submission_id: int) -> list:
    """The unit's plausibility flags (core.plausibility.submission_flags: the permission check included, per
    actor), made again only after a change of the office: a sixth of Isi Data's rerun with 60 rows, and
    the page reruns on every cell edited."""
    from core import plausibility

    with unit_of_work() as session:
        return plausibility.submission_flags(session, actor, submission_id)


@st.cache_data(ttl=900, max_entries=256, show_spinner=False)
def office_overview(version: tuple[str, int], office_id: int, today: dt.date) -> OfficeOverview:
    """Rounds, current round, timeline and late units of the office, in one transaction."""
    with unit_of_work() as session:
        rounds = rs.round_choices(session, office_id)
        default_id = rs.default_round_id(session, office_id)
        rnd = rs.current_round(session, office_id)
        steps = late = None
        if rnd is not None:
            steps = timeline.round_timeline(session, rnd.id, timeline.now())
            late = timeline.late_units(session, rnd.id, today)
    return OfficeOverview(rounds, default_id, rnd, steps, late)


@st.cache_data(ttl=900, max_entries=256, show_spinner=False)
def round_status(version: tuple[str, int], office_id: int, round_id: int, today: dt.date):
    """The round's status and its missing list (a save, a submission, a review changes `version`)."""
    with unit_of_work() as session:
        qs = status.quarter_status(session, office_id, round_id, today)
    return qs, status._missing_frame(qs)


@st.cache_data(ttl=900, max_entries=16, show_spinner=False)
def missing_files(version: tuple[str, int], office_id: int, round_id: int, today: dt.date):
    with unit_of_work() as session:
        return status.missing_list_files(session, office_id, round_id, today)


@st.cache_data(ttl=900, max_entries=256, show_spinner=False)
def personal(version: tuple[str, int], actor: Actor, today: dt.date):
    """Profile and Tugas saya of this user, cached until the next audited change of the office."""
    with unit_of_work() as session:
        return home.profile(session, actor), tasks.my_tasks(session, actor, today)


# --- Rekap & Unduh ---------------------------------------------------------------------------------


@st.cache_data(ttl=900, max_entries=64, show_spinner=False)
def recap_bundle(version: tuple[str, int], office_id: int, year: int, quarter: int, unit_id, sasaran_id,
                 iku_only: bool):
    """Cached per data version: any audited save changes the key, so the recap is never stale."""
    with unit_of_work() as session:
        return recap.bundle(session, office_id, year, quarter,
                            recap.Filters(unit_id=unit_id, sasaran_id=sasaran_id, iku_only=iku_only))


@st.cache_data(ttl=900, max_entries=16, show_spinner=False)
def recap_xlsx(version: tuple[str, int], office_id: int, year: int, quarter: int, unit_id, sasaran_id,
               iku_only: bool, title: str, period_line: str, today: dt.date) -> bytes:
    """The recap's XLSX, made when the button is clicked (not on every rerun), then cached like the recap."""
    b = recap_bundle(version, office_id, year, quarter, unit_id, sasaran_id, iku_only)
    with unit_of_work() as session:
        sig = exports.signer(session, office_id)
    return exports.to_xlsx(recap.views(b), title, sig.office_name, period_line, sig, today)


@st.cache_data(ttl=900, max_entries=8, show_spinner=False)
def regency_annual(version: tuple[str, int], actor: Actor, year: int):
    """Every office's annual recap (one SQL statement) and its summary per office."""
    with unit_of_work() as session:
        df = regency_recap.annual_all_offices(session, actor, year)
    return df, regency_recap.office_summary(df)


@st.cache_data(ttl=900, max_entries=8, show_spinner=False)
def regency_annual_xlsx(version: tuple[str, int], actor: Actor, year: int, today: dt.date) -> bytes:
    df, summary = regency_annual(version, actor, year)
    with unit_of_work() as session:
        return regency_recap.annual_all_offices_xlsx(session, actor, year, today, df=df, summary=summary)


# --- Beranda's office data made again in advance ---------------------------------------------------

_viewed: dict[int, float] = {}  # office id -> when its Beranda was last opened (time.monotonic)
_viewed_lock = threading.Lock()


def note_viewed(office_id: int) -> None:
    """Beranda was opened for this office: keep its data made in advance for the next hours."""
    with _viewed_lock:
        _viewed[office_id] = time.monotonic()


def _recently_viewed(office_id: int) -> bool:
    with _viewed_lock:
        seen = _viewed.get(office_id)
    return seen is not None and time.monotonic() - seen < WARM_FOR_HOURS * 3600


_regency_viewed: dict[int, float] = {}  # year -> when Rekap & Unduh's regency tab last showed it


def note_regency_viewed(year: int) -> None:
    """The regency recap of `year` was shown: keep its offices' rows made again after each change."""
    with _viewed_lock:
        _regency_viewed[year] = time.monotonic()


def prepare_regency(year: int) -> None:
    """Someone who may open the regency tab opened Rekap & Unduh: read the offices' rows of `year` that
    changed since this process last read them, on the warmer's thread (only where the warmer runs)."""
    if _remove_listener is not None:
        note_regency_viewed(year)
        _warmer.submit(("regency", year))


def _regency_years() -> list[int]:
    now = time.monotonic()
    with _viewed_lock:
        return [y for y, seen in _regency_viewed.items() if now - seen < WARM_FOR_HOURS * 3600]


def warm(key) -> None:
    """Compute what Beranda will ask for the office at its current data version (cached for the next
    visitor): the same calls with the same keys as the page makes. Key ("regency", year): read again the
    rows of the offices that changed for the regency recap (core.regency_recap keeps each office's rows per
    data version), so its next viewer waits for no office's rows."""
    if isinstance(key, tuple):
        with unit_of_work() as session:
            regency_recap.annual_all_offices(session, SYSTEM, key[1])
        return
    office_id = key
    version = data_version(office_id)
    today = clock.today()
    overview = office_overview(version, office_id, today)
    if overview.default_round_id is not None:
        round_status(version, office_id, overview.default_round_id, today)


def _on_change(offices: frozenset[Optional[int]]) -> None:
    for office_id in offices:
        if office_id is not None and _recently_viewed(office_id):
            _warmer.submit(office_id)
    for year in _regency_years():  # after the offices' Beranda: a person may be waiting for that
        _warmer.submit(("regency", year))


def _rewarm_viewed() -> None:
    """After the listener of other processes' changes reconnected: what they announced meanwhile is lost,
    so every office kept warm is made again (a cache hit where nothing changed)."""
    with _viewed_lock:
        offices = list(_viewed)
    _on_change(frozenset(offices))


_warmer = Coalescer(warm, name="kinerja-beranda-warm")
_remove_listener = None
_feed: Optional[change_feed.Listener] = None


def start_warmer(url: Optional[str] = None) -> Coalescer:
    """Recompute an office's Beranda data after each committed change of it (once per server process):
    the changes committed in this process (core.audit.on_change) and, on PostgreSQL, those of the other
    app processes on the same database (core.change_feed, LISTEN/NOTIFY)."""
    global _remove_listener, _feed
    if _remove_listener is None:
        with _viewed_lock:
            _regency_viewed.clear()  # only what is viewed while the warmer runs (a test's leftovers: not)
        _remove_listener = audit.on_change(_on_change)
    url = url or get_settings().database_url
    if _feed is None and change_feed.is_postgresql(url):
        _feed = change_feed.Listener(url, _on_change, on_reconnect=_rewarm_viewed).start()
    return _warmer


def change_listener() -> Optional[change_feed.Listener]:
    """The listener of the other processes' changes, if this process runs one (tests)."""
    return _feed


def stop_warmer() -> None:
    """Stop listening (tests); what is cached stays."""
    global _remove_listener, _feed
    if _remove_listener is not None:
        _remove_listener()
        _remove_listener = None
    if _feed is not None:
        _feed.stop()
        _feed = None
    _warmer.wait_idle()
