"""The quarterly report of a round (Laporan Capaian Kinerja Triwulan): its lines as data, and its files.

`build_report` is what the workflow calls in steps 5, 7 and 9. The lines are kept with the Report
record so that versions can be compared line by line and corrections can point at a line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import achievement as ach
from core import clock, renja
from core.fmt import date as fmt_date
from core.fmt import quarter_long
from core.masterdata.settings import formula_of
from db.models import (
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Extension,
    Indicator,
    OrgUnit,
    Realization,
    Sasaran,
    Submission,
    Target,
    User,
    budget_line_indicators,
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
    units = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.office_id == rnd.office_id))}
    formula = formula_of(session, rnd.office_id)
    period = renja.period_of(session, rnd.office_id, year)
    prev_years = list(range(period.start_year, year)) if period else []
    by_year = renja.indicator_years(session, rnd.office_id, indicators, prev_years)
    linked: dict[int, list[str]] = {}
    for ind_id, code in session.execute(
            select(budget_line_indicators.c.indicator_id, BudgetLine.code)
            .join(BudgetLine, BudgetLine.id == budget_line_indicators.c.budget_line_id)
            .where(BudgetLine.office_id == rnd.office_id, BudgetLine.year == year).order_by(BudgetLine.code)):
        linked.setdefault(ind_id, []).append(code)
    lines: list[dict[str, Any]] = []
    for ind in indicators:
        t = targets.get(ind.id)
        qt = [t.quarter(i) if t else None for i in range(1, 5)]
        vals = values.get(ind.id, [None] * 4)
        real = this_round.get(ind.id)
        prev = renja.indicator_to_date(by_year[ind.id], prev_years, ind.combine)
        cap_q = ach.achievement(qt[q - 1], vals[q - 1], ind.polarity, formula=formula)
        cap_ytd = ach.ytd_achievement(qt, vals, q, ind.combine, ind.polarity, formula)
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
            "predikat": ach.predicate(cap_q.percent, formula) or "",
            "kendala": real.kendala if real else "",
            "tindak_lanjut": real.tindak_lanjut if real else "",
            "alasan_tidak_diukur": real.not_measured_reason if real else "",
            # the Renja evaluation (E.81, core.forms.renja_eval) reads these
            "faktor_pendorong": real.faktor_pendorong if real else "",
            "real_q": [_s(v) if i < q else None for i, v in enumerate(vals)],
            "renstra_target": _s(ind.renstra_target),
            "renstra_years": {str(y): _s(by_year[ind.id][y].value) for y in prev_years},
            "renstra_prev": _s(prev.value),
            "renstra_prev_missing": list(prev.missing),
            "renja_level": renja_level(ind.renja_level, linked.get(ind.id, [])),
            "budget_codes": linked.get(ind.id, []),
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
            "real_q": [_s(v) if i < q else None for i, v in enumerate(amounts)],
        })
    lines.append(renstra_line(session, rnd.office_id, period, year, [b.code for b in budget]))
    lines.append(catatan_line(rnd, lines))
    return lines


def renja_level(explicit: Optional[str], codes: list[str]) -> Optional[str]:
    """What the indicator measures on the Renja evaluation: its own setting, else derived from the DPA lines
    it is linked to (all in one kegiatan: that kegiatan's output; all in one program: the program's outcome;
    none, or several programs: it stays on its sasaran row, None)."""
    if not codes:
        return None
    if explicit:
        return explicit
    if len({renja.kegiatan_code(c) for c in codes}) == 1:
        return "kegiatan"
    if len({renja.program_code(c) for c in codes}) == 1:
        return "program"
    return None


def renstra_line(session: Session, office_id: int, period: Any, year: int, line_codes: list[str]
                 ) -> dict[str, Any]:
    """The Renstra figures of the year's DPA codes (program, kegiatan, sub kegiatan): the end-of-period
    funding (E.81 column 5 Rp) and the spending from the period's start to last year (column 6 Rp)."""
    codes = sorted({c for code in line_codes for c in (renja.program_code(code), renja.kegiatan_code(code), code)})
    out: dict[str, Any] = {"key": "RENSTRA", "type": "renstra", "unit": "", "period": "", "start_year": None,
                           "end_year": None, "end_pagu": {}, "spent_prev": {}, "spent_prev_missing": {}}
    if period is None:
        return out
    prev_years = list(range(period.start_year, year))
    plan = renja.renstra_end_pagu(session, period.id)
    spent = renja.spent_by_code(session, office_id, prev_years)
    out.update(period=period.name, start_year=period.start_year, end_year=period.end_year)
    for code in codes:
        end = renja.end_pagu_of(plan, code)
        if end is not None:
            out["end_pagu"][code] = str(end)
        to_date = renja.spent_to_date(spent, code, prev_years)
        if to_date.value is not None:
            out["spent_prev"][code] = str(to_date.value)
        if to_date.missing:
            out["spent_prev_missing"][code] = list(to_date.missing)
    return out


