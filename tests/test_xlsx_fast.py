"""core.xlsx_fast makes the workbook core.exports.to_xlsx makes: the same cells, formats and layout.

The regency's full-year recap is written with it (tens of thousands of rows); here both writers get the same
frames, the regency recap's own and one with every awkward value (formula-like text, control characters,
edge spaces, NaN, booleans, Decimal, integers, empty columns), and the workbooks are compared cell by cell.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pandas as pd
from openpyxl import load_workbook

from core import exports, regency_recap, xlsx_fast
from core.auth import actor_for

ON = dt.date(2026, 10, 5)


def _sheet_facts(ws) -> dict:
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None or c.has_style:
                cells[c.coordinate] = (c.value, c.number_format, c.font.b, c.font.sz, c.border.left.style,
                                       c.alignment.wrap_text, c.alignment.vertical, c.fill.fgColor.rgb)
    return {"cells": cells, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "header_height": ws.row_dimensions[5].height, "landscape": ws.page_setup.orientation,
            "fit": (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight), "titles": ws.print_title_rows,
            "dimension": ws.calculate_dimension()}


def _same_workbook(a: bytes, b: bytes) -> None:
    wa, wb = load_workbook(io.BytesIO(a)), load_workbook(io.BytesIO(b))
    assert wa.sheetnames == wb.sheetnames
    for name in wa.sheetnames:
        fa, fb = _sheet_facts(wa[name]), _sheet_facts(wb[name])
        for key in fa:
            assert fa[key] == fb[key], f"{name}: {key} differs"


def test_awkward_values_are_written_as_to_xlsx_writes_them():
    df = pd.DataFrame({
        "Teks": ["=HYPERLINK(\"x\")", "  spasi di tepi ", "a & b <c>", "baris\x01kontrol", None, "+62"],
        "Desimal": [Decimal("1.5"), None, Decimal("1234567.125"), Decimal("0"), Decimal("-2.25"), Decimal("3")],
        "Bulat": [1, 2, 3, 4, 5, 6],
        "Pecahan": [1.5, float("nan"), 2.0, 3.25, 0.1, 7.0],
        "Ya": [True, False, True, True, False, True],
        "Campur": [1, "dua", None, Decimal("4.5"), "-5", 6.0],
        "Kosong": [None] * 6,
        "YaTidak": [True, None, False, True, None, False],
    })
    views = {"Data: satu/dua": df, "Kecil": df.head(1), "Nol": df.head(0)}
    fast = xlsx_fast.to_xlsx(views, "Judul =1+1", "Pemerintah Kabupaten", "Tahun 2026")
    slow = exports.to_xlsx(views, "Judul =1+1", "Pemerintah Kabupaten", "Tahun 2026", None, ON)
    _same_workbook(fast, slow)
    ws = load_workbook(io.BytesIO(fast))["Data- satu-dua"]
    # a control character is escaped the way xlsxwriter escapes it (Excel shows the character again)
    import zipfile

    assert b"baris_x0001_kontrol" in zipfile.ZipFile(io.BytesIO(fast)).read("xl/worksheets/sheet1.xml")
    assert ws["A6"].value == "'=HYPERLINK(\"x\")"  # neutralised, as every text cell written to a file
    assert ws["A7"].value == "  spasi di tepi " and ws["A8"].value == "a & b <c>"


def test_the_regency_recap_workbook_is_the_one_to_xlsx_makes(session):
    admin = actor_for(session, "admin")
    df = regency_recap.annual_all_offices(session, admin, 2026)
    assert len(df) > 1
    fast = regency_recap.annual_all_offices_xlsx(session, admin, 2026, ON, df=df)
    view = regency_recap.recap.labelled(df[regency_recap.VIEW]).rename(columns={"office": regency_recap.OFFICE_LABEL})
    slow = exports.to_xlsx({"Ringkasan per Perangkat Daerah": regency_recap.office_summary(df),
                            "Rekap Tahunan Kabupaten": view}, "Rekapitulasi Capaian Kinerja Tahun 2026",
                           "Pemerintah Kabupaten Kapuas Hulu", "Tahun 2026", None, ON)
    _same_workbook(fast, slow)


def test_the_regency_recap_reads_again_only_what_changed(db_url, monkeypatch):
    """Each office's rows are kept with its data version: an unchanged regency is not read again, and an
    audited save of an office gives the new figure at once."""
    from sqlalchemy import select

    from core import audit
    from core.actor import SYSTEM
    from core.uow import unit_of_work
    from db.models import Indicator, Target

    regency_recap.clear_parts()
    reads: list = []
    original = regency_recap._office_rows
    monkeypatch.setattr(regency_recap, "_office_rows",
                        lambda s, year, offices: reads.append(offices) or original(s, year, offices))
    with unit_of_work(db_url) as s:
        admin = actor_for(s, "admin")
        first = regency_recap.annual_all_offices(s, admin, 2026)
    with unit_of_work(db_url) as s:
        again = regency_recap.annual_all_offices(s, admin, 2026)
    assert len(reads) == 1 and again.astype(str).equals(first.astype(str))

    with unit_of_work(db_url) as s:  # an audited change of the office's annual target
        ind = s.scalar(select(Indicator).where(Indicator.code == "IKU-01"))
        target = s.scalar(select(Target).where(Target.indicator_id == ind.id, Target.year == 2026))
        target.annual = Decimal("123")
        audit.record(s, SYSTEM, "uji.target", "target", target.id, office_id=ind.office_id)
    with unit_of_work(db_url) as s:
        changed = regency_recap.annual_all_offices(s, admin, 2026)
    assert len(reads) == 2
    row = changed[changed["code"] == "IKU-01"].iloc[0]
    assert row["target_tahunan"] == Decimal("123")
    assert regency_recap.annual_all_offices.__doc__
    regency_recap.clear_parts()


def test_the_server_reads_a_changed_office_again_for_the_regency_recap_in_advance(db_url, monkeypatch):
    """Rekap & Unduh showed the regency recap: after an office's change the server's warmer reads that
    office's rows again off the request, so the next viewer's recap reads nothing."""
    import streamlit as st

    from core import audit
    from core.actor import SYSTEM
    from core.uow import unit_of_work
    from pages.parts import caches

    st.cache_data.clear()
    regency_recap.clear_parts()
    warmer = caches.start_warmer(db_url)
    try:
        caches.note_regency_viewed(2026)
        with unit_of_work(db_url) as s:
            regency_recap.annual_all_offices(s, actor_for(s, "admin"), 2026)
            office = s.scalar(regency_recap.select(regency_recap.OrgUnit.id)
                              .where(regency_recap.OrgUnit.code == "DISNAKERPERINTRANS"))
        runs = warmer.runs
        with unit_of_work(db_url) as s:
            audit.record(s, SYSTEM, "uji.ubah", "uji", 1, office_id=office)
        assert warmer.wait_idle(60) and warmer.runs >= runs + 1
        reads: list = []
        original = regency_recap._office_rows
        monkeypatch.setattr(regency_recap, "_office_rows",
                            lambda s, year, offices: reads.append(offices) or original(s, year, offices))
        with unit_of_work(db_url) as s:
            regency_recap.annual_all_offices(s, actor_for(s, "admin"), 2026)
        assert reads == [], "the regency recap read an office the server had read in advance"
    finally:
        caches.stop_warmer()
        with caches._viewed_lock:
            caches._regency_viewed.clear()
        regency_recap.clear_parts()
        st.cache_data.clear()


def test_opening_rekap_has_the_server_read_the_regency_rows_meanwhile(db_url, monkeypatch):
    import streamlit as st

    from core.uow import unit_of_work
    from pages.parts import caches

    st.cache_data.clear()
    regency_recap.clear_parts()
    caches.prepare_regency(2026)  # without the warmer (tests, KINERJA_WARM_CACHES=0): nothing in the background
    assert not caches._regency_viewed
    warmer = caches.start_warmer(db_url)
    try:
        caches.prepare_regency(2026)
        assert warmer.wait_idle(60)
        reads: list = []
        original = regency_recap._office_rows
        monkeypatch.setattr(regency_recap, "_office_rows",
                            lambda s, year, offices: reads.append(offices) or original(s, year, offices))
        with unit_of_work(db_url) as s:
            assert len(regency_recap.annual_all_offices(s, actor_for(s, "admin"), 2026)) > 0
        assert reads == []
    finally:
        caches.stop_warmer()
        with caches._viewed_lock:
            caches._regency_viewed.clear()
        regency_recap.clear_parts()
        st.cache_data.clear()


def test_two_readers_at_once_read_the_offices_once(db_url, monkeypatch):
    """The page asking while the warmer reads: the second waits for the first one's rows."""
    import threading
    import time

    from core.uow import unit_of_work

    regency_recap.clear_parts()
    reads: list = []
    original = regency_recap._office_rows

    def slow(s, year, offices):
        reads.append(offices)
        time.sleep(0.5)  # long enough for the second reader to arrive meanwhile
        return original(s, year, offices)

    monkeypatch.setattr(regency_recap, "_office_rows", slow)
    results: list = []

    def read() -> None:
        with unit_of_work(db_url) as s:
            results.append(regency_recap.annual_all_offices(s, actor_for(s, "admin"), 2026))

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 2 and len(reads) == 1
    assert results[0].astype(str).equals(results[1].astype(str))
    regency_recap.clear_parts()
