"""Impor Excel: the admin brings the PK, RA and DPA in from the office's spreadsheets, all or nothing."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core import imports, masterdata
from core.errors import Conflict, InvalidInput, NotAllowed
from core.fmt import number
from core.steps import disposisi
from db.models import AuditLog, BudgetLine, Indicator, PaguHistory, Target

TODAY = dt.date(2026, 10, 5)


# --- helpers ---------------------------------------------------------------------------------------------


def fill(data: bytes, kind: str, values: dict[str, dict[str, object]] | None = None,
         append: list[dict[str, object]] | None = None, edit=None) -> bytes:
    """Fill a downloaded template like an admin would: {code: {header: value}} plus appended rows."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb[kind]
    headers = {c.value: c.column for c in ws[1]}
    code_col = headers["Kode Indikator" if kind in ("PK", "RA") else "Kode Rekening"]
    for r in range(2, ws.max_row + 1):
        code = ws.cell(r, code_col).value
        for header, value in (values or {}).get(code, {}).items():
            ws.cell(r, headers[header], value)
    for row in append or []:
        r = ws.max_row + 1
        for header, value in row.items():
            ws.cell(r, headers[header], value)
    if edit:
        edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def count(session, model, **where) -> int:
    q = select(func.count()).select_from(model)
    for k, v in where.items():
        q = q.where(getattr(model, k) == v)
    return session.scalar(q) or 0


def state(session) -> tuple:
    """Everything an import could change, to show that a refused import changed nothing."""
    targets = session.execute(select(Target.indicator_id, Target.year, Target.annual, Target.q1, Target.q2,
                                     Target.q3, Target.q4, Target.version).order_by(Target.id)).all()
    lines = session.execute(select(BudgetLine.code, BudgetLine.year, BudgetLine.pagu, BudgetLine.version)
                            .order_by(BudgetLine.id)).all()
    return (tuple(targets), tuple(lines), count(session, AuditLog))


def indicator_rows(session, office_id) -> list[Indicator]:
    return list(session.scalars(select(Indicator).where(Indicator.office_id == office_id).order_by(Indicator.id)))


def ra_values(ind: Indicator, annual: Decimal) -> dict[str, object]:
    if ind.combine == "sum":
        q = annual / 4
        return {"Target TW I": q, "Target TW II": q, "Target TW III": q, "Target TW IV": annual - 3 * q}
    return {"Target TW I": annual, "Target TW II": annual, "Target TW III": annual, "Target TW IV": annual}


# --- templates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["PK", "RA", "DPA"])
def test_template_has_header_help_sheet_and_lists(session, actors, kind):
    office = actors["admin"].office_id
    wb = load_workbook(io.BytesIO(imports.template(kind, session, office, 2026)))
    assert wb.sheetnames[0] == "Petunjuk" and kind in wb.sheetnames
    assert "Petunjuk pengisian" in wb["Petunjuk"]["A1"].value
    ws = wb[kind]
    assert [c.value for c in ws[1]] == [h for _k, h, _r in imports.COLUMNS[kind]]
    assert ws.data_validations.dataValidation, "data validation lists help the admin"
    if kind in ("PK", "RA"):
        codes = [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)]
        assert "IKU-01" in codes and len(codes) == 15
        assert ws.cell(2, 3).value == "Tingkat Pengangguran Terbuka"
    else:
        assert ws.max_row == 11


def test_unchanged_template_imports_as_nothing_to_change(session, actors):
    office = actors["admin"].office_id
    for kind in ("PK", "RA", "DPA"):  # the Renstra kinds: tests/test_imports_renstra.py
        p = imports.parse(kind, imports.template(kind, session, office, 2026), session, office)
        assert p.ok and p.inserts == 0 and p.updates == 0 and p.unchanged in (15, 10)


# --- round trips -----------------------------------------------------------------------------------------------


