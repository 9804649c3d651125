"""Indicator recaps: per indicator for a quarter, the four quarters side by side, the year-end
projection, and the summaries per unit and per sasaran.

Values come out of SQL already pivoted by quarter (conditional aggregation); the achievement
formulas of core.achievement then run once per indicator."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import and_, case, func, select, type_coerce
from sqlalchemy.orm import Session

from core import achievement as ach
from core.fmt import quarter_label
from core.masterdata.settings import formula_of
from core.recap.budget import budget_recap
from core.recap.common import NA, QUARTERS, Filters, Rows, _isnan
from core.states import SubmissionState
from db.models import CollectionRound, Indicator, OrgUnit, Realization, Sasaran, Submission, Target, Value


def _indicator_rows(session: Session, office_id: int, year: int, f: Filters
                    ) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per indicator: identity, targets and the four quarters' values, pivoted in SQL
    (values as Decimal); and the column names."""
    value_rows = select(
        Realization.indicator_id.label("indicator_id"),
        CollectionRound.quarter.label("quarter"),
        Realization.value.label("value"),
        Realization.not_measured_reason.label("reason"),
    ).join(Submission, Realization.submission_id == Submission.id).join(
        CollectionRound, Submission.round_id == CollectionRound.id
    ).where(CollectionRound.office_id == office_id, CollectionRound.year == year)
    if f.accepted_only:
        value_rows = value_rows.where(Submission.state == SubmissionState.DITERIMA)
    v = value_rows.subquery()
    pivot = [
        type_coerce(func.max(case((v.c.quarter == q, v.c.value))), Value).label(f"realisasi_q{q}")
        for q in QUARTERS
    ]
    reasons = [func.max(case((v.c.quarter == q, v.c.reason), else_="")).label(f"reason_q{q}") for q in QUARTERS]
    values = select(v.c.indicator_id, *pivot, *reasons).group_by(v.c.indicator_id).subquery()

    stmt = (
        select(
            Indicator.id.label("indicator_id"), Indicator.code.label("code"), Indicator.name.label("name"),
            Sasaran.id.label("sasaran_id"), Sasaran.code.label("sasaran_code"), Sasaran.name.label("sasaran"),
            OrgUnit.id.label("unit_id"), OrgUnit.name.label("unit"), Indicator.satuan.label("satuan"),
            Indicator.is_iku.label("iku"), Indicator.polarity.label("polarity"),
            Indicator.combine.label("combine"), Target.annual.label("target_tahunan"),
            Target.annual_upper.label("target_atas"),
            *[getattr(Target, f"q{q}").label(f"target_q{q}") for q in QUARTERS],
            *[getattr(values.c, f"realisasi_q{q}") for q in QUARTERS],
            *[getattr(values.c, f"reason_q{q}") for q in QUARTERS],
        )
        .join(Sasaran, Indicator.sasaran_id == Sasaran.id)
        .join(OrgUnit, Indicator.owner_unit_id == OrgUnit.id)
        .outerjoin(Target, and_(Target.indicator_id == Indicator.id, Target.year == year))
        .outerjoin(values, values.c.indicator_id == Indicator.id)
        .where(Indicator.office_id == office_id, Indicator.active.is_(True))
        .order_by(Sasaran.sort_order, Indicator.sort_order, Indicator.id)
    )
    if f.unit_id is not None:
        stmt = stmt.where(Indicator.owner_unit_id == f.unit_id)
    if f.sasaran_id is not None:
        stmt = stmt.where(Indicator.sasaran_id == f.sasaran_id)
    if f.iku_only:
        stmt = stmt.where(Indicator.is_iku.is_(True))
    cols = [c.name for c in stmt.selected_columns]
    numbers = [c for c in cols if c.startswith(("target_", "realisasi_"))]
    rows = []
    for r in session.execute(stmt).mappings():
        row = dict(r)
        for c in numbers:
            row[c] = ach.to_decimal(row[c])
        rows.append(row)
    return rows, cols


def _records(session: Session, office_id: int, year: int, f: Filters, rows: Optional[Rows]) -> Rows:
    """The office's indicator rows: `rows` when the caller already read them (the bundle reads them once)."""
    return rows if rows is not None else _indicator_rows(session, office_id, year, f)[0]


