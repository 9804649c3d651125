"""SOP step 5, Penyusunan Draf (pages/pengolahan.py): the draft report from the accepted data.

Every report is a new version (draf → koreksi … → final), built from the data (core.report_doc); nothing
is overwritten. The versions and their lines are read by core.report_versions.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, workflow
from core.actor import Actor
from core.errors import Conflict, InvalidInput
from core.forms.renja_eval import FOOTER_LABELS
from core.parsing import parse_text
from core.permissions import require_office
from core.report_doc import FOOTER_FIELDS, build_report, compiled_footer, report_lines
from core.states import ReportKind
from core.steps.base import Rule, TaskContext, begin
from core.steps.pengolahan import PAGE
from db.models import (
    CollectionRound,
    Report,
    ReportFile,
    utcnow,
)

ACTIONS = {
    "report.compile": Rule("menyusun draf laporan", step="penyusunan"),
    "report.renja_footer": Rule("mengisi catatan Evaluasi Hasil Renja (E.81)", step="penyusunan"),
}
__all__ = ["ACTIONS", "PAGE", "tasks", "compile_draft", "renja_footer", "save_renja_footer", "RenjaFooter"]


def tasks(ctx: TaskContext) -> None:
    for rnd in ctx.rounds:
        if rnd.at("penyusunan") and ctx.may("report.compile"):
            ctx.add(f"Susun draf laporan {rnd.label}", PAGE.path)


def _next_version(session: Session, round_id: int) -> int:
    return (session.scalar(select(func.max(Report.version)).where(Report.round_id == round_id)) or 0) + 1


def _store_report(session: Session, actor: Actor, rnd: CollectionRound, kind: str,
                  lines: Optional[list[dict[str, Any]]] = None, note: str = "") -> Report:
    version = _next_version(session, rnd.id)
    bundle = build_report(session, rnd.id, kind, version, lines)
    rep = Report(round_id=rnd.id, kind=kind, version=version, lines=copy.deepcopy(bundle.lines),
                 created_by_id=actor.user_id, created_at=utcnow(), note=note)
    session.add(rep)
    session.flush()
    for f in bundle.files:
        session.add(ReportFile(report_id=rep.id, name=f.name, media_type=f.media_type, content=f.content,
                               size=len(f.content), sha256=hashlib.sha256(f.content).hexdigest()))
    session.flush()
    session.refresh(rep, ["files"])
    audit.record(session, actor, f"report.{kind}", "report", rep.id,
                 after={"round_id": rnd.id, "kind": kind, "version": version, "note": note,
                        "files": {f.name: f.sha256 for f in rep.files}}, office_id=rnd.office_id)
    return rep


def _advance(session: Session, rnd: CollectionRound, actor: Actor, disposition: str, output_ref: str = "") -> None:
    before = {"current_step": rnd.current_step}
    workflow.advance(session, rnd, actor, disposition=disposition, output_ref=output_ref)
    audit.record(session, actor, "round.advance", "collection_round", rnd.id, before=before,
                 after={"current_step": rnd.current_step}, office_id=rnd.office_id)


def compile_draft(session: Session, actor: Actor, round_id: int, note: str = "") -> Report:
    """Step 5: the draft report from the accepted data; the round moves on to dissemination."""
    rnd, _step = begin(session, actor, "report.compile", round_id, "penyusunan")
    rep = _store_report(session, actor, rnd, ReportKind.DRAF, note=note or "Draf laporan capaian kinerja triwulan.")
    _advance(session, rnd, actor, "Draf laporan kinerja disusun.", f"Draf v{rep.version}")
    return rep


# --- the E.81 footer ---------------------------------------------------------------------------

FOOTER_MAX = 4000


@dataclass(frozen=True)
class RenjaFooter:
    """The footer of the round's Renja evaluation: what it shows (`texts`), what the units' entries compile
    to (`compiled`) and what the round holds (`stored`, None = compiled)."""

    texts: dict[str, str]
    compiled: dict[str, str]
    stored: dict[str, Optional[str]]


def renja_footer(session: Session, actor: Actor, round_id: int) -> RenjaFooter:
    """The E.81 footer of a round as the Penyusunan form shows it."""
    rnd = workflow.get_round(session, round_id, for_update=False)
    require_office(actor, rnd.office_id)
    compiled = compiled_footer(report_lines(session, round_id))
    stored = {f: getattr(rnd, f) for f in FOOTER_FIELDS}
    return RenjaFooter({f: stored[f] if stored[f] is not None else compiled[f] for f in FOOTER_FIELDS},
                       compiled, stored)


def save_renja_footer(session: Session, actor: Actor, round_id: int, texts: dict[str, Any],
                      expected: Optional[dict[str, Optional[str]]] = None) -> dict[str, Optional[str]]:
    """Step 5: the Staf Penyusun sets the E.81 footer (faktor pendorong, faktor penghambat, tindak lanjut
    triwulan berikutnya, tindak lanjut Renja berikutnya) before the draft is compiled. A text equal to what
    the units' entries compile to is stored as NULL, so it keeps following them. `texts` holds the fields the
    person changed; `expected` is the stored footer the form was drawn from: each of those fields is saved only
    if nobody changed it since (two people may each change another field). Returns the stored columns."""
    rnd, _step = begin(session, actor, "report.renja_footer", round_id, "penyusunan")
    unknown = set(texts) - set(FOOTER_FIELDS)
    if unknown:
        raise InvalidInput(f"Kolom catatan tidak dikenal: {', '.join(sorted(unknown))}.")
    before = {f: getattr(rnd, f) for f in FOOTER_FIELDS}
    changed = [f for f in FOOTER_FIELDS if f in texts and expected is not None and before[f] != expected.get(f)]
    if changed:
        names = ", ".join(FOOTER_LABELS[f] for f in changed)
        raise Conflict(f"{names} baru saja diubah oleh pengguna lain. Catatan belum disimpan; isian terbaru kini "
                       "ditampilkan: ulangi perubahan Anda di atasnya.")
    values = {f: parse_text(v) for f, v in texts.items()}
    too_long = [f for f, v in values.items() if len(v) > FOOTER_MAX]
    if too_long:
        raise InvalidInput(f"Catatan terlalu panjang (paling banyak {FOOTER_MAX} karakter per isian). "
                           "Ringkas isiannya lalu simpan kembali.")
    compiled = compiled_footer(report_lines(session, round_id))
    after = dict(before)
    for f, v in values.items():
        after[f] = None if v == compiled[f].strip() else v
    for f in FOOTER_FIELDS:
        setattr(rnd, f, after[f])
    session.flush()
    audit.record(session, actor, "round.renja_footer", "collection_round", rnd.id, before=before, after=after,
                 office_id=rnd.office_id)
    return after
