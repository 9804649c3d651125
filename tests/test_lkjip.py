"""The LKjIP "Pengukuran Kinerja" form: every cell of the workbook against figures computed here from the
database rows (never through core.renja or core.forms), a year with a missing earlier year, the office's
capaian settings, the F4 PDF, neutralised text, and the screens of Rekap & Unduh and Dokumentasi."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Optional

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import delete, select

from core.forms import lkjip
from core.uow import unit_of_work
from db.models import (
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Indicator,
    OrgUnit,
    PriorRealisation,
    Realization,
    RenstraPeriod,
    Sasaran,
    Submission,
    Target,
    User,
    budget_line_indicators,
)
from tests.apptest import logged_in, texts

YEAR = 2025
DASH = "–"
ON = dt.date(2026, 1, 20)
HUNDRED = Decimal(100)


def _office(session) -> int:
    return session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DISNAKERPERINTRANS"))


# --- the expected figures, from the rows -------------------------------------------------------------


def _q(v: Decimal, rounding: str) -> Decimal:
    return v.quantize(Decimal("0.01"), rounding=ROUND_DOWN if rounding == "truncate" else ROUND_HALF_UP)


def _capaian(t, r, polarity, negative, rounding, upper=None) -> Optional[Decimal]:
    if t is None or r is None:
        return None
    if upper is not None and upper > t:
        if t <= r <= upper:
            return Decimal("100.00")
        t = upper if r > upper else t
    if t == 0:
        return None
    if polarity == "negatif":
        if negative == "t_over_r":
            return None if r == 0 else _q(max(t / r * HUNDRED, Decimal(0)), rounding)
        return _q(max((2 * t - r) / t * HUNDRED, Decimal(0)), rounding)
    return _q(r / t * HUNDRED, rounding)


def _predikat(p: Optional[Decimal], labels: str) -> str:
    if p is None:
        return DASH
    words = (["Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah"] if labels == "tinggi"
             else ["Sangat Baik", "Baik", "Cukup", "Kurang", "Sangat Kurang"])
    for bound, word in zip((91, 76, 66, 51), words):
        if p >= bound:
            return word
    return words[-1]


def _combine(values: list[Decimal], rule: str) -> Optional[Decimal]:
    if not values:
        return None
    if rule == "sum":
        return sum(values, Decimal(0))
    if rule == "last":
        return values[-1]
    return sum(values, Decimal(0)) / len(values)


def _expected(session, office: int, negative="2t_minus_r", labels="tinggi", rounding="half_up"):
    period = session.scalar(select(RenstraPeriod).where(RenstraPeriod.office_id == office,
                                                        RenstraPeriod.start_year <= YEAR,
                                                        RenstraPeriod.end_year >= YEAR))
    inds = session.execute(
        select(Indicator.id, Indicator.code, Indicator.satuan, Indicator.polarity, Indicator.combine,
               Indicator.renstra_target).join(Sasaran, Indicator.sasaran_id == Sasaran.id)
        .where(Sasaran.period_id == period.id, Indicator.active.is_(True))
        .order_by(Sasaran.sort_order, Sasaran.code, Indicator.sort_order, Indicator.code)).all()
    quarters: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    for ind_id, y, q, v in session.execute(
            select(Realization.indicator_id, CollectionRound.year, CollectionRound.quarter, Realization.value)
            .join(Submission, Realization.submission_id == Submission.id)
            .join(CollectionRound, Submission.round_id == CollectionRound.id)
            .where(CollectionRound.office_id == office, Realization.value.is_not(None))):
        quarters[(ind_id, y)][q] = v
    prior = {(p.indicator_id, p.year): p.value for p in session.scalars(
        select(PriorRealisation).where(PriorRealisation.indicator_id.is_not(None)))}
    targets = {(t.indicator_id, t.year): t for t in session.scalars(select(Target))}

    def value(ind_id: int, rule: str, y: int) -> Optional[Decimal]:
        qs = quarters.get((ind_id, y))
        if qs:
            return _combine([qs[q] for q in sorted(qs)], rule)
        return prior.get((ind_id, y))

    rows = {}
    for ind_id, code, _satuan, pol, rule, renstra in inds:
        t = targets.get((ind_id, YEAR))
        real = value(ind_id, rule, YEAR)
        cap = _capaian(t.annual if t else None, real, pol, negative, rounding, t.annual_upper if t else None)
        past = []
        for y in (YEAR - 1, YEAR - 2):
            pt = targets.get((ind_id, y))
            pv = value(ind_id, rule, y)
            past += [pv, _capaian(pt.annual if pt else None, pv, pol, negative, rounding)]
        years = [value(ind_id, rule, y) for y in range(period.start_year, YEAR + 1)]
        to_date = _combine([v for v in years if v is not None], rule)
        rows[code] = {"id": ind_id, "target": t.annual if t else None, "real": real, "cap": cap,
                      "pred": _predikat(cap, labels), "past": past, "renstra": renstra, "to_date": to_date,
                      "progress": _capaian(renstra, to_date, pol, negative, rounding)}

    lines = session.execute(select(BudgetLine.id, BudgetLine.code, BudgetLine.program, BudgetLine.pagu)
                            .where(BudgetLine.office_id == office, BudgetLine.year == YEAR)).all()
    spent_line: dict[int, Decimal] = defaultdict(Decimal)
    for line_id, amount in session.execute(
            select(BudgetRealization.budget_line_id, BudgetRealization.amount)
            .join(Submission, BudgetRealization.submission_id == Submission.id)
            .join(CollectionRound, Submission.round_id == CollectionRound.id)
            .where(CollectionRound.year == YEAR, CollectionRound.office_id == office,
                   BudgetRealization.amount.is_not(None))):
        spent_line[line_id] += amount
    links: dict[int, set[int]] = defaultdict(set)
    for line_id, ind_id in session.execute(select(budget_line_indicators.c.budget_line_id,
                                                  budget_line_indicators.c.indicator_id)):
        links[line_id].add(ind_id)
    caps_by_id = {r["id"]: r["cap"] for r in rows.values()}
    programs: dict[str, dict] = {}
    for line_id, code, program, pagu in lines:
        p = programs.setdefault(".".join(code.split(".")[:3]),
                                {"name": program, "pagu": Decimal(0), "spent": Decimal(0), "inds": set()})
        p["pagu"] += pagu
        p["spent"] += spent_line.get(line_id, Decimal(0))
        p["inds"] |= links[line_id]

    def serapan(spent, pagu):
        return (spent / pagu * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def mean(caps):
        caps = [c for c in caps if c is not None]
        return _q(sum(caps, Decimal(0)) / len(caps), rounding) if caps else None

    budget = {c: (p["name"], p["pagu"], p["spent"], serapan(p["spent"], p["pagu"])) for c, p in programs.items()}
    total_pagu = sum((p["pagu"] for p in programs.values()), Decimal(0))
    total_spent = sum((p["spent"] for p in programs.values()), Decimal(0))
    efficiency = {}
    for c, p in programs.items():
        m = mean([caps_by_id[i] for i in p["inds"] if i in caps_by_id])
        efficiency[c] = (m, budget[c][3])
    efficiency[""] = (mean(list(caps_by_id.values())), serapan(total_spent, total_pagu))
    return rows, budget, (total_pagu, total_spent, serapan(total_spent, total_pagu)), efficiency


# --- the workbook ------------------------------------------------------------------------------------


def _sheet(session, office, year=YEAR):
    m = lkjip.measurement(session, office, year, on=ON)
    return load_workbook(io.BytesIO(lkjip.lkjip_xlsx(m))).active, m


def _num(cell) -> Optional[float]:
    return None if cell.value == DASH else cell.value


def _approx(expected: Optional[Decimal]):
    return None if expected is None else pytest.approx(float(expected), abs=1e-6)


def _row_after(ws, text: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith(text))


@pytest.mark.parametrize("settings", [{}, {"negative_formula": "t_over_r", "predicate_labels": "baik",
                                          "capaian_rounding": "truncate"}], ids=["bawaan", "t_per_r_dipotong"])
def test_every_cell_equals_the_figures_computed_from_the_rows(session, settings):
    office = _office(session)
    for column, value in settings.items():
        setattr(session.get(OrgUnit, office), column, value)
    session.flush()
    ws, _m = _sheet(session, office)
    check_every_cell(session, office, ws, negative=settings.get("negative_formula", "2t_minus_r"),
                     labels=settings.get("predicate_labels", "tinggi"),
                     rounding=settings.get("capaian_rounding", "half_up"))


def check_every_cell(session, office: int, ws, **formula) -> None:
    """Every cell of the 2025 measurement sheet `ws` equals the figures computed from the rows, with the
    office's formula settings `formula` (negative, labels, rounding). Used by the browser download test too."""
    rows, budget, total, efficiency = _expected(session, office, **formula)
    assert ws["A4"].value == "PENGUKURAN KINERJA TAHUN 2025"
    assert ws["A1"].value == "PEMERINTAH KABUPATEN KAPUAS HULU"
    assert [ws.cell(7, c).value for c in (5, 9, 11, 13)] == ["Tahun 2025", "Tahun 2024", "Tahun 2023",
                                                           "Renstra 2021–2026"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"E7:H7", "I7:J7", "K7:L7", "M7:O7", "A7:A8", "P7:P8"} <= merged

    seen = []
    budget_at = _row_after(ws, "Anggaran per Program")
    for r in range(9, budget_at):
        code = ws.cell(r, 2).value
        if code not in rows:
            continue
        seen.append(code)
        x = rows[code]
        assert _num(ws.cell(r, 5)) == _approx(x["target"]), code
        assert _num(ws.cell(r, 6)) == _approx(x["real"]), code
        assert _num(ws.cell(r, 7)) == _approx(x["cap"]), code
        assert ws.cell(r, 8).value == x["pred"], code
        for c, v in zip((9, 10, 11, 12), x["past"]):
            assert _num(ws.cell(r, c)) == _approx(v), (code, c)
        assert _num(ws.cell(r, 13)) == _approx(x["renstra"]), code
        assert _num(ws.cell(r, 14)) == _approx(x["to_date"]), code
        assert _num(ws.cell(r, 15)) == _approx(x["progress"]), code
        assert ws.cell(r, 6).number_format == "#,##0.00"
    assert sorted(seen) == sorted(rows) and len(seen) == 15
    # the demo's 2023 and 2024 come from entered values, against the PK targets of those years: said once
    notes = " ".join(str(ws.cell(r, 1).value) for r in range(9, budget_at) if ws.cell(r, 1).value)
    assert "Realisasi tahun 2023, 2024 berasal dari data tahun sebelumnya" in notes
    assert "Target PK tahun 2024 belum tersedia" not in notes
    assert all(v is not None for x in rows.values() for v in x["past"]), "the demo has every earlier year"
    assert "Progres terhadap target akhir Renstra" in notes

    r = budget_at + 2
    got = {}
    while ws.cell(r, 3).value != "Jumlah":
        got[ws.cell(r, 2).value] = (ws.cell(r, 3).value, ws.cell(r, 8).value, ws.cell(r, 11).value,
                                    ws.cell(r, 14).value)
        r += 1
    assert got == {c: (name, _approx(p), _approx(s), _approx(a)) for c, (name, p, s, a) in budget.items()}
    assert (ws.cell(r, 8).value, ws.cell(r, 11).value, ws.cell(r, 14).value) == tuple(_approx(v) for v in total)

    r = _row_after(ws, "Efisiensi") + 2
    got = {}
    while ws.cell(r, 3).value:
        cap, ser, diff = (_num(ws.cell(r, c)) for c in (10, 12, 14))
        got[ws.cell(r, 2).value or ""] = (cap, ser, diff, ws.cell(r, 16).value)
        r += 1
    want = {}
    for code, (cap, ser) in efficiency.items():
        diff = cap - ser if cap is not None else None
        label = DASH if diff is None else "Efisien" if diff >= 0 else "Tidak efisien"
        want[code] = (_approx(cap), _approx(ser), _approx(diff), label)
    assert got == want

    signature = [ws.cell(rr, 12).value for rr in range(r, ws.max_row + 1)]
    kadis = session.scalar(select(User).where(User.username == "kadis"))
    assert kadis.full_name in signature and f"NIP. {kadis.nip}" in signature
    assert ws.page_setup.paperSize == 14 and ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0  # one page wide
    assert ws.print_title_rows == "$7:$8"