def _formula(session: Session, office_id: int, formula: Optional[ach.Formula]) -> ach.Formula:
    """The formula given by the caller, else the office's (read once per session: the office row stays in
    the session after the first read)."""
    return formula if formula is not None else formula_of(session, office_id)


def _reason(a: ach.Achievement, not_measured: str = "") -> str:
    if a.ok:
        return ""
    if not_measured:
        return f"tidak diukur: {not_measured}"
    return a.reason


def _pct(a: ach.Achievement) -> Optional[Decimal]:
    return a.percent


def indicator_recap(session: Session, office_id: int, year: int, quarter: int,
                     filters: Filters = Filters(), rows: Optional[Rows] = None,
                    formula: Optional[ach.Formula] = None) -> pd.DataFrame:
    """Per indicator for one quarter: target, realisation and capaian of the quarter and year-to-date.

    `rows`: the office's _indicator_rows when the caller already has them (bundle reads them once).
    `formula`: the office's capaian settings (read from the office when not given)."""
    return pd.DataFrame(indicator_rows(session, office_id, year, quarter, filters, rows, formula),
                        columns=_INDICATOR_COLUMNS)


def indicator_rows(session: Session, office_id: int, year: int, quarter: int,
                   filters: Filters = Filters(), rows: Optional[Rows] = None,
                   formula: Optional[ach.Formula] = None) -> list[dict[str, Any]]:
    """indicator_recap's rows as dicts (quarter_status uses them without building a DataFrame)."""
    formula = _formula(session, office_id, formula)
    out: list[dict[str, Any]] = []
    for r in _records(session, office_id, year, filters, rows):
        qt = [r[f"target_q{q}"] for q in QUARTERS]
        qv = [r[f"realisasi_q{q}"] for q in QUARTERS]
        cap_q = ach.achievement(qt[quarter - 1], qv[quarter - 1], r["polarity"], formula=formula)
        cap_y = ach.ytd_achievement(qt, qv, quarter, r["combine"], r["polarity"], formula)
        out.append({
            "indicator_id": r["indicator_id"], "code": r["code"], "name": r["name"],
            "sasaran_id": r["sasaran_id"], "sasaran": r["sasaran"], "unit_id": r["unit_id"], "unit": r["unit"],
            "satuan": r["satuan"], "iku": bool(r["iku"]), "polarity": r["polarity"], "combine": r["combine"],
            "target_tahunan": r["target_tahunan"],
            "target_tw": qt[quarter - 1], "realisasi_tw": qv[quarter - 1], "capaian_tw": _pct(cap_q),
            "predikat_tw": ach.predicate(cap_q.percent, formula) or NA,
            "target_ytd": ach.combine(qt[:quarter], r["combine"]),
            "realisasi_ytd": ach.combine(qv[:quarter], r["combine"]) if qv[quarter - 1] is not None else None,
            "capaian_ytd": _pct(cap_y),
            "predikat": ach.predicate(cap_y.percent, formula) or NA,
            "keterangan": _reason(cap_q, r[f"reason_q{quarter}"]) or _reason(cap_y),
        })
    return out


_INDICATOR_COLUMNS = [
    "indicator_id", "code", "name", "sasaran_id", "sasaran", "unit_id", "unit", "satuan", "iku", "polarity",
    "combine", "target_tahunan", "target_tw", "realisasi_tw", "capaian_tw", "predikat_tw", "target_ytd",
    "realisasi_ytd", "capaian_ytd", "predikat", "keterangan",
]
INDICATOR_VIEW = ["code", "name", "sasaran", "unit", "satuan", "target_tahunan", "target_tw", "realisasi_tw",
                  "capaian_tw", "target_ytd", "realisasi_ytd", "capaian_ytd", "predikat", "keterangan"]


