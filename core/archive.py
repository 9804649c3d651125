"""The archive of a documented round: one zip per final version, read back, cut per unit, verified.

A bundle holds the report files, a data snapshot, the evidence files and the round's history, with a
manifest of SHA-256 checksums. Unit roles get their unit's part of it (core.permissions.read_scope).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, exports
from core.actor import Actor
from core.config import get_settings
from core.errors import NotAllowed, NotFound
from core.permissions import ReadScope, read_scope
from db.models import (
    Archive,
    CollectionRound,
    Correction,
    Indicator,
    OrgUnit,
    Report,
    ReviewComment,
    SopStep,
    StepRecord,
    Submission,
    User,
    utcnow,
)


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    """Semicolon CSV with BOM (Excel opens it directly), text neutralised by the app's one writer rule."""
    return exports.csv_bytes(rows, columns, delimiter=";")


def _json(data: Any) -> bytes:
    return json.dumps(audit.jsonable(data), ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _evidence_path(stored_path: str) -> Path:
    p = Path(stored_path)
    return p if p.is_absolute() else get_settings().upload_dir / p


def _members(session: Session, rnd: CollectionRound, rep: Report) -> dict[str, bytes]:
    """Every file of the bundle by its name inside the zip."""
    users = {u.id: u.full_name for u in session.scalars(select(User))}
    members: dict[str, bytes] = {}
    for f in rep.files:
        members[f"laporan/{f.name}"] = f.content
    members["laporan/baris-laporan.json"] = _json(rep.lines)

    subs = list(session.scalars(select(Submission).where(Submission.round_id == rnd.id).order_by(Submission.id)))
    inds = {i.id: i for i in session.scalars(select(Indicator).where(Indicator.office_id == rnd.office_id))}
    real_rows, budget_rows, evidence_rows, review_rows, comment_rows = [], [], [], [], []
    missing: list[str] = []
    for s in subs:
        for r in sorted(s.realizations, key=lambda r: r.id):
            ind = inds.get(r.indicator_id)
            real_rows.append({"unit": s.unit.name, "kode": ind.code if ind else r.indicator_id,
                              "indikator": ind.name if ind else "", "satuan": ind.satuan if ind else "",
                              "nilai": r.value, "alasan_tidak_diukur": r.not_measured_reason, "catatan": r.note,
                              "faktor_pendorong": r.faktor_pendorong, "kendala": r.kendala, "tindak_lanjut": r.tindak_lanjut, "versi": r.version,
                              "diubah_oleh": users.get(r.updated_by_id, ""), "diubah_pada": r.updated_at})
        for br in sorted(s.budget_realizations, key=lambda b: b.id):
            bl = br.budget_line
            budget_rows.append({"unit": s.unit.name, "kode": bl.code, "program": bl.program,
                                "kegiatan": bl.kegiatan, "sub_kegiatan": bl.sub_kegiatan, "pagu": bl.pagu,
                                "realisasi": br.amount, "versi": br.version,
                                "diubah_oleh": users.get(br.updated_by_id, ""), "diubah_pada": br.updated_at})
        for ev in sorted(s.evidence, key=lambda e: e.id):
            name = f"bukti/{s.unit.code}/{ev.id}-{Path(ev.filename).name}"
            path = _evidence_path(ev.stored_path)
            if path.is_file():
                members[name] = path.read_bytes()
            else:
                missing.append(f"{ev.filename} ({ev.stored_path})")
            evidence_rows.append({"unit": s.unit.name, "berkas": name, "nama_asli": ev.filename,
                                  "sha256_tercatat": ev.sha256, "ukuran": ev.size,
                                  "diunggah_oleh": users.get(ev.uploaded_by_id, ""), "diunggah_pada": ev.uploaded_at})
        for rv in s.reviews:
            review_rows.append({"unit": s.unit.name, "keputusan": rv.decision, "alasan": rv.reason,
                                "pemeriksa": users.get(rv.reviewer_id, ""), "waktu": rv.created_at})
        for c in session.scalars(select(ReviewComment).where(ReviewComment.submission_id == s.id)
                                 .order_by(ReviewComment.id)):
            ind = inds.get(c.indicator_id)
            comment_rows.append({"unit": s.unit.name, "indikator": ind.code if ind else "", "catatan": c.text,
                                 "penulis": users.get(c.author_id, ""), "waktu": c.created_at,
                                 "jawaban": c.response, "dijawab_oleh": users.get(c.responded_by_id, ""),
                                 "selesai": c.resolved, "diselesaikan_pada": c.resolved_at})
    if missing:
        members["bukti/BERKAS-TIDAK-DITEMUKAN.txt"] = (
            "Berkas bukti dukung berikut tercatat tetapi tidak ditemukan saat dokumentasi:\n"
            + "\n".join(missing) + "\n").encode("utf-8")
    steps = {s.number: s for s in session.scalars(select(SopStep))}
    step_rows = [{"langkah": r.step_number, "nama": steps[r.step_number].short_name if r.step_number in steps else "",
                  "pelaksana": users.get(r.actor_id, ""), "mulai": r.started_at, "selesai": r.finished_at,
                  "disposisi": r.disposition, "keluaran": r.output_ref}
                 for r in session.scalars(select(StepRecord).where(StepRecord.round_id == rnd.id)
                                          .order_by(StepRecord.id))]
    reports = list(session.scalars(select(Report).where(Report.round_id == rnd.id).order_by(Report.version)))
    by_id = {r.id: r for r in reports}
    correction_rows = [{"versi_laporan": by_id[c.report_id].version, "baris": c.line_key, "kolom": c.field,
                        "catatan": c.note, "nilai_usulan": c.proposed_value, "penulis": users.get(c.author_id, ""),
                        "waktu": c.created_at, "selesai": c.resolved,
                        "diterapkan_pada_versi": by_id[c.applied_in_report_id].version
                        if c.applied_in_report_id in by_id else ""}
                       for c in session.scalars(select(Correction).where(Correction.report_id.in_(list(by_id)))
                                                .order_by(Correction.id))]
    report_rows = [{"versi": r.version, "jenis": r.kind, "dibuat_oleh": users.get(r.created_by_id, ""),
                    "dibuat_pada": r.created_at, "catatan": r.note,
                    "berkas": ", ".join(f"{f.name} ({f.sha256})" for f in r.files)} for r in reports]

    members["data/realisasi-indikator.csv"] = _csv(real_rows, list(real_rows[0]) if real_rows else ["unit"])
    members["data/realisasi-anggaran.csv"] = _csv(budget_rows, list(budget_rows[0]) if budget_rows else ["unit"])
    members["data/data-pengumpulan.json"] = _json({
        "pengumpulan": {"tahun": rnd.year, "triwulan": rnd.quarter, "status": rnd.status,
                        "dibuka": rnd.opened_at, "ditutup": rnd.closed_at, "instruksi": rnd.instruction},
        "realisasi_indikator": real_rows, "realisasi_anggaran": budget_rows, "bukti_dukung": evidence_rows,
    })
    history = {"langkah": step_rows, "pemeriksaan": review_rows, "catatan_pemeriksa": comment_rows,
               "koreksi": correction_rows, "versi_laporan": report_rows}
    for name, rows in history.items():
        members[f"riwayat/{name.replace('_', '-')}.csv"] = _csv(rows, list(rows[0]) if rows else ["keterangan"])
    members["riwayat/riwayat.json"] = _json(history)
    return members


def _zip_bytes(members: dict[str, bytes], manifest_doc: dict[str, Any], when: dt.datetime) -> bytes:
    """The members (sorted, all stamped `when`) and manifest.json: the same bytes for the same content."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, members[name])
        info = zipfile.ZipInfo("manifest.json", date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, _json(manifest_doc))
    return buf.getvalue()


def _write_zip(path: Path, members: dict[str, bytes], manifest: dict[str, str], when: dt.datetime) -> bytes:
    data = _zip_bytes(members, {"algoritma": "sha256", "berkas": manifest}, when)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data


def archive_path(stored: str) -> Path:
    """Where an archive bundle is on disk: stored relative to settings.archive_dir (so a restored backup
    in another data folder still finds it); absolute paths are taken as they are."""
    p = Path(stored)
    return p if p.is_absolute() else get_settings().archive_dir / p


def archives(session: Session, office_id: Optional[int] = None) -> pd.DataFrame:
    """Every archive bundle of every round, newest round first."""
    users = {u.id: u.full_name for u in session.scalars(select(User))}
    stmt = select(Archive, CollectionRound, Report).join(CollectionRound, Archive.round_id == CollectionRound.id) \
        .join(Report, Archive.report_id == Report.id)
    if office_id is not None:
        stmt = stmt.where(CollectionRound.office_id == office_id)
    rows = []
    for arc, rnd, rep in session.execute(stmt.order_by(CollectionRound.year.desc(), CollectionRound.quarter.desc(),
                                                       Archive.version.desc())):
        rows.append({"archive_id": arc.id, "round_id": rnd.id, "year": rnd.year, "quarter": rnd.quarter,
                     "version": arc.version, "report_id": rep.id, "note": rep.note, "path": arc.path,
                     "file_name": Path(arc.path).name, "size": arc.size, "sha256": arc.sha256,
                     "members": len(arc.manifest or {}), "created_at": arc.created_at,
                     "created_by": users.get(arc.created_by_id, "")})
    return pd.DataFrame(rows, columns=["archive_id", "round_id", "year", "quarter", "version", "report_id", "note",
                                       "path", "file_name", "size", "sha256", "members", "created_at",
                                       "created_by"])


def finished_without_archive(session: Session, office_id: Optional[int]) -> list[str]:
    """Labels ("TW II 2026") of the office's finished rounds that have no archive: rounds recorded as finished
    without going through step 9 in Kinerja (the history entered before the app was used)."""
    from core.round_status import round_label
    from core.states import RoundState

    if office_id is None:
        return []
    archived = select(Archive.round_id)
    return [round_label(y, q) for y, q in session.execute(
        select(CollectionRound.year, CollectionRound.quarter)
        .where(CollectionRound.office_id == office_id, CollectionRound.status == RoundState.SELESAI,
               CollectionRound.id.not_in(archived))
        .order_by(CollectionRound.year.desc(), CollectionRound.quarter.desc()))]


def archive_file(session: Session, archive_id: int) -> Path:
    """Where the archive bundle is; NotFound with what to do when the file is gone."""
    arc = session.get(Archive, archive_id)
    if arc is None:
        raise NotFound("Arsip tidak ditemukan.")
    path = archive_path(arc.path)
    if not path.is_file():
        raise NotFound(f"Berkas arsip tidak ditemukan di {arc.path}. Hubungi administrator untuk memulihkan "
                       "dari cadangan.")
    return path


SHARED_MEMBERS = frozenset({"riwayat/langkah.csv", "riwayat/versi-laporan.csv"})


UNIT_CSV_MEMBERS = frozenset({"data/realisasi-indikator.csv", "data/realisasi-anggaran.csv",
                              "riwayat/pemeriksaan.csv", "riwayat/catatan-pemeriksa.csv"})


MISSING_EVIDENCE = "bukti/BERKAS-TIDAK-DITEMUKAN.txt"


@dataclass(frozen=True)
class ArchiveAccess:
    """What an actor downloads of one archive: the whole bundle, or the part of their units."""

    archive_id: int
    whole: bool
    file_name: str
    unit_names: tuple[str, ...]  # the units of a unit part, as named in the archive's rows

    @property
    def label(self) -> str:
        return "Unduh arsip (.zip)" if self.whole else "Unduh arsip bagian unit Anda (.zip)"


def _archive_scope(session: Session, actor: Actor, archive_id: int) -> tuple[Archive, ReadScope, list[OrgUnit]]:
    arc = session.get(Archive, archive_id)
    if arc is None:
        raise NotFound("Arsip tidak ditemukan.")
    rnd = session.get(CollectionRound, arc.round_id)
    scope = read_scope(session, actor, rnd.office_id)
    if scope.other_office:
        raise NotAllowed("Arsip ini milik perangkat daerah lain.")
    if scope.all_units:
        return arc, scope, []
    if not scope.unit_ids:
        raise NotAllowed("Akun Anda tidak terhubung dengan unit kerja; arsip lengkap hanya dapat diunduh oleh "
                         "Kepala Dinas, Sekretaris, Staf Penyusun, JFT Perencana, Administrator dan Pemantau.")
    units = list(session.scalars(select(OrgUnit).where(OrgUnit.id.in_(scope.unit_ids)).order_by(OrgUnit.code)))
    reporting_units = set(session.scalars(select(Submission.unit_id).where(Submission.round_id == rnd.id,
                                                                           Submission.unit_id.in_(scope.unit_ids))))
    # the units that reported in the round (a Kasubag's part is the Sekretariat's), else the account's own
    return arc, scope, [u for u in units if u.id in reporting_units] or units


def archive_access(session: Session, actor: Actor, archive_id: int) -> ArchiveAccess:
    """Whether the actor gets the whole archive or their unit's part, and its file name; NotFound (with what to
    do) when the bundle is gone from disk."""
    arc, scope, units = _archive_scope(session, actor, archive_id)
    archive_file(session, archive_id)
    name = Path(arc.path).name
    if not scope.all_units:
        name = f"{name.removesuffix('.zip')}-bagian-{'-'.join(u.code for u in units).lower()}.zip"
    return ArchiveAccess(arc.id, scope.all_units, name, tuple(u.name for u in units))


def archive_download(session: Session, actor: Actor, archive_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of what the actor may download of the archive: the stored bundle itself for the roles
    that read every unit, otherwise the part of the actor's units (see above)."""
    access = archive_access(session, actor, archive_id)
    arc = session.get(Archive, archive_id)
    data = archive_file(session, archive_id).read_bytes()
    if access.whole:
        return access.file_name, data
    return access.file_name, unit_part(data, access.unit_names, arc)


