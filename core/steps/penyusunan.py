"""SOP step 5, Penyusunan Draf (pages/pengolahan.py): the draft report from the accepted data.

Every report is a new version (draf → koreksi … → final), built from the data (core.report_doc); nothing
is overwritten. The versions and their lines are read by core.report_versions.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, workflow
from core.actor import Actor
from core.report_doc import build_report
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
}
__all__ = ["ACTIONS", "PAGE", "tasks", "compile_draft"]


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
