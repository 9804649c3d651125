"""Recap tables of indicators and budget by quarter, year-to-date and year, as pandas DataFrames.

Values come out of SQL already pivoted by quarter (conditional aggregation); the achievement formulas of
core.achievement then run once per indicator. Numbers stay Decimal in the frames; charts and exports
convert them for display. Column keys are snake_case; `LABELS` gives the Indonesian headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import and_, case, func, select, type_coerce
from sqlalchemy.orm import Session

from core import achievement as ach
from core.fmt import quarter_label
from db.models import (
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Indicator,
    Money,
    OrgUnit,
    Realization,
    Sasaran,
    SopStep,
    StepRecord,
    Submission,
    Target,
    Value,
)

QUARTERS = (1, 2, 3, 4)

LABELS: dict[str, str] = {
    "code": "Kode",
    "name": "Indikator",
    "sasaran": "Sasaran",
    "unit": "Unit",
    "satuan": "Satuan",
    "iku": "IKU",
    "polarity": "Polaritas",
    "combine": "Penggabungan",
    "target_tahunan": "Target Tahunan",
    "target_tw": "Target TW",
    "realisasi_tw": "Realisasi TW",
    "capaian_tw": "Capaian TW (%)",
    "predikat_tw": "Predikat TW",
    "target_ytd": "Target s.d. TW",
    "realisasi_ytd": "Realisasi s.d. TW",
    "capaian_ytd": "Capaian s.d. TW (%)",
    "predikat": "Predikat",
    "keterangan": "Keterangan",
    "kendala": "Kendala",
    "tindak_lanjut": "Tindak Lanjut",
    "indikator": "Jumlah Indikator",
    "dinilai": "Indikator Dinilai",
    "rata_capaian": "Rata-rata Capaian (%)",
    "program": "Program",
    "kegiatan": "Kegiatan",
    "sub_kegiatan": "Sub Kegiatan",
    "pagu": "Pagu (Rp)",
    "realisasi_anggaran_tw": "Realisasi TW (Rp)",
    "realisasi_anggaran_ytd": "Realisasi s.d. TW (Rp)",
    "serapan_tw": "Serapan TW (%)",
    "serapan_ytd": "Serapan s.d. TW (%)",
    "tahun_berjalan": "Bagian Tahun Berjalan (%)",
    "proyeksi": "Proyeksi Akhir Tahun",
    "capaian_proyeksi": "Capaian Proyeksi (%)",
    "berisiko": "Berisiko",
    "triwulan": "Triwulan",
    "tahun": "Tahun",
    "langkah": "Langkah",
    "nama_langkah": "Nama Langkah",
    "menit": "Durasi (menit)",
    "standar_menit": "Waktu Standar (menit)",
    "melebihi": "Melebihi Standar",
}
for _q in QUARTERS:
    LABELS[f"target_q{_q}"] = f"Target {quarter_label(_q)}"
    LABELS[f"realisasi_q{_q}"] = f"Realisasi {quarter_label(_q)}"
    LABELS[f"capaian_q{_q}"] = f"Capaian {quarter_label(_q)} (%)"
for _p in ach.PREDICATE_ORDER:
    LABELS[_p] = _p

NA = "–"


@dataclass(frozen=True)
class Filters:
    """What a recap is limited to; None means all."""

    unit_id: Optional[int] = None
    sasaran_id: Optional[int] = None
    iku_only: bool = False
    accepted_only: bool = False


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with Indonesian column headers (for tables and files)."""
    return df.rename(columns={c: LABELS.get(c, c) for c in df.columns})


# --- raw data out of SQL ----------------------------------------------------------------------


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
        value_rows = value_rows.where(Submission.state == "diterima")
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


Rows = list[dict[str, Any]]


def _records(session: Session, office_id: int, year: int, f: Filters, rows: Optional[Rows]) -> Rows:
    """The office's indicator rows: `rows` when the caller already read them (the bundle reads them once)."""
    return rows if rows is not None else _indicator_rows(session, office_id, year, f)[0]


def _reason(a: ach.Achievement, not_measured: str = "") -> str:
    if a.ok:
        return ""
    if not_measured:
        return f"tidak diukur: {not_measured}"
    return a.reason


def _pct(a: ach.Achievement) -> Optional[Decimal]:
    return a.percent