def quarterly_long(session: Session, office_id: int, year: int, filters: Filters = Filters(),
                   rows: Optional[Rows] = None, formula: Optional[ach.Formula] = None) -> pd.DataFrame:
    """One row per indicator × quarter (target, realisation, capaian): the input of trend charts."""
    formula = _formula(session, office_id, formula)
    out = []
    for r in _records(session, office_id, year, filters, rows):
        for q in QUARTERS:
            a = ach.achievement(r[f"target_q{q}"], r[f"realisasi_q{q}"], r["polarity"], formula=formula)
            out.append({"indicator_id": r["indicator_id"], "code": r["code"], "name": r["name"],
                        "sasaran": r["sasaran"], "unit": r["unit"], "satuan": r["satuan"],
                        "polarity": r["polarity"], "quarter": q, "triwulan": quarter_label(q),
                        "target": r[f"target_q{q}"], "realisasi": r[f"realisasi_q{q}"],
                        "capaian": a.percent, "predikat": ach.predicate(a.percent, formula) or NA,
                        "keterangan": _reason(a, r[f"reason_q{q}"])})
    return pd.DataFrame(out, columns=["indicator_id", "code", "name", "sasaran", "unit", "satuan", "polarity",
                                      "quarter", "triwulan", "target", "realisasi", "capaian", "predikat",
                                      "keterangan"])


def annual_recap(session: Session, office_id: int, year: int, filters: Filters = Filters(),
                 rows: Optional[Rows] = None, formula: Optional[ach.Formula] = None) -> pd.DataFrame:
    """The four quarters side by side with year-to-date achievement through the last reported quarter
    (the input of the LKjIP)."""
    formula = _formula(session, office_id, formula)
    out = [annual_row(r, formula) for r in _records(session, office_id, year, filters, rows)]
    return pd.DataFrame(out, columns=ANNUAL_COLUMNS)


ANNUAL_COLUMNS = ["indicator_id", "code", "name", "sasaran", "unit", "satuan", "target_tahunan",
                  *[f"{k}_q{q}" for q in QUARTERS for k in ("target", "realisasi", "capaian")],
                  "triwulan", "realisasi_ytd", "capaian_ytd", "predikat", "keterangan"]


def annual_row(r: dict[str, Any], formula: ach.Formula = ach.DEFAULT) -> dict[str, Any]:
    """One indicator's row of the annual recap from its targets and values by quarter (also used by the
    regency-wide recap, which fetches the rows of every office in one query), by its office's formula."""
    qt = [r[f"target_q{q}"] for q in QUARTERS]
    qv = [r[f"realisasi_q{q}"] for q in QUARTERS]
    row: dict[str, Any] = {"indicator_id": r["indicator_id"], "code": r["code"], "name": r["name"],
                           "sasaran": r["sasaran"], "unit": r["unit"], "satuan": r["satuan"],
                           "target_tahunan": r["target_tahunan"]}
    for q in QUARTERS:
        row[f"target_q{q}"] = qt[q - 1]
        row[f"realisasi_q{q}"] = qv[q - 1]
        row[f"capaian_q{q}"] = ach.achievement(qt[q - 1], qv[q - 1], r["polarity"], formula=formula).percent
    last = max((q for q in QUARTERS if qv[q - 1] is not None), default=None)
    if last is None:
        cap = ach.Achievement(None, ach.NO_VALUE)
        row["realisasi_ytd"] = None
    else:
        cap = ach.ytd_achievement(qt, qv, last, r["combine"], r["polarity"], formula)
        row["realisasi_ytd"] = ach.combine(qv[:last], r["combine"])
    row["capaian_ytd"] = cap.percent
    row["predikat"] = ach.predicate(cap.percent, formula) or NA
    row["triwulan"] = quarter_label(last) if last else NA
    row["keterangan"] = _reason(cap)
    return row


