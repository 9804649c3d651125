"""Plausibility of a unit's quarter before Ajukan: DHIS2's min–max outlier check, for SAKIP.

A value is not refused here (it may be right); it is flagged with a message that says why it looks wrong
and what to check, so a typing slip (1.250 typed for 12,5; Rp 125 for Rp 125.000.000) is caught by the unit
before the reviewer has to. The unit confirms the flags to submit anyway (core.steps.isi_data.submit); the reviewer
sees them, and whether they were confirmed, on Pengolahan.

Rules, with F = KINERJA_PLAUSIBILITY_FACTOR (default 10):
- target: a realisation > F × its quarter target or < target / F (target > 0, realisation > 0);
- median: the same against the median of the indicator's earlier quarters of the year (non-zero ones);
- percent: a realisation over 100 where the satuan is a percentage (%, persen);
- budget average: a quarter's spending > F × (or < 1/F of) the line's average spending of earlier quarters;
- budget pagu: spending so far (earlier quarters + this one) over the pagu, i.e. remaining pagu below 0.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.config import get_settings
from core.entry import (
    _budget_lines,
    _budget_realizations,
    _realizations,
    earlier_values,
    readable_submission,
    unit_indicators,
    year_targets,
)
from core.fmt import money, quarter_label
from core.fmt import number as fmt_number
from db.models import AuditLog, BudgetRealization, CollectionRound, Submission

PERCENT_UNITS = ("%", "persen")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Flag:
    """One value that looks wrong: which indicator or budget line, the value, and what to check."""

    rule: str  # target | median | percent | budget_average | budget_pagu
    kind: str  # indicator | budget
    ref_id: int  # indicator id or budget line id
    code: str
    name: str
    value: Decimal
    message: str

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.kind, self.rule, self.ref_id)

    def as_audit(self) -> dict[str, Any]:
        return {"rule": self.rule, "kind": self.kind, "ref_id": self.ref_id, "code": self.code,
                "value": format(self.value.normalize(), "f"), "message": self.message}


def factor() -> Decimal:
    return get_settings().plausibility_factor


def _n(value: Decimal) -> str:
    return fmt_number(value)


def _is_percent(satuan: str) -> bool:
    return (satuan or "").strip().lower() in PERCENT_UNITS


def _with_unit(value: Decimal, satuan: str) -> str:
    s = (satuan or "").strip()
    if not s:
        return _n(value)
    return f"{_n(value)} %" if _is_percent(s) else f"{_n(value)} {s}"


def _slip(value: Decimal, reference: Decimal) -> Optional[Decimal]:
    """The value a power-of-ten slip (decimal comma read as a thousands dot, a zero too many or too few)
    would have turned into `value`, when that brings it closest to `reference`; None when none does."""
    if value <= 0 or reference <= 0:
        return None
    shift = round(math.log10(float(value) / float(reference)))
    if shift == 0:
        return None
    shift = max(-6, min(6, shift))
    return (value / (Decimal(10) ** shift)).normalize()


def _outside(value: Decimal, reference: Decimal, f: Decimal) -> Optional[str]:
    """'high' / 'low' when `value` is more than f × or under 1/f of `reference` (both positive)."""
    if value <= 0 or reference <= 0:
        return None
    if value > reference * f:
        return "high"
    if value < reference / f:
        return "low"
    return None


def _hint(value: Decimal, reference: Decimal, satuan: str) -> str:
    slip = _slip(value, reference)
    if slip is None:
        return f"Periksa apakah angka dan satuannya ({satuan}) sudah benar."
    return f"Periksa apakah angka sudah benar (misalnya {_n(value)} ditulis untuk {_n(slip)})."


def indicator_flags(session: Session, sub: Submission, f: Optional[Decimal] = None) -> list[Flag]:
    f = f or factor()
    rnd = sub.round
    inds = unit_indicators(session, rnd, sub.unit_id)
    ids = [i.id for i in inds]
    targets = year_targets(session, ids, rnd.year)
    earlier = earlier_values(session, rnd, ids)
    reals = _realizations(session, sub)
    out: list[Flag] = []
    for ind in inds:
        r = reals.get(ind.id)
        value = r.value if r else None
        if value is None:
            continue
        value = Decimal(value)
        label = f"{ind.code} {ind.name}"
        shown = _with_unit(value, ind.satuan)
        t = targets.get(ind.id)
        tq = t.quarter(rnd.quarter) if t else None
        if tq is not None:
            side = _outside(value, Decimal(tq), f)
            if side:
                how = f"lebih dari {_n(f)}×" if side == "high" else f"kurang dari 1/{_n(f)}"
                out.append(Flag("target", "indicator", ind.id, ind.code, ind.name, value,
                                f"{label}: realisasi {shown} {how} target triwulan ({_n(Decimal(tq))}). "
                                + _hint(value, Decimal(tq), ind.satuan)))
        before = [(k, Decimal(earlier[(ind.id, k)])) for k in range(1, rnd.quarter) if (ind.id, k) in earlier]
        nonzero = [v for _, v in before if v != 0]
        if nonzero:
            median = Decimal(statistics.median(nonzero))
            side = _outside(value, median, f)
            if side:
                how = f"lebih dari {_n(f)}×" if side == "high" else f"kurang dari 1/{_n(f)}"
                listed = "; ".join(f"{quarter_label(k)}: {_n(v)}" for k, v in before)
                out.append(Flag("median", "indicator", ind.id, ind.code, ind.name, value,
                                f"{label}: realisasi {shown} {how} median triwulan sebelumnya tahun ini "
                                f"({_n(median)}; {listed}). " + _hint(value, median, ind.satuan)))
        if _is_percent(ind.satuan) and value > HUNDRED:
            out.append(Flag("percent", "indicator", ind.id, ind.code, ind.name, value,
                            f"{label}: realisasi {shown} lebih dari 100 %, padahal satuannya persentase. Periksa "
                            "apakah yang diisi persentase, bukan jumlah (misalnya jumlah orang atau kasus)."))
    return out


def _spent_by_quarter(session: Session, sub: Submission, line_ids: list[int]) -> dict[int, dict[int, Decimal]]:
    """budget line id -> {earlier quarter of the year: spending}, in one query."""
    if not line_ids or sub.round.quarter == 1:
        return {}
    rows = session.execute(
        select(BudgetRealization.budget_line_id, CollectionRound.quarter, func.sum(BudgetRealization.amount))
        .join(Submission, Submission.id == BudgetRealization.submission_id)
        .join(CollectionRound, CollectionRound.id == Submission.round_id)
        .where(CollectionRound.office_id == sub.round.office_id, CollectionRound.year == sub.round.year,
               CollectionRound.quarter < sub.round.quarter, BudgetRealization.budget_line_id.in_(line_ids),
               BudgetRealization.amount.is_not(None))
        .group_by(BudgetRealization.budget_line_id, CollectionRound.quarter))
    out: dict[int, dict[int, Decimal]] = {}
    for line_id, q, amount in rows:
        out.setdefault(line_id, {})[q] = Decimal(amount or 0)
    return out


def budget_flags(session: Session, sub: Submission, f: Optional[Decimal] = None) -> list[Flag]:
    f = f or factor()
    lines = _budget_lines(session, sub)
    by_quarter = _spent_by_quarter(session, sub, [b.id for b in lines])
    current = _budget_realizations(session, sub)
    out: list[Flag] = []
    for bl in lines:
        br = current.get(bl.id)
        if br is None or br.amount is None:
            continue
        amount = Decimal(br.amount)
        label = f"{bl.code} {bl.sub_kegiatan}"
        earlier = by_quarter.get(bl.id, {})
        if earlier:
            average = sum(earlier.values(), Decimal(0)) / len(earlier)
            side = _outside(amount, average, f)
            if side:
                how = f"lebih dari {_n(f)}×" if side == "high" else f"kurang dari 1/{_n(f)}"
                slip = _slip(amount, average)
                hint = (f"Periksa apakah angka sudah benar (misalnya {money(amount)} ditulis untuk "
                        f"{money(slip)}: angka nol kurang atau lebih)." if slip is not None else
                        "Periksa apakah angka sudah benar.")
                out.append(Flag("budget_average", "budget", bl.id, bl.code, bl.sub_kegiatan, amount,
                                f"{label}: realisasi triwulan ini {money(amount)} {how} rata-rata realisasi "
                                f"triwulan sebelumnya ({money(average)}). " + hint))
        spent_before = sum(earlier.values(), Decimal(0))
        remaining = Decimal(bl.pagu) - spent_before - amount
        if remaining < 0:
            out.append(Flag("budget_pagu", "budget", bl.id, bl.code, bl.sub_kegiatan, amount,
                            f"{label}: realisasi s.d. triwulan ini {money(spent_before + amount)} melebihi pagu "
                            f"{money(bl.pagu)} sebesar {money(-remaining)}. Periksa realisasi triwulan ini dan "
                            "triwulan sebelumnya, atau pagu DPA/DPPA yang berlaku."))
    return out


def flags(session: Session, submission: Submission) -> list[Flag]:
    """Every plausibility flag of the unit's quarter: indicators first (in grid order), then budget lines."""
    f = factor()
    return indicator_flags(session, submission, f) + budget_flags(session, submission, f)