# --- indicator recaps -------------------------------------------------------------------------


def indicator_recap(session: Session, office_id: int, year: int, quarter: int,
                    filters: Filters = Filters(), rows: Optional[Rows] = None) -> pd.DataFrame:
    """Per indicator for one quarter: target, realisation and capaian of the quarter and year-to-date.

    `rows`: the office's _indicator_rows when the caller already has them (bundle reads them once)."""
    return pd.DataFrame(indicator_rows(session, office_id, year, quarter, filters, rows),
                        columns=_INDICATOR_COLUMNS)


def indicator_rows(session: Session, office_id: int, year: int, quarter: int,
                   filters: Filters = Filters(), rows: Optional[Rows] = None) -> list[dict[str, Any]]:
    """indicator_recap's rows as dicts (quarter_status uses them without building a DataFrame)."""
    out: list[dict[str, Any]] = []
    for r in _records(session, office_id, year, filters, rows):
        qt = [r[f"target_q{q}"] for q in QUARTERS]
        qv = [r[f"realisasi_q{q}"] for q in QUARTERS]
        cap_q = ach.achievement(qt[quarter - 1], qv[quarter - 1], r["polarity"])
        cap_y = ach.ytd_achievement(qt, qv, quarter, r["combine"], r["polarity"])
        out.append({
            "indicator_id": r["indicator_id"], "code": r["code"], "name": r["name"],
            "sasaran_id": r["sasaran_id"], "sasaran": r["sasaran"], "unit_id": r["unit_id"], "unit": r["unit"],
            "satuan": r["satuan"], "iku": bool(r["iku"]), "polarity": r["polarity"], "combine": r["combine"],
            "target_tahunan": r["target_tahunan"],
            "target_tw": qt[quarter - 1], "realisasi_tw": qv[quarter - 1], "capaian_tw": _pct(cap_q),
            "predikat_tw": ach.predicate(cap_q.percent) or NA,
            "target_ytd": ach.combine(qt[:quarter], r["combine"]),
            "realisasi_ytd": ach.combine(qv[:quarter], r["combine"]) if qv[quarter - 1] is not None else None,
            "capaian_ytd": _pct(cap_y),
            "predikat": ach.predicate(cap_y.percent) or NA,
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
                   rows: Optional[Rows] = None) -> pd.DataFrame:
    """One row per indicator × quarter (target, realisation, capaian): the input of trend charts."""
    out = []
    for r in _records(session, office_id, year, filters, rows):
        for q in QUARTERS:
            a = ach.achievement(r[f"target_q{q}"], r[f"realisasi_q{q}"], r["polarity"])
            out.append({"indicator_id": r["indicator_id"], "code": r["code"], "name": r["name"],
                        "sasaran": r["sasaran"], "unit": r["unit"], "satuan": r["satuan"],
                        "polarity": r["polarity"], "quarter": q, "triwulan": quarter_label(q),
                        "target": r[f"target_q{q}"], "realisasi": r[f"realisasi_q{q}"],
                        "capaian": a.percent, "predikat": ach.predicate(a.percent) or NA,
                        "keterangan": _reason(a, r[f"reason_q{q}"])})
    return pd.DataFrame(out, columns=["indicator_id", "code", "name", "sasaran", "unit", "satuan", "polarity",
                                      "quarter", "triwulan", "target", "realisasi", "capaian", "predikat",
                                      "keterangan"])


def annual_recap(session: Session, office_id: int, year: int, filters: Filters = Filters(),
                 rows: Optional[Rows] = None) -> pd.DataFrame:
    """The four quarters side by side with year-to-date achievement through the last reported quarter
    (the input of the LKjIP)."""
    out = [annual_row(r) for r in _records(session, office_id, year, filters, rows)]
    return pd.DataFrame(out, columns=ANNUAL_COLUMNS)


ANNUAL_COLUMNS = ["indicator_id", "code", "name", "sasaran", "unit", "satuan", "target_tahunan",
                  *[f"{k}_q{q}" for q in QUARTERS for k in ("target", "realisasi", "capaian")],
                  "triwulan", "realisasi_ytd", "capaian_ytd", "predikat", "keterangan"]


def annual_row(r: dict[str, Any]) -> dict[str, Any]:
    """One indicator's row of the annual recap from its targets and values by quarter (also used by the
    regency-wide recap, which fetches the rows of every office in one query)."""
    qt = [r[f"target_q{q}"] for q in QUARTERS]
    qv = [r[f"realisasi_q{q}"] for q in QUARTERS]
    row: dict[str, Any] = {"indicator_id": r["indicator_id"], "code": r["code"], "name": r["name"],
                           "sasaran": r["sasaran"], "unit": r["unit"], "satuan": r["satuan"],
                           "target_tahunan": r["target_tahunan"]}
    for q in QUARTERS:
        row[f"target_q{q}"] = qt[q - 1]
        row[f"realisasi_q{q}"] = qv[q - 1]
        row[f"capaian_q{q}"] = ach.achievement(qt[q - 1], qv[q - 1], r["polarity"]).percent
    last = max((q for q in QUARTERS if qv[q - 1] is not None), default=None)
    if last is None:
        cap = ach.Achievement(None, ach.NO_VALUE)
        row["realisasi_ytd"] = None
    else:
        cap = ach.ytd_achievement(qt, qv, last, r["combine"], r["polarity"])
        row["realisasi_ytd"] = ach.combine(qv[:last], r["combine"])
    row["capaian_ytd"] = cap.percent
    row["predikat"] = ach.predicate(cap.percent) or NA
    row["triwulan"] = quarter_label(last) if last else NA
    row["keterangan"] = _reason(cap)
    return row


def _summarise(ind: pd.DataFrame, key: str, cap_col: str) -> pd.DataFrame:
    """Count of indicators, average capaian and count per predicate, grouped by `key` (groups in order of
    first appearance)."""
    groups: dict[Any, list[Optional[Decimal]]] = {}
    for name, cap in zip(ind[key].tolist(), ind[cap_col].tolist()):
        groups.setdefault(name, []).append(cap)
    rows = []
    for name, values in groups.items():
        caps = [c for c in values if c is not None and not _isnan(c)]
        row = {key: name, "indikator": len(values), "dinilai": len(caps),
               "rata_capaian": ach._q(sum(caps, Decimal(0)) / len(caps)) if caps else None,
               **predicate_counts(caps)}
        row["predikat"] = ach.predicate(row["rata_capaian"]) or NA
        rows.append(row)
    return pd.DataFrame(rows, columns=[key, "indikator", "dinilai", "rata_capaian", *ach.PREDICATE_ORDER,
                                       "predikat"])


def unit_recap(session: Session, office_id: int, year: int, quarter: int, filters: Filters = Filters(),
               ytd: bool = False, ind: Optional[pd.DataFrame] = None,
               budget: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """Per unit: indicators, average capaian (quarter or year-to-date), predicate counts, budget absorption.

    `ind` / `budget`: the indicator recap and budget-by-unit recap when the caller already has them."""
    ind = ind if ind is not None else indicator_recap(session, office_id, year, quarter, filters)
    out = _summarise(ind, "unit", "capaian_ytd" if ytd else "capaian_tw")
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
    ind = ind if ind is not None else indicator_recap(session, office_id, year, quarter, filters)
    return _summarise(ind, "sasaran", "capaian_ytd" if ytd else "capaian_tw")


def predicate_counts(caps: list[Optional[Decimal]]) -> dict[str, int]:
    preds = [ach.predicate(c) for c in caps if c is not None]
    return {p: preds.count(p) for p in ach.PREDICATE_ORDER}


# --- budget -------------------------------------------------------------------------------------


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
        spent = spent.where(Submission.state == "diterima")
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
                           Money))
        .join(Submission, BudgetRealization.submission_id == Submission.id)
        .join(CollectionRound, Submission.round_id == CollectionRound.id)
        .join(BudgetLine, BudgetRealization.budget_line_id == BudgetLine.id)
        .where(CollectionRound.office_id == office_id, CollectionRound.year == year,
               BudgetLine.office_id == office_id, BudgetLine.year == year)
    )
    lines = select(type_coerce(func.sum(BudgetLine.pagu), Money)).where(
        BudgetLine.office_id == office_id, BudgetLine.year == year)
    if filters.accepted_only:
        spent = spent.where(Submission.state == "diterima")
    if filters.unit_id is not None:
        spent = spent.where(BudgetLine.owner_unit_id == filters.unit_id)
        lines = lines.where(BudgetLine.owner_unit_id == filters.unit_id)
    tw, ytd, pagu = session.execute(spent.add_columns(lines.scalar_subquery())).one()  # one round trip
    pagu = ach.to_decimal(pagu) or Decimal(0)
    tw, ytd = ach.to_decimal(tw) or Decimal(0), ach.to_decimal(ytd) or Decimal(0)
    return {"pagu": pagu, "realisasi_tw": tw, "realisasi_ytd": ytd, "serapan_tw": ach.absorption(tw, pagu),
            "serapan_ytd": ach.absorption(ytd, pagu), "tahun_berjalan": year_elapsed(quarter)}


