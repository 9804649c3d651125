"""The Renja evaluation form E.81 (Permendagri 86/2017): every cell traceable to the round's data.

The expected cells are computed here from the database rows (Realization, BudgetRealization, Target,
PriorRealisation, RenstraBudget) with plain SQL and arithmetic, not through core.report_doc or
core.forms.renja_eval, and compared with the cells of the XLSX read back with openpyxl.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import delete, func, select

from core import report_doc, report_versions
from core.errors import Conflict, NotAllowed
from core.forms import renja_eval
from core.forms.renja_eval import sheet_column
from core.steps import koreksi, penyusunan
from db.models import (
    AuditLog,
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Indicator,
    OrgUnit,
    PriorRealisation,
    Realization,
    RenstraBudget,
    Submission,
    Target,
)
from tests import factories
from tests.apptest import logged_in, texts

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
FIRST_ROW = 9  # 1-based sheet row of the first table row: title rows 1–4, a blank, 3 header rows


def _office(session) -> int:
    return session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DISNAKERPERINTRANS"))


def _round(session, year: int, quarter: int) -> CollectionRound:
    return session.scalar(select(CollectionRound).where(
        CollectionRound.office_id == _office(session), CollectionRound.year == year,
        CollectionRound.quarter == quarter))


def _files(session, round_id: int, kind: str = "draf", version: int = 1):
    bundle = report_doc.build_report(session, round_id, kind, version, on=dt.date(2026, 10, 20), charts=False)
    xlsx = next(f for f in bundle.files if f.name.startswith("evaluasi-renja") and f.name.endswith(".xlsx"))
    pdf = next(f for f in bundle.files if f.name.startswith("evaluasi-renja") and f.name.endswith(".pdf"))
    return bundle, xlsx, pdf


def _sheet(content: bytes):
    return load_workbook(io.BytesIO(content))["E.81"]


def _table(ws) -> list[list]:
    """The table rows of the sheet (values by 0-based column) down to the first empty row."""
    out = []
    r = FIRST_ROW
    while any(ws.cell(r, c).value not in (None, "") for c in range(1, 5)):
        out.append([ws.cell(r, c + 1).value for c in range(sheet_column(17) + 1)])
        r += 1
    return out


def _k(row, col):
    return row[sheet_column(col, "k")]


def _rp(row, col):
    return row[sheet_column(col, "rp")]


# --- the expectation, from the database rows ----------------------------------------------------------------


def _combine(values, rule):
    present = [Decimal(v) for v in values if v is not None]
    if not present:
        return None
    if rule == "sum":
        return sum(present, Decimal(0))
    if rule == "last":
        return present[-1]
    return sum(present, Decimal(0)) / len(present)


def _capaian(target, real, polarity):
    if target is None or real is None or target == 0:
        return None
    pct = (2 * target - real) / target * HUNDRED if polarity == "negatif" else real / target * HUNDRED
    return max(pct, Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)


def _serapan(spent, pagu):
    if spent is None or not pagu:
        return None
    return (spent / pagu * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def _add(*values):
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def _expected_indicator(session, office_id, ind, year, quarter):
    reals = {}
    for y, q, v in session.execute(
            select(CollectionRound.year, CollectionRound.quarter, Realization.value)
            .join(Submission, Realization.submission_id == Submission.id)
            .join(CollectionRound, Submission.round_id == CollectionRound.id)
            .where(CollectionRound.office_id == office_id, Realization.indicator_id == ind.id,
                   Realization.value.is_not(None))):
        reals[(y, q)] = v
    prior = dict(session.execute(select(PriorRealisation.year, PriorRealisation.value).where(
        PriorRealisation.indicator_id == ind.id)).all())
    years = {}
    for y in range(2021, year):
        qs = [reals.get((y, q)) for q in range(1, 5)]
        years[y] = _combine(qs, ind.combine) if any(v is not None for v in qs) else prior.get(y)
    k = {5: ind.renstra_target, 6: _combine(list(years.values()), ind.combine)}
    k[7] = session.scalar(select(Target.annual).where(Target.indicator_id == ind.id, Target.year == year))
    for q in range(1, 5):
        k[7 + q] = reals.get((year, q)) if q <= quarter else None
    k[12] = _combine([k[8], k[9], k[10], k[11]], ind.combine)
    k[13] = _capaian(k[7], k[12], ind.polarity)
    if ind.combine == "sum":
        k[14] = _add(k[6], k[12])
    elif ind.combine == "last":
        k[14] = k[12] if k[12] is not None else k[6]
    else:
        k[14] = _combine([*years.values(), k[12]], "avg")
    k[15] = _capaian(k[5], k[14], ind.polarity)
    return k, [y for y, v in years.items() if v is None]


def _expected_program(session, office_id, code, year, quarter):
    lines = [b for b in session.scalars(select(BudgetLine).where(BudgetLine.office_id == office_id,
                                                                 BudgetLine.year == year))
             if b.code.startswith(code + ".")]
    spent = {}
    for y, q, c, amount in session.execute(
            select(CollectionRound.year, CollectionRound.quarter, BudgetLine.code, BudgetRealization.amount)
            .join(BudgetLine, BudgetRealization.budget_line_id == BudgetLine.id)
            .join(Submission, BudgetRealization.submission_id == Submission.id)
            .join(CollectionRound, Submission.round_id == CollectionRound.id)
            .where(CollectionRound.office_id == office_id, BudgetRealization.amount.is_not(None))):
        if c.startswith(code + "."):
            spent[(y, q)] = spent.get((y, q), Decimal(0)) + amount
    rounds_years = set(session.scalars(select(CollectionRound.year).join(
        Submission, Submission.round_id == CollectionRound.id).join(
        BudgetRealization, BudgetRealization.submission_id == Submission.id).where(
        CollectionRound.office_id == office_id)))
    # an entered year: the code's own figure, else the sum of the figures entered below it
    own, below = {}, {}
    for y, c, amount in session.execute(select(PriorRealisation.year, PriorRealisation.code,
                                               PriorRealisation.amount).where(
            PriorRealisation.office_id == office_id, PriorRealisation.code.is_not(None))):
        if c == code:
            own[y] = amount
        elif c.startswith(code + "."):
            below[y] = below.get(y, Decimal(0)) + amount
    prior = {**below, **own}
    before = []
    for y in range(2021, year):
        if y in rounds_years:
            before.append(_add(*(spent.get((y, q)) for q in range(1, 5))))
        else:
            before.append(prior.get(y))
    rp = {5: session.scalar(select(RenstraBudget.end_pagu).where(RenstraBudget.code == code)),
          6: _add(*before), 7: sum((b.pagu for b in lines), Decimal(0))}
    for q in range(1, 5):
        rp[7 + q] = spent.get((year, q)) if q <= quarter else None
    rp[12] = _add(rp[8], rp[9], rp[10], rp[11])
    rp[13] = _serapan(rp[12], rp[7])
    rp[14] = _add(rp[6], rp[12])
    rp[15] = _serapan(rp[14], rp[5])
    return rp


def _same(cell, expected, what):
    if expected is None:
        assert cell in (None, ""), f"{what}: expected empty, the sheet has {cell!r}"
    else:
        assert cell is not None and abs(Decimal(str(cell)) - Decimal(expected)) < Decimal("0.005"), (
            f"{what}: expected {expected}, the sheet has {cell!r}")


def check_every_cell(session, office_id: int, content: bytes, year: int, quarter: int) -> None:
    """Every K and Rp cell of columns 5–15 of an E.81 workbook equals the figures computed from the rows;
    every active indicator and every DPA program of the year has its row. Used by the browser journey too."""
    table = _table(_sheet(content))
    by_indicator = {}
    for row in table:
        name = (row[3] or "")
        if name:
            by_indicator[name] = row
    indicators = list(session.scalars(select(Indicator).where(Indicator.office_id == office_id,
                                                              Indicator.active.is_(True))))
    assert len(by_indicator) == len(indicators)
    rules = set()
    for ind in indicators:
        row = by_indicator[f"{ind.name} ({ind.satuan})"]
        k, missing = _expected_indicator(session, office_id, ind, year, quarter)
        for col in range(5, 16):
            _same(_k(row, col), k[col], f"{ind.code} kolom {col} K")
        assert not missing
        rules.add(ind.combine)
    assert rules == {"sum", "last", "avg"}
    programs = sorted({b.code.rsplit(".", 3)[0] for b in session.scalars(
        select(BudgetLine).where(BudgetLine.office_id == office_id, BudgetLine.year == year))})
    seen = 0
    for row in table:
        code = (row[2] or "").split(" ")[0]
        if code in programs:
            rp = _expected_program(session, office_id, code, year, quarter)
            for col in range(5, 16):
                _same(_rp(row, col), rp[col], f"program {code} kolom {col} Rp")
            seen += 1
    assert seen == len(programs)


def test_every_cell_of_the_demo_round_is_the_database_rows(session):
    rnd = _round(session, 2026, 2)
    _bundle, xlsx, _pdf = _files(session, rnd.id)
    check_every_cell(session, rnd.office_id, xlsx.content, 2026, 2)


def test_quarters_after_the_round_stay_empty(session):
    rnd = _round(session, 2026, 1)  # the TW II round of 2026 has data too: not on the TW I form
    _bundle, xlsx, _pdf = _files(session, rnd.id)
    ws = _sheet(xlsx.content)
    assert ws.cell(3, 1).value == "Periode Pelaksanaan: Triwulan I Tahun 2026"
    table = _table(ws)
    assert any(_k(r, 8) is not None for r in table) and any(_rp(r, 8) is not None for r in table)
    for row in table:
        for col in (9, 10, 11):
            assert _k(row, col) is None and _rp(row, col) is None, row


def test_a_missing_earlier_year_is_left_out_and_named(session):
    rnd = _round(session, 2026, 2)
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-03"))
    session.execute(delete(PriorRealisation).where(PriorRealisation.indicator_id == ind.id,
                                                   PriorRealisation.year == 2022))
    session.flush()
    _bundle, xlsx, _pdf = _files(session, rnd.id)
    row = next(r for r in _table(_sheet(xlsx.content)) if (r[3] or "").startswith(ind.name))
    k, missing = _expected_indicator(session, rnd.office_id, ind, 2026, 2)
    assert missing == [2022]
    _same(_k(row, 6), k[6], "kolom 6 K tanpa 2022")
    _same(_k(row, 14), k[14], "kolom 14 K tanpa 2022")
    assert "Realisasi 2022 belum tersedia" in row[sheet_column(17)]


def test_the_pdf_is_f4_landscape_with_the_header_on_every_page(session):
    rnd = _round(session, 2026, 2)
    _bundle, _xlsx, pdf = _files(session, rnd.id)
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert round(width / 72 * 25.4) == 330 and round(height / 72 * 25.4) == 215
        text = " ".join(page.extract_text().split())
        assert "Evaluasi Hasil Renja (E.81) — Triwulan II Tahun 2026" in text
        assert "Dinas Tenaga Kerja, Perindustrian dan Transmigrasi" in text
        assert "Tingkat Capaian" in text  # the table header, repeated
    whole = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "EVALUASI TERHADAP HASIL RENJA PERANGKAT DAERAH" in whole
    assert "Disusun" in whole and "Dievaluasi" in whole and "Ir. Yohanes Sanding, M.T." in whole
    assert "NIP. 197205141998031007" in whole and "NIP. 197204151998031007" in whole


def test_the_xlsx_prints_on_folio_landscape_with_the_header_repeated(session):
    _bundle, xlsx, _pdf = _files(session, _round(session, 2026, 2).id)
    ws = _sheet(xlsx.content)
    assert ws.page_setup.paperSize == 14 and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows.replace("$", "") == "6:8"
    assert ws.cell(1, 1).value == renja_eval.TITLE
    assert [ws.cell(8, c + 1).value for c in (0, 3, sheet_column(5), sheet_column(15), sheet_column(17))] == \
        ["1", "4", "5", "15", "17"]
    assert (ws.cell(7, sheet_column(5, "k") + 1).value, ws.cell(7, sheet_column(5, "rp") + 1).value) == ("K", "Rp")
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]


# --- the formulas, on lines made here ------------------------------------------------------------------------


def _line(rule, real_q, years, target="100", renstra="500", polarity="positif"):
    prev = _combine([Decimal(v) for v in years.values() if v is not None], rule)
    return {"key": "IND:X", "type": "indikator", "code": "X", "name": "X", "satuan": "orang", "sasaran": "S",
            "sasaran_code": "S1", "combine": rule, "polarity": polarity, "target_tahunan": target,
            "real_q": real_q, "renstra_target": renstra, "renstra_years": years,
            "renstra_prev": None if prev is None else str(prev),
            "renstra_prev_missing": [int(y) for y, v in years.items() if v is None]}


@pytest.mark.parametrize("rule, k12, k14", [
    ("sum", Decimal(60), Decimal(60) + 300 + 100),  # 10 + 20 + 30; 6 = 300 + 100 (2023 missing)
    ("last", Decimal(30), Decimal(30)),
    ("avg", Decimal(20), (Decimal(300) + 100 + 20) / 3),
])
def test_columns_12_to_15_k_by_rule(rule, k12, k14):
    x = _line(rule, ["10", "20", "30", "99"], {"2021": "300", "2022": "100", "2023": None})
    k, notes = renja_eval.indicator_k(x, quarter=3)
    assert k[11] is None  # TW IV is after the round's quarter
    assert k[12] == k12
    assert k[13] == (k12 / 100 * HUNDRED).quantize(CENT)
    assert k[14] == k14
    assert k[15] == (k14 / 500 * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    assert notes == ["Realisasi 2023 belum tersedia"]


def test_last_rule_without_a_figure_this_year_keeps_last_years():
    k, _notes = renja_eval.indicator_k(_line("last", [None, None, None, None], {"2024": "40"}), quarter=2)
    assert k[12] is None and k[13] is None and k[14] == Decimal(40) and k[15] == Decimal("8.00")


def test_a_lower_is_better_indicator_uses_the_office_formula():
    x = _line("last", ["6", "5", None, None], {"2025": "7"}, target="4", renstra="4", polarity="negatif")
    k, _ = renja_eval.indicator_k(x, quarter=2)
    assert k[13] == Decimal("75.00") and k[15] == Decimal("75.00")  # (2 × 4 − 5) / 4
    from core.achievement import Formula
    k, _ = renja_eval.indicator_k(x, Formula.of(negative="t_over_r"), quarter=2)
    assert k[13] == Decimal("80.00")


def test_columns_12_to_15_rp():
    lines = [{"key": "BL:1.01.01.2.01.0001", "type": "anggaran", "code": "1.01.01.2.01.0001", "program": "P",
              "kegiatan": "K", "sub_kegiatan": "S", "pagu": "1000", "real_q": ["100", "200", None, None]},
             {"key": "BL:1.01.01.2.01.0002", "type": "anggaran", "code": "1.01.01.2.01.0002", "program": "P",
              "kegiatan": "K", "sub_kegiatan": "T", "pagu": "1000", "real_q": ["50", None, None, None]},
             {"key": "RENSTRA", "type": "renstra", "end_pagu": {"1.01.01": "10000"},
              "spent_prev": {"1.01.01": "4000"}, "spent_prev_missing": {"1.01.01.2.01": [2021]}}]
    table = renja_eval.rows(lines, quarter=2)
    program = next(r for r in table if r["level"] == "program")
    rp = program["rp"]
    assert (rp[5], rp[6], rp[7], rp[8], rp[9], rp[10]) == (10000, 4000, 2000, 150, 200, None)
    assert rp[12] == 350 and rp[13] == Decimal("17.50") and rp[14] == 4350 and rp[15] == Decimal("43.50")
    kegiatan = next(r for r in table if r["level"] == "kegiatan")
    assert kegiatan["rp"][5] is None and kegiatan["rp"][14] == 350
    assert "Realisasi anggaran 2021 belum tersedia" in kegiatan["keterangan"]
    assert [r["level"] for r in table] == ["program", "kegiatan", "sub", "sub"]


def test_an_old_report_without_the_e81_keys_still_renders(session):
    rnd = _round(session, 2026, 2)
    lines = copy.deepcopy(report_doc.report_lines(session, rnd.id))
    old = [{k: v for k, v in x.items() if k not in ("real_q", "renstra_target", "renstra_years", "renstra_prev",
                                                     "renstra_prev_missing", "renja_level", "budget_codes",
                                                     "faktor_pendorong")}
           for x in lines if x["type"] in ("indikator", "anggaran")]
    bundle = report_doc.build_report(session, rnd.id, "final", 1, old, charts=False)
    xlsx = next(f for f in bundle.files if f.name == "evaluasi-renja-2026-tw2-final-v1.xlsx")
    table = _table(_sheet(xlsx.content))
    assert table and all(_k(r, 8) is None for r in table)
    assert any(_k(r, 9) is not None for r in table)  # the TW value of the line, in its quarter


# --- the footer: set at step 5, corrected at step 7 --------------------------------------------------------


def _footer_cells(content: bytes) -> dict[str, str]:
    ws = _sheet(content)
    return {ws.cell(r, 1).value: ws.cell(r, 5).value for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}


def test_the_footer_is_compiled_from_the_units_entries(session):
    _bundle, xlsx, _pdf = _files(session, _round(session, 2026, 2).id)
    cells = _footer_cells(xlsx.content)
    assert cells["Faktor pendorong keberhasilan pencapaian"].startswith(
        "• Dukungan kecamatan dan mitra kerja dalam pelaksanaan kegiatan. (")
    assert "Keterbatasan anggaran dan jarak tempuh ke kecamatan." in cells["Faktor penghambat pencapaian kinerja"]
    assert "Koordinasi dengan kecamatan" in cells["Tindak lanjut yang diperlukan dalam triwulan berikutnya"]
    assert "IKU-01" in cells["Tindak lanjut yang diperlukan dalam Renja PD berikutnya"]
    assert cells["Predikat kinerja"] in ("Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah")
    # the average of column 13 K over the indicators, a number shown as a percentage
    caps = [Decimal(str(_k(row, 13))) for row in _table(_sheet(xlsx.content)) if row[3] and _k(row, 13) is not None]
    average = cells["Rata-rata capaian kinerja (%)"]
    assert isinstance(average, float) and caps
    assert abs(Decimal(str(average)) - sum(caps) / len(caps)) < Decimal("0.01")
    ws = _sheet(xlsx.content)
    r = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Rata-rata capaian kinerja (%)")
    assert ws.cell(r, 5).number_format == '#,##0.00" %"'


def test_the_footer_follows_the_rule_by_which_ajukan_asked_for_each_text():
    """Ajukan asks for a faktor pendorong where the quarter's capaian is 100 % or more and for a kendala below
    it (core.round_status.indicator_gaps): the footer takes each text by the same rule, so a text a unit was
    asked for is never left out (the year to date may lie on the other side of 100 %)."""
    from core.report_doc import compiled_footer

    lines = [
        {"type": "indikator", "code": "IK-15", "name": "Waktu", "capaian_tw": "112.50", "capaian_ytd": "95.00",
         "faktor_pendorong": "Dukungan mitra kerja.", "kendala": "", "tindak_lanjut": ""},
        {"type": "indikator", "code": "IK-05", "name": "Lulusan", "capaian_tw": "93.33", "capaian_ytd": "104.00",
         "faktor_pendorong": "", "kendala": "Jadwal uji kompetensi mundur.", "tindak_lanjut": "Jadwal ulang."},
        {"type": "indikator", "code": "IK-09", "name": "Belum diisi", "capaian_tw": None, "capaian_ytd": None},
    ]
    foot = compiled_footer(lines)
    assert foot["faktor_pendorong"] == "• Dukungan mitra kerja. (IK-15)"
    assert foot["faktor_penghambat"] == "• Jadwal uji kompetensi mundur. (IK-05)"
    assert foot["tindak_lanjut_tw"] == "• Jadwal ulang. (IK-05)"
    assert "IK-05 Lulusan" in foot["tindak_lanjut_renja"] and "IK-15" not in foot["tindak_lanjut_renja"]


def test_the_penyusun_sets_the_footer_and_the_draft_carries_it(session):
    rnd = factories.make_round(session, at="penyusunan", state="diterima")
    kabid = factories.actor(session, "kabid_lattas")
    audits = session.scalar(select(func.count(AuditLog.id)))
    with pytest.raises(NotAllowed):
        penyusunan.save_renja_footer(session, kabid, rnd.id, {"faktor_penghambat": "Banjir."})
    assert session.scalar(select(func.count(AuditLog.id))) == audits and rnd.faktor_penghambat is None
    penyusun = factories.actor(session, "penyusun")
    shown = penyusunan.renja_footer(session, penyusun, rnd.id)
    assert "Cuaca dan jarak tempuh." in shown.texts["faktor_penghambat"] and shown.stored["faktor_penghambat"] is None
    stored = penyusunan.save_renja_footer(session, penyusun, rnd.id, {
        "faktor_penghambat": "=Banjir di tiga kecamatan.", "faktor_pendorong": shown.texts["faktor_pendorong"]},
        expected=shown.stored)
    assert stored["faktor_penghambat"] == "=Banjir di tiga kecamatan." and stored["faktor_pendorong"] is None
    row = session.scalar(select(AuditLog).where(AuditLog.action == "round.renja_footer"))
    assert row.after["faktor_penghambat"] == "=Banjir di tiga kecamatan." and row.actor_username == "penyusun"
    with pytest.raises(Conflict, match="^Faktor penghambat pencapaian kinerja baru saja diubah"):
        penyusunan.save_renja_footer(session, penyusun, rnd.id, {"faktor_penghambat": "Lain."},
                                     expected=shown.stored)  # the form was read before that save
    assert rnd.faktor_penghambat == "=Banjir di tiga kecamatan."
    # the same stale form changing another field only: saved beside the newer text, which is kept
    penyusunan.save_renja_footer(session, penyusun, rnd.id, {"tindak_lanjut_tw": "Percepat SPJ."},
                                 expected=shown.stored)
    assert (rnd.faktor_penghambat, rnd.tindak_lanjut_tw) == ("=Banjir di tiga kecamatan.", "Percepat SPJ.")
    rep = penyusunan.compile_draft(session, penyusun, rnd.id)
    xlsx = next(f for f in rep.files if f.name == "evaluasi-renja-2026-tw3-draf-v1.xlsx")
    cells = _footer_cells(xlsx.content)
    assert cells["Faktor penghambat pencapaian kinerja"] == "'=Banjir di tiga kecamatan."  # neutralised
    assert {f.name for f in rep.files} >= {"evaluasi-renja-2026-tw3-draf-v1.pdf",
                                           "laporan-capaian-kinerja-2026-tw3-draf-v1.xlsx"}


def test_the_planner_corrects_the_footer_and_the_next_version_carries_it(session):
    rnd = factories.make_round(session, at="penyusunan", state="diterima")
    rep = penyusunan.compile_draft(session, factories.actor(session, "penyusun"), rnd.id)
    koreksi.send_to_planner(session, factories.actor(session, "sekdis"), rnd.id)
    catatan = next(x for x in rep.lines if x["key"] == "CATATAN")
    assert report_versions.correctable_fields(catatan) == list(renja_eval.FOOTER_LABELS)
    koreksi.add_correction(session, factories.actor(session, "perencana"), rep.id, "CATATAN", "faktor_penghambat",
                           "Sebutkan juga keterlambatan pencairan anggaran.",
                           "Keterlambatan pencairan anggaran triwulan III.")
    new = koreksi.apply_corrections(session, factories.actor(session, "penyusun"), rnd.id)
    session.refresh(rnd)
    assert rnd.faktor_penghambat == "Keterlambatan pencairan anggaran triwulan III."
    assert next(x for x in new.lines if x["key"] == "CATATAN")["faktor_penghambat"] == rnd.faktor_penghambat
    xlsx = next(f for f in new.files if f.name == "evaluasi-renja-2026-tw3-koreksi-v2.xlsx")
    assert _footer_cells(xlsx.content)["Faktor penghambat pencapaian kinerja"] == rnd.faktor_penghambat
    row = session.scalar(select(AuditLog).where(AuditLog.action == "round.renja_footer_correct"))
    assert row.after["faktor_penghambat"] == rnd.faktor_penghambat and row.before["faktor_penghambat"] is None
    diff = report_versions.diff_versions(session, factories.actor(session, "perencana"), rep.id, new.id)
    changed = diff[diff["line"] == "CATATAN"]
    assert list(changed["field_label"]) == ["Faktor penghambat"]
    assert list(changed["note"]) == ["Sebutkan juga keterlambatan pencairan anggaran."]


def test_the_pengolahan_page_offers_the_footer_form(sqlite_url):
    from core.uow import unit_of_work

    with unit_of_work(sqlite_url) as s:
        rid = factories.make_round(s, at="penyusunan", state="diterima").id
    at = logged_in("penyusun", "pages/pengolahan.py")
    assert not at.exception, at.exception
    assert "Catatan Evaluasi Hasil Renja (E.81)" in texts(at)
    stale = logged_in("penyusun", "pages/pengolahan.py")  # a second computer, its form drawn now

    def save(app):
        app.button[[b.label for b in app.button].index("Simpan catatan")].click().run()
        assert not app.exception, app.exception

    def penghambat(app):  # the text area of this generation of the form (a new one after each save)
        return next(t for t in app.text_area if t.key and t.key.startswith("e81_faktor_penghambat"))

    save(at)
    assert "Tidak ada perubahan catatan untuk disimpan." in texts(at)
    area = penghambat(at)
    assert "Cuaca dan jarak tempuh." in area.value
    area.input("Jalan ke kecamatan terputus banjir.")
    save(at)
    assert "Catatan Evaluasi Hasil Renja (E.81) disimpan" in texts(at)
    assert penghambat(at).value == "Jalan ke kecamatan terputus banjir."
    with unit_of_work(sqlite_url) as s:
        assert s.get(CollectionRound, rid).faktor_penghambat == "Jalan ke kecamatan terputus banjir."

    # the second computer's form still holds the footer as it was: the same field is refused, not overwritten
    penghambat(stale).input("Cuaca.")
    save(stale)
    shown = texts(stale)
    assert "Faktor penghambat pencapaian kinerja baru saja diubah oleh pengguna lain." in shown
    assert "Isian Anda yang belum tersimpan:" in shown
    assert "- Faktor penghambat pencapaian kinerja: Cuaca." in shown
    assert penghambat(stale).value == "Jalan ke kecamatan terputus banjir."
    with unit_of_work(sqlite_url) as s:
        assert s.get(CollectionRound, rid).faktor_penghambat == "Jalan ke kecamatan terputus banjir."
