"""SOP steps 1–2, Disposisi and Distribusi (pages/disposisi.py).

Step 1 (Disposisi): the Kepala Dinas opens the quarter's collection with an instruction and deadline.
Step 2 (Distribusi): the Sekretaris passes it on to every unit that owns indicators, each with its own
deadline and disposition; one Submission per unit. The Sekretaris may extend a unit's deadline with a
reason (the Extension rows keep the history).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock, workflow
from core.actor import Actor
from core.errors import Conflict, InvalidInput
from core.fmt import date as fmt_date
from core.fmt import datetime as fmt_datetime
from core.permissions import require
from core.round_status import collection_quarter, deadline_in_force, get_submission, round_label, submitted
from core.sop import step_by_code
from core.states import RoundState, SubmissionState, submission_label
from core.steps.base import PageSpec, Rule, TaskContext, begin
from db.models import (
    BudgetLine,
    CollectionRound,
    Extension,
    Indicator,
    OrgUnit,
    Submission,
    utcnow,
)

ACTIONS = {
    "round.open": Rule("membuka pengumpulan data (langkah Disposisi)", step="disposisi"),
    "round.distribute": Rule("mendistribusikan pengumpulan data", step="distribusi"),
    "submission.extend": Rule("memberi perpanjangan tenggat", step="distribusi"),
}
PAGE = PageSpec("pages/disposisi.py", "Disposisi", ":material/assignment:", "Pengumpulan Data",
                steps=("disposisi", "distribusi"))


def tasks(ctx: TaskContext) -> None:
    if ctx.may("round.open"):
        year, quarter = collection_quarter(ctx.today)
        exists = ctx.session.scalar(select(CollectionRound.id).where(
            CollectionRound.office_id == ctx.actor.office_id, CollectionRound.year == year,
            CollectionRound.quarter == quarter))
        if exists is None:
            ctx.add(f"Buka pengumpulan data {round_label(year, quarter)}", PAGE.path)
    for rnd in ctx.rounds:
        if rnd.at("disposisi") and ctx.may("round.open"):
            ctx.add(f"Buka pengumpulan data {rnd.label}", PAGE.path, rnd.deadline)
        if rnd.at("distribusi") and ctx.may("round.distribute"):
            ctx.add(f"Distribusikan pengumpulan data {rnd.label} kepada unit kerja", PAGE.path, rnd.deadline)


DEFAULT_DISPOSITION = (
    "Mohon mengisi realisasi indikator kinerja, realisasi anggaran, kendala dan tindak lanjut, "
    "beserta bukti dukung, lalu mengajukannya sebelum tenggat."
)
# for a unit without DPA lines of the year (a JFT group): nothing about a budget it does not have
DEFAULT_DISPOSITION_NO_BUDGET = (
    "Mohon mengisi realisasi indikator kinerja, kendala dan tindak lanjut, beserta bukti dukung, lalu "
    "mengajukannya sebelum tenggat."
)


def open_round(session: Session, actor: Actor, year: int, quarter: int, instruction: str,
               deadline: Optional[dt.date], today: Optional[dt.date] = None) -> CollectionRound:
    """Step 1: the Kepala Dinas orders the quarter's collection; the round moves on to Distribusi."""
    require(session, actor, "round.open")
    today = today or clock.today()
    if actor.office_id is None:
        raise InvalidInput("Akun Anda belum terhubung dengan perangkat daerah. Hubungi administrator.")
    problems = []
    if quarter not in (1, 2, 3, 4):
        problems.append("Pilih triwulan TW I sampai TW IV.")
    if not (2000 <= int(year) <= 2100):
        problems.append("Tahun tidak sah.")
    instruction = (instruction or "").strip()
    if not instruction:
        problems.append("Isi instruksi (disposisi) Kepala Dinas.")
    if deadline is None:
        problems.append("Isi tenggat pengumpulan data.")
    elif deadline < today:
        problems.append(f"Tenggat {fmt_date(deadline)} sudah lewat; pilih tanggal hari ini atau sesudahnya.")
    if problems:
        raise InvalidInput("Pengumpulan data belum dapat dibuka: " + " ".join(problems), problems)
    existing = session.scalar(select(CollectionRound).where(
        CollectionRound.office_id == actor.office_id, CollectionRound.year == year,
        CollectionRound.quarter == quarter))
    if existing is not None:
        state = "sudah selesai" if existing.status == RoundState.SELESAI else "sedang berjalan"
        raise Conflict(f"Pengumpulan data {round_label(year, quarter)} sudah dibuka pada "
                       f"{fmt_datetime(existing.opened_at)} dan {state}; satu triwulan hanya satu kali.")
    first = step_by_code(session, "disposisi")
    rnd = CollectionRound(office_id=actor.office_id, year=year, quarter=quarter, current_step=first.number,
                          status=RoundState.BERJALAN, instruction=instruction, deadline=deadline,
                          opened_by_id=actor.user_id or None, opened_at=utcnow())
    session.add(rnd)
    session.flush()
    workflow.open_record(session, rnd, first, started_at=rnd.opened_at)
    workflow.advance(session, rnd, actor, disposition=instruction)
    audit.record(session, actor, "round.open", "collection_round", rnd.id, before=None,
                 after=audit.snapshot(rnd), office_id=rnd.office_id)
    return rnd


