"""SOP steps 1–2 and the submissions they create: open a round, distribute it, receipt, extensions.

Step 1 (Disposisi): the Kepala Dinas opens the quarter's collection with an instruction and deadline.
Step 2 (Distribusi): the Sekretaris passes it on to every unit that owns indicators, each with its own
deadline and disposition; one Submission per unit. The unit head acknowledges receipt; the Sekretaris
may extend a unit's deadline with a reason (the Extension rows keep the history).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core import audit, clock, workflow
from core.actor import Actor
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.fmt import date as fmt_date
from core.fmt import datetime as fmt_datetime
from core.fmt import quarter_label
from core.permissions import require
from core.sop import step_by_code
from db.models import (
    CollectionRound,
    Extension,
    Indicator,
    OrgUnit,
    SopStep,
    Submission,
    User,
    utcnow,
)

STATE_LABELS = {
    "belum_mulai": "Belum mulai",
    "draf": "Draf",
    "diajukan": "Diajukan",
    "dikembalikan": "Dikembalikan",
    "diterima": "Diterima",
}
DEFAULT_DISPOSITION = (
    "Mohon mengisi realisasi indikator kinerja, realisasi anggaran, kendala dan tindak lanjut, "
    "beserta bukti dukung, lalu mengajukannya sebelum tenggat."
)


def round_label(year: int, quarter: int) -> str:
    """'TW III 2026'"""
    return f"{quarter_label(quarter)} {year}"


def collection_quarter(today: dt.date) -> tuple[int, int]:
    """The quarter whose data is collected now: the one that ended most recently."""
    q = (today.month - 1) // 3 + 1
    return (today.year - 1, 4) if q == 1 else (today.year, q - 1)


def _office_round(session: Session, actor: Actor, round_id: int, for_update: bool = False) -> CollectionRound:
    rnd = workflow.get_round(session, round_id, for_update=for_update)
    if actor.office_id is not None and rnd.office_id != actor.office_id:
        raise NotAllowed("Pengumpulan data ini milik perangkat daerah lain.")
    return rnd


def get_submission(session: Session, submission_id: int, for_update: bool = False) -> Submission:
    stmt = select(Submission).where(Submission.id == submission_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    sub = session.scalar(stmt)
    if sub is None:
        raise NotFound("Data unit (pengajuan) tidak ditemukan.")
    return sub


# --- step 1: Disposisi ----------------------------------------------------------------------


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
        state = "sudah selesai" if existing.status == "selesai" else "sedang berjalan"
        raise Conflict(f"Pengumpulan data {round_label(year, quarter)} sudah dibuka pada "
                       f"{fmt_datetime(existing.opened_at)} dan {state}; satu triwulan hanya satu kali.")
    first = step_by_code(session, "disposisi")
    rnd = CollectionRound(office_id=actor.office_id, year=year, quarter=quarter, current_step=first.number,
                          status="berjalan", instruction=instruction, deadline=deadline,
                          opened_by_id=actor.user_id or None, opened_at=utcnow())
    session.add(rnd)
    session.flush()
    workflow.open_record(session, rnd, first, started_at=rnd.opened_at)
    workflow.advance(session, rnd, actor, disposition=instruction)
    audit.record(session, actor, "round.open", "collection_round", rnd.id, before=None,
                 after=audit.snapshot(rnd), office_id=rnd.office_id)
    return rnd


# --- step 2: Distribusi ---------------------------------------------------------------------


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
    return [Assignment(u.id, u.name, deadline, DEFAULT_DISPOSITION)
            for u in reporting_units(session, rnd.office_id, rnd.year)]


def distribute(session: Session, actor: Actor, round_id: int, assignments: Optional[list[Assignment]] = None,
               disposition: str = "") -> list[Submission]:
    """Step 2: one Submission per unit with its deadline and disposition; the round moves on to Isi Data."""
    require(session, actor, "round.distribute")
    rnd = _office_round(session, actor, round_id, for_update=True)
    workflow.at_step(session, rnd, "distribusi")
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
        sub = Submission(round_id=rnd.id, unit_id=a.unit_id, state="belum_mulai", deadline=a.deadline,
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


# --- receipt and extensions -----------------------------------------------------------------


def acknowledge(session: Session, actor: Actor, submission_id: int) -> Submission:
    """The unit head confirms the disposition was received (once)."""
    sub = get_submission(session, submission_id, for_update=True)
    require(session, actor, "submission.acknowledge", sub.unit_id)
    workflow.ensure_open(sub.round)
    if sub.received_at is not None:
        who = session.get(User, sub.received_by_id) if sub.received_by_id else None
        raise Conflict(f"Disposisi sudah ditandai diterima pada {fmt_datetime(sub.received_at)}"
                       + (f" oleh {who.full_name}." if who else "."))
    before = audit.snapshot(sub, ["received_at", "received_by_id"])
    sub.received_at = utcnow()
    sub.received_by_id = actor.user_id or None
    sub.version += 1
    session.flush()
    audit.record(session, actor, "submission.acknowledge", "submission", sub.id, before=before,
                 after=audit.snapshot(sub, ["received_at", "received_by_id"]), office_id=sub.round.office_id)
    return sub


def deadline_in_force(sub: Submission) -> dt.date:
    """The latest granted extension's deadline, or the deadline given at distribution."""
    if sub.extensions:
        return sub.extensions[-1].new_deadline
    return sub.deadline


def days_late(sub: Submission, today: dt.date) -> int:
    """Days past the deadline in force: at first submission, or today when not submitted yet."""
    moment = clock.local_date(sub.first_submitted_at) if sub.first_submitted_at else today
    return max(0, (moment - deadline_in_force(sub)).days)