def test_a_missing_earlier_year_is_a_dash_with_its_reason(session):
    office = _office(session)
    ik03 = session.scalar(select(Indicator).where(Indicator.code == "IK-03"))
    session.execute(delete(PriorRealisation).where(PriorRealisation.indicator_id == ik03.id,
                                                   PriorRealisation.year == 2023))
    session.flush()
    ws, m = _sheet(session, office)
    rows = {ws.cell(r, 2).value: r for r in range(9, ws.max_row + 1) if ws.cell(r, 2).value}
    r = rows["IK-03"]
    assert ws.cell(r, 11).value == DASH and ws.cell(r, 12).value == DASH
    assert ws.cell(r, 16).value == "Data tahun 2023 belum tersedia"
    assert isinstance(ws.cell(r, 9).value, (int, float))  # 2024 is still there
    assert all(ws.cell(rows[c], 16).value in (None, "") for c in rows if c in {x.code for x in m.rows} - {"IK-03"})
    # the progress sums the years there are (2021, 2022, 2024, 2025)
    x = next(x for x in m.rows if x.code == "IK-03")
    values = {p.year: p.value for p in session.scalars(select(PriorRealisation).where(
        PriorRealisation.indicator_id == ik03.id))}
    assert x.to_date == values[2021] + values[2022] + values[2024] + x.value