# --- projection and SOP step durations ----------------------------------------------------------


def projection_recap(session: Session, office_id: int, year: int, quarter: int,
                     filters: Filters = Filters(), rows: Optional[Rows] = None) -> pd.DataFrame:
    """Year-end projection of each indicator from the quarters so far, against the annual target.

    At risk: the projected achievement of the annual target is under 100 %.
    """
    out = []
    for r in _records(session, office_id, year, filters, rows):
        qv = [r[f"realisasi_q{q}"] for q in QUARTERS]
        proj = ach.projection(qv, quarter, r["combine"])
        a = ach.achievement(r["target_tahunan"], proj, r["polarity"], r["target_atas"])
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


# --- what the Rekap page shows and downloads ----------------------------------------------------

# On screen the numbers come first; the files carry every column (INDICATOR_VIEW).
INDICATOR_SCREEN = ["code", "name", "satuan", "target_tw", "realisasi_tw", "capaian_tw", "target_ytd",
                    "realisasi_ytd", "capaian_ytd", "predikat", "unit", "keterangan"]
UNIT_VIEW = ["unit", "indikator", "dinilai", "rata_capaian", *ach.PREDICATE_ORDER, "predikat", "pagu",
             "realisasi_anggaran_ytd", "serapan_ytd"]
SASARAN_VIEW = ["sasaran", "indikator", "dinilai", "rata_capaian", *ach.PREDICATE_ORDER, "predikat"]
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


