"""The multi-year figures of the forms sent upward (Renja evaluation "E.81", LKjIP measurement).

A year's realisation of an indicator (K) or of a program / kegiatan / sub kegiatan (Rp) comes from the
rounds in the database where that year has any, and otherwise from `PriorRealisation` (entered or
imported for the years before the app). The Renstra's end targets come from `Indicator.renstra_target`
(K) and `RenstraBudget` (Rp, by code). Everything here is read-only and returns Decimals; the forms
format them.

DPA codes follow the Kepmendagri nomenclature `urusan.bidang.program.kegiatan(2 parts).sub`, e.g.
2.07.03.2.01.0001: program 2.07.03, kegiatan 2.07.03.2.01, sub kegiatan the whole code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import achievement as ach
from db.models import (
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Indicator,
    PriorRealisation,
    Realization,
    RenstraBudget,
    RenstraPeriod,
    Sasaran,
    Submission,
)

ZERO = Decimal(0)


def program_code(code: str) -> str:
    """The program part of a DPA code (its first three parts), or the code itself when shorter."""
    parts = code.split(".")
    return ".".join(parts[:3]) if len(parts) > 3 else code


def kegiatan_code(code: str) -> str:
    """The kegiatan part of a DPA code (its first five parts), or the code itself when shorter."""
    parts = code.split(".")
    return ".".join(parts[:5]) if len(parts) > 5 else code


def under(code: str, parent: str) -> bool:
    """True when `code` is `parent` or lies below it in the nomenclature."""
    return code == parent or code.startswith(parent + ".")


def period_of(session: Session, office_id: int, year: int) -> Optional[RenstraPeriod]:
    """The office's Renstra period covering `year` (the latest starting one when periods overlap)."""
    return session.scalar(
        select(RenstraPeriod).where(RenstraPeriod.office_id == office_id, RenstraPeriod.start_year <= year,
                                    RenstraPeriod.end_year >= year)
        .order_by(RenstraPeriod.start_year.desc()))


def period_of_indicators(session: Session, office_id: int) -> dict[int, RenstraPeriod]:
    """Each indicator's Renstra period (through its sasaran)."""
    rows = session.execute(
        select(Indicator.id, RenstraPeriod).join(Sasaran, Indicator.sasaran_id == Sasaran.id)
        .join(RenstraPeriod, Sasaran.period_id == RenstraPeriod.id).where(Indicator.office_id == office_id))
    return {i: p for i, p in rows}


@dataclass(frozen=True)
class YearValue:
    """One year's realisation and where it came from: 'aplikasi' (rounds) or 'input' (PriorRealisation)."""

    value: Optional[Decimal]
    source: Optional[str] = None
    quarters: int = 0  # how many quarters of the year the rounds held (0 for an entered year)


def indicator_years(session: Session, office_id: int, indicators: Iterable[Indicator], years: Iterable[int],
                    upto_quarter: Optional[dict[int, int]] = None) -> dict[int, dict[int, YearValue]]:
    """For each indicator and year: the year's realisation, the quarters combined by the indicator's rule.

    A year with any realisation of the indicator in the rounds is taken from the rounds (up to
    `upto_quarter[year]` when given, e.g. the round's own quarter); otherwise from the entered value."""
    inds = list(indicators)
    years = sorted(set(years))
    ids = [i.id for i in inds]
    out: dict[int, dict[int, YearValue]] = {i.id: {} for i in inds}
    if not ids or not years:
        return out
    quarters: dict[tuple[int, int], list[Optional[Decimal]]] = defaultdict(lambda: [None] * 4)
    rows = session.execute(
        select(Realization.indicator_id, CollectionRound.year, CollectionRound.quarter, Realization.value)
        .join(Submission, Realization.submission_id == Submission.id)
        .join(CollectionRound, Submission.round_id == CollectionRound.id)
        .where(CollectionRound.office_id == office_id, CollectionRound.year.in_(years),
               Realization.indicator_id.in_(ids), Realization.value.is_not(None)))
    for ind_id, y, q, value in rows:
        quarters[(ind_id, y)][q - 1] = value
    prior = {(p.indicator_id, p.year): p.value for p in session.scalars(
        select(PriorRealisation).where(PriorRealisation.office_id == office_id,
                                       PriorRealisation.indicator_id.in_(ids), PriorRealisation.year.in_(years)))}
    for ind in inds:
        for y in years:
            qs = quarters.get((ind.id, y))
            if qs is not None:
                limit = (upto_quarter or {}).get(y, 4)
                qs = qs[:limit]
            if qs and any(v is not None for v in qs):
                out[ind.id][y] = YearValue(ach.combine(qs, ind.combine), "aplikasi",
                                           sum(1 for v in qs if v is not None))
            elif prior.get((ind.id, y)) is not None:
                out[ind.id][y] = YearValue(prior[(ind.id, y)], "input")
            else:
                out[ind.id][y] = YearValue(None)
    return out