def _filter_csv(content: bytes, keep: Any) -> bytes:
    """The CSV with the header and the rows for which keep(row as dict) holds; kept rows byte for byte as
    written (same dialect as exports.csv_bytes, the cells already neutralised)."""
    import csv

    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    if not rows:
        return content
    header = rows[0]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows[1:]:
        if keep(dict(zip(header, row))):
            writer.writerow(row)
    return buf.getvalue().encode("utf-8-sig")


def unit_part(data: bytes, unit_names: tuple[str, ...], arc: Archive) -> bytes:
    """The part of a stored archive bundle that belongs to the named units (see the rules above), as a zip
    with its own manifest that names the bundle it was cut from."""
    names = set(unit_names) | {exports.neutralise(n) for n in unit_names}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        stored = {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}
    mine = lambda row: row.get("unit") in names  # noqa: E731
    lines = json.loads(stored.get("laporan/baris-laporan.json", b"[]"))
    my_lines = {ln.get("key") for ln in lines if ln.get("unit") in names}
    mine_line = lambda row: row.get("baris") in my_lines  # noqa: E731
    snapshot = json.loads(stored["data/data-pengumpulan.json"]) if "data/data-pengumpulan.json" in stored else {}
    evidence = [r for r in snapshot.get("bukti_dukung", []) if mine(r)]
    members: dict[str, bytes] = {}
    for name, content in stored.items():
        if name.startswith("laporan/") or name in SHARED_MEMBERS:
            members[name] = content
        elif name in UNIT_CSV_MEMBERS:
            members[name] = _filter_csv(content, mine)
        elif name == "riwayat/koreksi.csv":
            members[name] = _filter_csv(content, mine_line)
    for row in evidence:
        if row.get("berkas") in stored:
            members[row["berkas"]] = stored[row["berkas"]]
    gone = [r.get("nama_asli", "") for r in evidence if r.get("berkas") not in stored]
    if gone:
        members[MISSING_EVIDENCE] = (
            "Berkas bukti dukung berikut tercatat tetapi tidak ditemukan saat dokumentasi:\n"
            + "\n".join(gone) + "\n").encode("utf-8")
    if snapshot:
        for key in ("realisasi_indikator", "realisasi_anggaran"):
            snapshot[key] = [r for r in snapshot.get(key, []) if mine(r)]
        snapshot["bukti_dukung"] = evidence
        members["data/data-pengumpulan.json"] = _json(snapshot)
    if "riwayat/riwayat.json" in stored:
        history = json.loads(stored["riwayat/riwayat.json"])
        for key in ("pemeriksaan", "catatan_pemeriksa"):
            history[key] = [r for r in history.get(key, []) if mine(r)]
        history["koreksi"] = [r for r in history.get("koreksi", []) if mine_line(r)]
        members["riwayat/riwayat.json"] = _json(history)
    manifest = {name: hashlib.sha256(content).hexdigest() for name, content in sorted(members.items())}
    return _zip_bytes(members, {"algoritma": "sha256", "berkas": manifest, "bagian_unit": list(unit_names),
                                "dari_arsip": {"berkas": Path(arc.path).name, "sha256": arc.sha256}},
                      arc.created_at or utcnow())


