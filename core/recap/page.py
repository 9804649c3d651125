"""What the Rekap page shows and downloads: the filter choices, every recap of a period in one bundle,
the downloadable views, the on-screen formatting and the headline metrics (and the SOP step
durations it charts)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import achievement as ach
from core.fmt import quarter_label
from core.masterdata.settings import formula_of
from core.recap.budget import _budget_frame, _budget_rows, _by_unit, year_elapsed
from core.recap.common import NA, QUARTERS, Filters, _isnan, labelled
from core.recap.indicators import (
    INDICATOR_VIEW,
    _indicator_rows,
    annual_recap,
    indicator_recap,
    predicate_counts,
    projection_recap,
    quarterly_long,
    sasaran_recap,
    unit_recap,
)
from db.models import CollectionRound, Indicator, OrgUnit, Sasaran, SopStep, StepRecord


def step_durations(session: Session, office_id: int, years: Optional[list[int]] = None) -> pd.DataFrame:
    """Actual duration of each SOP step per round (minutes) beside the step's standard time."""
    stmt = (
        select(CollectionRound.year.label("tahun"), CollectionRound.quarter.label("quarter"),
               StepRecord.step_number.label("langkah"), SopStep.short_name.label("nama_langkah"),
               SopStep.standard_minutes.label("standar_menit"),
               StepRecord.started_at.label("started_at"), StepRecord.finished_at.label("finished_at"))
        .join(CollectionRound, StepRecord.round_id == CollectionRound.id)
        .join(SopStep, SopStep.number == StepRecord.step_number)
        .where(CollectionRound.office_id == office_id, StepRecord.finished_at.is_not(None))
        .order_by(CollectionRound.year, CollectionRound.quarter, StepRecord.step_number)
    )
    if years:
        stmt = stmt.where(CollectionRound.year.in_(years))
    rows = []
    for y, q, number, name, standard, started, finished in session.execute(stmt):
        # minutes to one decimal, rounded half to even as numpy does (x * 10 rounded, then / 10)
        minutes = round((finished - started).total_seconds() / 60 * 10) / 10 if started else float("nan")
        rows.append((y, q, number, name, standard, minutes, f"{quarter_label(q)} {y}", minutes > standard))
    df = pd.DataFrame(rows, columns=["tahun", "quarter", "langkah", "nama_langkah", "standar_menit", "menit",
                                     "triwulan", "melebihi"])
    return df if rows else df.astype({"menit": float, "melebihi": bool})


def filter_options(session: Session, office_id: int) -> dict[str, Any]:
    """Choices for the filter widgets: years with rounds, units owning indicators, sasaran."""
    years = sorted({y for (y,) in session.execute(
        select(CollectionRound.year).where(CollectionRound.office_id == office_id).distinct())}, reverse=True)
    units = [(i, n) for i, n in session.execute(
        select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(
            select(Indicator.owner_unit_id).where(Indicator.office_id == office_id))).order_by(OrgUnit.sort_order))]
    sasaran = [(i, f"{c} {n}") for i, c, n in session.execute(
        select(Sasaran.id, Sasaran.code, Sasaran.name).where(Sasaran.id.in_(
            select(Indicator.sasaran_id).where(Indicator.office_id == office_id))).order_by(Sasaran.sort_order))]
    latest = session.execute(
        select(CollectionRound.year, CollectionRound.quarter).where(CollectionRound.office_id == office_id)
        .order_by(CollectionRound.year.desc(), CollectionRound.quarter.desc()).limit(1)).first()
    return {"years": years, "units": units, "sasaran": sasaran,
            "latest": (latest[0], latest[1]) if latest else None}


# On screen the numbers come first; the files carry every column (INDICATOR_VIEW).
INDICATOR_SCREEN = ["code", "name", "satuan", "target_tw", "realisasi_tw", "capaian_tw", "target_ytd",
                    "realisasi_ytd", "capaian_ytd", "predikat", "unit", "keterangan"]
def unit_view(formula: ach.Formula = ach.DEFAULT) -> list[str]:
    """The per-unit columns, with one count column per predicate in the office's words."""
    return ["unit", "indikator", "dinilai", "rata_capaian", *formula.predicate_order, "predikat", "pagu",
            "realisasi_anggaran_ytd", "serapan_ytd"]


def sasaran_view(formula: ach.Formula = ach.DEFAULT) -> list[str]:
    return ["sasaran", "indikator", "dinilai", "rata_capaian", *formula.predicate_order, "predikat"]


UNIT_VIEW = unit_view()
SASARAN_VIEW = sasaran_view()
BUDGET_VIEW = ["code", "program", "kegiatan", "sub_kegiatan", "unit", "pagu", "realisasi_anggaran_tw",
               "realisasi_anggaran_ytd", "serapan_tw", "serapan_ytd", "tahun_berjalan"]
BUDGET_SCREEN = ["code", "sub_kegiatan", "pagu", "realisasi_anggaran_tw", "realisasi_anggaran_ytd", "serapan_tw",
                 "serapan_ytd", "unit", "program", "kegiatan"]
ANNUAL_VIEW = ["code", "name", "sasaran", "unit", "satuan", "target_tahunan",
               *[f"{k}_q{q}" for q in QUARTERS for k in ("target", "realisasi", "capaian")],
               "triwulan", "realisasi_ytd", "capaian_ytd", "predikat", "keterangan"]
