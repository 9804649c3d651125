"""Where a collection round stands: its step, its latest report, what is late and what is complete.

One object (`RoundStatus`) and the one rule for each question every page asks about a round:

- *where is it* — `round_status`, `list_rounds`, `current_round`: the step (`CollectionRound.step`), the
  latest report version, the open corrections;
- *what is late* — `deadline_in_force` and `days_late`: days past the unit's deadline in force (its last
  extension), at first submission or today;
- *what is complete* — `indicator_gaps`: an indicator needs a value (or the reason it was not measured),
  kendala and tindak lanjut when it is below target, faktor pendorong when it is at or above target, and
  evidence when it asks for it.

Beranda, the status board, *Tugas saya*, the step modules and the report all read these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core import clock, workflow
from core.achievement import DEFAULT, HUNDRED, Formula, achievement
from core.actor import Actor
from core.errors import NotFound
from core.fmt import date as fmt_date
from core.fmt import datetime as fmt_datetime
from core.fmt import quarter_label, quarter_long
from core.permissions import require_office
from core.states import ROUND_LABELS, RoundState, SubmissionState, submission_label
from db.models import CollectionRound, Correction, Extension, OrgUnit, Report, SopStep, Submission, User

# --- names ----------------------------------------------------------------------------------------------


def round_label(year: int, quarter: int) -> str:
    """'TW III 2026'"""
    return f"{quarter_label(quarter)} {year}"


def round_title(year: int, quarter: int) -> str:
    """'Pengumpulan Data Kinerja Triwulan III Tahun 2026'"""
    return f"Pengumpulan Data Kinerja {quarter_long(quarter)} Tahun {year}"


def collection_quarter(today: dt.date) -> tuple[int, int]:
    """The quarter whose data is collected now: the one that ended most recently."""
    q = (today.month - 1) // 3 + 1
    return (today.year - 1, 4) if q == 1 else (today.year, q - 1)


# --- what is late ---------------------------------------------------------------------------------------


def deadline_in_force(sub: Submission) -> dt.date:
    """The latest granted extension's deadline, or the deadline given at distribution."""
    if sub.extensions:
        return sub.extensions[-1].new_deadline
    return sub.deadline


def days_late(deadline: Optional[dt.date], first_submitted_at: Optional[dt.datetime], today: dt.date) -> int:
    """Days past `deadline`: at the first submission, or today when the unit has not submitted yet."""
    if deadline is None:
        return 0
    moment = clock.local_date(first_submitted_at) if first_submitted_at else today
    return max(0, (moment - deadline).days)


def submission_days_late(sub: Submission, today: dt.date) -> int:
    return days_late(deadline_in_force(sub), sub.first_submitted_at, today)


def submitted_on_time(deadline: Optional[dt.date], first_submitted_at: Optional[dt.datetime]) -> bool:
    return first_submitted_at is not None and (deadline is None or clock.local_date(first_submitted_at) <= deadline)


# --- what is complete -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gaps:
    """What one indicator of a unit still lacks before the unit may submit."""

    value: bool = False  # neither a realisation nor the reason it was not measured
    kendala: bool = False  # below target without kendala
    tindak_lanjut: bool = False  # below target without tindak lanjut
    evidence: bool = False  # a value without the evidence the indicator asks for
    pendorong: bool = False  # at or above target without faktor pendorong

    @property
    def reason(self) -> bool:
        return self.kendala or self.tindak_lanjut

    @property
    def complete(self) -> bool:
        return not (self.value or self.reason or self.pendorong or self.evidence)


def indicator_gaps(value: Optional[Decimal], not_measured_reason: Optional[str], kendala: Optional[str],
                   tindak_lanjut: Optional[str], target: Optional[Decimal], polarity: str, needs_evidence: bool,
                   has_evidence: bool, formula: Formula = DEFAULT, faktor_pendorong: Optional[str] = None) -> Gaps:
    """The one completeness rule, for the Ajukan check (step 3) and the status board alike; "below target"
    is capaian under 100 % by the office's formula, as the grid shows it, and "at or above target" is a capaian
    of at least 100 % (an unknown capaian asks for neither kendala nor faktor pendorong)."""
    if value is None:
        return Gaps(value=not (not_measured_reason or "").strip())
    cap = achievement(target, value, polarity, formula=formula).percent
    below = cap is not None and cap < HUNDRED
    reached = cap is not None and cap >= HUNDRED
    return Gaps(kendala=below and not (kendala or "").strip(),
                tindak_lanjut=below and not (tindak_lanjut or "").strip(),
                evidence=bool(needs_evidence) and not has_evidence,
                pendorong=reached and not (faktor_pendorong or "").strip())