FOOTER_FIELDS = ("faktor_pendorong", "faktor_penghambat", "tindak_lanjut_tw", "tindak_lanjut_renja")


def _grouped(items: list[tuple[str, str]]) -> str:
    """Texts of several indicators, each text once with the codes it came from: "• text (IK-01, IK-02)"
    (a bullet, not a dash: a cell starting with "-" would be neutralised as a formula)."""
    groups: dict[str, list[str]] = {}
    for code, text in items:
        text = (text or "").strip()
        if text:
            groups.setdefault(text, []).append(code)
    return "\n".join(f"• {text} ({', '.join(codes)})" for text, codes in groups.items())


def compiled_footer(lines: list[dict[str, Any]]) -> dict[str, str]:
    """The E.81 footer compiled from the units' entries of the round (the indicator lines): faktor pendorong
    of the indicators at or above target, faktor penghambat = the kendala of those below, tindak lanjut
    triwulan berikutnya = their tindak lanjut, and tindak lanjut Renja berikutnya = the indicators below target
    named for the next Renja (empty when none is below). "At or above target" is the quarter's capaian of
    100 % or more: the rule by which Ajukan asked the unit for a faktor pendorong or a kendala
    (core.round_status.indicator_gaps), so every text a unit was asked for is in the footer."""
    met: list[dict[str, Any]] = []
    below: list[dict[str, Any]] = []
    for x in lines:
        if x.get("type") != "indikator":
            continue
        cap = _dec(x.get("capaian_tw"))
        if cap is None:
            continue
        (met if cap >= ach.HUNDRED else below).append(x)
    renja_next = ""
    if below:
        renja_next = ("Penajaman strategi, kegiatan dan penganggaran pada Renja berikutnya untuk indikator yang "
                      "belum mencapai target: " + "; ".join(f"{x.get('code', '')} {x.get('name', '')}" for x in below)
                      + ".")
    return {
        "faktor_pendorong": _grouped([(x.get("code", ""), x.get("faktor_pendorong", "")) for x in met]),
        "faktor_penghambat": _grouped([(x.get("code", ""), x.get("kendala", "")) for x in below]),
        "tindak_lanjut_tw": _grouped([(x.get("code", ""), x.get("tindak_lanjut", "")) for x in below]),
        "tindak_lanjut_renja": renja_next,
    }


