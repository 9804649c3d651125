"""Status Triwulan: where a round stands, which units are late or incomplete, and the headline figures.

Completeness counts only what is really complete (a value or an explicit not-measured reason; kendala and
tindak lanjut where the value is below target; evidence where the indicator needs it). Timeliness is
submission by the deadline in force (the latest extension, else the submission's own deadline).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import achievement as ach
from core import fmt, recap
from core.entry_lock import is_locked, office_lock_days
from core.errors import NotFound
from core.masterdata.settings import formula_of
from core.round_status import (
    days_late,
    default_round_id,
    indicator_gaps,
    round_title,
    step_count,
    submitted,
    submitted_on_time,
)
from core.states import SubmissionState, submission_label
from db.models import (
    CollectionRound,
    Evidence,
    Extension,
    Indicator,
    OrgUnit,
    Realization,
    Reminder,
    Review,
    Submission,
    Target,
    User,
)

STAGES = ("Diterima disposisi", "Mengisi (draf)", "Diajukan", "Dikembalikan", "Diterima")


@dataclass
class UnitStatus:
    unit_id: int
    unit: str
    head: str
    state: str
    deadline: Optional[dt.date]
    days_late: int
    submitted_on_time: bool
    indicators: int
    complete: int
    missing: list[str] = field(default_factory=list)
    stages: dict[str, str] = field(default_factory=dict)
    submission_id: int = 0
    no_value: list[str] = field(default_factory=list)  # indicator codes without a value (or reason)
    no_reason: list[str] = field(default_factory=list)  # below target without kendala / tindak lanjut
    no_evidence: list[str] = field(default_factory=list)  # without the evidence they ask for
    no_pendorong: list[str] = field(default_factory=list)  # at or above target without faktor pendorong
    locked: bool = False  # the period lock has closed the unit's entry (core.entry_lock)
    reopened: int = 0  # how many times the Sekretaris reopened a closed entry
    reminded_at: Optional[dt.datetime] = None  # the last reminder sent to the unit
    reminded_by: str = ""
    first_submitted_at: Optional[dt.datetime] = None  # the first Ajukan (timeliness counts it)

    @property
    def late(self) -> bool:
        return self.days_late > 0


@dataclass
class QuarterStatus:
    round_id: int
    year: int
    quarter: int
    title: str
    status: str
    current_step: int
    current_step_name: str  # "Isi Data Kinerja — Merekap data kinerja triwulan …": short name, then the SOP's words
    step_count: int
    units: list[UnitStatus]
    board: pd.DataFrame
    completeness: Optional[Decimal]  # % of expected indicators really complete
    timeliness: Optional[Decimal]  # % of units submitted by the deadline in force
    average_capaian: Optional[Decimal]
    predicate_counts: dict[str, int]
    absorption_ytd: Optional[Decimal]
    absorption_before: Optional[Decimal]  # up to the previous quarter: what stands before this one is reported
    budget_reported: bool  # some spending of this quarter has been entered
    year_elapsed: Decimal
    behind: pd.DataFrame  # indicators below target this quarter
    today: dt.date
    measured: int = 0  # indicators of the quarter with a capaian (none before the units report)
    indicator_count: int = 0  # the office's indicators of the quarter

    @property
    def late_units(self) -> list[UnitStatus]:
        return [u for u in self.units if u.late]

    @property
    def submitted(self) -> int:
        return sum(1 for u in self.units if submitted(u.state))

    @property
    def accepted(self) -> int:
        return sum(1 for u in self.units if u.state == SubmissionState.DITERIMA)


def _heads(session: Session, office_id: int) -> dict[int, str]:
    """The reporting head of each unit: a Kepala Bidang/Kasubag or JFT in it or in a sub-unit of it."""
    rows = session.execute(
        select(User.full_name, User.role, OrgUnit.id, OrgUnit.parent_id)
        .join(OrgUnit, User.unit_id == OrgUnit.id)
        .where(User.active.is_(True), OrgUnit.office_id == office_id,
               User.role.in_(("kepala_bidang", "jft", "sekretaris")))
        .order_by(User.id)).all()
    rank = {"kepala_bidang": 0, "jft": 1, "sekretaris": 2}
    best: dict[int, tuple[int, str]] = {}
    for name, role, unit_id, parent_id in rows:
        for uid in (unit_id, parent_id):
            if uid is not None and (uid not in best or rank[role] < best[uid][0]):
                best[uid] = (rank[role], name)
    return {uid: name for uid, (_r, name) in best.items()}


def _stamp(when: Optional[dt.datetime], who: Optional[str]) -> str:
    if when is None:
        return "–"
    return f"{fmt.datetime(when)} ({who})" if who else fmt.datetime(when)


def _other_than(name: Optional[str], head: Optional[str]) -> Optional[str]:
    """Who acted, named on the board unless it is the unit head (named in the board's own column)."""
    return None if name == head else name


def quarter_status(session: Session, office_id: int, round_id: Optional[int], today: dt.date) -> QuarterStatus:
    """Everything Beranda shows about one round (the open or latest one when round_id is None)."""
    round_id = round_id or default_round_id(session, office_id)
    rnd = session.get(CollectionRound, round_id) if round_id else None
    if rnd is None or rnd.office_id != office_id:
        raise NotFound("Pengumpulan data triwulan tidak ditemukan untuk kantor ini.")
    step = rnd.step
    heads = _heads(session, office_id)

    subs = list(session.execute(
        select(Submission, OrgUnit.name).join(OrgUnit, Submission.unit_id == OrgUnit.id)
        .where(Submission.round_id == rnd.id).order_by(OrgUnit.sort_order)).all())
    sub_ids = [s.id for s, _n in subs]
    ext = {}
    reopened: dict[int, int] = {}
    for sid, new_deadline, was_closed in session.execute(
            select(Extension.submission_id, Extension.new_deadline, Extension.reopened)
            .where(Extension.submission_id.in_(sub_ids)).order_by(Extension.id)):
        ext[sid] = new_deadline
        reopened[sid] = reopened.get(sid, 0) + bool(was_closed)
    reminded: dict[int, tuple[dt.datetime, str]] = {}
    for sid, at, who in session.execute(
            select(Reminder.submission_id, Reminder.sent_at, User.full_name)
            .join(User, User.id == Reminder.sent_by_id)
            .where(Reminder.submission_id.in_(sub_ids)).order_by(Reminder.id)):
        reminded[sid] = (at, who)
    lock_days = office_lock_days(session, office_id)
    returned: dict[int, tuple[dt.datetime, int, str]] = {}
    accepted: dict[int, tuple[dt.datetime, int]] = {}
    for sid, decision, at, reviewer, reason in session.execute(
            select(Review.submission_id, Review.decision, Review.created_at, Review.reviewer_id, Review.reason)
            .where(Review.submission_id.in_(sub_ids)).order_by(Review.id)):
        if decision == SubmissionState.DIKEMBALIKAN:
            returned[sid] = (at, reviewer, reason)
        else:
            accepted[sid] = (at, reviewer)
    # the round's realisations as plain rows (no ORM objects): completeness, first edit, kendala
    reals = {(r.submission_id, r.indicator_id): r for r in session.execute(
        select(Realization.id, Realization.submission_id, Realization.indicator_id, Realization.value,
               Realization.not_measured_reason, Realization.kendala, Realization.tindak_lanjut,
               Realization.faktor_pendorong, Realization.updated_at, Realization.updated_by_id)
        .where(Realization.submission_id.in_(sub_ids)))}
    first_edit: dict[int, tuple[dt.datetime, Optional[int]]] = {}
    for r in sorted((r for r in reals.values() if r.updated_by_id is not None), key=lambda r: r.updated_at):
        first_edit.setdefault(r.submission_id, (r.updated_at, r.updated_by_id))
    # names of the people this round's records point at (not every user of the regency)
    people = {who for _at, who in first_edit.values()} | {r[1] for r in returned.values()} | {
        r[1] for r in accepted.values()} | {s.received_by_id for s, _n in subs} | {
        s.submitted_by_id for s, _n in subs}
    people.discard(None)
    users = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(people))).all()) if people else {}

    # indicators expected from each unit, with this quarter's target and the unit's realisation
    indicators = session.execute(
        select(Indicator.id, Indicator.code, Indicator.owner_unit_id, Indicator.polarity,
               Indicator.needs_evidence, getattr(Target, f"q{rnd.quarter}"))
        .outerjoin(Target, (Target.indicator_id == Indicator.id) & (Target.year == rnd.year))
        .where(Indicator.office_id == office_id, Indicator.active.is_(True))
        .order_by(Indicator.sort_order)).all()
    with_evidence = set(session.scalars(
        select(Evidence.realization_id).where(Evidence.submission_id.in_(sub_ids),
                                              Evidence.realization_id.is_not(None)).distinct()))

    units: list[UnitStatus] = []
    total_expected = total_complete = 0
    formula = formula_of(session, office_id)
    for sub, unit_name in subs:
        deadline = ext.get(sub.id, sub.deadline)
        submitted = sub.first_submitted_at or sub.submitted_at
        late_by = days_late(deadline, submitted, today)
        no_value: list[str] = []
        no_reason: list[str] = []
        no_evidence: list[str] = []
        no_pendorong: list[str] = []
        expected = [i for i in indicators if i.owner_unit_id == sub.unit_id]
        complete = 0
        for ind_id, code, _owner, polarity, needs_evidence, target in expected:
            r = reals.get((sub.id, ind_id))
            gaps = indicator_gaps(r.value if r else None, r.not_measured_reason if r else None,
                                  r.kendala if r else None, r.tindak_lanjut if r else None, target, polarity,
                                  needs_evidence, r is not None and r.id in with_evidence, formula,
                                  r.faktor_pendorong if r else None)
            if gaps.value:
                no_value.append(code)
            if gaps.reason:
                no_reason.append(code)
            if gaps.pendorong:
                no_pendorong.append(code)
            if gaps.evidence:
                no_evidence.append(code)
            complete += gaps.complete
        missing = []
        if sub.received_at is None and submitted is None:  # submitting counts as receipt
            missing.append("Disposisi belum dinyatakan diterima")
        if sub.state in (SubmissionState.BELUM_MULAI, SubmissionState.DRAF):
            missing.append("Data belum diajukan")
            if is_locked(sub.state, deadline, lock_days, today):
                missing.append("Pengisian ditutup (kunci jadwal); menunggu dibuka kembali oleh Sekretaris")
        elif sub.state == SubmissionState.DIKEMBALIKAN:
            missing.append("Perbaikan belum diajukan kembali")
        if no_value:
            missing.append("Realisasi belum diisi: " + ", ".join(no_value))
        if no_reason:
            missing.append("Kendala/tindak lanjut belum diisi (di bawah target): " + ", ".join(no_reason))
        if no_pendorong:
            missing.append("Faktor pendorong belum diisi (capaian mencapai target): " + ", ".join(no_pendorong))
        if no_evidence:
            missing.append("Bukti dukung belum diunggah: " + ", ".join(no_evidence))
        ret = returned.get(sub.id)
        acc = accepted.get(sub.id)
        edit = first_edit.get(sub.id)
        head = heads.get(sub.unit_id)
        stages = {
            "Diterima disposisi": _stamp(sub.received_at, _other_than(users.get(sub.received_by_id), head)),
            "Mengisi (draf)": _stamp(edit[0], _other_than(users.get(edit[1]), head)) if edit else "–",
            "Diajukan": _stamp(sub.submitted_at, _other_than(users.get(sub.submitted_by_id), head)),
            "Dikembalikan": (_stamp(ret[0], users.get(ret[1])) + (f": {ret[2]}" if ret[2] else "")) if ret else "–",
            "Diterima": _stamp(acc[0], users.get(acc[1])) if acc else _stamp(sub.accepted_at, None),
        }
        units.append(UnitStatus(
            unit_id=sub.unit_id, unit=unit_name, head=heads.get(sub.unit_id, "–"), state=sub.state,
            deadline=deadline, days_late=late_by,
            submitted_on_time=submitted_on_time(deadline, submitted),
            indicators=len(expected), complete=complete, missing=missing, stages=stages,
            first_submitted_at=submitted, submission_id=sub.id, no_value=no_value, no_reason=no_reason, no_evidence=no_evidence,
            no_pendorong=no_pendorong,
            locked=is_locked(sub.state, deadline, lock_days, today), reopened=reopened.get(sub.id, 0),
            reminded_at=reminded.get(sub.id, (None, ""))[0], reminded_by=reminded.get(sub.id, (None, ""))[1]))
        total_expected += len(expected)
        total_complete += complete

    board = pd.DataFrame([{
        "Unit": u.unit, "Kepala Unit": u.head, "Status": _board_state(u),
        **u.stages,
        "Tenggat berlaku": fmt.date(u.deadline), "Terlambat (hari)": u.days_late,
        "Kelengkapan": f"{u.complete}/{u.indicators}",
    } for u in units], columns=["Unit", "Kepala Unit", "Status", *STAGES, "Tenggat berlaku", "Terlambat (hari)",
                                "Kelengkapan"])

    ind = recap.indicator_rows(session, office_id, rnd.year, rnd.quarter, formula=formula)
    caps = [r["capaian_tw"] for r in ind if r["capaian_tw"] is not None]
    avg = formula.q(sum(caps, Decimal(0)) / len(caps)) if caps else None
    kend = {r.indicator_id: r for r in reals.values()}
    behind_rows = []
    for row in ind:
        if row["capaian_tw"] is not None and row["capaian_tw"] < ach.HUNDRED:
            r = kend.get(row["indicator_id"])
            behind_rows.append({"Kode": row["code"], "Indikator": row["name"], "Unit": row["unit"],
                                "Target TW": fmt.number(row["target_tw"]),
                                "Realisasi TW": fmt.number(row["realisasi_tw"]),
                                "Capaian TW": fmt.percent(row["capaian_tw"]), "Predikat": row["predikat_tw"],
                                "Kendala": (r.kendala if r else "") or "–",
                                "Tindak Lanjut": (r.tindak_lanjut if r else "") or "–"})
    behind = pd.DataFrame(behind_rows, columns=["Kode", "Indikator", "Unit", "Target TW", "Realisasi TW",
                                                "Capaian TW", "Predikat", "Kendala", "Tindak Lanjut"])
    budget = recap.budget_totals(session, office_id, rnd.year, rnd.quarter)
    before = budget["serapan_sebelumnya"] if not budget["baris_tw"] else None
    n_units = len(units)
    return QuarterStatus(
        round_id=rnd.id, year=rnd.year, quarter=rnd.quarter, title=round_title(rnd.year, rnd.quarter),
        status=rnd.status, current_step=rnd.current_step, current_step_name=(f"{step.short_name} — {step.name}" if step and step.short_name else
                                             step.name if step else ""),
        step_count=step_count(session),
        units=units, board=board,
        completeness=ach._q(Decimal(total_complete) / total_expected * 100) if total_expected else None,
        timeliness=ach._q(Decimal(sum(u.submitted_on_time for u in units)) / n_units * 100) if n_units else None,
        average_capaian=avg, predicate_counts=recap.predicate_counts(caps, formula),
        absorption_ytd=budget["serapan_ytd"] if budget["baris_tw"] else None, absorption_before=before,
        budget_reported=bool(budget["baris_tw"]), year_elapsed=budget["tahun_berjalan"] or Decimal(0),
        behind=behind, today=today, measured=len(caps), indicator_count=len(ind))