@dataclass
class Assignment:
    unit_id: int
    unit_name: str
    deadline: dt.date
    disposition: str


def reporting_units(session: Session, office_id: int, year: Optional[int] = None) -> list[OrgUnit]:
    """Active units of the office that own active indicators (or, for the year, DPA lines)."""
    owners = set(session.scalars(select(Indicator.owner_unit_id).where(
        Indicator.office_id == office_id, Indicator.active.is_(True))))
    units = session.scalars(select(OrgUnit).where(OrgUnit.id.in_(owners), OrgUnit.active.is_(True))
                            .order_by(OrgUnit.sort_order, OrgUnit.id))
    return list(units)


def default_assignments(session: Session, round_id: int) -> list[Assignment]:
    rnd = workflow.get_round(session, round_id)
    deadline = rnd.deadline or clock.today()
    with_budget = set(session.scalars(select(BudgetLine.owner_unit_id).where(
        BudgetLine.office_id == rnd.office_id, BudgetLine.year == rnd.year).distinct()))
    return [Assignment(u.id, u.name, deadline,
                       DEFAULT_DISPOSITION if u.id in with_budget else DEFAULT_DISPOSITION_NO_BUDGET)
            for u in reporting_units(session, rnd.office_id, rnd.year)]


def distribute(session: Session, actor: Actor, round_id: int, assignments: Optional[list[Assignment]] = None,
               disposition: str = "") -> list[Submission]:
    """Step 2: one Submission per unit with its deadline and disposition; the round moves on to Isi Data."""
    rnd, _step = begin(session, actor, "round.distribute", round_id, "distribusi")
    if assignments is None:
        assignments = default_assignments(session, round_id)
    problems = []
    if not assignments:
        problems.append("Pilih sekurang-kurangnya satu unit kerja.")
    seen: set[int] = set()
    for a in assignments:
        unit = session.get(OrgUnit, a.unit_id)
        name = unit.name if unit else a.unit_name or str(a.unit_id)
        if unit is None or unit.office_id != rnd.office_id or not unit.active:
            problems.append(f"{name}: bukan unit kerja aktif perangkat daerah ini.")
            continue
        if a.unit_id in seen:
            problems.append(f"{name}: tercantum lebih dari satu kali.")
        seen.add(a.unit_id)
        if a.deadline is None:
            problems.append(f"{name}: isi tenggat.")
        elif rnd.deadline is not None and a.deadline > rnd.deadline:
            problems.append(f"{name}: tenggat {fmt_date(a.deadline)} melewati tenggat Kepala Dinas "
                            f"{fmt_date(rnd.deadline)}.")
        if not (a.disposition or "").strip():
            problems.append(f"{name}: isi teks disposisi.")
    if problems:
        raise InvalidInput("Distribusi belum dapat disimpan. " + " ".join(problems), problems)
    now = utcnow()
    subs = []
    for a in assignments:
        sub = Submission(round_id=rnd.id, unit_id=a.unit_id, state=SubmissionState.BELUM_MULAI, deadline=a.deadline,
                         disposition=a.disposition.strip(), distributed_at=now)
        session.add(sub)
        subs.append(sub)
    session.flush()
    text = (disposition or "").strip() or f"Diteruskan kepada {len(subs)} unit kerja."
    before_round = {"current_step": rnd.current_step}
    workflow.advance(session, rnd, actor, disposition=text)
    audit.record(session, actor, "round.advance", "collection_round", rnd.id, before=before_round,
                 after={"current_step": rnd.current_step, "disposition": text}, office_id=rnd.office_id)
    for sub in subs:
        audit.record(session, actor, "round.distribute", "submission", sub.id, before=None,
                     after=audit.snapshot(sub), office_id=rnd.office_id)
    return subs


