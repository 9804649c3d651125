"""The office's capaian settings (lower-is-better formula, predicate labels, rounding): kept in Data Induk by
the administrator, audited, and applied wherever capaian and predikat are shown — the entry grid,
Pengolahan, the report's lines, XLSX and PDF, the recaps, Status Triwulan and the regency recap."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from core import achievement as ach
from core import entry, exports, recap, regency_recap, report_doc, review, status
from core import masterdata as md
from core.errors import InvalidInput, NotAllowed
from db.models import AuditLog, CollectionRound, Indicator, OrgUnit, Submission
from tests import factories

CHOSEN = ach.Formula(negative="t_over_r", labels="baik", rounding="truncate")
BAIK = set(ach.PREDICATE_LABEL_SETS["baik"])
TINGGI = set(ach.PREDICATE_ORDER)
TODAY = dt.date(2026, 7, 20)


def _choose(session, actors, formula: ach.Formula = CHOSEN) -> int:
    office = factories.office(session).id
    md.update_formula_settings(session, actors["admin"], office, negative_formula=formula.negative,
                               predicate_labels=formula.labels, capaian_rounding=formula.rounding)
    return office


def _round(session, office_id: int, year: int = 2026, quarter: int = 2) -> CollectionRound:
    return session.scalar(select(CollectionRound).where(
        CollectionRound.office_id == office_id, CollectionRound.year == year, CollectionRound.quarter == quarter))


def _expected(target, value, polarity, formula=CHOSEN):
    return ach.achievement(target, value, polarity, formula=formula).percent


# --- the settings themselves ----------------------------------------------------------------------------


def test_an_office_starts_with_the_defaults(session):
    office = factories.office(session).id
    assert md.formula_of(session, office) == ach.DEFAULT
    assert md.formula_settings(session, office) == {"negative_formula": "2t_minus_r", "predicate_labels": "tinggi",
                                                    "capaian_rounding": "half_up"}


def test_the_admin_sets_them_audited_and_a_default_is_stored_as_null(session, actors):
    office = _choose(session, actors)
    assert md.formula_of(session, office) == CHOSEN
    row = session.scalars(select(AuditLog).where(AuditLog.action == "office.formula_settings")).one()
    assert row.office_id == office and row.entity == "org_unit"
    assert row.before == {"negative_formula": None, "predicate_labels": None, "capaian_rounding": None}
    assert row.after == {"negative_formula": "t_over_r", "predicate_labels": "baik", "capaian_rounding": "truncate"}
    assert md.update_formula_settings(session, actors["admin"], office, negative_formula="2t_minus_r")
    unit = session.get(OrgUnit, office)
    assert unit.negative_formula is None and unit.predicate_labels == "baik"
    # saving what is already there writes nothing
    assert not md.update_formula_settings(session, actors["admin"], office, predicate_labels="baik")
    assert len(session.scalars(select(AuditLog).where(AuditLog.action == "office.formula_settings")).all()) == 2


def test_an_unknown_choice_is_refused_in_indonesian(session, actors):
    office = factories.office(session).id
    with pytest.raises(InvalidInput, match="Pembulatan capaian 'ke_atas' tidak dikenal"):
        md.update_formula_settings(session, actors["admin"], office, capaian_rounding="ke_atas")
    assert session.get(OrgUnit, office).capaian_rounding is None


def test_only_the_admin_may_change_them(session, actors):
    office = factories.office(session).id
    for who in ("kadis", "penyusun", "kabid_lattas"):
        with pytest.raises(NotAllowed):
            md.update_formula_settings(session, actors[who], office, negative_formula="t_over_r")
    assert md.formula_of(session, office) == ach.DEFAULT


# --- the chosen variant everywhere capaian and predikat are shown ----------------------------------------


def _negatif_differs(rows) -> bool:
    """At least one lower-is-better row whose capaian differs between the default and the chosen formula:
    the checks below are not true by accident."""
    return any(p == "negatif" and _expected(t, v, p) is not None and _expected(t, v, p) != _expected(t, v, p, ach.DEFAULT)
               for t, v, p in rows)


def test_pengolahan_and_the_entry_grid_use_the_office_formula(session, actors):
    office = _choose(session, actors)
    rnd = _round(session, office)
    checked = []
    for sub in session.scalars(select(Submission).where(Submission.round_id == rnd.id)):
        detail = review.submission_detail(session, actors["penyusun"], sub.id)
        for r in detail.to_dict("records"):
            assert r["capaian_tw"] == _expected(r["target_tw"], r["realisasi_tw"], r["polarity"]), r["code"]
            assert r["predikat"] in BAIK or (r["predikat"] == "" and r["capaian_tw"] is None)
            checked.append((r["target_tw"], r["realisasi_tw"], r["polarity"]))
        grid = entry.entry_table(session, actors["admin"], sub.id, exact=True)
        by_code = {r["code"]: r for r in detail.to_dict("records")}
        for g in grid.to_dict("records"):
            assert g["Capaian TW %"] == by_code[g["Kode"]]["capaian_tw"]
            assert g["Predikat"] in BAIK or g["Predikat"].startswith("– (")
    assert _negatif_differs(checked)


def test_the_report_lines_xlsx_and_pdf_use_the_office_formula(session, actors):
    office = _choose(session, actors)
    rnd = _round(session, office)
    bundle = report_doc.build_report(session, rnd.id, "draf", 1, on=TODAY)
    inds = [x for x in bundle.lines if x["type"] == "indikator"]
    for x in inds:
        assert ach.to_decimal(x["capaian_tw"]) == _expected(x["target_tw"], x["realisasi_tw"], x["polarity"])
        assert x["predikat"] in BAIK or x["capaian_tw"] is None
    assert _negatif_differs([(x["target_tw"], x["realisasi_tw"], x["polarity"]) for x in inds])
    xlsx = next(f for f in bundle.files if f.name.endswith(".xlsx"))
    cells = {str(c.value) for ws in load_workbook(io.BytesIO(xlsx.content)).worksheets
             for row in ws.iter_rows() for c in row if c.value is not None}
    assert cells & BAIK and not cells & (TINGGI - BAIK)
    pdf = next(f for f in bundle.files if f.name.endswith(".pdf"))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Sangat Baik" in text or "Kurang" in text or "Cukup" in text
    assert "Tinggi" not in text and "Sedang" not in text and "Rendah" not in text


def test_the_recaps_and_status_use_the_office_formula(session, actors):
    office = _choose(session, actors)
    b = recap.bundle(session, office, 2026, 2)
    assert b.formula == CHOSEN
    rows = b.indicators.to_dict("records")
    for r in rows:
        assert r["capaian_tw"] == _expected(r["target_tw"], r["realisasi_tw"], r["polarity"]), r["code"]
        assert r["predikat_tw"] in BAIK | {recap.NA}
    assert _negatif_differs([(r["target_tw"], r["realisasi_tw"], r["polarity"]) for r in rows])
    assert set(ach.PREDICATE_LABEL_SETS["baik"]) <= set(b.units.columns)
    assert set(b.sasaran["predikat"]) <= BAIK | {recap.NA}
    assert set(b.annual["predikat"]) <= BAIK | {recap.NA}
    assert set(b.quarterly["predikat"]) <= BAIK | {recap.NA}
    assert set(recap.headline(b)["counts"]) == BAIK
    views = recap.views(b)
    assert set(ach.PREDICATE_LABEL_SETS["baik"]) <= set(views["Per Unit"].columns)
    xlsx = exports.to_xlsx(views, "Rekap", "Dinas", "TW II 2026", None, TODAY)
    cells = {str(c.value) for ws in load_workbook(io.BytesIO(xlsx)).worksheets
             for row in ws.iter_rows() for c in row if c.value is not None}
    assert "Sangat Baik" in cells and "Sangat Tinggi" not in cells
    qs = status.quarter_status(session, office, _round(session, office).id, TODAY)
    assert list(qs.predicate_counts) == list(ach.PREDICATE_LABEL_SETS["baik"])
    assert set(qs.behind["Predikat"]) <= BAIK | {recap.NA}


def test_the_regency_recap_computes_each_office_by_its_own_settings(session, actors):
    office = _choose(session, actors)
    df = regency_recap.annual_all_offices(session, actors["admin"], 2026)
    ours = df[df["office"] == session.get(OrgUnit, office).name]
    polarity = dict(session.execute(select(Indicator.code, Indicator.polarity)).all())
    checked = 0
    for r in ours.to_dict("records"):
        last = {"TW I": 1, "TW II": 2, "TW III": 3, "TW IV": 4}.get(r["triwulan"])
        if last is None:
            continue
        for q in range(1, 5):
            assert r[f"capaian_q{q}"] == _expected(r[f"target_q{q}"], r[f"realisasi_q{q}"], polarity[r["code"]])
        assert r["predikat"] in BAIK | {recap.NA}
        checked += 1
    assert checked


def test_a_settings_change_is_seen_on_the_next_read(session, actors):
    """Nothing keeps the old variant: the page caches are keyed on the office's data version, which the
    audited settings change moves; the core reads the office's row afresh in each unit of work."""
    office = factories.office(session).id
    rnd = _round(session, office)
    before = report_doc.report_lines(session, rnd.id)
    _choose(session, actors, ach.Formula(rounding="truncate", labels="baik"))
    after = report_doc.report_lines(session, rnd.id)
    preds = {x["predikat"] for x in after if x["type"] == "indikator"} - {""}
    assert preds <= BAIK and preds
    assert {x["predikat"] for x in before if x["type"] == "indikator"} - {""} <= TINGGI
    for a, b in zip(before, after):
        if a["type"] == "indikator" and a["capaian_tw"]:
            assert Decimal(b["capaian_tw"]) <= Decimal(a["capaian_tw"])  # truncated, never above rounded