def _board_state(u: UnitStatus) -> str:
    """The state on the board, with the period lock and reopenings."""
    label = submission_label(u.state)
    if u.locked:
        label += " — ditutup (kunci jadwal)"
    if u.reopened:
        label += " — dibuka kembali" + (f" {u.reopened}×" if u.reopened > 1 else "")
    return label


def missing_list(session: Session, office_id: int, round_id: Optional[int], today: dt.date) -> pd.DataFrame:
    """Who is still missing what: unit, head's name, state, deadline, days late, what is missing."""
    st = quarter_status(session, office_id, round_id, today)
    return _missing_frame(st)


def _missing_frame(st: QuarterStatus) -> pd.DataFrame:
    rows = [{"Unit": u.unit, "Kepala Unit": u.head, "Status": submission_label(u.state),
             "Tenggat berlaku": fmt.date(u.deadline), "Terlambat (hari)": u.days_late,
             "Yang belum lengkap": "; ".join(u.missing)}
            for u in sorted(st.units, key=lambda u: -u.days_late) if u.missing]
    return pd.DataFrame(rows, columns=["Unit", "Kepala Unit", "Status", "Tenggat berlaku", "Terlambat (hari)",
                                       "Yang belum lengkap"])


def missing_list_basename(year: int, quarter: int) -> str:
    """File name (without extension) of the printable missing list, known before the files are made."""
    return f"kekurangan-data-{year}-tw{quarter}"


def missing_list_files(session: Session, office_id: int, round_id: Optional[int], today: dt.date
                       ) -> dict[str, tuple[str, str, bytes]]:
    """The printable 'who is still missing' list as PDF and XLSX: {kind: (file name, media type, bytes)}."""
    from core import exports

    st = quarter_status(session, office_id, round_id, today)
    df = _missing_frame(st)
    sig = exports.signer(session, office_id)
    title = f"Daftar Kekurangan Data — {st.title}"
    period = f"Keadaan per {fmt.date(today)}"
    base = missing_list_basename(st.year, st.quarter)
    pdf = exports.to_pdf_table(df, title, sig.office_name, period, sig, today)
    xlsx = exports.to_xlsx({"Kekurangan Data": df}, title, sig.office_name, period, sig, today)
    return {"pdf": (base + ".pdf", exports.PDF_TYPE, pdf), "xlsx": (base + ".xlsx", exports.XLSX_TYPE, xlsx)}


def as_dict(st: QuarterStatus) -> dict[str, Any]:  # pragma: no cover - debugging aid
    return {k: v for k, v in st.__dict__.items() if not isinstance(v, pd.DataFrame)}
