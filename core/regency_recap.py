"""The full-year recap of every office of the regency: one SQL statement for all offices, and its XLSX.

Looping over the offices with core.recap.annual_recap costs one round of queries and one DataFrame per
office (about 30 ms each, so seconds at regency scale and growing with every office). Here the values
of all offices come out of SQL already pivoted by quarter; the achievement formulas then run once per
indicator through the same core.recap.annual_row, so the figures are those of the per-office recap.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Optional

import pandas as pd
from sqlalchemy import and_, case, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from core import achievement as ach
from core import recap, xlsx_fast
from core.actor import Actor
from core.fmt import quarter_label
from core.permissions import require
from core.recap.indicators import _summarise
from db.models import AuditLog, CollectionRound, Indicator, OrgUnit, Realization, Sasaran, Submission, Target, Value

QUARTERS = recap.QUARTERS
COLUMNS = ["office", *recap.ANNUAL_COLUMNS]
VIEW = ["office", *recap.ANNUAL_VIEW]
OFFICE_LABEL = "Perangkat Daerah"


def annual_all_offices(session: Session, actor: Actor, year: int) -> pd.DataFrame:
    """Every active indicator of every office for `year`: the annual recap's columns plus the office.

    Regency-wide data: only the roles that oversee every office (Administrator, Pemantau) may read it.

    Each office's rows are kept, in this process, with the office's data version (core.audit.data_version:
    every audited change of the office, or of no office, moves it): a later call reads again only the
    offices that changed since, so after one office's save the regency recap costs that office's rows."""
    require(session, actor, "recap.regency")
    versions = _office_versions(session)
    key = (session.get_bind().url.render_as_string(hide_password=True), year)
    with _parts_lock:
        parts = _parts.setdefault(key, {})
        _parts.move_to_end(key)
        while len(_parts) > _MAX_PARTS:
            _builds.pop(_parts.popitem(last=False)[0], None)
        build = _builds.setdefault(key, threading.Lock())
    # One reader at a time per database and year: a page asking while the server's warmer reads the same
    # offices waits for those rows instead of reading them a second time beside it.
    with build:
        with _parts_lock:
            stale = {o for o, v in versions if parts.get(o, (None,))[0] != v}
        if stale:
            fresh = _office_rows(session, year, None if len(stale) == len(versions)
                                 else [o for o, _v in versions if o in stale])
            with _parts_lock:
                for office_id, version in versions:
                    if office_id in stale:
                        parts[office_id] = (version, fresh.get(office_id, []))
        with _parts_lock:
            snapshot = {o: parts[o][1] for o, _v in versions if o in parts}
    rows = [row for office_id, _v in versions for row in snapshot.get(office_id, ())]
    return pd.DataFrame.from_records(rows, columns=COLUMNS) if rows else pd.DataFrame(columns=COLUMNS)


# (database, year) -> office id -> (data version, rows as tuples in COLUMNS order); the newest few years
_parts: OrderedDict[tuple[str, int], dict[int, tuple[int, list[tuple]]]] = OrderedDict()
_parts_lock = threading.Lock()
_builds: dict[tuple[str, int], threading.Lock] = {}  # (database, year) -> held while its rows are read
_MAX_PARTS = 4


def clear_parts() -> None:
    """Forget the offices' rows kept in this process (the benchmark's cold runs, tests)."""
    with _parts_lock:
        _parts.clear()
        _builds.clear()


def _office_versions(session: Session) -> list[tuple[int, int]]:
    """(office id, data version) of every office with indicators, in the recap's office order: one index
    lookup per office in one statement (audit.data_version's rule: the office's changes and those of no
    office)."""
    own = (select(func.max(AuditLog.id)).where(AuditLog.office_id == OrgUnit.id)
           .correlate(OrgUnit).scalar_subquery())
    shared = session.scalar(select(func.max(AuditLog.id)).where(AuditLog.office_id.is_(None))) or 0
    stmt = (select(OrgUnit.id, own)
            .where(OrgUnit.id.in_(select(Indicator.office_id).distinct()))
            .order_by(OrgUnit.sort_order, OrgUnit.id))
    return [(office_id, max(v or 0, shared)) for office_id, v in session.execute(stmt)]


def _office_rows(session: Session, year: int, offices: Optional[list[int]]) -> dict[int, list[tuple]]:
    """The recap rows of `offices` (None: all) by office, in one statement (in chunks for long lists)."""
    if offices is not None and len(offices) > 500:
        out: dict[int, list[tuple]] = {}
        for i in range(0, len(offices), 500):
            out.update(_office_rows(session, year, offices[i:i + 500]))
        return out
    v = (
        select(Realization.indicator_id.label("indicator_id"), CollectionRound.quarter.label("quarter"),
               Realization.value.label("value"))
        .join(Submission, Realization.submission_id == Submission.id)
        .join(CollectionRound, Submission.round_id == CollectionRound.id)
        .where(CollectionRound.year == year)
    )
    if offices is not None:
        v = v.where(CollectionRound.office_id.in_(offices))
    v = v.subquery()
    values = select(
        v.c.indicator_id,
        *[type_coerce(func.max(case((v.c.quarter == q, v.c.value))), Value).label(f"realisasi_q{q}")
          for q in QUARTERS],
    ).group_by(v.c.indicator_id).subquery()
    office = aliased(OrgUnit)
    owner = aliased(OrgUnit)
    stmt = (
        select(
            office.id.label("office_id"), office.name.label("office"), Indicator.id.label("indicator_id"),
            Indicator.code.label("code"),
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
    if offices is not None:
        stmt = stmt.where(Indicator.office_id.in_(offices))
    out = {}
    formulas: dict[tuple, ach.Formula] = {}
    numbers = ("target_tahunan", *[f"{k}_q{q}" for q in QUARTERS for k in ("target", "realisasi")])
    for r in session.execute(stmt).mappings():
        row = dict(r)
        for k in numbers:
            row[k] = ach.to_decimal(row[k])
        settings = (row["negative_formula"], row["predicate_labels"], row["capaian_rounding"])
        formula = formulas.get(settings)
        if formula is None:
            formula = formulas[settings] = ach.Formula.of(*settings)
        annual = recap.annual_row(row, formula)  # by each office's settings
        annual["office"] = row["office"]
        out.setdefault(row["office_id"], []).append(tuple(annual[c] for c in COLUMNS))
    return out


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
                            df: Optional[pd.DataFrame] = None, summary: Optional[pd.DataFrame] = None) -> bytes:
    """The regency's full-year recap as an XLSX with Indonesian headers: a summary sheet per office and the
    sheet of every indicator. `df` / `summary`: annual_all_offices and its office_summary when the caller
    already has them (the page caches both)."""
    if df is None:
        df = annual_all_offices(session, actor, year)
    else:
        require(session, actor, "recap.regency")
    view = recap.labelled(df[VIEW]).rename(columns={"office": OFFICE_LABEL})
    # tens of thousands of rows: the data rows are written as sheet XML directly (core.xlsx_fast), the
    # workbook is the one exports.to_xlsx makes (no signature block; `on` is kept for callers)
    if summary is None:
        summary = office_summary(df)
    return xlsx_fast.to_xlsx({"Ringkasan per Perangkat Daerah": summary, "Rekap Tahunan Kabupaten": view},
                             f"Rekapitulasi Capaian Kinerja Tahun {year}", "Pemerintah Kabupaten Kapuas Hulu",
                             f"Tahun {year}")
