"""Budget recaps: pagu, spending of the quarter and year to date, and absorption, per DPA line, unit
or program, and the office's totals. Sums are SQL aggregates; absorption is computed on the sums."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import Session

from core import achievement as ach
from core.recap.common import Filters
from core.states import SubmissionState
from db.models import BudgetLine, BudgetRealization, CollectionRound, Money, OrgUnit, Submission


def budget_recap(session: Session, office_id: int, year: int, quarter: int, filters: Filters = Filters(),
                 by: str = "line") -> pd.DataFrame:
    """Pagu, spending of the quarter and year-to-date and absorption, per DPA line, unit or program.

    Sums are SQL aggregates; absorption is computed on the sums.
    """
    rows, keys = _budget_rows(session, office_id, year, quarter, filters, by)
    return _budget_frame(rows, keys)


def _budget_rows(session: Session, office_id: int, year: int, quarter: int, filters: Filters, by: str
                 ) -> tuple[list[dict[str, Any]], list[str]]:
    """budget_recap's rows as dicts, and the key columns."""
    spent = (
        select(BudgetRealization.budget_line_id.label("line_id"),
               type_coerce(func.sum(case((CollectionRound.quarter == quarter, BudgetRealization.amount))),
                           Money).label("tw"),
               type_coerce(func.sum(case((CollectionRound.quarter <= quarter, BudgetRealization.amount))),
                           Money).label("ytd"))
        .join(Submission, BudgetRealization.submission_id == Submission.id)
        .join(CollectionRound, Submission.round_id == CollectionRound.id)
        .where(CollectionRound.office_id == office_id, CollectionRound.year == year)
        .group_by(BudgetRealization.budget_line_id)
    )
    if filters.accepted_only:
        spent = spent.where(Submission.state == SubmissionState.DITERIMA)
    s = spent.subquery()
    keys = {
        "line": [BudgetLine.code.label("code"), BudgetLine.program.label("program"),
                 BudgetLine.kegiatan.label("kegiatan"), BudgetLine.sub_kegiatan.label("sub_kegiatan"),
                 OrgUnit.name.label("unit")],
        "unit": [OrgUnit.name.label("unit")],
        "program": [BudgetLine.program.label("program")],
        "kegiatan": [BudgetLine.program.label("program"), BudgetLine.kegiatan.label("kegiatan")],
    }[by]
    stmt = (
        select(*keys,
               type_coerce(func.sum(BudgetLine.pagu), Money).label("pagu"),
               type_coerce(func.sum(func.coalesce(s.c.tw, 0)), Money).label("realisasi_anggaran_tw"),
               type_coerce(func.sum(func.coalesce(s.c.ytd, 0)), Money).label("realisasi_anggaran_ytd"),
               func.min(BudgetLine.code).label("first_code"))
        .join(OrgUnit, BudgetLine.owner_unit_id == OrgUnit.id)
        .outerjoin(s, s.c.line_id == BudgetLine.id)
        .where(BudgetLine.office_id == office_id, BudgetLine.year == year)
        .group_by(*keys)
        .order_by(func.min(BudgetLine.code))
    )
    if filters.unit_id is not None:
        stmt = stmt.where(BudgetLine.owner_unit_id == filters.unit_id)
    names = [k.name for k in keys]
    rows = [{**{k: r[k] for k in names}, **{m: ach.to_decimal(r[m]) for m in _SPENT}}
            for r in session.execute(stmt).mappings()]
    return _with_absorption(rows, quarter), names


_SPENT = ("pagu", "realisasi_anggaran_tw", "realisasi_anggaran_ytd")


def _with_absorption(rows: list[dict[str, Any]], quarter: int) -> list[dict[str, Any]]:
    """Budget rows (keys, pagu, spending as Decimal) with absorption against pagu and the year elapsed."""
    elapsed = year_elapsed(quarter)
    for row in rows:
        row["serapan_tw"] = ach.absorption(row["realisasi_anggaran_tw"], row["pagu"])
        row["serapan_ytd"] = ach.absorption(row["realisasi_anggaran_ytd"], row["pagu"])
        row["tahun_berjalan"] = elapsed
    return rows


def _budget_frame(rows: list[dict[str, Any]], keys: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[*keys, *_SPENT, "serapan_tw", "serapan_ytd", "tahun_berjalan"])


def _by_unit(lines: list[dict[str, Any]], quarter: int) -> list[dict[str, Any]]:
    """budget_recap(by="unit")'s rows from budget_recap(by="line")'s (lines come in code order, so units
    come in the order of their first line, as the SQL orders them)."""
    units: dict[str, dict[str, Any]] = {}
    for line in lines:
        row = units.setdefault(line["unit"], {"unit": line["unit"], **{m: Decimal(0) for m in _SPENT}})
        for m in _SPENT:
            row[m] += line[m] or Decimal(0)
    return _with_absorption(list(units.values()), quarter)


def year_elapsed(quarter: int) -> Decimal:
    """Share of the year elapsed at the end of the quarter: 25 / 50 / 75 / 100 %."""
    return Decimal(25 * quarter)


def budget_totals(session: Session, office_id: int, year: int, quarter: int,
                  filters: Filters = Filters()) -> dict[str, Optional[Decimal]]:
    """The office's pagu and spending of the quarter and year to date, summed in SQL (no per-unit frame)."""
    spent = (
        select(type_coerce(func.sum(case((CollectionRound.quarter == quarter, BudgetRealization.amount))),
                           Money),
               type_coerce(func.sum(case((CollectionRound.quarter <= quarter, BudgetRealization.amount))),
                           Money),
               func.count(case((CollectionRound.quarter == quarter, BudgetRealization.id))),
               type_coerce(func.sum(case((CollectionRound.quarter < quarter, BudgetRealization.amount))), Money))
        .join(Submission, BudgetRealization.submission_id == Submission.id)
        .join(CollectionRound, Submission.round_id == CollectionRound.id)
        .join(BudgetLine, BudgetRealization.budget_line_id == BudgetLine.id)
        .where(CollectionRound.office_id == office_id, CollectionRound.year == year,
               BudgetLine.office_id == office_id, BudgetLine.year == year)
    )
    lines = select(type_coerce(func.sum(BudgetLine.pagu), Money)).where(
        BudgetLine.office_id == office_id, BudgetLine.year == year)
    if filters.accepted_only:
        spent = spent.where(Submission.state == SubmissionState.DITERIMA)
    if filters.unit_id is not None:
        spent = spent.where(BudgetLine.owner_unit_id == filters.unit_id)
        lines = lines.where(BudgetLine.owner_unit_id == filters.unit_id)
    tw, ytd, entered, before, pagu = session.execute(spent.add_columns(lines.scalar_subquery())).one()  # one trip
    pagu = ach.to_decimal(pagu) or Decimal(0)
    tw, ytd = ach.to_decimal(tw) or Decimal(0), ach.to_decimal(ytd) or Decimal(0)
    return {"pagu": pagu, "realisasi_tw": tw, "realisasi_ytd": ytd, "serapan_tw": ach.absorption(tw, pagu),
            "serapan_ytd": ach.absorption(ytd, pagu), "tahun_berjalan": year_elapsed(quarter),
            "baris_tw": entered or 0,  # spending rows of the quarter: none before the units enter it
            "serapan_sebelumnya": ach.absorption(ach.to_decimal(before) or Decimal(0), pagu) if quarter > 1 else None}