def _visible_members(session: Session, actor: Actor, arc: Archive, names: list[str]) -> set[str]:
    """Which member names of the archive the actor may see listed (in a verification): all of them for the
    roles that read every unit; otherwise every name but the evidence files of other units."""
    _arc, scope, units = _archive_scope(session, actor, arc.id)
    if scope.all_units:
        return set(names)
    own = tuple(f"bukti/{u.code}/" for u in units)
    return {n for n in names if not n.startswith("bukti/") or (n.startswith(own) and n != MISSING_EVIDENCE)}


@dataclass(frozen=True)
class ArchiveCheck:
    archive_id: int
    path: str
    file_status: str  # ok / changed / missing: the zip's own SHA-256 against the Archive row
    members: pd.DataFrame  # name, expected, actual, status (ok / changed / missing / extra)

    @property
    def ok(self) -> bool:
        return self.file_status == "ok" and bool((self.members["status"] == "ok").all())


def verify_archive(session: Session, actor: Actor, archive_id: int) -> ArchiveCheck:
    """Recompute every checksum of the bundle on disk against the manifest recorded at documentation.

    Every account of the office may verify; the members listed are the ones of what the actor may download
    (core.permissions.read_scope): a unit sees no file name of another unit's evidence."""
    arc, _scope, _names = _archive_scope(session, actor, archive_id)
    check = _verify(arc)
    visible = _visible_members(session, actor, arc, list(check.members["name"]))
    if len(visible) == len(check.members):
        return check
    return ArchiveCheck(check.archive_id, check.path, check.file_status,
                        check.members[check.members["name"].isin(visible)].reset_index(drop=True))


