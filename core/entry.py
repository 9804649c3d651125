"""SOP step 3 (Isi Data Kinerja): a unit enters its quarter's realisations and budget spending, then submits.

The grid a unit edits is built here as a DataFrame (read-only context beside the editable cells); a save
applies one set of edits in one transaction with optimistic locking on Realization.version, so a stale
grid never overwrites someone else's newer value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from core.achievement import absorption, achievement, combine, predicate, ytd_achievement
from core.actor import Actor
from core.entry_lock import entry_lock
from core.fmt import date as fmt_date
from core.fmt import quarter_label
from core.masterdata.settings import formula_of
from core.permissions import can, require_unit_read, units_in_scope
from core.reminders import last_reminder
from core.round_status import deadline_in_force, get_submission, round_label
from core.states import EDITABLE, RoundState, SubmissionState, submission_label
from db.models import (
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Evidence,
    Indicator,
    Realization,
    Review,
    Sasaran,
    Submission,
    Target,
)

# Editable grid columns -> Realization attributes.
ENTRY_FIELDS = {
    "Realisasi TW": "value",
    "Alasan tidak diukur": "not_measured_reason",
    "Catatan": "note",
    "Faktor pendorong": "faktor_pendorong",
    "Kendala": "kendala",
    "Tindak lanjut": "tindak_lanjut",
}
ENTRY_EDITABLE = tuple(ENTRY_FIELDS)
BUDGET_EDITABLE = ("Realisasi TW",)
HIDDEN = ("indicator_id", "version", "budget_line_id")


# --- access ---------------------------------------------------------------------------------


# --- the indicator grid -----------------------------------------------------------------------


def unit_indicators(session: Session, rnd: CollectionRound, unit_id: int) -> list[Indicator]:
    return list(session.scalars(
        select(Indicator).join(Sasaran, Sasaran.id == Indicator.sasaran_id).options(contains_eager(Indicator.sasaran))
        .where(Indicator.office_id == rnd.office_id, Indicator.owner_unit_id == unit_id,
               Indicator.active.is_(True))
        .order_by(Sasaran.sort_order, Indicator.sort_order, Indicator.id)))


def year_targets(session: Session, indicator_ids: list[int], year: int) -> dict[int, Target]:
    """indicator id -> its targets of the year, in one query (not one lazy load per indicator)."""
    if not indicator_ids:
        return {}
    return {t.indicator_id: t for t in session.scalars(
        select(Target).where(Target.indicator_id.in_(indicator_ids), Target.year == year))}


def earlier_values(session: Session, rnd: CollectionRound, indicator_ids: list[int]) -> dict[tuple[int, int], Decimal]:
    """(indicator id, quarter) -> realisation of the same year's earlier rounds."""
    if rnd.quarter == 1 or not indicator_ids:
        return {}
    rows = session.execute(
        select(Realization.indicator_id, CollectionRound.quarter, Realization.value)
        .join(Submission, Submission.id == Realization.submission_id)
        .join(CollectionRound, CollectionRound.id == Submission.round_id)
        .where(CollectionRound.office_id == rnd.office_id, CollectionRound.year == rnd.year,
               CollectionRound.quarter < rnd.quarter, Realization.indicator_id.in_(indicator_ids),
               Realization.value.is_not(None)))
    return {(i, q): v for i, q, v in rows}


def _realizations(session: Session, sub: Submission) -> dict[int, Realization]:
    return {r.indicator_id: r for r in session.scalars(
        select(Realization).where(Realization.submission_id == sub.id))}


def evidence_counts(session: Session, submission_id: int) -> dict[int, int]:
    """indicator id -> number of evidence files attached to its realisation."""
    rows = session.execute(
        select(Realization.indicator_id, func.count(Evidence.id))
        .join(Evidence, Evidence.realization_id == Realization.id)
        .where(Evidence.submission_id == submission_id).group_by(Realization.indicator_id))
    return {i: n for i, n in rows}


def _float(value: Optional[Decimal]) -> Optional[float]:
    """Decimal to float only at the grid boundary (the widget shows floats)."""
    return None if value is None else float(value)


def _exact(value: Optional[Decimal]) -> Optional[Decimal]:
    return value