def test_pk_round_trip_creates_then_updates_without_duplicates(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    tpl = imports.template("PK", session, office, 2027)
    data = fill(tpl, "PK", {"IK-03": {"Target Tahunan": 720}, "IKU-01": {"Target Tahunan": "3,8"},
                            "IK-10": {"Target Tahunan": "1.100"}})
    p = imports.parse("PK", data, session, office, year=2027)
    assert p.ok and (p.inserts, p.updates) == (3, 0)
    res = imports.commit(session, admin, p)
    assert res.inserted == 3
    annual = dict(session.execute(select(Indicator.code, Target.annual).join(Target).where(Target.year == 2027)).all())
    assert annual == {"IK-03": Decimal("720"), "IKU-01": Decimal("3.8"), "IK-10": Decimal("1100")}
    again = imports.parse("PK", data, session, office, year=2027)
    assert (again.inserts, again.updates, again.unchanged) == (0, 0, 3)
    changed = fill(tpl, "PK", {"IK-03": {"Target Tahunan": 750}, "IKU-01": {"Target Tahunan": "3,8"},
                               "IK-10": {"Target Tahunan": "1.100"}})
    res = imports.commit(session, admin, changed, kind="PK", office_id=office)
    assert (res.inserted, res.updated, res.unchanged) == (0, 1, 2)
    assert count(session, Target, year=2027) == 3
    assert count(session, AuditLog, action="target.create") == 3
    assert count(session, AuditLog, action="target.update") == 1


def test_ra_round_trip_sets_quarterly_targets(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    inds = indicator_rows(session, office)
    values = {i.code: ra_values(i, Decimal("40")) for i in inds}
    data = fill(imports.template("RA", session, office, 2027), "RA", values)
    p = imports.parse("RA", data, session, office, year=2027)
    assert p.ok, p.problems
    assert p.inserts == 15 and list(p.rows.columns)[:4] == ["Baris", "Tindakan", "Tahun", "Kode"]
    imports.commit(session, admin, p)
    t = session.scalar(select(Target).join(Indicator).where(Indicator.code == "IK-03", Target.year == 2027))
    assert (t.q1, t.q4, t.annual) == (Decimal("10"), Decimal("10"), None)
    assert imports.parse("RA", data, session, office, year=2027).unchanged == 15


def test_ra_quarters_that_do_not_add_up_are_refused_unless_the_row_gives_a_reason(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    tpl = imports.template("RA", session, office, 2026)  # 2026 has PK targets: IK-03 annual 680, sum
    data = fill(tpl, "RA", {"IK-03": {"Target TW IV": 100}})
    p = imports.parse("RA", data, session, office)
    assert len(p.problems) == 1
    row, column, what = p.problems[0]
    assert column == "Target TW IV" and "Jumlah target TW I–IV" in what and "680" in what
    assert what.startswith("IK-03: isi kolom 'Alasan Selisih' pada baris ini")
    with pytest.raises(InvalidInput):
        imports.commit(session, admin, p)
    data = fill(tpl, "RA", {"IK-03": {"Target TW IV": 100, "Alasan Selisih": "Kegiatan TW IV dialihkan ke APBD-P"}})
    p = imports.parse("RA", data, session, office)
    assert p.ok and len(p.warnings) == 1
    assert p.warnings[0][2].startswith("IK-03: disimpan dengan alasan “Kegiatan TW IV dialihkan ke APBD-P”.")
    shown = p.rows.set_index("Kode").loc["IK-03"]
    assert "Jumlah target TW I–IV" in shown["Peringatan"]
    assert shown["Alasan Selisih"] == "Kegiatan TW IV dialihkan ke APBD-P"
    imports.commit(session, admin, p)
    t = session.scalar(select(Target).join(Indicator).where(Indicator.code == "IK-03", Target.year == 2026))
    assert t.q4 == 100 and t.mismatch_accepted and t.mismatch_reason == "Kegiatan TW IV dialihkan ke APBD-P"
    # the template of the year now carries the reason, and the same file again changes nothing
    again = imports.parse("RA", imports.template("RA", session, office, 2026), session, office)
    assert again.ok and again.inserts + again.updates == 0


def test_dpa_round_trip_and_dppa_revision_keeps_old_pagu(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    tpl = imports.template("DPA", session, office, 2026)
    data = fill(tpl, "DPA", {"2.07.03.2.01.0001": {"Pagu": "1.300.000.000", "Dokumen": "DPPA"}},
                append=[{"Tahun": 2026, "Kode Rekening": "2.07.04.2.01.0009", "Program": "Program Penempatan Tenaga Kerja",
                         "Kegiatan": "Pelayanan Antarkerja", "Sub Kegiatan": "Bursa kerja daring", "Pagu": 50000000,
                         "Dokumen": "DPA", "Unit Pemilik": "Bidang Pelatihan dan Penempatan Tenaga Kerja"}])
    p = imports.parse("DPA", data, session, office, year=2026)
    assert p.ok, p.problems
    assert (p.inserts, p.updates, p.unchanged) == (1, 1, 9)
    imports.commit(session, admin, p)
    line = session.scalar(select(BudgetLine).where(BudgetLine.code == "2.07.03.2.01.0001", BudgetLine.year == 2026))
    assert line.pagu == Decimal("1300000000") and line.document == "DPPA"
    assert session.scalar(select(PaguHistory.pagu).where(PaguHistory.budget_line_id == line.id)) == 1250000000
    assert count(session, BudgetLine, year=2026) == 11
    again = imports.parse("DPA", data, session, office, year=2026)
    assert (again.inserts, again.updates, again.unchanged) == (0, 0, 11)


def test_only_the_admin_may_commit_an_import(session, actors):
    office = actors["admin"].office_id
    data = fill(imports.template("PK", session, office, 2027), "PK", {"IK-03": {"Target Tahunan": 700}})
    before = state(session)
    with pytest.raises(NotAllowed):
        imports.commit(session, actors["kabid_lattas"], data, kind="PK", office_id=office)
    assert state(session) == before


def test_preview_is_stale_when_someone_saved_the_target_meanwhile(session, actors):
    admin = actors["admin"]
    office = admin.office_id
    data = fill(imports.template("PK", session, office, 2026), "PK",
                {"IK-03": {"Target Tahunan": 700, "Alasan Selisih": "PK perubahan"}})
    p = imports.parse("PK", data, session, office)
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-03"))
    masterdata.save_target(session, admin, ind.id, 2026, source_pk="PK perubahan")
    with pytest.raises(Conflict, match="diubah orang lain"):
        imports.commit(session, admin, p)


# --- malformed files -----------------------------------------------------------------------------------------


def _csv_renamed() -> bytes:
    return b"Tahun;Kode Indikator;Target Tahunan\n2027;IK-03;700\n"


def _not_excel_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "halo")
    return out.getvalue()


def _workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("case,data,message", [
    ("empty file", b"", "kosong"),
    ("random bytes", os.urandom(2048), "bukan berkas Excel"),
    ("csv renamed", _csv_renamed(), "bukan berkas Excel"),
    ("zip that is not excel", _not_excel_zip(), "bukan berkas Excel"),
    ("too large", b"PK" + b"\0" * (imports.MAX_FILE_BYTES + 10), "terlalu besar"),
    ("wrong sheet", _workbook({"Sheet1": [["Tahun", "Kode Indikator", "Target Tahunan"], [2027, "IK-03", 700]]}),
     "Lembar 'PK' tidak ditemukan"),
    ("template of another document", _workbook({"RA": [["Tahun"]]}), "tampaknya templat RA"),
    ("missing column", _workbook({"PK": [["Tahun", "Kode Indikator"], [2027, "IK-03"]]}),
     "Kolom wajib tidak ditemukan pada baris 1 lembar 'PK': Target Tahunan"),
    ("empty sheet", _workbook({"PK": []}), "kosong"),
    ("too many rows", _workbook({"PK": [["Tahun", "Kode Indikator", "Target Tahunan"]]
                                 + [[2027, f"X{i}", 1] for i in range(imports.MAX_ROWS + 5)]}), "lebih dari"),
])
def test_malformed_file_gives_a_clear_error_and_changes_nothing(session, actors, case, data, message):
    admin = actors["admin"]
    office = admin.office_id
    before = state(session)
    with pytest.raises(InvalidInput, match=message):
        imports.parse("PK", data, session, office)
    with pytest.raises(InvalidInput, match=message):
        imports.commit(session, admin, data, kind="PK", office_id=office)
    session.flush()
    assert state(session) == before


@pytest.mark.parametrize("kind,values,append,column,message", [
    ("PK", {"IK-03": {"Target Tahunan": "tujuh ratus"}}, [], "Target Tahunan", "bukan angka"),
    ("RA", {"IK-03": {"Target TW II": "12 orang"}}, [], "Target TW II", "bukan angka"),
    ("PK", {"IK-03": {"Target Tahunan": 700}}, [{"Tahun": 2027, "Kode Indikator": "IK-03", "Target Tahunan": 710}],
     "Kode Indikator", "lebih dari sekali"),
    ("PK", {}, [{"Tahun": 2027, "Kode Indikator": "IK-77", "Target Tahunan": 5}], "Kode Indikator", "tidak dikenal"),
    ("PK", {"IK-03": {"Target Tahunan": -5}}, [], "Target Tahunan", "negatif"),
    ("PK", {"IK-03": {"Tahun": "dua ribu", "Target Tahunan": 5}}, [], "Tahun", "bukan tahun"),
    ("DPA", {}, [{"Tahun": 2027, "Kode Rekening": "9.9", "Program": "P", "Kegiatan": "K", "Sub Kegiatan": "S",
                  "Pagu": 10, "Unit Pemilik": "Bidang Pariwisata"}], "Unit Pemilik", "tidak dikenal"),
    ("DPA", {}, [{"Tahun": 2027, "Kode Rekening": "9.9", "Program": "P", "Kegiatan": "K", "Sub Kegiatan": "S",
                  "Pagu": "satu juta", "Unit Pemilik": "Bidang Perindustrian"}], "Pagu", "bukan angka"),
    ("DPA", {}, [{"Tahun": 2027, "Kode Rekening": "9.9", "Program": "P", "Kegiatan": "K", "Sub Kegiatan": "S",
                  "Pagu": 1, "Unit Pemilik": "BID-IND"},
                 {"Tahun": 2027, "Kode Rekening": "9.9", "Program": "P", "Kegiatan": "K", "Sub Kegiatan": "S",
                  "Pagu": 2, "Unit Pemilik": "BID-IND"}], "Kode Rekening", "lebih dari sekali"),
])
def test_bad_row_is_listed_by_row_and_column_and_nothing_is_saved(session, actors, kind, values, append, column,
                                                                  message):
    admin = actors["admin"]
    office = admin.office_id
    before = state(session)
    data = fill(imports.template(kind, session, office, 2027), kind, values, append)
    p = imports.parse(kind, data, session, office)
    assert not p.ok
    assert any(c == column and message in m and r >= 2 for r, c, m in p.problems), p.problems
    with pytest.raises(InvalidInput, match="Tidak ada data yang disimpan"):
        imports.commit(session, admin, p)
    session.flush()
    assert state(session) == before


# --- the number parser, property-tested -----------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.decimals(min_value=0, max_value=Decimal("9999999999"), places=2,
                                   allow_nan=False, allow_infinity=False), min_size=4, max_size=4),
       as_text=st.lists(st.booleans(), min_size=4, max_size=4))