@pytest.mark.parametrize("year", [2021, 2026, 2019])
def test_years_at_the_edges_make_the_form_without_errors(session, year):
    """2021: no earlier years and no DPA in the app; 2026: rounds up to TW II; 2019: no Renstra period."""
    office = _office(session)
    m = lkjip.measurement(session, office, year, on=ON)
    assert lkjip.lkjip_xlsx(m)[:2] == b"PK" and lkjip.lkjip_pdf(m)[:4] == b"%PDF"
    if year == 2021:
        assert all(x.past[0].value is None for x in m.rows)
        assert any("Data tahun 2019, 2020 belum tersedia" in n for n in m.notes)
        assert all(b.pagu is None and b.spent is not None for b in m.budget)
    if year == 2026:
        assert m.through_quarter == 2 and all(x.keterangan.startswith("s.d. TW II") for x in m.rows)
    if year == 2019:
        assert m.rows == [] and any("Tidak ada periode Renstra" in n for n in m.notes)


def test_the_pdf_is_f4_portrait_with_the_header_on_every_page(session):
    office = _office(session)
    m = lkjip.measurement(session, office, YEAR, on=ON)
    m.rows = m.rows * 4  # long enough for several pages
    reader = PdfReader(io.BytesIO(lkjip.lkjip_pdf(m)))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        width, height = float(page.mediabox.width) / 72 * 25.4, float(page.mediabox.height) / 72 * 25.4
        assert width == pytest.approx(215, abs=0.5) and height == pytest.approx(330, abs=0.5)
        text = page.extract_text()
        assert "PENGUKURAN KINERJA TAHUN 2025 — Dinas Tenaga Kerja" in text
        assert "Predikat" in text and "Progres" in text or page is reader.pages[-1]  # the header repeats
    last = reader.pages[-1].extract_text()
    kadis = session.scalar(select(User).where(User.username == "kadis"))
    assert kadis.full_name in last and "Efisiensi" in "".join(p.extract_text() for p in reader.pages)