def entry_table(session: Session, actor: Actor, submission_id: int, exact: bool = False) -> pd.DataFrame:
    """The unit's indicators for st.data_editor: context read-only, realisation columns editable.

    Numbers are floats (empty = NaN) for code that computes with the frame; with `exact` they stay the
    Decimals the database holds (None when empty), for a grid that shows them as Indonesian text."""
    _f = _exact if exact else _float
    sub = readable_submission(session, actor, submission_id)
    rnd = sub.round
    q = rnd.quarter
    inds = unit_indicators(session, rnd, sub.unit_id)
    targets = year_targets(session, [i.id for i in inds], rnd.year)
    earlier = earlier_values(session, rnd, [i.id for i in inds])
    reals = _realizations(session, sub)
    counts = evidence_counts(session, sub.id)
    formula = formula_of(session, rnd.office_id)
    rows = []
    for n, ind in enumerate(inds, start=1):
        t = targets.get(ind.id)
        r = reals.get(ind.id)
        value = r.value if r else None
        tq = t.quarter(q) if t else None
        cap = achievement(tq, value, ind.polarity, formula=formula)
        qvalues = [earlier.get((ind.id, k)) for k in range(1, q)] + [value]
        qtargets = [t.quarter(k) if t else None for k in range(1, 5)]
        ytd = ytd_achievement(qtargets, qvalues, q, ind.combine, ind.polarity, formula)
        row: dict[str, Any] = {
            "No": n,
            "Sasaran": ind.sasaran.name,
            "Kode": ind.code,
            "Indikator": ind.name,
            "Satuan": ind.satuan,
            "Target tahunan (PK)": _f(t.annual if t else None),
            "Target TW (RA)": _f(tq),
        }
        for k in range(1, q):
            row[f"Realisasi {quarter_label(k)}"] = _f(earlier.get((ind.id, k)))
        row.update({
            "Realisasi TW": _f(value),
            "Realisasi s.d. TW": _f(combine(qvalues, ind.combine) if value is not None else None),
            "Capaian TW %": _f(cap.percent),
            "Capaian s.d. TW %": _f(ytd.percent),
            "Predikat": predicate(cap.percent, formula) or f"– ({cap.reason})",
            "Bukti": counts.get(ind.id, 0),
            "Alasan tidak diukur": r.not_measured_reason if r else "",
            "Catatan": r.note if r else "",
            "Faktor pendorong": r.faktor_pendorong if r else "",
            "Kendala": r.kendala if r else "",
            "Tindak lanjut": r.tindak_lanjut if r else "",
            "indicator_id": ind.id,
            "version": r.version if r else 0,
        })
        rows.append(row)
    if exact:
        return pd.DataFrame(rows)
    return _numeric(pd.DataFrame(rows), ("Target tahunan (PK)", "Target TW (RA)", "Realisasi TW",
                                         "Realisasi s.d. TW", "Capaian TW %", "Capaian s.d. TW %",
                                         *(f"Realisasi {quarter_label(k)}" for k in range(1, q))))


def _numeric(df: pd.DataFrame, columns) -> pd.DataFrame:
    """Float columns (empty = NaN) so the grid shows blanks and a NumberColumn, not 'None'."""
    for c in columns:
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


# --- the budget grid --------------------------------------------------------------------------


def _budget_lines(session: Session, sub: Submission) -> list[BudgetLine]:
    return list(session.scalars(select(BudgetLine).where(
        BudgetLine.office_id == sub.round.office_id, BudgetLine.year == sub.round.year,
        BudgetLine.owner_unit_id == sub.unit_id).order_by(BudgetLine.code, BudgetLine.id)))


def _budget_realizations(session: Session, sub: Submission) -> dict[int, BudgetRealization]:
    return {b.budget_line_id: b for b in session.scalars(
        select(BudgetRealization).where(BudgetRealization.submission_id == sub.id))}


def _spent_before(session: Session, sub: Submission, line_ids: list[int]) -> dict[int, Decimal]:
    if not line_ids:
        return {}
    rows = session.execute(
        select(BudgetRealization.budget_line_id, func.sum(BudgetRealization.amount))
        .join(Submission, Submission.id == BudgetRealization.submission_id)
        .join(CollectionRound, CollectionRound.id == Submission.round_id)
        .where(CollectionRound.office_id == sub.round.office_id, CollectionRound.year == sub.round.year,
               CollectionRound.quarter < sub.round.quarter, BudgetRealization.budget_line_id.in_(line_ids))
        .group_by(BudgetRealization.budget_line_id))
    return {i: Decimal(v or 0) for i, v in rows}


def budget_table(session: Session, actor: Actor, submission_id: int, exact: bool = False) -> pd.DataFrame:
    """The unit's DPA lines: pagu and spending so far read-only, this quarter's spending editable
    (`exact`: Decimals instead of floats, as in entry_table)."""
    _f = _exact if exact else _float
    sub = readable_submission(session, actor, submission_id)
    lines = _budget_lines(session, sub)
    before = _spent_before(session, sub, [b.id for b in lines])
    current = _budget_realizations(session, sub)
    rows = []
    for bl in lines:
        br = current.get(bl.id)
        prev = before.get(bl.id, Decimal(0))
        amount = br.amount if br else None
        total = prev + (amount or 0)
        rows.append({
            "Kode": bl.code,
            "Program": bl.program,
            "Kegiatan": bl.kegiatan,
            "Sub kegiatan": bl.sub_kegiatan,
            "Pagu": _f(bl.pagu),
            "Realisasi s.d. TW lalu": _f(prev),
            "Realisasi TW": _f(amount),
            "Realisasi s.d. TW": _f(total),
            "Serapan %": _f(absorption(total, bl.pagu)),
            "budget_line_id": bl.id,
            "version": br.version if br else 0,
        })
    if exact:
        return pd.DataFrame(rows)
    return _numeric(pd.DataFrame(rows), ("Pagu", "Realisasi s.d. TW lalu", "Realisasi TW", "Realisasi s.d. TW",
                                         "Serapan %"))


