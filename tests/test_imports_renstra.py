"""Impor Excel of what the forms sent upward need: the Renstra (end targets K and Rp, Renja level, DPA links) and
the realisations of the years before the app — pre-filled templates, a preview with per-row Indonesian
problems, an all-or-nothing commit through core.masterdata.renstra. Both databases."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core import imports
from core.errors import InvalidInput, NotAllowed
from core.imports import renstra as ri
from db.models import AuditLog, BudgetLine, Indicator, PriorRealisation, RenstraBudget


def fill(data: bytes, sheet: str, key: str, values: dict[object, dict[str, object]] | None = None,
         append: list[dict[str, object]] | None = None) -> bytes:
    """Fill a downloaded template: {value of column `key` (or (year, code) on the Realisasi sheet): {header: value}}
    plus appended rows."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb[sheet]
    headers = {c.value: c.column for c in ws[1]}
    for r in range(2, ws.max_row + 1):
        k = ws.cell(r, headers[key]).value
        if sheet == ri.REAL_SHEET:
            k = (ws.cell(r, headers["Tahun"]).value, k)
        for header, value in (values or {}).get(k, {}).items():
            ws.cell(r, headers[header]).value = value  # None empties the cell
    for row in append or []:
        r = ws.max_row + 1
        for header, value in row.items():
            ws.cell(r, headers[header], value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def state(session) -> tuple:
    return (tuple(session.execute(select(Indicator.id, Indicator.renstra_target, Indicator.renja_level)
                                  .order_by(Indicator.id)).all()),
            tuple(session.execute(select(RenstraBudget.code, RenstraBudget.end_pagu, RenstraBudget.version)
                                  .order_by(RenstraBudget.id)).all()),
            tuple(session.execute(select(PriorRealisation.year, PriorRealisation.indicator_id, PriorRealisation.code,
                                         PriorRealisation.value, PriorRealisation.amount)
                                  .order_by(PriorRealisation.id)).all()),
            session.scalar(select(func.count()).select_from(AuditLog)))


def ind(session, code):
    return session.scalar(select(Indicator).where(Indicator.code == code))


# --- templates ---------------------------------------------------------------------------------------------------


def test_renstra_template_is_prefilled_with_targets_levels_links_and_pagu(session, actors):
    office = actors["admin"].office_id
    wb = load_workbook(io.BytesIO(imports.template("RENSTRA", session, office, 2026)))
    assert wb.sheetnames == ["Petunjuk", ri.IND_SHEET, ri.FUND_SHEET]
    ws = wb[ri.IND_SHEET]
    assert [c.value for c in ws[1]] == ["Kode Indikator", "Nama", "Target Renstra akhir periode",
                                        "Tingkat pada Renja", "Kode DPA terkait"]
    rows = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(1, 6)] for r in range(2, ws.max_row + 1)}
    assert len(rows) == 15 and rows["IK-04"][4] == "2.07.03.2.01.0001" and rows["IKU-02"][3] == "Program"
    assert Decimal(str(rows["IK-04"][2])) == ind(session, "IK-04").renstra_target
    fund = wb[ri.FUND_SHEET]
    codes = [fund.cell(r, 1).value for r in range(2, fund.max_row + 1)]
    assert "2.07.03" in codes and "2.07.03.2.01" in codes
    assert "Petunjuk pengisian templat Renstra" in wb["Petunjuk"]["A1"].value


def test_realisasi_template_lists_the_years_before_the_app(session, actors):
    office = actors["admin"].office_id
    wb = load_workbook(io.BytesIO(imports.template("REALISASI", session, office, 2026)))
    ws = wb[ri.REAL_SHEET]
    assert [c.value for c in ws[1]] == ["Tahun", "Kode Indikator", "Kode Program/Kegiatan", "Realisasi K",
                                        "Realisasi Rp", "Sumber"]
    years = {ws.cell(r, 1).value for r in range(2, ws.max_row + 1)}
    assert years == {2021, 2022, 2023, 2024}  # rounds since 2025
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == 2023 and ws.cell(r, 2).value == "IK-04")
    stored = session.scalar(select(PriorRealisation.value).where(PriorRealisation.year == 2023,
                                                                 PriorRealisation.indicator_id == ind(session, "IK-04").id))
    assert Decimal(str(ws.cell(row, 4).value)) == stored and ws.cell(row, 6).value == "LKjIP Tahun 2023"