def submission_flags(session: Session, actor: Actor, submission_id: int) -> list[Flag]:
    """flags() for whoever may read the submission (the unit itself and the office's reviewers)."""
    return flags(session, readable_submission(session, actor, submission_id))


@dataclass(frozen=True)
class ShownFlag:
    flag: Flag
    confirmed: bool  # the unit confirmed this flag when it last submitted


@dataclass(frozen=True)
class ReviewFlags:
    flags: list[ShownFlag]
    submitted_at: Optional[dt.datetime]  # of the last Ajukan (None: never submitted through the app)


def review_flags(session: Session, actor: Actor, submission_id: int) -> ReviewFlags:
    """The flags of the data as it stands, each with whether the unit confirmed it at its last Ajukan."""
    sub = readable_submission(session, actor, submission_id)
    current = flags(session, sub)
    last = session.scalar(select(AuditLog).where(
        AuditLog.entity == "submission", AuditLog.entity_id == str(sub.id), AuditLog.action == "submission.submit")
        .order_by(AuditLog.id.desc()).limit(1))
    confirmed = {(c.get("kind"), c.get("rule"), c.get("ref_id"))
                 for c in ((last.after or {}).get("confirmed_flags") or [] if last else [])}
    return ReviewFlags([ShownFlag(f, f.key in confirmed) for f in current], last.at if last else None)