# --- Ajukan -----------------------------------------------------------------------------------


# --- what the entry page shows about a submission -----------------------------------------------


@dataclass(frozen=True)
class SubmissionView:
    id: int
    round_id: int
    round_label: str
    unit_id: int
    unit_name: str
    state: str
    state_label: str
    deadline: dt.date
    deadline_label: str
    disposition: str
    instruction: str
    received_at: Optional[dt.datetime]
    submitted_at: Optional[dt.datetime]
    return_reason: str
    editable: bool
    round_open: bool
    lock_message: str = ""  # the period lock has closed the entry: why, and who may reopen it
    reminded: str = ""  # 'Diingatkan oleh … pada …' (the last reminder sent to the unit)


def submission_view(session: Session, actor: Actor, submission_id: int) -> SubmissionView:
    sub = readable_submission(session, actor, submission_id)
    rnd = sub.round
    returned = session.scalar(select(Review).where(Review.submission_id == sub.id,
                                                   Review.decision == SubmissionState.DIKEMBALIKAN)
                              .order_by(Review.id.desc()))
    deadline = deadline_in_force(sub)
    closed = entry_lock(session, sub) if rnd.status == RoundState.BERJALAN else None
    return SubmissionView(
        id=sub.id, round_id=rnd.id, round_label=round_label(rnd.year, rnd.quarter), unit_id=sub.unit_id,
        unit_name=sub.unit.name, state=sub.state, state_label=submission_label(sub.state), deadline=deadline,
        deadline_label=fmt_date(deadline), disposition=sub.disposition, instruction=rnd.instruction,
        received_at=sub.received_at, submitted_at=sub.submitted_at,
        return_reason=returned.reason if returned else "",
        editable=is_editable(session, actor, sub.id), round_open=rnd.status == RoundState.BERJALAN,
        lock_message=closed.message if closed else "",
        reminded=last_reminder(session, sub.id) if sub.state in EDITABLE else "",
    )


@dataclass(frozen=True)
class SubmissionChoice:
    id: int
    label: str
    state: str
    round_open: bool = True


def my_submissions(session: Session, actor: Actor) -> list[SubmissionChoice]:
    """Submissions of the actor's unit(s), open rounds first, newest first."""
    if actor.office_id is None:
        return []
    rows = session.execute(
        select(Submission, CollectionRound)
        .join(CollectionRound, CollectionRound.id == Submission.round_id)
        .where(CollectionRound.office_id == actor.office_id).options(joinedload(Submission.unit))
        .order_by(CollectionRound.status, CollectionRound.year.desc(), CollectionRound.quarter.desc()))
    scope = units_in_scope(session, actor)
    out = []
    for sub, rnd in rows:
        if sub.unit_id in scope:
            out.append(SubmissionChoice(sub.id, f"{round_label(rnd.year, rnd.quarter)} — {sub.unit.name} "
                                                f"({submission_label(sub.state)})", sub.state,
                                        rnd.status == RoundState.BERJALAN))
    return out


def readable_submission(session: Session, actor: Actor, submission_id: int) -> Submission:
    """The submission, after the read check of core.permissions.read_scope (the one rule of who reads
    which unit's data)."""
    sub = get_submission(session, submission_id)
    require_unit_read(session, actor, sub.round.office_id, sub.unit_id)
    return sub


def is_editable(session: Session, actor: Actor, submission_id: int) -> bool:
    try:
        sub = get_submission(session, submission_id)
        return (can(session, actor, "submission.edit", sub.unit_id, office_id=sub.round.office_id)
                and sub.round.status == RoundState.BERJALAN and sub.state in EDITABLE
                and entry_lock(session, sub) is None)
    except Exception:  # noqa: BLE001 - a read-only view on any doubt
        return False


@dataclass(frozen=True)
class CompactRow:
    """One indicator as a phone shows it: what it is, then target, realisation and capaian in one line."""

    title: str
    figures: str


def compact_rows(grid: pd.DataFrame) -> list[CompactRow]:
    """The entry grid (entry_table with exact=True) as short per-indicator lines, for a narrow screen where the
    grid's pinned columns leave no room for the figures."""
    from core import fmt

    def num(v, decimals: int = 4) -> str:
        return fmt.number(v, decimals)

    def empty(v) -> bool:
        return v is None or v is pd.NA or (isinstance(v, float) and v != v)

    rows = []
    for r in grid.to_dict("records"):
        satuan = f" {r['Satuan']}" if r.get("Satuan") else ""
        target, real, cap = r.get("Target TW (RA)"), r.get("Realisasi TW"), r.get("Capaian TW %")
        cap_text = "–" if empty(cap) else f"{fmt.percent(cap, 2)}" + (f" ({r['Predikat']})" if r.get("Predikat")
                                                                      else "")
        rows.append(CompactRow(
            title=f"{r['Kode']} — {r['Indikator']}",
            figures=(f"Target TW: {'–' if empty(target) else num(target) + satuan} · Realisasi TW: "
                     f"{'belum diisi' if empty(real) else num(real) + satuan} · Capaian TW: {cap_text}")))
    return rows
