"""The LKjIP "Pengukuran Kinerja" form (PermenPAN-RB 53/2014) of one year, and its XLSX and PDF files.

`measurement(session, office_id, year)` reads everything the form shows, as Decimals, through `core.renja`:

- per sasaran strategis of the Renstra period covering the year, each indicator with its satuan, the PK
  target of the year (`Target.annual`), the year's realisation (from the rounds where the year has any:
  the quarters combined by the indicator's rule, the TW IV year-to-date once TW IV is in; otherwise the
  entered `PriorRealisation`), its capaian and predikat by the office's formula settings; the
  realisation and capaian of the two years before, each against that year's PK target ("–" with the
  reason where a year has no target or no data);
- the Renstra end-of-period target (`Indicator.renstra_target`) and the progress towards it: the capaian
  of the realisation to date against that target, where "to date" follows the indicator's rule over the
  years from the period's start to the year (`renja.indicator_to_date`): *sum* adds the years, *last*
  takes the latest year with a value, *avg* the mean of the years with a value;
- the budget per program (DPA lines grouped by program code): pagu of the year's lines, the year's
  spending (all quarters of the rounds, else entered), serapan;
- the efficiency per program: the mean capaian of the indicators linked to the program's lines against
  its serapan, the difference in percentage points, "Efisien" when capaian ≥ serapan (high achievement
  on low spending, DOMAIN.md), and the office-wide row (mean capaian of every indicator, total serapan).

A year without some data gives "–" and a Keterangan ("Data tahun 2023 belum tersedia"), never an error.
A reason every indicator row shares is said once in the notes under the table instead (except "s.d. TW II":
a year whose rounds stop before TW IV says so on each row).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core import achievement as ach
from core import clock, exports, fmt, renja
from core.masterdata.settings import formula_of
from db.models import (
    BudgetLine,
    CollectionRound,
    Indicator,
    OrgUnit,
    PriorRealisation,
    Realization,
    RenstraBudget,
    Sasaran,
    Submission,
    Target,
)

HUNDRED = Decimal(100)
DASH = "–"
EFFICIENT = "Efisien"
NOT_EFFICIENT = "Tidak efisien"
RULES = {"sum": "jumlah", "last": "posisi akhir", "avg": "rata-rata"}


@dataclass(frozen=True)
class PastYear:
    """An earlier year's realisation and capaian against that year's PK target."""

    year: int
    value: Optional[Decimal]
    target: Optional[Decimal]
    capaian: Optional[Decimal]
    source: Optional[str] = None


@dataclass(frozen=True)
class IndicatorRow:
    sasaran_code: str
    sasaran_name: str
    code: str
    name: str
    satuan: str
    polarity: str
    combine: str
    target: Optional[Decimal]
    value: Optional[Decimal]
    source: Optional[str]  # 'aplikasi' (rounds), 'input' (entered), None (no data)
    capaian: Optional[Decimal]
    capaian_reason: str
    predikat: Optional[str]
    past: tuple[PastYear, ...]  # Y-1, Y-2
    renstra_target: Optional[Decimal]
    to_date: Optional[Decimal]
    progress: Optional[Decimal]
    keterangan: str = ""


@dataclass(frozen=True)
class BudgetRow:
    code: str
    name: str
    pagu: Optional[Decimal]
    spent: Optional[Decimal]
    serapan: Optional[Decimal]


@dataclass(frozen=True)
class EfficiencyRow:
    code: str
    name: str
    indicators: int  # how many indicators with a capaian the mean is over
    capaian: Optional[Decimal]
    serapan: Optional[Decimal]
    difference: Optional[Decimal]  # capaian − serapan, percentage points
    label: str


@dataclass
class Measurement:
    office_id: int
    office_name: str
    year: int
    period_name: str
    period_start: Optional[int]
    period_end: Optional[int]
    through_quarter: Optional[int]  # the last quarter of the year the rounds hold, None without rounds
    rows: list[IndicatorRow]
    budget: list[BudgetRow]
    budget_total: BudgetRow
    efficiency: list[EfficiencyRow]
    notes: list[str]
    signer: exports.Signer
    on: dt.date
    formula: ach.Formula = ach.DEFAULT
    budget_notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"PENGUKURAN KINERJA TAHUN {self.year}"

    @property
    def subtitle(self) -> str:
        through = f" (data s.d. {fmt.quarter_long(self.through_quarter)})" if (
            self.through_quarter and self.through_quarter < 4) else ""
        return f"{self.office_name} · {self.period_name}{through}"

    @property
    def past_years(self) -> list[int]:
        return [self.year - 1, self.year - 2]

    def by_sasaran(self) -> list[tuple[str, str, list[IndicatorRow]]]:
        groups: dict[tuple[str, str], list[IndicatorRow]] = {}
        for r in self.rows:
            groups.setdefault((r.sasaran_code, r.sasaran_name), []).append(r)
        return [(c, n, rows) for (c, n), rows in groups.items()]


def years_with_data(session: Session, office_id: int) -> list[int]:
    """Years the form can be made for, latest first: years with rounds, entered realisations or PK targets."""
    years = {y for (y,) in session.execute(
        select(CollectionRound.year).where(CollectionRound.office_id == office_id).distinct())}
    years |= {y for (y,) in session.execute(
        select(PriorRealisation.year).where(PriorRealisation.office_id == office_id).distinct())}
    years |= {y for (y,) in session.execute(
        select(Target.year).join(Indicator, Target.indicator_id == Indicator.id)
        .where(Indicator.office_id == office_id, Target.annual.is_not(None)).distinct())}
    return sorted(years, reverse=True)


def default_year(session: Session, office_id: int) -> Optional[int]:
    """The year the form is usually made for: the latest with a TW IV round, else the latest with data."""
    year = session.scalar(select(func.max(CollectionRound.year)).where(
        CollectionRound.office_id == office_id, CollectionRound.quarter == 4))
    if year is not None:
        return year
    years = years_with_data(session, office_id)
    return years[0] if years else None


def _through_quarter(session: Session, office_id: int, year: int) -> Optional[int]:
    """The last quarter of `year` with any indicator realisation in the rounds."""
    return session.scalar(
        select(func.max(CollectionRound.quarter))
        .join(Submission, Submission.round_id == CollectionRound.id)
        .join(Realization, Realization.submission_id == Submission.id)
        .where(CollectionRound.office_id == office_id, CollectionRound.year == year,
               Realization.value.is_not(None)))


def _mean(values: list[Decimal], formula: ach.Formula) -> Optional[Decimal]:
    return formula.q(sum(values, Decimal(0)) / len(values)) if values else None


def _years_text(years: list[int]) -> str:
    return ", ".join(str(y) for y in sorted(years))


def measurement(session: Session, office_id: int, year: int, on: Optional[dt.date] = None) -> Measurement:
    """The LKjIP measurement of `year` for the office (see the module docstring for every figure)."""
    formula = formula_of(session, office_id)
    office = session.get(OrgUnit, office_id)
    period = renja.period_of(session, office_id, year)
    start = period.start_year if period else year
    past_years = [year - 1, year - 2]
    indicators: list[Indicator] = []
    if period is not None:
        indicators = list(session.scalars(
            select(Indicator).join(Sasaran, Indicator.sasaran_id == Sasaran.id)
            .where(Indicator.office_id == office_id, Sasaran.period_id == period.id, Indicator.active.is_(True))
            .options(selectinload(Indicator.sasaran))
            .order_by(Sasaran.sort_order, Sasaran.code, Indicator.sort_order, Indicator.code)))
    all_years = sorted(set(range(min(start, year - 2), year + 1)))
    values = renja.indicator_years(session, office_id, indicators, all_years)
    targets = {(t.indicator_id, t.year): t for t in session.scalars(
        select(Target).where(Target.indicator_id.in_([i.id for i in indicators]),
                             Target.year.in_([year, *past_years])))}
    through = _through_quarter(session, office_id, year)

    rows: list[IndicatorRow] = []
    reasons: list[list[str]] = []
    for ind in indicators:
        why: list[str] = []
        yv = values[ind.id].get(year, renja.YearValue(None))
        t = targets.get((ind.id, year))
        target = t.annual if t else None
        a = ach.achievement(target, yv.value, ind.polarity, t.annual_upper if t else None, formula=formula)
        if yv.value is None:
            why.append(f"Realisasi tahun {year} belum tersedia")
        elif yv.source == "aplikasi" and through and through < 4:
            why.append(f"s.d. {fmt.quarter_label(through)}")
        if target is None:
            why.append(f"Target PK tahun {year} belum tersedia")
        past = []
        for p in past_years:
            pv = values[ind.id].get(p, renja.YearValue(None))
            pt = targets.get((ind.id, p))
            pa = ach.achievement(pt.annual if pt else None, pv.value, ind.polarity,
                                 pt.annual_upper if pt else None, formula=formula)
            past.append(PastYear(p, pv.value, pt.annual if pt else None, pa.percent, pv.source))
            if pt is None or pt.annual is None:
                why.append(f"Target PK tahun {p} belum tersedia")
        to_date_years = list(range(start, year + 1))
        to_date = renja.indicator_to_date(values[ind.id], to_date_years, ind.combine)
        missing = sorted({y for y in [*to_date.missing, *past_years]
                          if y != year and values[ind.id].get(y, renja.YearValue(None)).value is None})
        if missing:
            why.append(f"Data tahun {_years_text(missing)} belum tersedia")
        if ind.renstra_target is None:
            why.append("Target akhir Renstra belum diisi")
        progress = ach.achievement(ind.renstra_target, to_date.value, ind.polarity, formula=formula).percent
        rows.append(IndicatorRow(
            sasaran_code=ind.sasaran.code, sasaran_name=ind.sasaran.name, code=ind.code, name=ind.name,
            satuan=ind.satuan, polarity=ind.polarity, combine=ind.combine, target=target, value=yv.value,
            source=yv.source, capaian=a.percent, capaian_reason=a.reason,
            predikat=ach.predicate(a.percent, formula), past=tuple(past), renstra_target=ind.renstra_target,
            to_date=to_date.value, progress=progress))
        reasons.append(why)

    notes: list[str] = []
    # "s.d. TW II" stays on every row it applies to: it qualifies the row's own figures
    shared = [w for w in reasons[0] if not w.startswith("s.d.") and all(w in r for r in reasons)
              ] if len(reasons) > 1 else []
    if shared:
        notes.append("Untuk semua indikator: " + "; ".join(shared) + ".")
    rows = [_with_keterangan(r, [w for w in why if w not in shared]) for r, why in zip(rows, reasons)]
    notes += _source_notes(rows, year, through)
    if period is not None:
        notes.append(
            f"Progres terhadap target akhir Renstra: capaian realisasi s.d. tahun {year} terhadap target akhir "
            f"{period.name}, dengan realisasi tahun {start}{'' if start == year else f'–{year}'} digabung menurut sifat indikator: jumlah "
            "(kumulatif) dijumlahkan, posisi akhir memakai tahun terakhir yang ada datanya, rata-rata dirata-rata.")
    else:
        notes.append(f"Tidak ada periode Renstra yang mencakup tahun {year}.")
    notes.append("Capaian = realisasi / target × 100; indikator yang makin kecil makin baik: "
                 f"{ach.NEGATIVE_FORMULAS[formula.negative].replace(' (bawaan)', '')}. "
                 f"{ach.ROUNDINGS[formula.rounding].replace(' (bawaan)', '')}.")

    budget, total, budget_notes, linked = _budget(session, office_id, year)
    efficiency = _efficiency(rows, indicators, budget, total, linked, formula)
    return Measurement(
        office_id=office_id, office_name=office.name if office else "", year=year,
        period_name=period.name if period else f"Tahun {year}", period_start=period.start_year if period else None,
        period_end=period.end_year if period else None, through_quarter=through, rows=rows, budget=budget,
        budget_total=total, efficiency=efficiency, notes=notes, signer=exports.signer(session, office_id),
        on=on or clock.today(), formula=formula, budget_notes=budget_notes)


def _with_keterangan(row: IndicatorRow, why: list[str]) -> IndicatorRow:
    from dataclasses import replace

    return replace(row, keterangan="; ".join(why))


def _source_notes(rows: list[IndicatorRow], year: int, through: Optional[int]) -> list[str]:
    by_source: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        for y, source in ((year, r.source), *((p.year, p.source) for p in r.past)):
            if source:
                by_source[source].add(y)
    out = []
    if by_source.get("aplikasi"):
        upto = f" s.d. {fmt.quarter_label(through)}" if through and through < 4 else ""
        out.append(f"Realisasi tahun {_years_text(sorted(by_source['aplikasi']))} berasal dari pengumpulan data "
                   f"triwulan dalam aplikasi{upto}, digabung menurut sifat indikator.")
    if by_source.get("input"):
        out.append(f"Realisasi tahun {_years_text(sorted(by_source['input']))} berasal dari data tahun "
                   "sebelumnya yang dimasukkan (LKjIP tahun tersebut).")
    return out


def _budget(session: Session, office_id: int, year: int
            ) -> tuple[list[BudgetRow], BudgetRow, list[str], dict[str, set[int]]]:
    """Programs of the year: pagu of the DPA lines, spending, serapan; and the indicators linked to each."""
    lines = list(session.scalars(
        select(BudgetLine).where(BudgetLine.office_id == office_id, BudgetLine.year == year)
        .options(selectinload(BudgetLine.indicators)).order_by(BudgetLine.code)))
    spent = renja.spent_by_code(session, office_id, [year])
    names: dict[str, str] = {}
    pagu: dict[str, Decimal] = {}
    linked: dict[str, set[int]] = defaultdict(set)
    for bl in lines:
        code = renja.program_code(bl.code)
        names.setdefault(code, bl.program)
        pagu[code] = pagu.get(code, Decimal(0)) + bl.pagu
        linked[code] |= {i.id for i in bl.indicators}
    for code in spent.entered.get(year, {}):  # a year before the app: programs of the entered spending
        names.setdefault(renja.program_code(code), "")
    missing_names = [c for c, n in names.items() if not n]
    if missing_names:
        plan = {b.code: b.name for b in session.scalars(
            select(RenstraBudget).where(RenstraBudget.office_id == office_id,
                                        RenstraBudget.code.in_(missing_names)))}
        for c in missing_names:
            names[c] = plan.get(c, "")
    rows = []
    for code in sorted(names):
        s = spent.spent(code, year)
        rows.append(BudgetRow(code, names[code], pagu.get(code), s, ach.absorption(s, pagu.get(code))))
    total_pagu = sum((r.pagu for r in rows if r.pagu is not None), Decimal(0)) if pagu else None
    spent_values = [r.spent for r in rows if r.spent is not None]
    total_spent = sum(spent_values, Decimal(0)) if spent_values else None
    total = BudgetRow("", "Jumlah", total_pagu, total_spent, ach.absorption(total_spent, total_pagu))
    notes = []
    if not lines:
        notes.append(f"Belum ada DPA tahun {year} dalam aplikasi: pagu tidak tersedia.")
    if year in spent.from_rounds:
        notes.append(f"Realisasi anggaran tahun {year} dari pengumpulan data triwulan dalam aplikasi "
                     "(semua triwulan yang terisi).")
    elif year in spent.entered:
        notes.append(f"Realisasi anggaran tahun {year} dari data yang dimasukkan (laporan realisasi anggaran).")
    return rows, total, notes, linked


def _efficiency(rows: list[IndicatorRow], indicators: list[Indicator], budget: list[BudgetRow], total: BudgetRow,
                linked: dict[str, set[int]], formula: ach.Formula) -> list[EfficiencyRow]:
    capaian_of = {ind.id: r.capaian for ind, r in zip(indicators, rows)}
    out = []

    def row(code: str, name: str, caps: list[Decimal], serapan: Optional[Decimal]) -> EfficiencyRow:
        mean = _mean(caps, formula)
        if mean is None or serapan is None:
            return EfficiencyRow(code, name, len(caps), mean, serapan, None, DASH)
        diff = mean - serapan
        return EfficiencyRow(code, name, len(caps), mean, serapan, diff,
                             EFFICIENT if mean >= serapan else NOT_EFFICIENT)

    for b in budget:
        caps = [capaian_of[i] for i in sorted(linked.get(b.code, ())) if capaian_of.get(i) is not None]
        out.append(row(b.code, b.name, caps, b.serapan))
    out.append(row("", "Perangkat daerah (seluruh indikator)",
                   [r.capaian for r in rows if r.capaian is not None], total.serapan))
    return out


# --- screen -----------------------------------------------------------------------------------------


def preview(m: Measurement) -> list[dict[str, str]]:
    """The indicator rows as the page shows them (Indonesian numbers, Indonesian headers)."""
    y1, y2 = m.past_years
    return [{
        "Sasaran": r.sasaran_code, "Kode": r.code, "Indikator": r.name, "Satuan": r.satuan,
        f"Target {m.year}": fmt.number(r.target), f"Realisasi {m.year}": fmt.number(r.value),
        f"Capaian {m.year}": fmt.percent(r.capaian), "Predikat": r.predikat or DASH,
        f"Realisasi {y1}": fmt.number(r.past[0].value), f"Capaian {y1}": fmt.percent(r.past[0].capaian),
        f"Realisasi {y2}": fmt.number(r.past[1].value), f"Capaian {y2}": fmt.percent(r.past[1].capaian),
        "Target akhir Renstra": fmt.number(r.renstra_target), "Progres Renstra": fmt.percent(r.progress),
        "Keterangan": r.keterangan or DASH,
    } for r in m.rows]


def preview_frame(m: Measurement) -> pd.DataFrame:
    return pd.DataFrame(preview(m))


def budget_frame(m: Measurement) -> pd.DataFrame:
    """The budget table per program as the page shows it, with its total row."""
    rows = [*m.budget, m.budget_total] if m.budget else []
    return pd.DataFrame([{"Kode": b.code, "Program": b.name, "Pagu": fmt.money(b.pagu),
                          "Realisasi": fmt.money(b.spent), "Serapan": fmt.percent(b.serapan)} for b in rows])


def efficiency_frame(m: Measurement) -> pd.DataFrame:
    """The efficiency table (capaian against serapan per program) as the page shows it."""
    return pd.DataFrame([{"Kode": e.code, "Program": e.name, "Indikator": e.indicators,
                          "Rata-rata capaian": fmt.percent(e.capaian), "Serapan": fmt.percent(e.serapan),
                          "Selisih (poin)": fmt.number(e.difference, strip=False), "Keterangan": e.label or DASH}
                         for e in m.efficiency])


def file_name(year: int, ext: str) -> str:
    return f"pengukuran-kinerja-lkjip-{year}.{ext}"


def download(session: Session, office_id: int, year: int, kind: str) -> bytes:
    """The form of `year` as 'xlsx' or 'pdf' bytes."""
    m = measurement(session, office_id, year)
    return lkjip_xlsx(m) if kind == "xlsx" else lkjip_pdf(m)


# --- XLSX -------------------------------------------------------------------------------------------

# Indicator table: No, Kode, Indikator, Satuan | Y: Target, Realisasi, Capaian, Predikat | Y-1: R, C | Y-2: R, C
# | Renstra: Target akhir, Realisasi s.d. Y, Progres | Keterangan
IND_WIDTHS = [5, 9, 40, 10, 11, 11, 10, 12, 11, 10, 11, 10, 12, 12, 10, 30]
LAST = len(IND_WIDTHS) - 1


def _f(v: Optional[Decimal]) -> Optional[float]:
    return None if v is None else float(v)


def lkjip_xlsx(m: Measurement) -> bytes:
    """The form as a workbook: F4 (Folio) portrait, fit to the page width, table headers repeated."""
    neutralise = exports.neutralise
    buf, wb, ws = exports.form_workbook("Pengukuran Kinerja")
    F = exports.form_formats(
        wb,
        group={"bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True},
        dash={"border": 1, "align": "center", "valign": "top"},
        bold_text={"border": 1, "bold": True, "bg_color": "#DDEBF7"},
        note={"text_wrap": True, "valign": "top", "italic": True},
    )
    for c, w in enumerate(IND_WIDTHS):
        ws.set_column(c, c, w)

    def text(r: int, c: int, v: Any, f: str = "text") -> None:
        ws.write_string(r, c, neutralise("" if v is None else str(v)), F[f])

    def num(r: int, c: int, v: Optional[Decimal], f: str = "num") -> None:
        if v is None:
            ws.write_string(r, c, DASH, F["dash"])
        else:
            ws.write_number(r, c, float(v), F[f])

    def span(r: int, a: int, b: int, v: Any, f: str) -> None:
        value = neutralise("" if v is None else str(v))
        if a == b:
            ws.write_string(r, a, value, F[f])
        else:
            ws.merge_range(r, a, r, b, value, F[f])

    span(0, 0, LAST, exports.REGENCY, "kop")
    span(1, 0, LAST, exports.kop_office(m.office_name), "kop")
    span(3, 0, LAST, m.title, "title")
    span(4, 0, LAST, m.subtitle, "center")
    r = 6
    head_top = r
    y1, y2 = m.past_years
    renstra = f"Renstra {m.period_start}–{m.period_end}" if m.period_start else "Renstra"
    for c, label in ((0, "No"), (1, "Kode"), (2, "Indikator Kinerja"), (3, "Satuan"), (LAST, "Keterangan")):
        ws.merge_range(r, c, r + 1, c, label, F["head"])
    for a, b, label in ((4, 7, f"Tahun {m.year}"), (8, 9, f"Tahun {y1}"), (10, 11, f"Tahun {y2}"),
                        (12, 14, renstra)):
        ws.merge_range(r, a, r, b, label, F["head"])
    subs = ["Target PK", "Realisasi", "Capaian (%)", "Predikat", "Realisasi", "Capaian (%)", "Realisasi",
            "Capaian (%)", "Target Akhir", f"Realisasi s.d. {m.year}", "Progres (%)"]
    for c, label in enumerate(subs, start=4):
        text(r + 1, c, label, "head")
    ws.set_row(r + 1, 30)
    ws.repeat_rows(head_top, head_top + 1)
    r += 2
    no = 0
    for n, (code, name, rows) in enumerate(m.by_sasaran(), start=1):
        span(r, 0, LAST, f"Sasaran Strategis {n}: {code} {name}", "group")
        r += 1
        for x in rows:
            no += 1
            ws.write_number(r, 0, no, F["int"])
            text(r, 1, x.code)
            text(r, 2, x.name)
            text(r, 3, x.satuan)
            num(r, 4, x.target)
            num(r, 5, x.value)
            num(r, 6, x.capaian)
            text(r, 7, x.predikat or DASH)
            num(r, 8, x.past[0].value)
            num(r, 9, x.past[0].capaian)
            num(r, 10, x.past[1].value)
            num(r, 11, x.past[1].capaian)
            num(r, 12, x.renstra_target)
            num(r, 13, x.to_date)
            num(r, 14, x.progress)
            text(r, LAST, x.keterangan or "")
            r += 1
    if not m.rows:
        span(r, 0, LAST, "Tidak ada indikator pada periode Renstra tahun ini.", "text")
        r += 1
    r = _notes(ws, F, r + 1, m.notes, neutralise)

    r += 1
    text(r, 0, f"Anggaran per Program Tahun {m.year}", "h2")
    r += 1
    for a, b, label in ((0, 0, "No"), (1, 1, "Kode"), (2, 6, "Program"), (7, 9, "Pagu (Rp)"),
                        (10, 12, "Realisasi (Rp)"), (13, 14, "Serapan (%)")):
        span(r, a, b, label, "head")
    r += 1
    bcols = [(7, 9), (10, 12), (13, 14)]

    def budget_row(i: Optional[int], b: BudgetRow, bold: bool) -> None:
        nonlocal r
        t, n_int, n_num = ("bold_text", "bold_int", "bold_num") if bold else ("text", "int", "num")
        if i is None:
            span(r, 0, 0, "", t)
        else:
            ws.write_number(r, 0, i, F[n_int])
        span(r, 1, 1, b.code, t)
        span(r, 2, 6, b.name, t)
        for (a, e), v, f in zip(bcols, (b.pagu, b.spent, b.serapan), (n_int, n_int, n_num)):
            ws.merge_range(r, a, r, e, "", F[t])
            if v is None:
                ws.write_string(r, a, DASH, F[t])
            else:
                ws.write_number(r, a, float(v), F[f])
        r += 1

    for i, b in enumerate(m.budget, start=1):
        budget_row(i, b, False)
    budget_row(None, m.budget_total, True)
    r = _notes(ws, F, r, m.budget_notes, neutralise)

    r += 1
    text(r, 0, "Efisiensi: Capaian Kinerja terhadap Serapan Anggaran", "h2")
    r += 1
    ecols = [(0, 0, "No"), (1, 1, "Kode"), (2, 6, "Program"), (7, 8, "Jumlah Indikator"),
             (9, 10, "Rata-rata Capaian (%)"), (11, 12, "Serapan (%)"), (13, 14, "Selisih (poin)"),
             (15, 15, "Keterangan")]
    for a, b, label in ecols:
        span(r, a, b, label, "head")
    ws.set_row(r, 30)
    r += 1
    for i, e in enumerate(m.efficiency, start=1):
        office_row = i == len(m.efficiency)
        t, n_int, n_num = ("bold_text", "bold_int", "bold_num") if office_row else ("text", "int", "num")
        if office_row:
            span(r, 0, 0, "", t)
        else:
            ws.write_number(r, 0, i, F[n_int])
        span(r, 1, 1, e.code, t)
        span(r, 2, 6, e.name, t)
        for (a, b), v, f in zip([(7, 8), (9, 10), (11, 12), (13, 14)],
                                (e.indicators, e.capaian, e.serapan, e.difference),
                                (n_int, n_num, n_num, n_num)):
            ws.merge_range(r, a, r, b, "", F[t])
            if v is None:
                ws.write_string(r, a, DASH, F[t])
            else:
                ws.write_number(r, a, float(v), F[f])
        span(r, 15, 15, e.label, t)
        r += 1
    r = _notes(ws, F, r, [EFFICIENCY_NOTE], neutralise)

    r += 2
    for i, line in enumerate(exports.signature_lines(m.signer, m.on, acknowledge=False)):
        if line:
            ws.merge_range(r + i, 11, r + i, LAST, neutralise(line),
                           F["sig_name"] if line == m.signer.full_name else F["sig"])
    ws.set_portrait()
    ws.set_paper(14)  # Folio 8.5 × 13 in, the nearest to F4 (215 × 330 mm)
    ws.fit_to_pages(1, 0)
    ws.set_margins(0.4, 0.4, 0.5, 0.5)
    ws.set_header(f"&L&8{_header_escape(m.title)}&R&8{_header_escape(m.office_name)}")
    ws.set_footer("&R&8Halaman &P dari &N")
    wb.close()
    return buf.getvalue()


EFFICIENCY_NOTE = ("Efisien bila rata-rata capaian kinerja sama dengan atau lebih tinggi dari serapan anggaran "
                   "(capaian tinggi dengan serapan rendah); selisih = capaian − serapan dalam poin persen.")


def _header_escape(text: str) -> str:
    return text.replace("&", "&&")


def _notes(ws: Any, F: dict[str, Any], r: int, notes: list[str], neutralise: Any) -> int:
    for note in notes:
        ws.merge_range(r, 0, r, LAST, neutralise(note), F["note"])
        ws.set_row(r, 15 * max(1, len(note) // 170 + 1))
        r += 1
    return r


# --- PDF --------------------------------------------------------------------------------------------

F4 = (215, 330)  # mm, portrait


def lkjip_pdf(m: Measurement) -> bytes:
    """The form on F4 portrait: kop, the three tables (headers repeated), notes, the signature; a running
    header with the title and the office on every page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from core.achievement import PREDICATE_COLOURS

    st = exports.pdf_styles()
    esc = exports.pdf_escape
    size = 6.5
    cell = ParagraphStyle("lk_cell", parent=st["cell"], fontSize=size, leading=8)
    right = ParagraphStyle("lk_right", parent=cell, alignment=TA_RIGHT)
    head = ParagraphStyle("lk_head", parent=st["head"], fontSize=size, leading=8, alignment=TA_CENTER)
    note = ParagraphStyle("lk_note", parent=st["body"], fontSize=7.5, leading=9.5, textColor="#333333", spaceBefore=3)
    buf = io.BytesIO()
    page = (F4[0] * mm, F4[1] * mm)
    doc = SimpleDocTemplate(buf, pagesize=page, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=16 * mm,
                            bottomMargin=14 * mm, title=m.title, author=m.office_name)

    def running(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(12 * mm, page[1] - 9 * mm, f"{m.title} — {m.office_name}")
        canvas.drawRightString(page[0] - 12 * mm, 8 * mm, f"Halaman {canvas.getPageNumber()}")
        canvas.restoreState()

    def n(v: Optional[Decimal]) -> str:
        return fmt.number(v) if v is not None else DASH

    def p(v: Optional[Decimal]) -> str:
        return fmt.number(v, 2, strip=False) if v is not None else DASH

    def grid(data: list[list[Any]], widths: list[float], numeric: set[int], header_rows: int,
             spans: list[tuple], shaded: set[int] = frozenset(), colour: Optional[int] = None) -> Table:
        rows = []
        for i, row in enumerate(data):
            is_head = i < header_rows
            rows.append([Paragraph(esc(v) if not is_head or v else "", head if is_head else (
                right if c in numeric else cell)) for c, v in enumerate(row)])
        # the last header row (bold) and the body rows decide the widths; a row spanning the table does not
        whole = {r for (a, r), (b, _r2) in spans if a == 0 and b == -1}
        measured = [data[header_rows - 1], *(row for r, row in enumerate(data) if r >= header_rows and r not in whole)]
        fitted = exports.words_fit(widths, [[None if v == "" else v for v in r] for r in measured], font_size=size,
                                   padding=6)
        t = Table(rows, colWidths=fitted, repeatRows=header_rows)
        style = [("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#1F4E79")),
                 ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("VALIGN", (0, 0), (-1, header_rows - 1), "MIDDLE"),
                 ("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5)]
        style += [("SPAN", *s) for s in spans]
        for r in shaded:
            style.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#DDEBF7")))
        if colour is not None:
            for r, row in enumerate(data[header_rows:], start=header_rows):
                c = PREDICATE_COLOURS.get(str(row[colour]))
                if c:
                    style.append(("BACKGROUND", (colour, r), (colour, r), colors.HexColor(c).clone(alpha=0.35)))
        t.setStyle(TableStyle(style))
        return t

    y1, y2 = m.past_years
    renstra = f"Renstra {m.period_start}–{m.period_end}" if m.period_start else "Renstra"
    header = [["No", "Indikator Kinerja", "Satuan", f"Tahun {m.year}", "", "", "", f"Tahun {y1}", "",
               f"Tahun {y2}", "", renstra, "", "", "Keterangan"],
              ["", "", "", "Target PK", "Realisasi", "Capaian (%)", "Predikat", "Realisasi", "Capaian (%)",
               "Realisasi", "Capaian (%)", "Target Akhir", f"s.d. {m.year}", "Progres (%)", ""]]
    spans = [((0, 0), (0, 1)), ((1, 0), (1, 1)), ((2, 0), (2, 1)), ((3, 0), (6, 0)), ((7, 0), (8, 0)),
             ((9, 0), (10, 0)), ((11, 0), (13, 0)), ((14, 0), (14, 1))]
    data = list(header)
    shaded = set()
    no = 0
    for k, (code, name, rows) in enumerate(m.by_sasaran(), start=1):
        shaded.add(len(data))
        spans.append(((0, len(data)), (-1, len(data))))
        data.append([f"Sasaran Strategis {k}: {code} {name}"] + [""] * 14)
        for x in rows:
            no += 1
            data.append([no, f"{x.code} {x.name}", x.satuan, n(x.target), n(x.value), p(x.capaian),
                         x.predikat or DASH, n(x.past[0].value), p(x.past[0].capaian), n(x.past[1].value),
                         p(x.past[1].capaian), n(x.renstra_target), n(x.to_date), p(x.progress),
                         x.keterangan or ""])
    widths = [14, 100, 32, 32, 34, 28, 34, 34, 28, 34, 28, 34, 34, 28, 44]  # 538 pt of the 541 between margins
    story: list[Any] = [*exports.kop(m.office_name), Paragraph(esc(m.title), st["title"]),
                        Paragraph(esc(m.subtitle), st["sub"]),
                        grid(data, widths, set(range(3, 14)) - {6}, 2, spans, shaded, colour=6)]
    story += [Paragraph(esc(t), note) for t in m.notes]

    story.append(Paragraph(f"Anggaran per Program Tahun {m.year}", st["h2"]))
    bdata = [["No", "Kode", "Program", "Pagu (Rp)", "Realisasi (Rp)", "Serapan (%)"]]
    for i, b in enumerate(m.budget, start=1):
        bdata.append([i, b.code, b.name, n(b.pagu), n(b.spent), p(b.serapan)])
    t = m.budget_total
    bdata.append(["", "", t.name, n(t.pagu), n(t.spent), p(t.serapan)])
    story.append(grid(bdata, [20, 60, 230, 90, 90, 50], {3, 4, 5}, 1, [], {len(bdata) - 1}))
    story += [Paragraph(esc(t), note) for t in m.budget_notes]

    story.append(Paragraph("Efisiensi: Capaian Kinerja terhadap Serapan Anggaran", st["h2"]))
    edata = [["No", "Kode", "Program", "Jumlah Indikator", "Rata-rata Capaian (%)", "Serapan (%)",
              "Selisih (poin)", "Keterangan"]]
    for i, e in enumerate(m.efficiency, start=1):
        last = i == len(m.efficiency)
        edata.append(["" if last else i, e.code, e.name, e.indicators, p(e.capaian), p(e.serapan),
                      p(e.difference), e.label])
    story.append(grid(edata, [20, 56, 190, 44, 52, 48, 48, 80], {3, 4, 5, 6}, 1, [], {len(edata) - 1}))
    story.append(Paragraph(esc(EFFICIENCY_NOTE), note))
    story += [Spacer(1, 14), KeepTogether([exports.pdf_signature(m.signer, m.on, acknowledge=False)])]
    doc.build(story, onFirstPage=running, onLaterPages=running)
    return buf.getvalue()