def catatan_line(rnd: CollectionRound, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The E.81 footer of the round: what the Staf Penyusun set (or a correction amended), else compiled."""
    compiled = compiled_footer(lines)
    line: dict[str, Any] = {"key": "CATATAN", "type": "catatan", "unit": ""}  # the office's, no unit's
    for f in FOOTER_FIELDS:
        own = getattr(rnd, f)
        line[f] = own if own is not None else compiled[f]
    return line


NOTES_HEADING = "Catatan Pengumpulan Data"


def report_title(year: int, quarter: int) -> str:
    return f"Laporan Capaian Kinerja {quarter_long(quarter)} Tahun {year}"


def build_report(session: Session, round_id: int, kind: str, version: int,
                 lines: Optional[list[dict[str, Any]]] = None, *, on: Optional[dt.date] = None,
                 charts: bool = True) -> ReportBundle:
    """The report's lines (computed, or the given corrected ones) and its files: XLSX and PDF in the
    official layout (kop, tables per sasaran, budget, summary, kendala, signature)."""
    from core import exports, jobs

    rnd = session.get(CollectionRound, round_id)
    jobs.step("Menghitung capaian dan predikat setiap indikator", 0.02)
    lines = lines if lines is not None else report_lines(session, round_id)
    base = f"laporan-capaian-kinerja-{rnd.year}-tw{rnd.quarter}-{kind}-v{version}"
    doc = ReportDoc(
        title=report_title(rnd.year, rnd.quarter),
        subtitle=f"{KIND_LABELS.get(kind, kind)} versi {version}",
        quarter=rnd.quarter, year=rnd.year, lines=lines,
        signer=exports.signer(session, rnd.office_id), on=on or clock.today(),
        notes=collection_notes(session, round_id),
        formula=formula_of(session, rnd.office_id))
    jobs.step("Menyusun laporan (Excel)", 0.10)
    files = [GeneratedFile(base + ".xlsx", XLSX, report_xlsx(doc))]
    jobs.step("Menyusun laporan (PDF) dengan grafik capaian", 0.15)
    files.append(GeneratedFile(base + ".pdf", PDF, report_pdf(doc, with_chart=charts)))
    files += renja_eval_files(session, rnd, kind, version, lines, doc)
    jobs.step("Menyimpan laporan", 0.98)
    return ReportBundle(lines=lines, files=files)


def renja_eval_files(session: Session, rnd: CollectionRound, kind: str, version: int,
                     lines: list[dict[str, Any]], doc: ReportDoc) -> list[GeneratedFile]:
    """The Renja evaluation (E.81) of the same version, from the same lines: XLSX and PDF (F4 landscape)."""
    from core.forms import renja_eval

    e81 = renja_eval.RenjaEval(office_name=doc.signer.office_name, year=rnd.year, quarter=rnd.quarter,
                               subtitle=doc.subtitle, lines=lines, signer=doc.signer,
                               evaluator=renja_eval.evaluator_of(session, rnd.office_id), on=doc.on,
                               formula=doc.formula)
    from core import jobs

    base = f"evaluasi-renja-{rnd.year}-tw{rnd.quarter}-{kind}-v{version}"
    jobs.step("Menyusun Evaluasi Hasil Renja E.81 (Excel)", 0.35)
    files = [GeneratedFile(base + ".xlsx", XLSX, renja_eval.renja_eval_xlsx(e81))]
    # the E.81 PDF is the longest part at scale (hundreds of rows across 28 columns): the bar's last stretch
    jobs.step("Menyusun Evaluasi Hasil Renja E.81 (PDF)", 0.45)
    files.append(GeneratedFile(base + ".pdf", PDF, renja_eval.renja_eval_pdf(e81)))
    return files


def collection_notes(session: Session, round_id: int) -> list[str]:
    """The report's notes on the collection: each unit whose entry the period lock had closed and the
    Sekretaris reopened, with who, when, the new deadline and the reason (core.entry_lock)."""
    rows = session.execute(
        select(Extension, OrgUnit.name, User.full_name)
        .join(Submission, Submission.id == Extension.submission_id)
        .join(OrgUnit, OrgUnit.id == Submission.unit_id)
        .join(User, User.id == Extension.granted_by_id)
        .where(Submission.round_id == round_id, Extension.reopened.is_(True)).order_by(Extension.id)).all()
    return [f"Pengisian data {unit} dibuka kembali setelah ditutup (kunci jadwal) oleh {who} pada "
            f"{fmt_date(clock.local_date(e.granted_at))}, tenggat baru {fmt_date(e.new_deadline)}: {e.reason}"
            for e, unit, who in rows]


KIND_LABELS = {"draf": "Draf", "koreksi": "Hasil koreksi", "final": "Final"}


@dataclass
class ReportDoc:
    title: str
    subtitle: str
    quarter: int
    year: int
    lines: list[dict[str, Any]]
    signer: Any
    on: dt.date
    notes: list[str] = field(default_factory=list)  # notes on the collection (entries reopened after the lock)
    formula: ach.Formula = ach.DEFAULT  # the office's: the predicate labels and rounding of the summary

    @property
    def indicators(self) -> list[dict[str, Any]]:
        return [x for x in self.lines if x.get("type") == "indikator"]

    @property
    def budget(self) -> list[dict[str, Any]]:
        return [x for x in self.lines if x.get("type") == "anggaran"]

    def by_sasaran(self) -> list[tuple[str, list[dict[str, Any]]]]:
        groups: dict[str, list[dict[str, Any]]] = {}
        for x in self.indicators:
            groups.setdefault(f"{x.get('sasaran_code', '')} {x.get('sasaran', '')}".strip(), []).append(x)
        return list(groups.items())

    def lagging(self) -> list[dict[str, Any]]:
        return [x for x in self.indicators
                if _dec(x.get("capaian_tw")) is not None and _dec(x.get("capaian_tw")) < ach.HUNDRED]

    def summary(self) -> dict[str, Any]:
        caps = [c for c in (_dec(x.get("capaian_tw")) for x in self.indicators) if c is not None]
        counts = {p: 0 for p in self.formula.predicate_order}
        for c in caps:
            counts[ach.predicate(c, self.formula)] += 1
        pagu = sum((_dec(b.get("pagu")) or Decimal(0) for b in self.budget), Decimal(0))
        ytd = sum((_dec(b.get("realisasi_ytd")) or Decimal(0) for b in self.budget), Decimal(0))
        tw = sum((_dec(b.get("realisasi_tw")) or Decimal(0) for b in self.budget), Decimal(0))
        return {"counts": counts, "assessed": len(caps), "total": len(self.indicators),
                "average": self.formula.q(sum(caps, Decimal(0)) / len(caps)) if caps else None,
                "pagu": pagu, "realisasi_tw": tw, "realisasi_ytd": ytd,
                "serapan_tw": ach.absorption(tw, pagu), "serapan_ytd": ach.absorption(ytd, pagu),
                "tahun_berjalan": Decimal(25 * self.quarter)}

    def budget_groups(self) -> list[tuple[str, str, list[dict[str, Any]]]]:
        """(program, kegiatan, lines) in code order."""
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for b in sorted(self.budget, key=lambda b: b.get("code", "")):
            groups.setdefault((b.get("program", ""), b.get("kegiatan", "")), []).append(b)
        return [(p, k, rows) for (p, k), rows in groups.items()]


def _dec(value: Any) -> Optional[Decimal]:
    return ach.to_decimal(value)


def _num(value: Any) -> Optional[float]:
    # spreadsheet cells are floats; the Decimal stays in the lines, this is display only.
    d = _dec(value)
    return None if d is None else float(d)


INDICATOR_HEADER = ["No", "Kode", "Indikator", "Satuan", "Target Tahunan", "Target TW", "Realisasi TW",
                    "Capaian TW (%)", "Target s.d. TW", "Realisasi s.d. TW", "Capaian s.d. TW (%)", "Predikat"]
BUDGET_HEADER = ["Kode", "Program / Kegiatan / Sub Kegiatan", "Pagu (Rp)", "Realisasi TW (Rp)",
                 "Realisasi s.d. TW (Rp)", "Serapan TW (%)", "Serapan s.d. TW (%)"]


def _indicator_row(i: int, x: dict[str, Any]) -> list[Any]:
    cap = x.get("capaian_tw")
    return [i, x.get("code", ""), x.get("name", ""), x.get("satuan", ""), x.get("target_tahunan"),
            x.get("target_tw"), x.get("realisasi_tw"), cap if cap is not None else None,
            x.get("target_ytd"), x.get("realisasi_ytd"), x.get("capaian_ytd"),
            x.get("predikat") or (x.get("capaian_tw_reason") or "–")]


# --- XLSX ----------------------------------------------------------------------------------------


def report_xlsx(doc: ReportDoc) -> bytes:
    from core.exports import REGENCY, form_formats, form_workbook, kop_office, neutralise, signature_lines

    buf, wb, ws = form_workbook("Laporan")
    F = form_formats(wb)
    widths = [5, 10, 46, 10, 13, 12, 12, 12, 13, 13, 13, 14]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    last = len(widths) - 1

    def text(r: int, c: int, v: Any, f: Any) -> None:
        ws.write_string(r, c, neutralise("" if v is None else str(v)), f)

    def num(r: int, c: int, v: Any, f: Any) -> None:
        n = _num(v)
        if n is None:
            ws.write_string(r, c, "–", F["text"])
        else:
            ws.write_number(r, c, n, f)

    r = 0
    ws.merge_range(r, 0, r, last, REGENCY, F["kop"])
    ws.merge_range(r + 1, 0, r + 1, last, neutralise(kop_office(doc.signer.office_name)), F["kop"])
    ws.merge_range(r + 3, 0, r + 3, last, neutralise(doc.title), F["title"])
    ws.merge_range(r + 4, 0, r + 4, last, neutralise(doc.subtitle), F["center"])
    r = 6
    for n, (sasaran, rows) in enumerate(doc.by_sasaran(), start=1):
        text(r, 0, f"{n}. Sasaran Strategis: {sasaran}", F["h2"])
        r += 1
        for c, h in enumerate(INDICATOR_HEADER):
            text(r, c, h, F["head"])
        ws.set_row(r, 30)
        r += 1
        for i, x in enumerate(rows, start=1):
            row = _indicator_row(i, x)
            for c, v in enumerate(row):
                if c == 0:
                    ws.write_number(r, c, v, F["int"])
                elif c in (4, 5, 6, 7, 8, 9, 10):
                    num(r, c, v, F["num"])
                else:
                    text(r, c, v, F["text"])
            r += 1
        r += 1
    text(r, 0, "Realisasi Anggaran per Program / Kegiatan", F["h2"])
    r += 1
    bcols = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 10), (11, 11)]
    for (a, b), h in zip(bcols, BUDGET_HEADER):
        if a == b:
            text(r, a, h, F["head"])
        else:
            ws.merge_range(r, a, r, b, h, F["head"])
    ws.set_row(r, 30)
    r += 1

    def budget_row(code: str, name: str, vals: list[Any], bold: bool) -> None:
        nonlocal r
        t, i, n = (F["bold_text"], F["bold_int"], F["bold_num"]) if bold else (F["text"], F["int"], F["num"])
        ws.merge_range(r, 0, r, 1, neutralise(code), t)
        ws.merge_range(r, 2, r, 3, neutralise(name), t)
        for (a, b), v, is_pct in zip(bcols[2:], vals, (False, False, False, True, True)):
            d = _num(v)
            if a != b:
                ws.merge_range(r, a, r, b, "", t)
            if d is None:
                ws.write_string(r, a, "–", t)
            else:
                ws.write_number(r, a, d, n if is_pct else i)
        r += 1

    for program, kegiatan, rows in doc.budget_groups():
        pagu = sum((_dec(b.get("pagu")) or Decimal(0) for b in rows), Decimal(0))
        tw = sum((_dec(b.get("realisasi_tw")) or Decimal(0) for b in rows), Decimal(0))
        ytd = sum((_dec(b.get("realisasi_ytd")) or Decimal(0) for b in rows), Decimal(0))
        budget_row("", f"{program} — {kegiatan}", [pagu, tw, ytd, ach.absorption(tw, pagu),
                                                   ach.absorption(ytd, pagu)], True)
        for b in rows:
            budget_row(b.get("code", ""), b.get("sub_kegiatan", ""),
                       [b.get("pagu"), b.get("realisasi_tw"), b.get("realisasi_ytd"), b.get("serapan_tw"),
                        b.get("serapan_ytd")], False)
    r += 1
    s = doc.summary()
    text(r, 0, "Ringkasan", F["h2"])
    r += 1
    for label, value in _summary_rows(s):
        ws.merge_range(r, 0, r, 2, label, F["text"])
        ws.merge_range(r, 3, r, 5, neutralise(value), F["text"])
        r += 1
    r += 1
    text(r, 0, "Kendala dan Tindak Lanjut Indikator yang Belum Mencapai Target", F["h2"])
    r += 1
    lag = doc.lagging()
    if lag:
        for c, h in ((0, "No"), (1, "Kode"), (2, "Indikator"), (3, "Capaian TW (%)")):
            text(r, c, h, F["head"])
        ws.merge_range(r, 4, r, 7, "Kendala", F["head"])
        ws.merge_range(r, 8, r, 11, "Tindak Lanjut", F["head"])
        r += 1
        for i, x in enumerate(lag, start=1):
            ws.write_number(r, 0, i, F["int"])
            text(r, 1, x.get("code"), F["text"])
            text(r, 2, x.get("name"), F["text"])
            num(r, 3, x.get("capaian_tw"), F["num"])
            ws.merge_range(r, 4, r, 7, neutralise(x.get("kendala") or "–"), F["text"])
            ws.merge_range(r, 8, r, 11, neutralise(x.get("tindak_lanjut") or "–"), F["text"])
            r += 1
    else:
        text(r, 0, "Semua indikator mencapai target triwulan ini.", F["center"])
        r += 1
    if doc.notes:
        r += 1
        text(r, 0, NOTES_HEADING, F["h2"])
        r += 1
        for i, note in enumerate(doc.notes, start=1):
            ws.write_number(r, 0, i, F["int"])
            ws.merge_range(r, 1, r, last, neutralise(note), F["text"])
            r += 1
    r += 2
    for i, line in enumerate(signature_lines(doc.signer, doc.on, acknowledge=False)):
        if line:
            ws.merge_range(r + i, 8, r + i, last, neutralise(line),
                           F["sig_name"] if line == doc.signer.full_name else F["sig"])
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(0.4, 0.4, 0.5, 0.5)
    wb.close()
    return buf.getvalue()


def _summary_rows(s: dict[str, Any]) -> list[tuple[str, str]]:
    from core import fmt

    rows = [("Jumlah indikator", f"{s['total']} (dinilai {s['assessed']})")]
    rows += [(f"Predikat {p}", str(n)) for p, n in s["counts"].items()]
    rows += [("Rata-rata capaian triwulan", fmt.percent(s["average"])),
             ("Pagu anggaran", fmt.money(s["pagu"])),
             ("Realisasi anggaran s.d. triwulan", fmt.money(s["realisasi_ytd"])),
             ("Serapan anggaran s.d. triwulan", f"{fmt.percent(s['serapan_ytd'])} "
                                                f"(tahun berjalan {fmt.percent(s['tahun_berjalan'], 0)})")]
    return rows


# --- PDF -----------------------------------------------------------------------------------------


_CHART_CACHE: OrderedDict[str, Optional[bytes]] = OrderedDict()
_CHART_CACHE_SIZE = 64
_chart_lock = threading.Lock()


def _chart_png(doc: ReportDoc) -> Optional[bytes]:
    """Capaian per indicator as a PNG (vl-convert); None when it cannot be drawn.

    Drawing the PNG is a third of a report's build (vl-convert, ~0.35 s), and it is drawn again for every
    draft, download and version of a round whose data did not change. So the PNGs are kept in a small LRU
    keyed on what the chart shows (a digest of its rows): the same data gives the same key whatever the
    database, office, round or version, and any change of the data (a save, a correction) gives another
    key, so nothing stale can be served."""
    rows = [{"code": x.get("code", ""), "name": x.get("name", ""), "unit": x.get("unit", ""),
             "capaian_tw": _dec(x.get("capaian_tw")), "predikat_tw": x.get("predikat") or "–"}
            for x in doc.indicators]
    key = hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()
    with _chart_lock:
        if key in _CHART_CACHE:
            _CHART_CACHE.move_to_end(key)
            return _CHART_CACHE[key]
    png = _draw_chart(rows)
    with _chart_lock:
        _CHART_CACHE[key] = png
        while len(_CHART_CACHE) > _CHART_CACHE_SIZE:
            _CHART_CACHE.popitem(last=False)
    return png


def _draw_chart(rows: list[dict[str, Any]]) -> Optional[bytes]:
    import pandas as pd

    from core import charts

    df = pd.DataFrame(rows, columns=["code", "name", "unit", "capaian_tw", "predikat_tw"])
    if df["capaian_tw"].isna().all():
        return None
    try:
        import vl_convert as vlc

        chart = charts.indicator_achievement(df).properties(width=520)
        return vlc.vegalite_to_png(chart.to_json(), scale=1.5)
    except Exception:  # pragma: no cover - a chart must never stop the report
        return None


def report_pdf(doc: ReportDoc, with_chart: bool = True) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    from core import fmt
    from core.exports import kop, pdf_escape, pdf_signature, pdf_styles, pdf_table

    st = pdf_styles()
    buf = io.BytesIO()
    page = landscape(A4)
    pdf = SimpleDocTemplate(buf, pagesize=page, leftMargin=1.5 * cm, rightMargin=1.5 * cm, topMargin=1.2 * cm,
                            bottomMargin=1.2 * cm, title=doc.title, author=doc.signer.office_name)
    story: list[Any] = [*kop(doc.signer.office_name), Paragraph(pdf_escape(doc.title.upper()), st["title"]),
                        Paragraph(pdf_escape(doc.subtitle), st["sub"])]
    widths = [22, 46, 190, 48, 58, 50, 54, 52, 56, 56, 58, 70]

    def n(v: Any) -> str:
        return fmt.number(_dec(v)) if _dec(v) is not None else "–"

    def p(v: Any) -> str:
        return fmt.number(_dec(v), 2, strip=False) if _dec(v) is not None else "–"

    for i, (sasaran, rows) in enumerate(doc.by_sasaran(), start=1):
        heading = Paragraph(f"{i}. Sasaran Strategis: {pdf_escape(sasaran)}", st["h2"])
        data = []
        for k, x in enumerate(rows, start=1):
            cap = p(x.get("capaian_tw")) if _dec(x.get("capaian_tw")) is not None else (
                "– (" + (x.get("capaian_tw_reason") or "n/a") + ")")
            data.append([k, x.get("code", ""), x.get("name", ""), x.get("satuan", ""), n(x.get("target_tahunan")),
                         n(x.get("target_tw")), n(x.get("realisasi_tw")), cap, n(x.get("target_ytd")),
                         n(x.get("realisasi_ytd")), p(x.get("capaian_ytd")), x.get("predikat") or "–"])
        story.append(KeepTogether([heading, pdf_table(data, INDICATOR_HEADER, widths, numeric={4, 5, 6, 7, 8, 9, 10},
                                                      colour_col=11)]))
    story.append(Paragraph("Realisasi Anggaran per Program / Kegiatan", st["h2"]))
    bdata = []
    bold = set()
    for program, kegiatan, rows in doc.budget_groups():
        pagu = sum((_dec(b.get("pagu")) or Decimal(0) for b in rows), Decimal(0))
        tw = sum((_dec(b.get("realisasi_tw")) or Decimal(0) for b in rows), Decimal(0))
        ytd = sum((_dec(b.get("realisasi_ytd")) or Decimal(0) for b in rows), Decimal(0))
        bold.add(len(bdata))
        bdata.append(["", f"{program} — {kegiatan}", fmt.money(pagu), fmt.money(tw), fmt.money(ytd),
                      p(ach.absorption(tw, pagu)), p(ach.absorption(ytd, pagu))])
        for b in rows:
            bdata.append([b.get("code", ""), f"    {b.get('sub_kegiatan', '')}", fmt.money(_dec(b.get("pagu"))),
                          fmt.money(_dec(b.get("realisasi_tw"))), fmt.money(_dec(b.get("realisasi_ytd"))),
                          p(b.get("serapan_tw")), p(b.get("serapan_ytd"))])
    if bdata:
        story.append(pdf_table(bdata, BUDGET_HEADER, [80, 290, 95, 95, 95, 55, 60], numeric={2, 3, 4, 5, 6},
                               bold_rows=bold))
    else:
        story.append(Paragraph("Tidak ada data anggaran.", st["body"]))
    s = doc.summary()
    story.append(Paragraph("Ringkasan", st["h2"]))
    story.append(pdf_table([[a, b] for a, b in _summary_rows(s)], ["Uraian", "Nilai"], [220, 260]))
    if with_chart:
        png = _chart_png(doc)
        if png:
            img = Image(io.BytesIO(png))
            # fit the page both ways: an office with many indicators draws a tall chart
            scale = min(16 * cm / img.drawWidth, (pdf.height - 24) / img.drawHeight, 1.0)
            img.drawWidth *= scale
            img.drawHeight *= scale
            story += [Spacer(1, 6), img]
    story.append(Paragraph("Kendala dan Tindak Lanjut Indikator yang Belum Mencapai Target", st["h2"]))
    lag = doc.lagging()
    if lag:
        story.append(pdf_table([[k, x.get("code", ""), x.get("name", ""), p(x.get("capaian_tw")),
                                 x.get("kendala") or "–", x.get("tindak_lanjut") or "–"]
                                for k, x in enumerate(lag, start=1)],
                               ["No", "Kode", "Indikator", "Capaian TW (%)", "Kendala", "Tindak Lanjut"],
                               [22, 46, 200, 60, 220, 220]))
    else:
        story.append(Paragraph("Semua indikator mencapai target triwulan ini.", st["body"]))
    if doc.notes:
        story.append(Paragraph(NOTES_HEADING, st["h2"]))
        for i, note in enumerate(doc.notes, start=1):
            story.append(Paragraph(f"{i}. {pdf_escape(note)}", st["body"]))
    story.append(Spacer(1, 16))
    story.append(KeepTogether([pdf_signature(doc.signer, doc.on, acknowledge=False)]))
    pdf.build(story)
    return buf.getvalue()