def test_numbers_as_excel_numbers_or_indonesian_text_read_back_exactly(sqlite_url, values, as_text):
    from core.auth import actor_for
    from core.uow import unit_of_work

    with unit_of_work(sqlite_url) as session:
        office = actor_for(session, "admin").office_id
        cells = {}
        for header, v, text in zip(["Target TW I", "Target TW II", "Target TW III", "Target TW IV"], values, as_text):
            cells[header] = number(v, 2) if text else (int(v) if v == v.to_integral_value() else float(v))
        data = fill(imports.template("RA", session, office, 2027), "RA", {"IK-03": cells})
        p = imports.parse("RA", data, session, office)
        assert p.ok, p.problems
        got = p.items[0]["values"]
        for q, v in zip(masterdata.QUARTERS, values):
            assert got[q] == v
        session.rollback()


# --- the story of the issue -------------------------------------------------------------------------------------


def test_admin_imports_next_years_rencana_aksi_fixes_two_flagged_rows_and_isi_data_shows_it(db_url, actors):
    """Download the RA template for 2027, fill every indicator, fix the two rows the preview flags, commit;
    when TW I 2027 is collected the unit's Isi Data grid shows the new targets."""
    from core import entry
    from core.uow import unit_of_work

    admin = actors["admin"]
    office = admin.office_id
    with unit_of_work(db_url) as session:
        masterdata.copy_year(session, admin, office, 2026, 2027)  # empty target rows, pagu 0
        template = imports.template("RA", session, office, 2027)
        inds = {i.code: i.combine for i in indicator_rows(session, office)}
    wanted = {code: {"Target TW I": 11, "Target TW II": 22, "Target TW III": 33, "Target TW IV": 44}
              for code in inds}
    typed = {code: dict(v) for code, v in wanted.items()}
    typed["IK-03"]["Target TW II"] = "dua puluh dua"  # words in a number column
    typed["IK-04"]["Tahun"] = 2026  # the wrong year
    first = fill(template, "RA", typed)
    with unit_of_work(db_url) as session:
        preview = imports.parse("RA", first, session, office, year=2027)
        flagged = sorted({(r, c) for r, c, _m in preview.problems})
        with pytest.raises(InvalidInput):
            imports.commit(session, admin, preview)
    assert [c for _r, c in flagged] == ["Target TW II", "Tahun"]
    fixed = fill(template, "RA", wanted)
    with unit_of_work(db_url) as session:
        preview = imports.parse("RA", fixed, session, office, year=2027)
        assert preview.ok and preview.updates == len(inds)
        imports.commit(session, admin, preview)

    with unit_of_work(db_url) as session:
        rnd = disposisi.open_round(session, actors["kadis"], 2027, 1, "Kumpulkan data TW I 2027.",
                                dt.date(2027, 4, 15), today=dt.date(2027, 4, 2))
        subs = disposisi.distribute(session, actors["sekdis"], rnd.id)
        sub_id = next(s.id for s in subs if s.unit.code == "BID-LATTAS")
    with unit_of_work(db_url) as session:
        grid = entry.entry_table(session, actors["kabid_lattas"], sub_id)
    assert set(grid["Kode"]) >= {"IK-03", "IK-04"}
    assert set(grid["Target TW (RA)"]) == {11.0}