def _summarise(ind: pd.DataFrame, key: str, cap_col: str, formula: ach.Formula = ach.DEFAULT) -> pd.DataFrame:
    """Count of indicators, average capaian and count per predicate (in the formula's words), grouped by
    `key` (groups in order of first appearance)."""
    groups: dict[Any, list[Optional[Decimal]]] = {}
    for name, cap in zip(ind[key].tolist(), ind[cap_col].tolist()):
        groups.setdefault(name, []).append(cap)
    rows = []
    for name, values in groups.items():
        caps = [c for c in values if c is not None and not _isnan(c)]
        row = {key: name, "indikator": len(values), "dinilai": len(caps),
               "rata_capaian": formula.q(sum(caps, Decimal(0)) / len(caps)) if caps else None,
               **predicate_counts(caps, formula)}
        row["predikat"] = ach.predicate(row["rata_capaian"], formula) or NA
        rows.append(row)
    return pd.DataFrame(rows, columns=[key, "indikator", "dinilai", "rata_capaian", *formula.predicate_order,
                                       "predikat"])


def unit_recap(session: Session, office_id: int, year: int, quarter: int, filters: Filters = Filters(),
               ytd: bool = False, ind: Optional[pd.DataFrame] = None,
               budget: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """Per unit: indicators, average capaian (quarter or year-to-date), predicate counts, budget absorption.

    `ind` / `budget`: the indicator recap and budget-by-unit recap when the caller already has them."""
    formula = formula_of(session, office_id)
    ind = ind if ind is not None else indicator_recap(session, office_id, year, quarter, filters, formula=formula)
    out = _summarise(ind, "unit", "capaian_ytd" if ytd else "capaian_tw", formula)
    if budget is None:
        budget = budget_recap(session, office_id, year, quarter, filters, by="unit")
    if not budget.empty:  # a left join on the unit name; a unit without DPA lines gets None
        spent = ["pagu", "realisasi_anggaran_tw", "realisasi_anggaran_ytd", "serapan_tw", "serapan_ytd"]
        by_unit = {u: vals for u, *vals in zip(budget["unit"].tolist(), *(budget[c].tolist() for c in spent))}
        units = out["unit"].tolist()
        for i, c in enumerate(spent):
            out[c] = pd.Series([by_unit[u][i] if u in by_unit else None for u in units], index=out.index,
                               dtype=object)
    return out


def sasaran_recap(session: Session, office_id: int, year: int, quarter: int, filters: Filters = Filters(),
                  ytd: bool = False, ind: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    formula = formula_of(session, office_id)
    ind = ind if ind is not None else indicator_recap(session, office_id, year, quarter, filters, formula=formula)
    return _summarise(ind, "sasaran", "capaian_ytd" if ytd else "capaian_tw", formula)


def predicate_counts(caps: list[Optional[Decimal]], formula: ach.Formula = ach.DEFAULT) -> dict[str, int]:
    preds = [ach.predicate(c, formula) for c in caps if c is not None]
    return {p: preds.count(p) for p in formula.predicate_order}


def projection_recap(session: Session, office_id: int, year: int, quarter: int,
                     filters: Filters = Filters(), rows: Optional[Rows] = None,
                     formula: Optional[ach.Formula] = None) -> pd.DataFrame:
    """Year-end projection of each indicator from the quarters so far, against the annual target.

    At risk: the projected achievement of the annual target is under 100 %.
    """
    formula = _formula(session, office_id, formula)
    out = []
    for r in _records(session, office_id, year, filters, rows):
        qv = [r[f"realisasi_q{q}"] for q in QUARTERS]
        proj = ach.projection(qv, quarter, r["combine"])
        a = ach.achievement(r["target_tahunan"], proj, r["polarity"], r["target_atas"], formula)
        out.append({"indicator_id": r["indicator_id"], "code": r["code"], "name": r["name"],
                    "sasaran": r["sasaran"], "unit": r["unit"], "satuan": r["satuan"],
                    "target_tahunan": r["target_tahunan"],
                    "realisasi_ytd": ach.combine(qv[:quarter], r["combine"]),
                    "proyeksi": None if proj is None else ach._q(proj),
                    "capaian_proyeksi": a.percent,
                    "berisiko": a.percent is not None and a.percent < ach.HUNDRED,
                    "keterangan": _reason(a)})
    return pd.DataFrame(out, columns=["indicator_id", "code", "name", "sasaran", "unit", "satuan",
                                      "target_tahunan", "realisasi_ytd", "proyeksi", "capaian_proyeksi",
                                      "berisiko", "keterangan"])