PROJECTION_VIEW = ["code", "name", "unit", "satuan", "target_tahunan", "realisasi_ytd", "proyeksi",
                   "capaian_proyeksi", "berisiko", "keterangan"]
MONEY = {"pagu", "realisasi_anggaran_tw", "realisasi_anggaran_ytd"}
PERCENT = {"capaian_tw", "capaian_ytd", "rata_capaian", "serapan_tw", "serapan_ytd", "tahun_berjalan",
           "capaian_proyeksi", *[f"capaian_q{q}" for q in QUARTERS]}


@dataclass
class RecapBundle:
    year: int
    quarter: int
    indicators: pd.DataFrame
    units: pd.DataFrame
    sasaran: pd.DataFrame
    budget: pd.DataFrame
    budget_by_unit: pd.DataFrame
    annual: pd.DataFrame
    quarterly: pd.DataFrame
    projection: pd.DataFrame
    steps: pd.DataFrame
    formula: ach.Formula = ach.DEFAULT  # the office's capaian settings the figures were computed with


def bundle(session: Session, office_id: int, year: int, quarter: int, filters: Filters = Filters()) -> RecapBundle:
    """Every recap of one period and filter set (what Rekap & Unduh shows), in one call.

    The indicator values are read once and the budget by unit once, then every view is derived from
    them (the views used to read the same rows six times)."""
    rows = _indicator_rows(session, office_id, year, filters)[0]
    formula = formula_of(session, office_id)  # read once: every view below is computed with it
    indicators = indicator_recap(session, office_id, year, quarter, filters, rows=rows, formula=formula)
    lines, keys = _budget_rows(session, office_id, year, quarter, filters, by="line")
    budget = _budget_frame(lines, keys)
    budget_by_unit = _budget_frame(_by_unit(lines, quarter), ["unit"])
    return RecapBundle(
        year=year, quarter=quarter,
        indicators=indicators,
        units=unit_recap(session, office_id, year, quarter, filters, ind=indicators, budget=budget_by_unit),
        sasaran=sasaran_recap(session, office_id, year, quarter, filters, ind=indicators),
        budget=budget,
        budget_by_unit=budget_by_unit,
        annual=annual_recap(session, office_id, year, filters, rows=rows, formula=formula),
        quarterly=quarterly_long(session, office_id, year, filters, rows=rows, formula=formula),
        projection=projection_recap(session, office_id, year, quarter, filters, rows=rows, formula=formula),
        steps=step_durations(session, office_id),
        formula=formula,
    )


def views(b: RecapBundle) -> dict[str, pd.DataFrame]:
    """The downloadable views with Indonesian headers, numbers still numbers (one sheet each)."""
    return {
        "Per Indikator": labelled(b.indicators[INDICATOR_VIEW]),
        "Per Unit": labelled(b.units[[c for c in unit_view(b.formula) if c in b.units.columns]]),
        "Per Sasaran": labelled(b.sasaran[sasaran_view(b.formula)]),
        "Anggaran": labelled(b.budget[BUDGET_VIEW]),
        "Rekap Tahunan": labelled(b.annual[ANNUAL_VIEW]),
        "Proyeksi": labelled(b.projection[PROJECTION_VIEW]),
    }


def for_display(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Selected columns formatted the Indonesian way (1.234,56; 87,50 %; Rp 1.250.000) with labels."""
    from core import fmt

    out = pd.DataFrame(index=df.index)
    for c in columns:
        if c not in df.columns:
            continue
        s = df[c]
        if c in MONEY:
            out[c] = [fmt.money(v) if v is not None and not _isnan(v) else NA for v in s]
        elif c in PERCENT:
            out[c] = [fmt.percent(v) if v is not None and not _isnan(v) else NA for v in s]
        elif s.dtype == bool or c in ("iku", "berisiko"):
            out[c] = ["Ya" if v else "Tidak" for v in s]
        elif s.dtype == object and any(isinstance(v, Decimal) for v in s):
            out[c] = [fmt.number(v) if v is not None and not _isnan(v) else NA for v in s]
        else:
            out[c] = s
    return labelled(out.reset_index(drop=True))


def headline(b: RecapBundle) -> dict[str, Any]:
    """The metrics row of the recap: indicators, average capaian, how many lag, budget absorption."""
    caps = [v for v in b.indicators["capaian_tw"] if v is not None]
    pagu = sum(b.budget_by_unit["pagu"], Decimal(0)) if len(b.budget_by_unit) else Decimal(0)
    ytd = sum(b.budget_by_unit["realisasi_anggaran_ytd"], Decimal(0)) if len(b.budget_by_unit) else Decimal(0)
    return {"indicators": len(b.indicators), "assessed": len(caps),
            "average": b.formula.q(sum(caps, Decimal(0)) / len(caps)) if caps else None,
            "below": sum(1 for v in caps if v < ach.HUNDRED), "counts": predicate_counts(caps, b.formula),
            "absorption": ach.absorption(ytd, pagu), "elapsed": year_elapsed(b.quarter),
            "spent_tw": sum(b.budget_by_unit["realisasi_anggaran_tw"], Decimal(0)) if len(b.budget_by_unit)
            else Decimal(0),
            "at_risk": [(r["code"], r["capaian_proyeksi"]) for r in b.projection.to_dict("records") if r["berisiko"]]}
