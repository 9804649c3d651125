"""The quarterly report of a round (Laporan Capaian Kinerja Triwulan): its lines as data, and its files.

`build_report` is what the workflow calls in steps 5, 7 and 9. The lines are kept with the Report
record so that versions can be compared line by line and corrections can point at a line.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import achievement as ach
from core.fmt import quarter_long
from db.models import (
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Indicator,
    OrgUnit,
    Realization,
    Sasaran,
    Submission,
    Target,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


@dataclass(frozen=True)
class GeneratedFile:
    name: str
    media_type: str
    content: bytes


@dataclass
class ReportBundle:
    lines: list[dict[str, Any]]
    files: list[GeneratedFile] = field(default_factory=list)


def _s(value: Optional[Decimal]) -> Optional[str]:
    return None if value is None else str(value)


def quarter_values(session: Session, office_id: int, year: int, indicator_ids: list[int]
                   ) -> dict[int, list[Optional[Decimal]]]:
    """Realisations of each indicator by quarter of `year` (accepted or pending data of every round)."""
    out: dict[int, list[Optional[Decimal]]] = {i: [None, None, None, None] for i in indicator_ids}
    rows = session.execute(
        select(Realization.indicator_id, CollectionRound.quarter, Realization.value)
        .join(Submission, Realization.submission_id == Submission.id)
        .join(CollectionRound, Submission.round_id == CollectionRound.id)
        .where(CollectionRound.office_id == office_id, CollectionRound.year == year)
    )
    for ind_id, q, value in rows:
        if ind_id in out and value is not None:
            out[ind_id][q - 1] = value
    return out


def report_lines(session: Session, round_id: int) -> list[dict[str, Any]]:
    """Every indicator row and budget row of the round's report, values as strings (JSON-safe)."""
    rnd = session.get(CollectionRound, round_id)
    q, year = rnd.quarter, rnd.year
    indicators = list(session.scalars(
        select(Indicator).join(Sasaran).where(Indicator.office_id == rnd.office_id, Indicator.active.is_(True))
        .order_by(Sasaran.sort_order, Indicator.sort_order)))
    ids = [i.id for i in indicators]
    values = quarter_values(session, rnd.office_id, year, ids)
    targets = {t.indicator_id: t for t in session.scalars(
        select(Target).where(Target.indicator_id.in_(ids), Target.year == year))}
    this_round = {r.indicator_id: r for r in session.scalars(
        select(Realization).join(Submission).where(Submission.round_id == round_id))}
    units = {u.id: u for u in session.scalars(select(OrgUnit))}
    lines: list[dict[str, Any]] = []
    for ind in indicators:
        t = targets.get(ind.id)
        qt = [t.quarter(i) if t else None for i in range(1, 5)]
        vals = values.get(ind.id, [None] * 4)
        real = this_round.get(ind.id)
        cap_q = ach.achievement(qt[q - 1], vals[q - 1], ind.polarity)
        cap_ytd = ach.ytd_achievement(qt, vals, q, ind.combine, ind.polarity)
        lines.append({
            "key": f"IND:{ind.code}",
            "type": "indikator",
            "sasaran": ind.sasaran.name,
            "sasaran_code": ind.sasaran.code,
            "code": ind.code,
            "name": ind.name,
            "satuan": ind.satuan,
            "iku": ind.is_iku,
            "unit": units[ind.owner_unit_id].name if ind.owner_unit_id in units else "",
            "polarity": ind.polarity,
            "combine": ind.combine,
            "target_tahunan": _s(t.annual if t else None),
            "target_tw": _s(qt[q - 1]),
            "target_ytd": _s(ach.combine(qt[:q], ind.combine)),
            "realisasi_tw": _s(vals[q - 1]),
            "realisasi_ytd": _s(ach.combine(vals[:q], ind.combine)),
            "capaian_tw": _s(cap_q.percent),
            "capaian_tw_reason": cap_q.reason,
            "capaian_ytd": _s(cap_ytd.percent),
            "predikat": ach.predicate(cap_q.percent) or "",
            "kendala": real.kendala if real else "",
            "tindak_lanjut": real.tindak_lanjut if real else "",
            "alasan_tidak_diukur": real.not_measured_reason if real else "",
        })
    budget = list(session.scalars(
        select(BudgetLine).where(BudgetLine.office_id == rnd.office_id, BudgetLine.year == year)
        .order_by(BudgetLine.code)))
    spent = session.execute(
        select(BudgetRealization.budget_line_id, CollectionRound.quarter, BudgetRealization.amount)
        .join(Submission, BudgetRealization.submission_id == Submission.id)
        .join(CollectionRound, Submission.round_id == CollectionRound.id)
        .where(CollectionRound.office_id == rnd.office_id, CollectionRound.year == year))
    by_line: dict[int, list[Optional[Decimal]]] = {b.id: [None] * 4 for b in budget}
    for line_id, qq, amount in spent:
        if line_id in by_line:
            by_line[line_id][qq - 1] = amount
    for b in budget:
        amounts = by_line[b.id]
        ytd = ach.combine(amounts[:q], "sum")
        lines.append({
            "key": f"BL:{b.code}",
            "type": "anggaran",
            "code": b.code,
            "program": b.program,
            "kegiatan": b.kegiatan,
            "sub_kegiatan": b.sub_kegiatan,
            "unit": units[b.owner_unit_id].name if b.owner_unit_id in units else "",
            "pagu": _s(b.pagu),
            "realisasi_tw": _s(amounts[q - 1]),
            "realisasi_ytd": _s(ytd),
            "serapan_tw": _s(ach.absorption(amounts[q - 1], b.pagu)),
            "serapan_ytd": _s(ach.absorption(ytd, b.pagu)),
        })
    return lines


def report_title(year: int, quarter: int) -> str:
    return f"Laporan Capaian Kinerja {quarter_long(quarter)} Tahun {year}"


def build_report(session: Session, round_id: int, kind: str, version: int,
                 lines: Optional[list[dict[str, Any]]] = None) -> ReportBundle:
    """The report's lines (computed, or the given corrected ones) and its files (XLSX; PDF when available)."""
    rnd = session.get(CollectionRound, round_id)
    lines = lines if lines is not None else report_lines(session, round_id)
    base = f"laporan-capaian-kinerja-{rnd.year}-tw{rnd.quarter}-{kind}-v{version}"
    xlsx = _simple_xlsx(report_title(rnd.year, rnd.quarter), lines)
    return ReportBundle(lines=lines, files=[GeneratedFile(base + ".xlsx", XLSX, xlsx)])


def _simple_xlsx(title: str, lines: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Indikator"
    ws.append([title])
    ws.append(["Kode", "Indikator", "Satuan", "Target TW", "Realisasi TW", "Capaian TW (%)", "Predikat"])
    for line in lines:
        if line["type"] == "indikator":
            ws.append([line["code"], line["name"], line["satuan"], _num(line["target_tw"]),
                       _num(line["realisasi_tw"]), _num(line["capaian_tw"]), line["predikat"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _num(value: Optional[str]) -> Optional[float]:
    # openpyxl writes numbers as floats; the Decimal stays in the lines, this is display only.
    return None if value is None else float(Decimal(value))