def bundle(session: Session, office_id: int, year: int, quarter: int, filters: Filters = Filters()) -> RecapBundle:
    """Every recap of one period and filter set (what Rekap & Unduh shows), in one call.

    The indicator values are read once and the budget by unit once, then every view is derived from
    them (the views used to read the same rows six times)."""
    rows = _indicator_rows(session, office_id, year, filters)[0]
    indicators = indicator_recap(session, office_id, year, quarter, filters, rows=rows)
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
        annual=annual_recap(session, office_id, year, filters, rows=rows),
        quarterly=quarterly_long(session, office_id, year, filters, rows=rows),
        projection=projection_recap(session, office_id, year, quarter, filters, rows=rows),
        steps=step_durations(session, office_id),
    )


def views(b: RecapBundle) -> dict[str, pd.DataFrame]:
    """The downloadable views with Indonesian headers, numbers still numbers (one sheet each)."""
    return {
        "Per Indikator": labelled(b.indicators[INDICATOR_VIEW]),
        "Per Unit": labelled(b.units[[c for c in UNIT_VIEW if c in b.units.columns]]),
        "Per Sasaran": labelled(b.sasaran[SASARAN_VIEW]),
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


def _isnan(v: Any) -> bool:
    return isinstance(v, float) and v != v


def headline(b: RecapBundle) -> dict[str, Any]:
    """The metrics row of the recap: indicators, average capaian, how many lag, budget absorption."""
    caps = [v for v in b.indicators["capaian_tw"] if v is not None]
    pagu = sum(b.budget_by_unit["pagu"], Decimal(0)) if len(b.budget_by_unit) else Decimal(0)
    ytd = sum(b.budget_by_unit["realisasi_anggaran_ytd"], Decimal(0)) if len(b.budget_by_unit) else Decimal(0)
    return {"indicators": len(b.indicators), "assessed": len(caps),
            "average": ach._q(sum(caps, Decimal(0)) / len(caps)) if caps else None,
            "below": sum(1 for v in caps if v < ach.HUNDRED), "counts": predicate_counts(caps),
            "absorption": ach.absorption(ytd, pagu), "elapsed": year_elapsed(b.quarter),
            "at_risk": [(r["code"], r["capaian_proyeksi"]) for r in b.projection.to_dict("records") if r["berisiko"]]}