def _verify(arc: Archive) -> ArchiveCheck:
    path = archive_path(arc.path)
    manifest = dict(arc.manifest or {})
    rows = []
    if not path.is_file():
        rows = [{"name": n, "expected": h, "actual": None, "status": "missing"} for n, h in sorted(manifest.items())]
        return ArchiveCheck(arc.id, arc.path, "missing", pd.DataFrame(rows, columns=["name", "expected", "actual",
                                                                                     "status"]))
    data = path.read_bytes()
    file_status = "ok" if hashlib.sha256(data).hexdigest() == arc.sha256 and len(data) == arc.size else "changed"
    actual: dict[str, str] = {}
    readable = True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for name in zf.namelist():
                if name == "manifest.json":
                    continue
                try:
                    actual[name] = hashlib.sha256(zf.read(name)).hexdigest()
                except (zipfile.BadZipFile, OSError, ValueError):
                    actual[name] = "tidak-terbaca"
    except zipfile.BadZipFile:
        readable = False
    for name, expected in sorted(manifest.items()):
        if not readable:
            status, got = "changed", None
        elif name not in actual:
            status, got = "missing", None
        else:
            got = actual[name]
            status = "ok" if got == expected else "changed"
        rows.append({"name": name, "expected": expected, "actual": got, "status": status})
    for name in sorted(set(actual) - set(manifest)):
        rows.append({"name": name, "expected": None, "actual": actual[name], "status": "extra"})
    return ArchiveCheck(arc.id, arc.path, file_status,
                        pd.DataFrame(rows, columns=["name", "expected", "actual", "status"]))
