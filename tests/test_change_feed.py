"""Committed changes announced to the other app processes (core.change_feed, PostgreSQL LISTEN/NOTIFY).

A save committed in one process reaches the listener of another process (here: a listener with another
process token in the same test process, on its own connection); a rolled-back save reaches nobody; the
listener survives its connection being killed; the server's warmer re-warms an office another process
changed."""

from __future__ import annotations

import queue
import time

import pytest
import streamlit as st
from sqlalchemy import select, text

from core import audit, auth, change_feed
from core.actor import SYSTEM
from core.steps import isi_data
from core.uow import unit_of_work
from db.models import OrgUnit
from pages.parts import caches
from tests.conftest import _configure, _fresh_url

OTHER = "other-process"


@pytest.fixture
def pg_url(request, tmp_path, monkeypatch):
    """A fresh demo database on PostgreSQL only (the feed does nothing on SQLite)."""
    from core.config import get_settings
    from db.engine import dispose_all

    url = _fresh_url(request, "postgresql", tmp_path)
    yield _configure(monkeypatch, tmp_path, url)
    dispose_all()
    get_settings.cache_clear()


@pytest.fixture
def listener(pg_url):
    """A listener as another process runs it: its own token, its own connection."""
    got: queue.Queue = queue.Queue()
    reconnects: list[int] = []
    feed = change_feed.Listener(pg_url, got.put, on_reconnect=lambda: reconnects.append(1), token=OTHER,
                                backoff=(0.1, 0.5), poll_seconds=0.2).start()
    assert feed.wait_listening(10)
    feed.got, feed.reconnects = got, reconnects  # type: ignore[attr-defined]
    yield feed
    feed.stop()


def _office(url: str) -> int:
    with unit_of_work(url) as s:
        return s.scalar(select(OrgUnit.id).where(OrgUnit.code == "DISNAKERPERINTRANS"))


def _audited_change(url: str, office_id, fail: bool = False) -> None:
    with unit_of_work(url) as s:
        audit.record(s, SYSTEM, "uji.ubah", "uji", 1, after={"x": 1}, office_id=office_id)
        if fail:
            raise RuntimeError("gagal")


def test_payload_round_trip():
    raw = change_feed.payload({3, None, 1}, token="t-1")
    assert change_feed.parse(raw) == ("t-1", frozenset({None, 1, 3}))
    # a regency-wide change names too many offices for one notification: "every office"
    many = change_feed.payload(set(range(100_000, 102_000)), token="t-1")
    assert len(many) < change_feed.MAX_PAYLOAD and change_feed.parse(many) == ("t-1", None)


def test_sqlite_announces_nothing(sqlite_url):
    with unit_of_work(sqlite_url) as s:  # no pg_notify on SQLite: the commit goes through as before
        audit.record(s, SYSTEM, "uji.ubah", "uji", 1, office_id=None)
        change_feed.announce(s, {1})
    assert not change_feed.is_postgresql(sqlite_url)


def test_a_committed_save_reaches_the_other_process(pg_url, listener):
    office = _office(pg_url)
    _audited_change(pg_url, office)
    assert listener.got.get(timeout=10) == frozenset({office})

    # a real save of Isi Data: the notification carries the office of the saved data
    from sqlalchemy import select as sel

    from db.models import Indicator, Realization, Submission
    from tests import factories

    with unit_of_work(pg_url) as s:
        rnd = factories.make_round(s, at="isi_data", state="draf")
        sub = factories.submission_of(s, rnd, "BID-LATTAS")
        ind = s.scalar(sel(Indicator).where(Indicator.owner_unit_id == sub.unit_id).order_by(Indicator.id))
        sub_id, ind_id = sub.id, ind.id
        kabid = auth.actor_for(s, "kabid_lattas")
    while not listener.got.empty():  # the round made by the factory was announced too
        listener.got.get_nowait()
    with unit_of_work(pg_url) as s:
        isi_data.save_entries(s, kabid, sub_id, {ind_id: {
            "Realisasi TW": "7", "Kendala": "Pelatihan tertunda.", "Tindak lanjut": "Dijadwalkan ulang."}})
    assert office in listener.got.get(timeout=10)
    with unit_of_work(pg_url) as s:
        assert s.scalar(sel(Realization.value).join(Submission).where(
            Submission.id == sub_id, Realization.indicator_id == ind_id)) is not None


def test_a_rolled_back_save_announces_nothing(pg_url, listener):
    office = _office(pg_url)
    with pytest.raises(RuntimeError):
        _audited_change(pg_url, office, fail=True)
    _audited_change(pg_url, None)  # a committed change afterwards: the first thing the listener hears
    assert listener.got.get(timeout=10) == frozenset({None})
    time.sleep(0.5)
    assert listener.got.empty()
    assert listener.received == 1


def test_own_notifications_are_ignored(pg_url):
    got: queue.Queue = queue.Queue()
    feed = change_feed.Listener(pg_url, got.put, poll_seconds=0.2).start()  # this process's token
    try:
        assert feed.wait_listening(10)
        _audited_change(pg_url, _office(pg_url))
        time.sleep(1)
        assert got.empty(), "a process re-warmed for its own change twice"
    finally:
        feed.stop()


def test_the_listener_survives_a_dropped_connection(pg_url, listener):
    first = listener.backend_pid
    with unit_of_work(pg_url) as s:
        assert s.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
    deadline = time.monotonic() + 15
    while (listener.connections < 2 or not listener.listening.is_set()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert listener.connections == 2 and listener.backend_pid != first
    assert listener.reconnects == [1], "after a reconnect the offices kept warm are made again"
    with unit_of_work(pg_url) as s:  # a change of too many offices to name: everything kept warm again
        s.execute(text("SELECT pg_notify(:c, :p)"), {"c": change_feed.CHANNEL, "p": '{"p":"x","o":"*"}'})
    deadline = time.monotonic() + 10
    while listener.reconnects != [1, 1] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert listener.reconnects == [1, 1]
    office = _office(pg_url)
    _audited_change(pg_url, office)
    assert listener.got.get(timeout=10) == frozenset({office})


def test_the_warmer_rewarms_an_office_changed_by_another_process(pg_url):
    st.cache_data.clear()
    office = _office(pg_url)
    caches.note_viewed(office)
    warmer = caches.start_warmer(pg_url)
    try:
        feed = caches.change_listener()
        assert feed is not None and feed.wait_listening(10)
        runs = warmer.runs
        with unit_of_work(pg_url) as s:  # what another process's save sends, in its own transaction
            s.execute(text("SELECT pg_notify(:c, :p)"),
                      {"c": change_feed.CHANNEL, "p": change_feed.payload({office}, token=OTHER)})
        deadline = time.monotonic() + 20
        while warmer.runs == runs and time.monotonic() < deadline:
            time.sleep(0.1)
        assert warmer.wait_idle(30)
        assert warmer.runs >= runs + 1
    finally:
        caches.stop_warmer()
        with caches._viewed_lock:
            caches._viewed.clear()
        st.cache_data.clear()