def grant_extension(session: Session, actor: Actor, submission_id: int, new_deadline: Optional[dt.date],
                    reason: str) -> Extension:
    """The Sekretaris extends one unit's deadline; the reason and the old deadline are kept."""
    require(session, actor, "submission.extend")
    sub = get_submission(session, submission_id, for_update=True)
    _office_round(session, actor, sub.round_id)
    workflow.ensure_open(sub.round)
    if sub.state in ("diajukan", "diterima"):
        raise Conflict(f"Data {sub.unit.name} sudah {STATE_LABELS[sub.state].lower()}; "
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


# --- read models for the pages --------------------------------------------------------------


@dataclass(frozen=True)
class RoundRow:
    id: int
    year: int
    quarter: int
    label: str
    status: str
    step_number: int
    step_name: str
    deadline: Optional[dt.date]
    instruction: str
    step_code: str = ""


def list_rounds(session: Session, office_id: Optional[int]) -> list[RoundRow]:
    """The office's rounds, newest first."""
    if office_id is None:
        return []
    steps = {s.number: s for s in session.scalars(select(SopStep))}
    rounds = session.scalars(select(CollectionRound).where(CollectionRound.office_id == office_id)
                             .order_by(CollectionRound.year.desc(), CollectionRound.quarter.desc()))
    return [RoundRow(r.id, r.year, r.quarter, round_label(r.year, r.quarter), r.status, r.current_step,
                     steps[r.current_step].short_name if r.current_step in steps else "", r.deadline,
                     r.instruction, steps[r.current_step].code if r.current_step in steps else "")
            for r in rounds]


def rounds_table(session: Session, office_id: Optional[int]) -> pd.DataFrame:
    rows = list_rounds(session, office_id)
    return pd.DataFrame({
        "Triwulan": [r.label for r in rows],
        "Status": ["Selesai" if r.status == "selesai" else "Berjalan" for r in rows],
        "Langkah": [f"{r.step_number}. {r.step_name}" for r in rows],
        "Tenggat": [fmt_date(r.deadline) for r in rows],
        "Instruksi": [r.instruction for r in rows],
    })


def open_rounds(session: Session, office_id: Optional[int]) -> list[RoundRow]:
    return [r for r in list_rounds(session, office_id) if r.status == "berjalan"]


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


@dataclass(frozen=True)
class SubmissionRow:
    id: int
    unit_id: int
    unit_name: str
    state: str
    state_label: str
    deadline: dt.date
    deadline_in_force: dt.date
    disposition: str
    received_at: Optional[dt.datetime]
    received_by: str
    first_submitted_at: Optional[dt.datetime]
    submitted_at: Optional[dt.datetime]
    days_late: int
    extensions: int


def round_submissions(session: Session, round_id: int, *relations: Any) -> list[Submission]:
    """The round's submissions with `relations` (e.g. Submission.unit) loaded in one query each, not one
    query per submission."""
    return list(session.scalars(select(Submission).where(Submission.round_id == round_id)
                                .options(*(selectinload(r) for r in relations))))


def submission_rows(session: Session, round_id: int, today: Optional[dt.date] = None) -> list[SubmissionRow]:
    today = today or clock.today()
    rnd = workflow.get_round(session, round_id)
    subs = sorted(round_submissions(session, rnd.id, Submission.unit, Submission.extensions),
                  key=lambda s: (s.unit.sort_order, s.unit_id))
    users = {u.id: u.full_name for u in session.scalars(select(User).where(
        User.id.in_([s.received_by_id for s in subs if s.received_by_id])))}
    return [SubmissionRow(s.id, s.unit_id, s.unit.name, s.state, STATE_LABELS[s.state], s.deadline,
                          deadline_in_force(s), s.disposition, s.received_at, users.get(s.received_by_id, ""),
                          s.first_submitted_at, s.submitted_at, days_late(s, today), len(s.extensions))
            for s in subs]


def submissions_table(session: Session, round_id: int, today: Optional[dt.date] = None) -> pd.DataFrame:
    """Each unit's state, receipt and lateness, for the Sekretaris."""
    rows = submission_rows(session, round_id, today)
    return pd.DataFrame({
        "Unit kerja": [r.unit_name for r in rows],
        "Status": [r.state_label for r in rows],
        "Tenggat berlaku": [fmt_date(r.deadline_in_force) for r in rows],
        "Disposisi diterima": [f"{fmt_datetime(r.received_at)} ({r.received_by})" if r.received_at
                               else "Belum" for r in rows],
        "Diajukan": [fmt_datetime(r.first_submitted_at) if r.first_submitted_at else "–" for r in rows],
        "Terlambat (hari)": [r.days_late for r in rows],
    })


def extensions_table(session: Session, round_id: int) -> pd.DataFrame:
    """The extension log of a round."""
    rows = session.execute(
        select(Extension, OrgUnit.name, User.full_name)
        .join(Submission, Submission.id == Extension.submission_id)
        .join(OrgUnit, OrgUnit.id == Submission.unit_id)
        .join(User, User.id == Extension.granted_by_id)
        .where(Submission.round_id == round_id).order_by(Extension.id)).all()
    return pd.DataFrame({
        "Unit kerja": [name for _e, name, _u in rows],
        "Tenggat lama": [fmt_date(e.old_deadline) for e, _n, _u in rows],
        "Tenggat baru": [fmt_date(e.new_deadline) for e, _n, _u in rows],
        "Alasan": [e.reason for e, _n, _u in rows],
        "Diberikan oleh": [u for _e, _n, u in rows],
        "Waktu": [fmt_datetime(e.granted_at) for e, _n, _u in rows],
    })