def test_text_that_a_spreadsheet_would_run_is_neutralised(session):
    office = _office(session)
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-03"))
    ind.name = '=HYPERLINK("http://contoh.invalid","klik")'
    ind.satuan = "+orang"
    for bl in session.scalars(select(BudgetLine).where(BudgetLine.year == YEAR, BudgetLine.code.like("2.07.04%"))):
        bl.program = "@SUM(1)"
    session.flush()
    ws, _m = _sheet(session, office)
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    values = {c.value for c in cells}
    assert "'" + ind.name in values and "'+orang" in values and "'@SUM(1)" in values


# --- the screens ---------------------------------------------------------------------------------------


def _downloads(at) -> list[str]:
    return [e.proto.label for e in at.get("download_button")]


def test_rekap_offers_the_lkjip_measurement_of_2025(sqlite_url):
    at = logged_in("kadis", "pages/rekap.py")
    assert "Pengukuran Kinerja (LKjIP)" in [t.label for t in at.tabs]
    assert "Unduh Pengukuran Kinerja (Excel)" not in _downloads(at)  # computed only when opened
    at.session_state["rekap_tab"] = "Pengukuran Kinerja (LKjIP)"
    at.run()
    assert not at.exception, at.exception
    chooser = at.selectbox(key="lkjip_year")
    assert chooser.value == 2025 and {"2026", "2025", "2024", "2023", "2022", "2021"} <= set(map(str, chooser.options))
    preview = next(d.value for d in at.dataframe if "Progres Renstra" in d.value.columns)
    assert len(preview) == 15 and "Capaian 2025" in preview.columns and "Realisasi 2023" in preview.columns
    assert not any("_" in c for c in preview.columns)
    assert preview["Capaian 2025"].str.endswith(" %").all()
    assert "PENGUKURAN KINERJA TAHUN 2025" in texts(at)
    assert not [c.value for c in at.caption if "_" in c.value]  # no snake_case reaches the page
    assert "Progres terhadap target akhir Renstra" in texts(at)
    assert {"Unduh Pengukuran Kinerja (Excel)", "Unduh Pengukuran Kinerja (PDF)"} <= set(_downloads(at))
    # the budget and efficiency tables of the file are on the screen too
    budget = next(d.value for d in at.dataframe if "Pagu" in d.value.columns)
    assert budget["Program"].iloc[-1] == "Jumlah" and budget["Pagu"].str.startswith("Rp ").all()
    efficiency = next(d.value for d in at.dataframe if "Rata-rata capaian" in d.value.columns)
    assert set(efficiency["Keterangan"]) <= {"Efisien", "Tidak efisien", DASH} and len(efficiency) == len(budget)
    at.selectbox(key="lkjip_year").select(2024).run()
    assert not at.exception
    preview = next(d.value for d in at.dataframe if "Progres Renstra" in d.value.columns)
    assert "Realisasi 2024" in preview.columns and (preview["Realisasi 2024"] != DASH).all()


def test_dokumentasi_offers_the_lkjip_downloads_at_a_tw_iv_round(sqlite_url):
    from tests.factories import make_round

    at = logged_in("pemantau", "pages/dokumentasi.py")
    assert "Unduh Pengukuran Kinerja (Excel)" not in _downloads(at)
    with unit_of_work(sqlite_url) as s:
        make_round(s, at="dokumentasi", year=2026, quarter=4)
    at = logged_in("pemantau", "pages/dokumentasi.py")
    assert not at.exception, at.exception
    assert "Pengukuran Kinerja (LKjIP) Tahun 2026" in texts(at)
    assert {"Unduh Pengukuran Kinerja (Excel)", "Unduh Pengukuran Kinerja (PDF)"} <= set(_downloads(at))