@pytest.mark.parametrize("kind", ["RENSTRA", "REALISASI"])
def test_an_unchanged_template_imports_as_nothing_to_change(session, actors, kind):
    office = actors["admin"].office_id
    p = imports.parse(kind, imports.template(kind, session, office, 2026), session, office, year=2026)
    assert p.ok, p.problems
    assert p.inserts == 0 and p.updates == 0 and p.unchanged > 10


def test_a_year_outside_every_renstra_period_is_refused(session, actors):
    with pytest.raises(InvalidInput, match="Tidak ada periode Renstra yang mencakup tahun 2030"):
        imports.template("RENSTRA", session, actors["admin"].office_id, 2030)


# --- Renstra: preview and commit ----------------------------------------------------------------------------------


def test_renstra_import_previews_then_saves_targets_levels_links_and_pagu(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    data = fill(imports.template("RENSTRA", session, office, 2026), ri.IND_SHEET, "Kode Indikator", {
        "IK-04": {"Target Renstra akhir periode": "1.250", "Tingkat pada Renja": "Kegiatan",
                  "Kode DPA terkait": "2.07.03.2.01.0001, 2.07.04.2.01"},
        "IKU-01": {"Target Renstra akhir periode": "73,5"}})
    data = fill(data, ri.FUND_SHEET, "Kode", {"2.07.03": {"Pagu akhir periode (Rp)": "Rp 7.500.000.000"}},
                append=[{"Kode": "2.07.99", "Nama": "Program baru", "Pagu akhir periode (Rp)": 1_000_000}])
    p = imports.parse("RENSTRA", data, session, office, year=2026)
    assert p.ok, p.problems
    assert (p.inserts, p.updates) == (1, 3)
    shown = p.rows.set_index("Kode")
    assert shown.loc["IK-04", "Tindakan"] == "Diubah" and shown.loc["2.07.99", "Tindakan"] == "Baru"
    assert shown.loc["IK-04", "Nilai"].startswith("1.250 · Kegiatan · DPA: 2.07.03.2.01.0001, 2.07.04.2.01.0002")
    result = imports.commit(session, admin, p)
    assert (result.inserted, result.updated) == (1, 3)
    session.expire_all()
    ik04 = ind(session, "IK-04")
    assert (ik04.renstra_target, ik04.renja_level, ind(session, "IKU-01").renstra_target) == (
        Decimal(1250), "kegiatan", Decimal("73.5"))
    linked = sorted(b.code for b in session.scalars(select(BudgetLine).where(BudgetLine.year == 2026))
                    if ik04 in b.indicators)
    assert linked == ["2.07.03.2.01.0001", "2.07.04.2.01.0002"]
    pagu = dict(session.execute(select(RenstraBudget.code, RenstraBudget.end_pagu)).all())
    assert pagu["2.07.03"] == Decimal(7_500_000_000) and pagu["2.07.99"] == Decimal(1_000_000)
    actions = set(session.scalars(select(AuditLog.action).where(AuditLog.actor_username == "admin")))
    assert {"indicator.renstra", "budget.update", "renstra_budget.update", "renstra_budget.create"} <= actions
    again = imports.parse("RENSTRA", data, session, office, year=2026)  # the same file again changes nothing
    assert again.ok and again.inserts == again.updates == 0


def test_renstra_import_lists_every_problem_by_sheet_row_and_column_and_saves_nothing(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    data = fill(imports.template("RENSTRA", session, office, 2026), ri.IND_SHEET, "Kode Indikator", {
        "IK-04": {"Target Renstra akhir periode": "1,250.5"},
        "IK-05": {"Tingkat pada Renja": "Sub kegiatan"},
        "IKU-01": {"Kode DPA terkait": "9.99.99.2.01.0001"}},
        append=[{"Kode Indikator": "IK-77", "Target Renstra akhir periode": 5}])
    data = fill(data, ri.FUND_SHEET, "Kode", {"2.07.03": {"Pagu akhir periode (Rp)": "banyak"}})
    before = state(session)
    p = imports.parse("RENSTRA", data, session, office, year=2026)
    assert not p.ok and len(p.problems) == 5, p.problems
    assert sorted(col for _r, col, _m in p.problems) == [
        "Indikator Renstra: Kode DPA terkait", "Indikator Renstra: Kode Indikator",
        "Indikator Renstra: Target Renstra akhir periode", "Indikator Renstra: Tingkat pada Renja",
        "Pendanaan Renstra: Pagu akhir periode (Rp)"]
    assert all(r > 1 for r, _c, _m in p.problems)  # each on its Excel row
    text = " ".join(m for _r, _c, m in p.problems)
    assert "'1,250.5'" in text and "1.250,5" in text and "'Sub kegiatan' tidak dikenal" in text
    assert "kode DPA 9.99.99.2.01.0001 tidak ada pada DPA tahun 2026" in text
    assert "kode indikator 'IK-77' tidak dikenal" in text and "'banyak'" in text
    with pytest.raises(InvalidInput, match="Impor dibatalkan: ada 5 masalah"):
        imports.commit(session, admin, p)
    assert state(session) == before


def test_renstra_import_is_for_the_administrator_only(session, actors):
    office = actors["admin"].office_id
    data = fill(imports.template("RENSTRA", session, office, 2026), ri.IND_SHEET, "Kode Indikator",
                {"IK-04": {"Target Renstra akhir periode": "1.250"}})
    p = imports.parse("RENSTRA", data, session, office, year=2026)
    before = state(session)
    with pytest.raises(NotAllowed):
        imports.commit(session, actors["penyusun"], p)
    assert state(session) == before


# --- the years before the app -------------------------------------------------------------------------------------


def test_realisasi_import_adds_updates_and_removes_rows_of_earlier_years(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    ik04, iku01 = ind(session, "IK-04"), ind(session, "IKU-01")
    data = fill(imports.template("REALISASI", session, office, 2026), ri.REAL_SHEET, "Kode Indikator", {
        (2023, "IK-04"): {"Realisasi K": "1.250", "Sumber": "LKjIP 2023 (revisi)"},
        (2022, "IKU-01"): {"Realisasi K": None}})
    data = fill(data, ri.REAL_SHEET, "Kode Program/Kegiatan", {
        (2024, "2.07.03.2.01"): {"Realisasi Rp": "Rp 1.250.000.000", "Sumber": "LRA 2024"}})
    p = imports.parse("REALISASI", data, session, office, year=2026)
    assert p.ok, p.problems
    assert (p.inserts, p.updates) == (1, 2)
    assert set(p.rows["Tindakan"]) >= {"Baru", "Diubah", "Dihapus", "Tidak berubah"}
    imports.commit(session, admin, p)
    rows = {(r.year, r.indicator_id, r.code): r for r in session.scalars(select(PriorRealisation))}
    assert rows[(2023, ik04.id, None)].value == Decimal(1250)
    assert rows[(2023, ik04.id, None)].source == "LKjIP 2023 (revisi)"
    assert (2022, iku01.id, None) not in rows
    assert rows[(2024, None, "2.07.03.2.01")].amount == Decimal(1_250_000_000)


def test_realisasi_import_refuses_years_with_rounds_and_mixed_or_unknown_rows(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    data = fill(imports.template("REALISASI", session, office, 2026), ri.REAL_SHEET, "Kode Indikator", {},
                append=[{"Tahun": 2025, "Kode Indikator": "IK-04", "Realisasi K": 5},
                        {"Tahun": 2023, "Kode Indikator": "IK-04", "Kode Program/Kegiatan": "2.07.03",
                         "Realisasi K": 5},
                        {"Tahun": 2023, "Kode Program/Kegiatan": "8.88.88", "Realisasi Rp": 5},
                        {"Tahun": "dua ribu", "Kode Indikator": "IK-05", "Realisasi K": 5},
                        {"Tahun": 2023, "Kode Indikator": "IK-05", "Realisasi K": "73.5"}])
    before = state(session)
    p = imports.parse("REALISASI", data, session, office, year=2026)
    text = " | ".join(f"{r} {c}: {m}" for r, c, m in p.problems)
    assert len(p.problems) == 7, text  # two rows also repeat a row of the template
    assert "IK-04 tahun 2023 muncul lebih dari sekali" in text
    assert "dihitung dari data triwulan di aplikasi (pengumpulan data sejak 2025)" in text
    assert "tidak keduanya" in text and "kode '8.88.88' bukan program atau kegiatan" in text
    assert "'dua ribu' bukan tahun yang sah" in text and "'73.5'" in text and "73,5" in text
    with pytest.raises(InvalidInput):
        imports.commit(session, admin, p)
    assert state(session) == before


def test_a_realisasi_file_past_the_row_limit_is_refused_before_reading(session, actors, monkeypatch):
    office = actors["admin"].office_id
    monkeypatch.setattr(ri, "MAX_ROWS", 5)
    with pytest.raises(InvalidInput, match="lebih dari 5 baris data"):
        imports.parse("REALISASI", imports.template("REALISASI", session, office, 2026), session, office, year=2026)
    with pytest.raises(InvalidInput, match="bukan berkas Excel"):
        imports.parse("RENSTRA", b"Kode;Nama\nIK-04;x", session, office, year=2026)
