"""Beranda's office data made again in the background right after a change, so the next visitor finds it.

The Kepala Dinas has Beranda open; a Kepala Bidang of the office saves; the server recomputes the
office's status on its own thread; the Kepala Dinas's next Beranda shows the new figures without
computing anything itself.
"""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from sqlalchemy import select

from core import audit, fmt, status
from core.errors import InvalidInput
from core.steps import isi_data
from core.uow import unit_of_work
from db.models import Indicator, Realization
from pages.parts import caches
from tests import factories
from tests.apptest import logged_in


@pytest.fixture
def warmer(db_url):
    st.cache_data.clear()
    with caches._viewed_lock:
        caches._viewed.clear()
    coalescer = caches.start_warmer()
    yield coalescer
    caches.stop_warmer()
    st.cache_data.clear()


@pytest.fixture
def lattas_draft(db_url, actors):
    """TW III 2026 at step 3, Bidang Pelatihan's data in draft with one realisation still empty."""
    with unit_of_work(db_url) as s:
        rnd = factories.make_round(s, at="isi_data", state="draf")
        sub = factories.submission_of(s, rnd, "BID-LATTAS")
        ind = s.scalar(select(Indicator).where(Indicator.owner_unit_id == sub.unit_id).order_by(Indicator.id))
        real = s.scalar(select(Realization).where(Realization.submission_id == sub.id,
                                                  Realization.indicator_id == ind.id))
        if real is not None:
            real.value = None
            real.not_measured_reason = ""
        return {"office": rnd.office_id, "round": rnd.id, "sub": sub.id, "ind": ind.id,
                "kabid": actors["kabid_lattas"]}


def _count_calls(monkeypatch, module, name: str) -> list[int]:
    calls: list[int] = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_after_a_save_the_next_beranda_finds_the_office_status_ready(db_url, warmer, lattas_draft, monkeypatch):
    kadis = logged_in("kadis")  # the Kepala Dinas has Beranda open: the office is kept warm
    assert not kadis.exception
    runs = warmer.runs
    with unit_of_work(db_url) as s:
        isi_data.save_entries(s, lattas_draft["kabid"], lattas_draft["sub"], {lattas_draft["ind"]: {
            "Realisasi TW": "7", "Kendala": "Pelatihan tertunda.", "Tindak lanjut": "Dijadwalkan ulang."}})
    assert warmer.wait_idle(60)
    assert warmer.runs == runs + 1

    computed = _count_calls(monkeypatch, status, "quarter_status")
    kadis.run()
    assert not kadis.exception
    assert computed == [], "Beranda recomputed the status the server had made in advance"

    with unit_of_work(db_url) as s:
        fresh = status.quarter_status(s, lattas_draft["office"], lattas_draft["round"], dt.date.today())
    shown = {m.label: m.value for m in kadis.metric}
    assert shown["Kelengkapan data"] == fmt.percent(fresh.completeness, 1)


def test_after_a_burst_of_saves_beranda_shows_the_last_without_computing(db_url, warmer, lattas_draft,
                                                                          monkeypatch):
    kadis = logged_in("kadis")
    runs = warmer.runs
    for n in range(5):
        with unit_of_work(db_url) as s:
            isi_data.save_entries(s, lattas_draft["kabid"], lattas_draft["sub"], {lattas_draft["ind"]: {
                "Realisasi TW": str(10 + n), "Kendala": "K", "Tindak lanjut": "T"}})
    assert warmer.wait_idle(60)
    assert 1 <= warmer.runs - runs <= 5  # saves that came while one recomputation waited share it
    computed = _count_calls(monkeypatch, status, "quarter_status")
    kadis.run()
    assert not kadis.exception and computed == []


def test_an_office_whose_beranda_nobody_opened_is_not_recomputed(db_url, warmer, lattas_draft):
    runs = warmer.runs
    with unit_of_work(db_url) as s:
        isi_data.save_entries(s, lattas_draft["kabid"], lattas_draft["sub"], {lattas_draft["ind"]: {
            "Realisasi TW": "9", "Kendala": "K", "Tindak lanjut": "T"}})
    assert warmer.wait_idle(60)
    assert warmer.runs == runs


def test_a_refused_save_announces_no_change(db_url, lattas_draft):
    heard: list[frozenset] = []
    remove = audit.on_change(heard.append)
    try:
        with pytest.raises(InvalidInput):
            with unit_of_work(db_url) as s:
                isi_data.save_entries(s, lattas_draft["kabid"], lattas_draft["sub"], {lattas_draft["ind"]: {
                    "Realisasi TW": "tujuh"}})
        assert heard == []
        with unit_of_work(db_url) as s:
            isi_data.save_entries(s, lattas_draft["kabid"], lattas_draft["sub"], {lattas_draft["ind"]: {
                "Realisasi TW": "7", "Kendala": "K", "Tindak lanjut": "T"}})
        assert heard == [frozenset({lattas_draft["office"]})]
    finally:
        remove()


def test_a_failing_listener_does_not_undo_the_save(db_url, lattas_draft):
    def broken(_offices):
        raise RuntimeError("listener broke")

    remove = audit.on_change(broken)
    try:
        with unit_of_work(db_url) as s:
            isi_data.save_entries(s, lattas_draft["kabid"], lattas_draft["sub"], {lattas_draft["ind"]: {
                "Realisasi TW": "8", "Kendala": "K", "Tindak lanjut": "T"}})
    finally:
        remove()
    with unit_of_work(db_url) as s:
        real = s.scalar(select(Realization).where(Realization.submission_id == lattas_draft["sub"],
                                                  Realization.indicator_id == lattas_draft["ind"]))
        assert real.value == 8