# --- where a round stands -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundStatus:
    """A round as every page shows it: its quarter, its step, its latest report and open corrections."""

    id: int
    office_id: int
    year: int
    quarter: int
    status: str
    step_number: int
    step_code: str
    step_name: str  # the step's short name ('Pengolahan')
    step_title: str  # its full name in the SOP ('Mengolah data laporan kinerja triwulan')
    deadline: Optional[dt.date]
    instruction: str
    latest_report_id: Optional[int] = None
    latest_version: Optional[int] = None
    latest_kind: str = ""
    open_corrections: int = 0
    step_count: int = 0  # how many steps the SOP has

    @property
    def label(self) -> str:
        return round_label(self.year, self.quarter)

    @property
    def title(self) -> str:
        return round_title(self.year, self.quarter)

    @property
    def is_open(self) -> bool:
        return self.status == RoundState.BERJALAN

    @property
    def status_label(self) -> str:
        return ROUND_LABELS.get(self.status, self.status)

    def at(self, *codes: str) -> bool:
        """The round runs and is at one of these steps."""
        return self.is_open and self.step_code in codes


def step_count(session: Session) -> int:
    """How many steps the SOP has (data: an administrator may add one)."""
    return session.scalar(select(func.count()).select_from(SopStep)) or 0


def _statuses(session: Session, rounds: list[CollectionRound]) -> list[RoundStatus]:
    ids = [r.id for r in rounds]
    latest: dict[int, tuple[int, int, str]] = {}
    corrections: dict[int, int] = {}
    if ids:
        for rid, rep_id, version, kind in session.execute(
                select(Report.round_id, Report.id, Report.version, Report.kind).where(Report.round_id.in_(ids))):
            if rid not in latest or version > latest[rid][1]:
                latest[rid] = (rep_id, version, kind)
        corrections = dict(session.execute(
            select(Report.round_id, func.count(Correction.id)).join(Correction, Correction.report_id == Report.id)
            .where(Report.round_id.in_(ids), Correction.resolved.is_(False)).group_by(Report.round_id)).all())
    out = []
    count = step_count(session) if rounds else 0
    for r in rounds:
        step = r.step
        rep = latest.get(r.id)
        out.append(RoundStatus(
            id=r.id, office_id=r.office_id, year=r.year, quarter=r.quarter, status=r.status,
            step_number=r.current_step, step_code=step.code if step else "",
            step_name=step.short_name if step else "", step_title=step.name if step else "",
            deadline=r.deadline, instruction=r.instruction or "",
            latest_report_id=rep[0] if rep else None, latest_version=rep[1] if rep else None,
            latest_kind=rep[2] if rep else "", open_corrections=corrections.get(r.id, 0),
            step_count=count))
    return out


def round_status(session: Session, actor: Actor, round_id: int) -> RoundStatus:
    rnd = session.scalar(select(CollectionRound).where(CollectionRound.id == round_id)
                         .options(selectinload(CollectionRound.step)))
    if rnd is None:
        raise NotFound("Pengumpulan data tidak ditemukan.")
    require_office(actor, rnd.office_id)
    return _statuses(session, [rnd])[0]


def _office_rounds(session: Session, office_id: Optional[int], *where) -> list[CollectionRound]:
    if office_id is None:
        return []
    return list(session.scalars(
        select(CollectionRound).where(CollectionRound.office_id == office_id, *where)
        .options(selectinload(CollectionRound.step))
        .order_by(CollectionRound.year.desc(), CollectionRound.quarter.desc())))


def list_rounds(session: Session, office_id: Optional[int]) -> list[RoundStatus]:
    """The office's rounds, newest first."""
    return _statuses(session, _office_rounds(session, office_id))


def open_rounds(session: Session, office_id: Optional[int]) -> list[RoundStatus]:
    return _statuses(session, _office_rounds(session, office_id, CollectionRound.status == RoundState.BERJALAN))


def current_round(session: Session, office_id: Optional[int]) -> Optional[RoundStatus]:
    """The office's running round, the newest if there were ever several; None when none runs."""
    rounds = open_rounds(session, office_id)
    return rounds[0] if rounds else None


def current_round_id(session: Session, office_id: Optional[int]) -> Optional[int]:
    if office_id is None:
        return None
    return session.scalar(select(CollectionRound.id).where(
        CollectionRound.office_id == office_id, CollectionRound.status == RoundState.BERJALAN)
        .order_by(CollectionRound.year.desc(), CollectionRound.quarter.desc()))


def default_round_id(session: Session, office_id: Optional[int]) -> Optional[int]:
    """The running round of the office, else its latest one."""
    if office_id is None:
        return None
    rows = session.execute(
        select(CollectionRound.id, CollectionRound.status).where(CollectionRound.office_id == office_id)
        .order_by(CollectionRound.year.desc(), CollectionRound.quarter.desc())).all()
    for rid, status in rows:
        if status == RoundState.BERJALAN:
            return rid
    return rows[0][0] if rows else None


def documentable_rounds(session: Session, office_id: Optional[int]) -> list[RoundStatus]:
    """Documented rounds of the office that have a report (candidates for a reissue)."""
    return [r for r in _statuses(session, _office_rounds(session, office_id,
                                                         CollectionRound.status == RoundState.SELESAI))
            if r.latest_report_id is not None]