@dataclass
class SpentByCode:
    """The year's spending by DPA code: from the rounds where the year has budget realisations, else entered."""

    from_rounds: dict[int, dict[str, Decimal]] = field(default_factory=dict)  # year -> line code -> amount
    entered: dict[int, dict[str, Decimal]] = field(default_factory=dict)  # year -> code (any level) -> amount

    def spent(self, code: str, year: int) -> Optional[Decimal]:
        """The spending of `code` (and everything below it) in `year`; None when the year has nothing for it."""
        lines = self.from_rounds.get(year)
        if lines:
            found = [a for c, a in lines.items() if under(c, code)]
            return sum(found, ZERO) if found else None
        entered = self.entered.get(year, {})
        if code in entered:
            return entered[code]
        found = [a for c, a in entered.items() if under(c, code)]
        return sum(found, ZERO) if found else None


def spent_by_code(session: Session, office_id: int, years: Iterable[int],
                  upto_quarter: Optional[dict[int, int]] = None) -> SpentByCode:
    """Spending per DPA line code and year (quarters summed, up to `upto_quarter[year]`), with entered years."""
    years = sorted(set(years))
    out = SpentByCode()
    if not years:
        return out
    rows = session.execute(
        select(BudgetLine.code, CollectionRound.year, CollectionRound.quarter, BudgetRealization.amount)
        .join(BudgetLine, BudgetRealization.budget_line_id == BudgetLine.id)
        .join(Submission, BudgetRealization.submission_id == Submission.id)
        .join(CollectionRound, Submission.round_id == CollectionRound.id)
        .where(CollectionRound.office_id == office_id, CollectionRound.year.in_(years),
               BudgetRealization.amount.is_not(None)))
    for code, y, q, amount in rows:
        if q > (upto_quarter or {}).get(y, 4):
            continue
        year = out.from_rounds.setdefault(y, {})
        year[code] = year.get(code, ZERO) + amount
    for p in session.scalars(select(PriorRealisation).where(
            PriorRealisation.office_id == office_id, PriorRealisation.code.is_not(None),
            PriorRealisation.year.in_(years), PriorRealisation.amount.is_not(None))):
        out.entered.setdefault(p.year, {})[p.code] = p.amount
    return out


def renstra_end_pagu(session: Session, period_id: Optional[int]) -> dict[str, Decimal]:
    """The Renstra's end-of-period funding by code, as entered."""
    if period_id is None:
        return {}
    return {b.code: b.end_pagu for b in session.scalars(
        select(RenstraBudget).where(RenstraBudget.period_id == period_id)) if b.end_pagu is not None}


def end_pagu_of(plan: dict[str, Decimal], code: str) -> Optional[Decimal]:
    """The end-of-period funding of `code`: its own entry, else the sum of the entries below it."""
    if code in plan:
        return plan[code]
    found = [v for c, v in plan.items() if under(c, code)]
    return sum(found, ZERO) if found else None


@dataclass(frozen=True)
class ToDate:
    """A Renstra figure accumulated over years, and the years that had no figure."""

    value: Optional[Decimal]
    missing: tuple[int, ...] = ()


def indicator_to_date(by_year: dict[int, YearValue], years: Iterable[int], rule: str) -> ToDate:
    """The indicator's realisation over `years` by its rule: sum adds the years, last takes the latest
    year with a value, avg the mean of the years with a value."""
    years = sorted(years)
    missing = tuple(y for y in years if by_year.get(y, YearValue(None)).value is None)
    return ToDate(ach.combine([by_year.get(y, YearValue(None)).value for y in years], rule), missing)


def spent_to_date(spent: SpentByCode, code: str, years: Iterable[int]) -> ToDate:
    """The spending of `code` summed over `years`, with the years that had none."""
    years = sorted(years)
    values = {y: spent.spent(code, y) for y in years}
    present = [v for v in values.values() if v is not None]
    return ToDate(sum(present, ZERO) if present else None, tuple(y for y, v in values.items() if v is None))


def percent(part: Optional[Decimal], whole: Optional[Decimal], polarity: str = "positif",
            formula: ach.Formula = ach.DEFAULT) -> Optional[Decimal]:
    """part against whole as a capaian % by the office's formula (polarity applies to K; Rp is positif)."""
    return ach.achievement(whole, part, polarity, formula=formula).percent
