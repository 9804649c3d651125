"""SOP step 9, Dokumentasi (pages/dokumentasi.py): the final report, its archive, the round closed.

Documenting a round writes one archive bundle per final version (core.archive) and closes the round,
after which its data is read-only. A later correction is a reissue: a new final version with its own
archive, the old ones left byte-identical.
"""

from __future__ import annotations

import hashlib
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, workflow
from core.actor import ROLES, Actor
from core.archive import _members, _write_zip, archive_path
from core.errors import Conflict, InvalidInput
from core.permissions import require
from core.report_versions import FIXED_FIELDS, latest_report, open_corrections
from core.states import ReportKind, RoundState
from core.steps.base import PageSpec, Rule, TaskContext, begin
from core.steps.koreksi import _amend_all
from core.steps.penyusunan import _store_report
from db.models import (
    Archive,
    CollectionRound,
    Report,
    utcnow,
)

ACTIONS = {
    "report.document": Rule("mendokumentasikan laporan final", step="dokumentasi"),
}
# Every role reads the documented reports; the step's executors document them.
PAGE = PageSpec("pages/dokumentasi.py", "Dokumentasi", ":material/inventory_2:", "Pengumpulan Data",
                roles=ROLES, steps=("dokumentasi",))


def tasks(ctx: TaskContext) -> None:
    for rnd in ctx.rounds:
        if rnd.at("dokumentasi") and ctx.may("report.document"):
            ctx.add(f"Dokumentasikan laporan {rnd.label}", PAGE.path)


def _archive(session: Session, actor: Actor, rnd: CollectionRound, rep: Report) -> Archive:
    members = _members(session, rnd, rep)
    manifest = {name: hashlib.sha256(content).hexdigest() for name, content in sorted(members.items())}
    relative = f"{rnd.year}-TW{rnd.quarter}/arsip-laporan-kinerja-{rnd.year}-tw{rnd.quarter}-v{rep.version}.zip"
    path = archive_path(relative)
    if path.exists():
        if session.scalar(select(Archive).where(Archive.path == relative)) is not None:
            raise Conflict("Arsip versi ini sudah ada dan tidak boleh ditimpa.")
        path.rename(path.with_suffix(f".orphan-{utcnow():%Y%m%d%H%M%S}"))  # left by a failed attempt
    now = utcnow()
    data = _write_zip(path, members, manifest, now)
    arc = Archive(round_id=rnd.id, report_id=rep.id, version=rep.version, path=relative, size=len(data),
                  sha256=hashlib.sha256(data).hexdigest(), manifest=manifest, created_by_id=actor.user_id,
                  created_at=now)
    session.add(arc)
    session.flush()
    audit.record(session, actor, "archive.create", "archive", arc.id,
                 after=audit.snapshot(arc, ["round_id", "report_id", "version", "path", "size", "sha256"]),
                 office_id=rnd.office_id)
    return arc


def document(session: Session, actor: Actor, round_id: int, note: str = "") -> Archive:
    """Step 9: the final report, its archive bundle, and the round closed (data read-only from now on)."""
    rnd, _step = begin(session, actor, "report.document", round_id, "dokumentasi")
    if open_corrections(session, round_id):
        raise Conflict("Masih ada koreksi terbuka; laporan belum dapat didokumentasikan.")
    base = latest_report(session, round_id)
    if base is None:
        raise Conflict("Belum ada laporan untuk didokumentasikan.")
    # built from the data like every version: the final report says what the recap and the archive say
    rep = _store_report(session, actor, rnd, ReportKind.FINAL,
                        note=note.strip() or "Laporan kinerja triwulan final (didokumentasikan).")
    before = audit.snapshot(rnd, ["status", "current_step", "closed_at"])
    workflow.finish_current(session, rnd, actor, "Laporan kinerja triwulan didokumentasikan.",
                            f"Laporan final v{rep.version}")
    rnd.status = RoundState.SELESAI
    rnd.closed_at = utcnow()
    rnd.version = (rnd.version or 0) + 1
    session.flush()
    audit.record(session, actor, "round.close", "collection_round", rnd.id, before=before,
                 after=audit.snapshot(rnd, ["status", "current_step", "closed_at"]), office_id=rnd.office_id)
    return _archive(session, actor, rnd, rep)


def reissue(session: Session, actor: Actor, round_id: int, note: str,
            changes: Optional[list[tuple[str, str, str]]] = None) -> Archive:
    """A correction after documentation: a new final version and a new archive; old ones stay as they are.

    `changes` are (line key, field, value) of entered data, with the same rules as a correction: they
    amend the unit's data (audited, the reason being `note`), and the new version is built from the data,
    so it also carries whatever the Administrator has since fixed in the master data."""
    workflow.lock_for_write(session)
    rnd = workflow.get_round(session, round_id, for_update=True)
    require(session, actor, "report.document", office_id=rnd.office_id)
    if rnd.status != RoundState.SELESAI:
        raise Conflict("Penerbitan ulang hanya untuk pengumpulan data yang sudah didokumentasikan; "
                       "selama belum didokumentasikan, gunakan koreksi biasa.")
    note = (note or "").strip()
    if not note:
        raise InvalidInput("Tuliskan alasan penerbitan ulang (apa yang dikoreksi).")
    base = latest_report(session, round_id)
    if base is None:
        raise Conflict("Pengumpulan data ini belum memiliki laporan untuk diterbitkan ulang.")
    if changes:
        keys = {ln["key"]: ln for ln in base.lines}
        for key, field, _value in changes:
            if key not in keys or field not in keys[key] or field in FIXED_FIELDS:
                raise InvalidInput(f"Baris '{key}' kolom '{field}' tidak ada dalam laporan.")
        reason = {"correction_id": None, "note": note, "author": actor.full_name, "reissue_of_version": base.version}
        _amend_all(session, actor, rnd, [(keys[k], f, str(v), reason) for k, f, v in changes])
    rep = _store_report(session, actor, rnd, ReportKind.FINAL, note=note)
    return _archive(session, actor, rnd, rep)