def grant_extension(session: Session, actor: Actor, submission_id: int, new_deadline: Optional[dt.date],
                    reason: str) -> Extension:
    """The Sekretaris extends one unit's deadline; the reason and the old deadline are kept."""
    sub = get_submission(session, submission_id, for_update=True)
    require(session, actor, "submission.extend", office_id=sub.round.office_id)
    workflow.ensure_open(sub.round)
    if submitted(sub.state):
        raise Conflict(f"Data {sub.unit.name} sudah {submission_label(sub.state).lower()}; "
                       "perpanjangan tenggat tidak diperlukan lagi.")
    problems = []
    reason = (reason or "").strip()
    if not reason:
        problems.append("Isi alasan perpanjangan.")
    current = deadline_in_force(sub)
    if new_deadline is None:
        problems.append("Isi tenggat baru.")
    elif new_deadline <= current:
        problems.append(f"Tenggat baru harus sesudah tenggat yang berlaku ({fmt_date(current)}).")
    if problems:
        raise InvalidInput("Perpanjangan belum dapat diberikan. " + " ".join(problems), problems)
    ext = Extension(submission_id=sub.id, old_deadline=current, new_deadline=new_deadline, reason=reason,
                    granted_by_id=actor.user_id, granted_at=utcnow())
    session.add(ext)
    sub.version += 1
    session.flush()
    session.refresh(sub, ["extensions"])
    audit.record(session, actor, "submission.extend", "submission", sub.id,
                 before={"deadline": current}, after={"deadline": new_deadline, "reason": reason,
                                                      "extension_id": ext.id},
                 office_id=sub.round.office_id)
    return ext


def assignments_table(assignments: list[Assignment]) -> pd.DataFrame:
    """The editable distribution table (unit id hidden in the page)."""
    return pd.DataFrame({
        "unit_id": [a.unit_id for a in assignments],
        "Ikut": [True for _ in assignments],
        "Unit kerja": [a.unit_name for a in assignments],
        "Tenggat": [a.deadline for a in assignments],
        "Disposisi": [a.disposition for a in assignments],
    })


def assignments_from_table(df: pd.DataFrame) -> list[Assignment]:
    """The rows ticked 'Ikut' of the edited distribution table."""
    out = []
    for row in df.to_dict("records"):
        if not row.get("Ikut"):
            continue
        deadline = row.get("Tenggat")
        if isinstance(deadline, pd.Timestamp):
            deadline = deadline.date()
        if deadline is not None and not isinstance(deadline, dt.date):
            deadline = None
        if isinstance(deadline, dt.datetime):
            deadline = deadline.date()
        disposition = row.get("Disposisi")
        out.append(Assignment(int(row["unit_id"]), str(row.get("Unit kerja") or ""), deadline,
                              "" if disposition is None or disposition != disposition else str(disposition)))
    return out
