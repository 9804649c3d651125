"""SOP step 7: a correction changes the unit's data, not only the report (issue #14, item 6).

Applying a correction writes the proposed value into the Realization / BudgetRealization it belongs to,
with its version bumped and an audit row; every later version is built from the data, so the final
report, Rekap & Unduh and the archive's data snapshot show the same numbers, cell for cell.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core import achievement, archive, entry, exports, fmt, masterdata, recap, report_versions
from core.errors import Conflict, InvalidInput, NotAllowed
from core.report_doc import BUDGET_HEADER, INDICATOR_HEADER, report_lines
from core.steps import dokumentasi, koreksi, penyusunan
from db.models import (
    AuditLog,
    BudgetLine,
    BudgetRealization,
    Correction,
    Indicator,
    Realization,
    Report,
    ReportFile,
    Submission,
)
from tests import factories
from tests.factories import make_round

BL = "2.07.01.2.02.0001"


def _in_correction(session, actors):
    rnd = make_round(session, at="penyusunan", state="diterima", evidence=True)
    draft = penyusunan.compile_draft(session, actors["penyusun"], rnd.id)
    koreksi.send_to_planner(session, actors["sekdis"], rnd.id)
    return rnd, draft


def _real(session, rnd, code) -> Realization:
    return session.scalar(select(Realization).join(Submission).join(Indicator).where(
        Submission.round_id == rnd.id, Indicator.code == code))


def _budget(session, rnd, code=BL) -> BudgetRealization:
    return session.scalar(select(BudgetRealization).join(Submission).join(BudgetLine).where(
        Submission.round_id == rnd.id, BudgetLine.code == code))


def _line(rep, key) -> dict:
    return next(ln for ln in rep.lines if ln["key"] == key)


def _counts(session) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (AuditLog, Correction, Report))


def _plain(lines) -> list[dict]:
    return json.loads(json.dumps(lines))


def test_applying_a_correction_amends_the_realization_with_version_and_audit(session, actors):
    rnd, draft = _in_correction(session, actors)
    real = _real(session, rnd, "IKU-01")
    old_value, old_version = real.value, real.version
    perencana, penyusun = actors["perencana"], actors["penyusun"]
    c1 = koreksi.add_correction(session, perencana, draft.id, "IND:IKU-01", "realisasi_tw",
                                  "TPT menurut rilis BPS Agustus 2026 adalah 3,9 %.", "3,9")
    c2 = koreksi.add_correction(session, perencana, draft.id, "IND:IKU-01", "kendala",
                                  "Kendala belum disebut.", "Lapangan kerja formal terbatas.")
    koreksi.add_correction(session, perencana, draft.id, "IND:IKU-01", "tindak_lanjut", "Lengkapi.",
                             "Job fair bersama perusahaan.")
    koreksi.add_correction(session, perencana, draft.id, "IND:IKU-01", "alasan_tidak_diukur", "Lengkapi.",
                             "Tidak ada.")
    assert real.value == old_value  # noting changes nothing yet
    v2 = koreksi.apply_corrections(session, penyusun, rnd.id)
    session.commit()
    session.refresh(real)
    assert real.value == Decimal("3.9")
    assert (real.kendala, real.tindak_lanjut, real.not_measured_reason) == (
        "Lapangan kerja formal terbatas.", "Job fair bersama perusahaan.", "Tidak ada.")
    assert real.version == old_version + 4 and real.updated_by_id == penyusun.user_id
    rows = list(session.scalars(select(AuditLog).where(AuditLog.action == "realization.correct")
                                .order_by(AuditLog.id)))
    assert len(rows) == 4 and {r.entity_id for r in rows} == {str(real.id)}
    first = rows[0]
    assert Decimal(first.before["value"]) == old_value and Decimal(first.after["value"]) == Decimal("3.9")
    assert first.before["version"] == old_version and first.after["version"] == old_version + 1
    assert first.after["reason"] == {"correction_id": c1.id, "note": c1.note, "author": perencana.full_name}
    assert first.actor_username == "penyusun"
    assert rows[1].after["reason"]["correction_id"] == c2.id and rows[1].before["kendala"] != rows[1].after["kendala"]
    line = _line(v2, "IND:IKU-01")
    assert Decimal(line["realisasi_tw"]) == Decimal("3.9") and line["kendala"] == "Lapangan kerja formal terbatas."


def test_budget_correction_amends_the_amount_within_the_remaining_pagu(session, actors):
    rnd, draft = _in_correction(session, actors)
    br = _budget(session, rnd)
    bl = br.budget_line
    old_version = br.version
    before = _counts(session)
    with pytest.raises(InvalidInput, match="melebihi sisa pagu"):
        koreksi.add_correction(session, actors["perencana"], draft.id, f"BL:{BL}", "realisasi_tw",
                                 "Sesuai SP2D.", fmt.number(bl.pagu + 1, 2))
    assert _counts(session) == before
    koreksi.add_correction(session, actors["perencana"], draft.id, f"BL:{BL}", "realisasi_tw", "Sesuai SP2D.",
                             "12.345.000")
    v2 = koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    session.refresh(br)
    assert br.amount == Decimal("12345000") and br.version == old_version + 1
    row = session.scalar(select(AuditLog).where(AuditLog.action == "budget_realization.correct"))
    assert row.entity == "budget_realization" and row.entity_id == str(br.id)
    assert Decimal(row.after["amount"]) == Decimal("12345000") and row.after["reason"]["note"] == "Sesuai SP2D."
    line = _line(v2, f"BL:{BL}")
    assert Decimal(line["realisasi_tw"]) == Decimal("12345000")
    assert Decimal(line["serapan_tw"]) == (Decimal("12345000") / bl.pagu * 100).quantize(Decimal("0.01"))


def test_pagu_lowered_after_noting_refuses_the_whole_apply(session, actors):
    rnd, draft = _in_correction(session, actors)
    br = _budget(session, rnd)
    old_amount = br.amount
    koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IKU-01", "realisasi_tw", "BPS.", "3,9")
    koreksi.add_correction(session, actors["perencana"], draft.id, f"BL:{BL}", "realisasi_tw", "SP2D.",
                             fmt.number(old_amount + 1000, 2))
    earlier = entry._spent_before(session, br.submission, [br.budget_line_id])[br.budget_line_id]
    # a DPPA lowers the pagu to what is spent: the proposed amount no longer fits
    masterdata.update_budget_line(session, actors["admin"], br.budget_line_id, pagu=earlier + old_amount)
    session.commit()
    before = _counts(session)
    with pytest.raises(InvalidInput, match="sisa pagu"):
        koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    session.rollback()
    assert _counts(session) == before  # nothing half-saved: no report, no audit row
    assert _budget(session, rnd).amount == old_amount
    assert _real(session, rnd, "IKU-01").value != Decimal("3.9")
    assert len(report_versions.open_corrections(session, rnd.id)) == 2


MASTER = [("IND:IKU-01", "target_tw"), ("IND:IKU-01", "target_tahunan"), ("IND:IKU-01", "target_ytd"),
          ("IND:IKU-01", "name"), ("IND:IKU-01", "satuan"), ("IND:IKU-01", "sasaran"), ("IND:IKU-01", "unit"),
          ("IND:IKU-01", "sasaran_code"), ("IND:IKU-01", "polarity"), ("IND:IKU-01", "combine"),
          ("IND:IKU-01", "iku"), (f"BL:{BL}", "pagu"), (f"BL:{BL}", "sub_kegiatan"), (f"BL:{BL}", "program")]
DERIVED = [("IND:IKU-01", "capaian_tw"), ("IND:IKU-01", "capaian_ytd"), ("IND:IKU-01", "predikat"),
           ("IND:IKU-01", "realisasi_ytd"), (f"BL:{BL}", "serapan_tw"), (f"BL:{BL}", "serapan_ytd"),
           (f"BL:{BL}", "realisasi_ytd")]


def test_a_value_for_master_data_or_a_computed_field_is_refused_with_where_to_fix_it(session, actors):
    rnd, draft = _in_correction(session, actors)
    before = _counts(session)
    for key, field in MASTER:
        with pytest.raises(InvalidInput, match="ubah di Data Induk oleh Administrator|diubah di Data Induk oleh "
                                               "Administrator, lalu catat koreksi tanpa nilai usulan"):
            koreksi.add_correction(session, actors["perencana"], draft.id, key, field, "Salah.", "5")
    for key, field in DERIVED:
        with pytest.raises(InvalidInput, match="dihitung dari Realisasi; koreksi Realisasi-nya"):
            koreksi.add_correction(session, actors["perencana"], draft.id, key, field, "Salah.", "5")
    for key, field in [("IND:IKU-01", "warna"), ("IND:IKU-01", "key"), ("IND:IKU-01", "capaian_tw_reason"),
                       (f"BL:{BL}", "target_tw")]:
        with pytest.raises(InvalidInput, match="Kolom"):
            koreksi.add_correction(session, actors["perencana"], draft.id, key, field, "Salah.")
    assert _counts(session) == before
    # without a value every one of them is allowed: "read the line again from the data"
    for key, field in MASTER + DERIVED:
        koreksi.add_correction(session, actors["perencana"], draft.id, key, field, "Hitung ulang.")
    assert report_versions.line_fields(session, factories.actor(session, "penyusun"), draft.id, "IND:IKU-01") == [
        "realisasi_tw", "kendala", "tindak_lanjut", "alasan_tidak_diukur", "faktor_pendorong"]
    assert report_versions.line_fields(session, factories.actor(session, "penyusun"), draft.id, f"BL:{BL}") == ["realisasi_tw"]


def test_master_data_fixed_in_data_induk_then_a_correction_without_value_recomputes(session, actors):
    rnd, draft = _in_correction(session, actors)
    ind = session.scalar(select(Indicator).where(Indicator.code == "IK-03"))
    masterdata.save_target(session, actors["admin"], ind.id, 2026, q3="500", mismatch_reason="RA revisi")
    koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IK-03", "target_tw",
                             "Target TW III sesuai RA revisi.")
    v2 = koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    line = _line(v2, "IND:IK-03")
    assert Decimal(line["target_tw"]) == 500
    assert Decimal(line["capaian_tw"]) == (Decimal(line["realisasi_tw"]) / 500 * 100).quantize(Decimal("0.01"))


def test_a_stale_correction_is_refused(session, actors):
    rnd, draft = _in_correction(session, actors)
    koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IKU-01", "realisasi_tw", "BPS.", "3,9")
    v2 = koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    with pytest.raises(Conflict, match="versi laporan terbaru"):  # noted against an older version
        koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IKU-01", "kendala", "Lama.", "x")
    koreksi.add_correction(session, actors["perencana"], v2.id, "IND:IKU-01", "realisasi_tw", "BPS.", "3,8")
    real = _real(session, rnd, "IKU-01")
    real.value = Decimal("4.1")  # the row changed since the line was read (another writer)
    session.commit()
    before = _counts(session)
    with pytest.raises(Conflict, match="sudah berubah sejak koreksi dicatat"):
        koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    session.rollback()
    assert _counts(session) == before and _real(session, rnd, "IKU-01").value == Decimal("4.1")


def test_every_version_after_a_correction_is_the_data_as_report_lines_reads_it(session, actors):
    rnd, draft = _in_correction(session, actors)
    koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IKU-01", "realisasi_tw", "BPS.", "3,9")
    koreksi.add_correction(session, actors["perencana"], draft.id, f"BL:{BL}", "realisasi_tw", "SP2D.", "1000000")
    koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IK-04", "", "Baca ulang.")
    v2 = koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    assert _plain(v2.lines) == _plain(report_lines(session, rnd.id))
    koreksi.hand_over(session, actors["perencana"], rnd.id)
    arc = dokumentasi.document(session, actors["penyusun"], rnd.id)
    final = session.get(Report, arc.report_id)
    assert _plain(final.lines) == _plain(report_lines(session, rnd.id))
    members = zipfile.ZipFile(io.BytesIO(archive.archive_path(arc.path).read_bytes()))
    assert json.loads(members.read("laporan/baris-laporan.json")) == _plain(final.lines)


def test_the_unit_sees_which_of_its_values_were_corrected(session, actors):
    rnd, draft = _in_correction(session, actors)
    real = _real(session, rnd, "IKU-01")
    old = real.value
    sub_id = real.submission_id
    bsub = _budget(session, rnd).submission_id
    koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IKU-01", "realisasi_tw",
                             "TPT menurut BPS.", "3,9")
    koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IKU-01", "kendala", "Lengkapi.",
                             "Lapangan kerja terbatas.")
    koreksi.add_correction(session, actors["perencana"], draft.id, f"BL:{BL}", "realisasi_tw", "SP2D.",
                             "1.250.000")
    koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IK-03", "", "Baca ulang.")
    koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    session.commit()
    rows = report_versions.corrections_of_submission(session, actors["kabid_lattas"], sub_id)
    assert [(r.code, r.field_label) for r in rows][:2] == [("IKU-01", "Realisasi TW"), ("IKU-01", "Kendala")]
    first = rows[0]
    assert first.kind == "indikator" and first.after == "3,9" and first.before == report_versions.fmt.number(old, 4)
    assert first.note == "TPT menurut BPS." and first.author == actors["perencana"].full_name
    assert first.applied_at is not None
    assert rows[1].after == "Lapangan kerja terbatas."
    budget_rows = report_versions.corrections_of_submission(session, actors["perencana"], bsub)
    b = next(r for r in budget_rows if r.kind == "anggaran")
    assert (b.code, b.after) == (BL, "Rp 1.250.000")
    for reader in ("penyusun", "pemantau", "kadis"):
        assert report_versions.corrections_of_submission(session, actors[reader], sub_id)
    with pytest.raises(NotAllowed):
        report_versions.corrections_of_submission(session, actors["kabid_hijs"], sub_id)
    stranger = dataclasses.replace(actors["penyusun"], office_id=99999)
    with pytest.raises(NotAllowed, match="perangkat daerah lain"):
        report_versions.corrections_of_submission(session, stranger, sub_id)


# --- the official report, Rekap & Unduh and the archive say the same, cell by cell -------------------------


def _num(v):
    if v is None or v == "" or v == "–":
        return None
    return round(float(Decimal(str(v).replace(",", "."))) if isinstance(v, str) else float(v), 4)


def _report_tables(xlsx: bytes) -> tuple[dict[str, dict], dict[str, dict]]:
    """The final report's indicator rows by code and budget rows by code, each {header: value}."""
    ws = load_workbook(io.BytesIO(xlsx), data_only=True)["Laporan"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    indicators, budget = {}, {}
    header = None
    section = None
    for row in rows:
        if row[:len(INDICATOR_HEADER)] == INDICATOR_HEADER:
            header, section = INDICATOR_HEADER, "ind"
            continue
        if row[0] == BUDGET_HEADER[0] and row[2] == BUDGET_HEADER[1]:
            section = "bl"
            continue
        if section == "ind":
            if not isinstance(row[0], (int, float)):
                section = None
                continue
            indicators[row[1]] = dict(zip(header, row))
        elif section == "bl":
            if row[0] in (None, "") and row[2] in (None, ""):
                section = None
                continue
            if row[0]:  # a sub kegiatan (group rows have no code)
                budget[row[0]] = dict(zip(["Kode", "", "Uraian", "", "Pagu (Rp)", "", "Realisasi TW (Rp)", "",
                                           "Realisasi s.d. TW (Rp)", "", "Serapan TW (%)", "Serapan s.d. TW (%)"],
                                          row))
    return indicators, budget


def _sheet(wb, name) -> dict[str, dict]:
    ws = wb[name]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    head_at = next(i for i, r in enumerate(rows) if r and r[0] == "Kode")
    head = rows[head_at]
    out = {}
    for r in rows[head_at + 1:]:
        if not r or r[0] in (None, ""):
            break
        out[r[0]] = dict(zip(head, r))
    return out


def _archive_csv(members: zipfile.ZipFile, name: str) -> dict[str, dict]:
    text = members.read(name).decode("utf-8-sig")
    return {r["kode"]: r for r in csv.DictReader(io.StringIO(text), delimiter=";")}


def test_final_report_recap_xlsx_and_archive_snapshot_agree_cell_by_cell(session, actors):
    rnd, draft = _in_correction(session, actors)
    old = _real(session, rnd, "IKU-01").value
    koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IKU-01", "realisasi_tw",
                             "TPT menurut rilis BPS Agustus 2026 adalah 3,9 %.", "3,9")
    koreksi.add_correction(session, actors["perencana"], draft.id, f"BL:{BL}", "realisasi_tw",
                             "Sesuai SP2D.", "12.345.000")
    koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    koreksi.hand_over(session, actors["perencana"], rnd.id)
    arc = dokumentasi.document(session, actors["penyusun"], rnd.id)
    session.commit()

    final = session.get(Report, arc.report_id)
    xlsx = session.scalar(select(ReportFile.content).where(ReportFile.report_id == final.id,
                                                           ReportFile.name.like("%.xlsx")))
    rep_ind, rep_bl = _report_tables(xlsx)
    # Rekap & Unduh's download, made the way pages/rekap.py makes it
    b = recap.bundle(session, rnd.office_id, rnd.year, rnd.quarter)
    sig = exports.signer(session, rnd.office_id)
    wb = load_workbook(io.BytesIO(exports.to_xlsx(recap.views(b), "Rekap", sig.office_name, "TW III 2026", sig)),
                       data_only=True)
    rec_ind, rec_bl = _sheet(wb, "Per Indikator"), _sheet(wb, "Anggaran")
    members = zipfile.ZipFile(io.BytesIO(archive.archive_path(arc.path).read_bytes()))
    arc_ind = _archive_csv(members, "data/realisasi-indikator.csv")
    arc_bl = _archive_csv(members, "data/realisasi-anggaran.csv")

    assert rep_ind and set(rep_ind) == set(rec_ind) == set(arc_ind)
    compared = 0
    for code, row in rep_ind.items():
        for column in ("Target Tahunan", "Target TW", "Realisasi TW", "Capaian TW (%)", "Target s.d. TW",
                       "Realisasi s.d. TW", "Capaian s.d. TW (%)"):
            assert _num(row[column]) == _num(rec_ind[code][column]), (code, column, row[column],
                                                                      rec_ind[code][column])
            compared += 1
        # the report's Predikat is the quarter's (capaian TW); the recap's column of that name is the year
        # to date's, so the quarter's predicate is read from the recap's Capaian TW
        rec_cap = rec_ind[code]["Capaian TW (%)"]
        if isinstance(rec_cap, (int, float)):
            assert row["Predikat"] == achievement.predicate(Decimal(str(rec_cap))), code
        assert _num(row["Realisasi TW"]) == _num(arc_ind[code]["nilai"]), code
    assert set(rep_bl) == set(rec_bl) == set(arc_bl)
    for code, row in rep_bl.items():
        for column in ("Pagu (Rp)", "Realisasi TW (Rp)", "Realisasi s.d. TW (Rp)", "Serapan TW (%)",
                       "Serapan s.d. TW (%)"):
            assert _num(row[column]) == _num(rec_bl[code][column]), (code, column)
            compared += 1
        assert _num(row["Realisasi TW (Rp)"]) == _num(arc_bl[code]["realisasi"]), code
        assert _num(row["Pagu (Rp)"]) == _num(arc_bl[code]["pagu"]), code
    assert compared > 50
    # the corrected values themselves, not the old ones
    assert _num(rep_ind["IKU-01"]["Realisasi TW"]) == 3.9 != _num(old)
    assert _num(rec_ind["IKU-01"]["Realisasi TW"]) == 3.9 and _num(arc_ind["IKU-01"]["nilai"]) == 3.9
    assert _num(rep_ind["IKU-01"]["Realisasi s.d. TW"]) == 3.9  # last value: the year to date is this quarter
    assert _num(rep_bl[BL]["Realisasi TW (Rp)"]) == 12345000 == _num(rec_bl[BL]["Realisasi TW (Rp)"])