def round_choices(session: Session, office_id: Optional[int]) -> list[tuple[int, str]]:
    if office_id is None:
        return []
    return [(rid, round_label(y, q)) for rid, y, q in session.execute(
        select(CollectionRound.id, CollectionRound.year, CollectionRound.quarter)
        .where(CollectionRound.office_id == office_id)
        .order_by(CollectionRound.year.desc(), CollectionRound.quarter.desc()))]


def rounds_table(session: Session, office_id: Optional[int]) -> pd.DataFrame:
    rows = list_rounds(session, office_id)
    return pd.DataFrame({
        "Triwulan": [r.label for r in rows],
        "Status": [r.status_label for r in rows],
        "Langkah": [f"{r.step_number}. {r.step_name}" for r in rows],
        "Tenggat": [fmt_date(r.deadline) for r in rows],
        "Instruksi": [r.instruction for r in rows],
    })


def submitted(state: str) -> bool:
    """Handed in (with the reviewer, or accepted)."""
    return state in (SubmissionState.DIAJUKAN, SubmissionState.DITERIMA)


def get_submission(session: Session, submission_id: int, for_update: bool = False) -> Submission:
    return workflow.row(session, Submission, submission_id, "Data unit (pengajuan) tidak ditemukan.", for_update)


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
    locked: bool = False  # the period lock has closed the entry (core.entry_lock)


def round_submissions(session: Session, round_id: int, *relations: Any) -> list[Submission]:
    """The round's submissions with `relations` (e.g. Submission.unit) loaded in one query each, not one
    query per submission."""
    return list(session.scalars(select(Submission).where(Submission.round_id == round_id)
                                .options(*(selectinload(r) for r in relations))))


def submission_rows(session: Session, actor: Actor, round_id: int,
                    today: Optional[dt.date] = None) -> list[SubmissionRow]:
    today = today or clock.today()
    rnd = workflow.get_round(session, round_id)
    require_office(actor, rnd.office_id)
    subs = sorted(round_submissions(session, rnd.id, Submission.unit, Submission.extensions),
                  key=lambda s: (s.unit.sort_order, s.unit_id))
    users = {u.id: u.full_name for u in session.scalars(select(User).where(
        User.id.in_([s.received_by_id for s in subs if s.received_by_id])))}
    from core.entry_lock import is_locked, office_lock_days  # it builds on this module

    lock_days = office_lock_days(session, rnd.office_id)
    return [SubmissionRow(s.id, s.unit_id, s.unit.name, s.state, submission_label(s.state), s.deadline,
                          deadline_in_force(s), s.disposition, s.received_at, users.get(s.received_by_id, ""),
                          s.first_submitted_at, s.submitted_at, submission_days_late(s, today), len(s.extensions),
                          is_locked(s.state, deadline_in_force(s), lock_days, today))
            for s in subs]


def submissions_table(session: Session, actor: Actor, round_id: int,
                      today: Optional[dt.date] = None) -> pd.DataFrame:
    """Each unit's state, receipt and lateness, for the Sekretaris."""
    rows = submission_rows(session, actor, round_id, today)
    return pd.DataFrame({
        "Unit kerja": [r.unit_name for r in rows],
        "Status": [r.state_label + (" — ditutup (kunci jadwal)" if r.locked else "") for r in rows],
        "Tenggat berlaku": [fmt_date(r.deadline_in_force) for r in rows],
        "Disposisi diterima": [f"{fmt_datetime(r.received_at)} ({r.received_by})" if r.received_at
                               else "Belum" for r in rows],
        "Diajukan": [fmt_datetime(r.first_submitted_at) if r.first_submitted_at else "–" for r in rows],
        "Terlambat (hari)": [r.days_late for r in rows],
    })


def extensions_table(session: Session, actor: Actor, round_id: int) -> pd.DataFrame:
    """The extension log of a round."""
    require_office(actor, session.scalar(select(CollectionRound.office_id).where(CollectionRound.id == round_id)))
    rows = session.execute(
        select(Extension, OrgUnit.name, User.full_name)
        .join(Submission, Submission.id == Extension.submission_id)
        .join(OrgUnit, OrgUnit.id == Submission.unit_id)
        .join(User, User.id == Extension.granted_by_id)
        .where(Submission.round_id == round_id).order_by(Extension.id)).all()
    return pd.DataFrame({
        "Unit kerja": [name for _e, name, _u in rows],
        "Jenis": ["Pembukaan kembali (kunci jadwal)" if e.reopened else "Perpanjangan" for e, _n, _u in rows],
        "Tenggat lama": [fmt_date(e.old_deadline) for e, _n, _u in rows],
        "Tenggat baru": [fmt_date(e.new_deadline) for e, _n, _u in rows],
        "Alasan": [e.reason for e, _n, _u in rows],
        "Diberikan oleh": [u for _e, _n, u in rows],
        "Waktu": [fmt_datetime(e.granted_at) for e, _n, _u in rows],
    })