def test_below_target_for_kendala_follows_the_capaian_shown():
    """99,999 against 100 shows 100,00 % rounded (no kendala asked) but 99,99 % truncated (kendala asked)."""
    from core.round_status import indicator_gaps

    args = (Decimal("99.999"), None, "", "", Decimal("100"), "positif", False, False)
    assert not indicator_gaps(*args).kendala
    assert indicator_gaps(*args, ach.Formula(rounding="truncate")).kendala


def test_charts_colour_the_office_labels_by_the_same_bands():
    import pandas as pd

    from core import charts

    df = pd.DataFrame({"code": ["A", "B"], "name": ["a", "b"], "unit": ["u", "u"],
                       "capaian_tw": [Decimal("95"), Decimal("70")], "predikat_tw": ["Sangat Baik", "Cukup"]})
    spec = charts.indicator_achievement(df).to_dict()
    scale = next(layer["encoding"]["color"]["scale"] for layer in spec["layer"] if "color" in layer["encoding"])
    assert scale["domain"][:5] == list(ach.PREDICATE_LABEL_SETS["baik"])
    assert scale["range"][:5] == [ach.PREDICATE_COLOURS[p] for p in ach.PREDICATE_ORDER]
    donut = charts.predicate_donut({"Sangat Baik": 2, "Baik": 1, "Cukup": 0, "Kurang": 0, "Sangat Kurang": 0})
    assert donut.to_dict()["encoding"]["color"]["scale"]["domain"][0] == "Sangat Baik"
