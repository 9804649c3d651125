"""The full-year recap of every office of the regency: one SQL statement for all offices, and its XLSX.

Looping over the offices with core.recap.annual_recap costs one round of queries and one DataFrame per
office (about 30 ms each, so seconds at regency scale and growing with every office). Here the values
of all offices come out of SQL already pivoted by quarter; the achievement formulas then run once per
indicator through the same core.recap.annual_row, so the figures are those of the per-office recap.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

import pandas as pd
from sqlalchemy import and_, case, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from core import achievement as ach
from core import exports, recap
from core.actor import Actor
from core.fmt import quarter_label
from core.permissions import require
from core.recap.indicators import _summarise
from db.models import CollectionRound, Indicator, OrgUnit, Realization, Sasaran, Submission, Target, Value

QUARTERS = recap.QUARTERS
COLUMNS = ["office", *recap.ANNUAL_COLUMNS]
VIEW = ["office", *recap.ANNUAL_VIEW]
OFFICE_LABEL = "Perangkat Daerah"


def annual_all_offices(session: Session, actor: Actor, year: int) -> pd.DataFrame:
    """Every active indicator of every office for `year`: the annual recap's columns plus the office.

    Regency-wide data: only the roles that oversee every office (Administrator, Pemantau) may read it."""
    require(session, actor, "recap.regency")
    v = (
        select(Realization.indicator_id.label("indicator_id"), CollectionRound.quarter.label("quarter"),
               Realization.value.label("value"))
        .join(Submission, Realization.submission_id == Submission.id)
        .join(CollectionRound, Submission.round_id == CollectionRound.id)
        .where(CollectionRound.year == year)
    ).subquery()
    values = select(
        v.c.indicator_id,
        *[type_coerce(func.max(case((v.c.quarter == q, v.c.value))), Value).label(f"realisasi_q{q}")
          for q in QUARTERS],
    ).group_by(v.c.indicator_id).subquery()
    office = aliased(OrgUnit)
    owner = aliased(OrgUnit)
    stmt = (
        select(
            office.name.label("office"), Indicator.id.label("indicator_id"), Indicator.code.label("code"),
            Indicator.name.label("name"), Sasaran.name.label("sasaran"), owner.name.label("unit"),
            Indicator.satuan.label("satuan"), Indicator.polarity.label("polarity"),
            Indicator.combine.label("combine"), Target.annual.label("target_tahunan"),
            office.negative_formula.label("negative_formula"), office.predicate_labels.label("predicate_labels"),
            office.capaian_rounding.label("capaian_rounding"),
            *[getattr(Target, f"q{q}").label(f"target_q{q}") for q in QUARTERS],
            *[getattr(values.c, f"realisasi_q{q}") for q in QUARTERS],
        )
        .join(office, Indicator.office_id == office.id)
        .join(Sasaran, Indicator.sasaran_id == Sasaran.id)
        .join(owner, Indicator.owner_unit_id == owner.id)
        .outerjoin(Target, and_(Target.indicator_id == Indicator.id, Target.year == year))
        .outerjoin(values, values.c.indicator_id == Indicator.id)
        .where(Indicator.active.is_(True))
        .order_by(office.sort_order, office.id, Sasaran.sort_order, Indicator.sort_order, Indicator.id)
    )
    out = []
    for r in session.execute(stmt).mappings():
        row = dict(r)
        for key in ("target_tahunan", *[f"{k}_q{q}" for q in QUARTERS for k in ("target", "realisasi")]):
            row[key] = ach.to_decimal(row[key])
        formula = ach.Formula.of(row["negative_formula"], row["predicate_labels"], row["capaian_rounding"])
        out.append({"office": row["office"], **recap.annual_row(row, formula)})  # by each office's settings
    return pd.DataFrame(out, columns=COLUMNS)


def office_summary(df: pd.DataFrame) -> pd.DataFrame:
    """One row per office of annual_all_offices: indicators, how many could be assessed, the last quarter
    reported, the average year-to-date capaian, and the count per predicate (recap's own summary).

    Each office's capaian follows its own settings; across offices the bands are named in the default
    words (Sangat Tinggi … Sangat Rendah), the bounds being the same for every office."""
    summary = _summarise(df, "office", "capaian_ytd")
    order = {quarter_label(q): q for q in QUARTERS}
    last = {office: max((t for t in grp["triwulan"] if t in order), key=order.get, default=recap.NA)
            for office, grp in df.groupby("office", sort=False)}
    summary.insert(3, "triwulan", [last[o] for o in summary["office"]])
    return summary.rename(columns={"office": OFFICE_LABEL, "indikator": "Indikator", "dinilai": "Dapat dinilai",
                                   "triwulan": "Triwulan terakhir", "rata_capaian": "Rata-rata capaian s.d. TW (%)",
                                   "predikat": "Predikat"})


def annual_all_offices_xlsx(session: Session, actor: Actor, year: int, on: Optional[dt.date] = None,
                            df: Optional[pd.DataFrame] = None) -> bytes:
    """The regency's full-year recap as an XLSX with Indonesian headers: a summary sheet per office and the
    sheet of every indicator. `df`: annual_all_offices when the caller already has it."""
    if df is None:
        df = annual_all_offices(session, actor, year)
    else:
        require(session, actor, "recap.regency")
    view = recap.labelled(df[VIEW]).rename(columns={"office": OFFICE_LABEL})
    return exports.to_xlsx({"Ringkasan per Perangkat Daerah": office_summary(df), "Rekap Tahunan Kabupaten": view},
                           f"Rekapitulasi Capaian Kinerja Tahun {year}", "Pemerintah Kabupaten Kapuas Hulu",
                           f"Tahun {year}", None, on)
