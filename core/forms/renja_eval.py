"""Evaluasi terhadap Hasil Renja Perangkat Daerah (Permendagri 86/2017, form E.81), of one report version.

Built ONLY from the report's lines (core.report_doc.report_lines): the indicator and budget lines, the
"RENSTRA" line (end-of-period funding and spending to last year by DPA code) and the "CATATAN" line (the
footer). So the E.81 is versioned with the report, and a correction of step 7 changes it the same way it
changes the report. An old stored report without these keys renders with empty cells.

Columns (17; each of 5–15 as K = kinerja, the indicator's value in its satuan, and Rp = anggaran):
1 No · 2 Sasaran · 3 Program / Kegiatan / Sub Kegiatan · 4 Indikator · 5 Target Renstra (end of period) ·
6 Realisasi Renstra to last year · 7 Target Renja of the year (K: PK annual target, Rp: pagu) · 8–11 TW I–IV ·
12 Realisasi of the year · 13 Tingkat capaian (12 vs 7) · 14 Realisasi Renstra to this year ·
15 Tingkat capaian Renstra (14 vs 5) · 16 Unit penanggung jawab · 17 Keterangan.

K formulas, by the indicator's rule: 12 = the quarters up to the round's combined (sum, last, avg);
13 = capaian of 12 against 7 with the office's formula and the indicator's polarity; 14 = sum: 6 + 12,
last: 12 (6 when the year has no figure yet), avg: the mean of every year of the period with a figure
(the years before and this year's 12); 15 = capaian of 14 against 5.
Rp: 12 = TW I + … + IV; 13 = 12 / 7 × 100; 14 = 6 + 12; 15 = 14 / 5 × 100 (serapan, core.achievement).
Quarters after the round's stay empty.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Optional

from core import achievement as ach
from core import exports, renja

ZERO = Decimal(0)
CENT = Decimal("0.01")
VALUE_COLUMNS = tuple(range(5, 16))  # 5..15, each K and Rp
TITLE = "EVALUASI TERHADAP HASIL RENJA PERANGKAT DAERAH LINGKUP KABUPATEN KAPUAS HULU"
SHORT_TITLE = "Evaluasi Hasil Renja (E.81)"
HEADERS = {
    1: "No", 2: "Sasaran", 3: "Program / Kegiatan / Sub Kegiatan",
    4: "Indikator Kinerja Program (outcome) / Kegiatan (output)",
    5: "Target Renstra PD pada Tahun Akhir Periode Renstra",
    6: "Realisasi Capaian Kinerja Renstra PD sampai dengan Renja PD Tahun Lalu",
    7: "Target Kinerja dan Anggaran Renja PD Tahun Berjalan yang Dievaluasi",
    8: "Realisasi Kinerja Triwulan I", 9: "Realisasi Kinerja Triwulan II", 10: "Realisasi Kinerja Triwulan III",
    11: "Realisasi Kinerja Triwulan IV",
    12: "Realisasi Capaian Kinerja dan Anggaran Renja PD yang Dievaluasi",
    13: "Tingkat Capaian Kinerja dan Realisasi Anggaran Renja PD yang Dievaluasi (%)",
    14: "Realisasi Kinerja dan Anggaran Renstra PD s.d. Tahun Berjalan",
    15: "Tingkat Capaian Kinerja dan Realisasi Anggaran Renstra PD s.d. Tahun Berjalan (%)",
    16: "Unit PD Penanggung Jawab", 17: "Keterangan",
}
FOOTER_LABELS = {
    "faktor_pendorong": "Faktor pendorong keberhasilan pencapaian",
    "faktor_penghambat": "Faktor penghambat pencapaian kinerja",
    "tindak_lanjut_tw": "Tindak lanjut yang diperlukan dalam triwulan berikutnya",
    "tindak_lanjut_renja": "Tindak lanjut yang diperlukan dalam Renja PD berikutnya",
}
PERCENT_COLUMNS = (13, 15)


def _d(value: Any) -> Optional[Decimal]:
    return ach.to_decimal(value)


def _add(*values: Optional[Decimal]) -> Optional[Decimal]:
    present = [v for v in values if v is not None]
    return sum(present, ZERO) if present else None


def _empty() -> dict[int, Optional[Decimal]]:
    return {c: None for c in VALUE_COLUMNS}


def _years_text(years: list[Any], what: str) -> str:
    ys = [str(y) for y in years]
    if not ys:
        return ""
    return f"{what} {', '.join(ys)} belum tersedia"


def _quarters(x: dict[str, Any], quarter: Optional[int]) -> list[Optional[Decimal]]:
    """The year's quarterly realisations up to the round's quarter; an old line without them: its TW value."""
    if "real_q" in x:
        qs = [_d(v) for v in (x.get("real_q") or [None] * 4)][:4]
        qs += [None] * (4 - len(qs))
    else:
        qs = [None] * 4
        if quarter:
            qs[quarter - 1] = _d(x.get("realisasi_tw"))
    if quarter:
        qs = [v if i < quarter else None for i, v in enumerate(qs)]
    return qs


def indicator_k(x: dict[str, Any], formula: ach.Formula = ach.DEFAULT, quarter: Optional[int] = None
                ) -> tuple[dict[int, Optional[Decimal]], list[str]]:
    """Columns 5–15 K of an indicator line, and the Keterangan it needs."""
    rule, polarity = x.get("combine") or "sum", x.get("polarity") or "positif"
    k = _empty()
    notes: list[str] = []
    k[5], k[6], k[7] = _d(x.get("renstra_target")), _d(x.get("renstra_prev")), _d(x.get("target_tahunan"))
    qs = _quarters(x, quarter)
    for i, v in enumerate(qs):
        k[8 + i] = v
    k[12] = ach.combine(qs, rule)
    cap = ach.achievement(k[7], k[12], polarity, formula=formula)
    k[13] = cap.percent
    if k[13] is None and cap.reason and k[12] is not None:
        notes.append(f"Capaian tidak dihitung: {cap.reason}")
    if rule == "sum":
        k[14] = _add(k[6], k[12])
    elif rule == "last":
        k[14] = k[12] if k[12] is not None else k[6]
    else:  # avg: the mean of the years with a figure, this year's included
        years = [_d(v) for v in (x.get("renstra_years") or {}).values()]
        if not x.get("renstra_years") and k[6] is not None:
            years = [k[6]]  # an old line: last year's mean stands for the years before
        k[14] = ach.combine([*years, k[12]], "avg")
    k[15] = ach.achievement(k[5], k[14], polarity, formula=formula).percent
    missing = x.get("renstra_prev_missing") or []
    if missing:
        notes.append(_years_text(missing, "Realisasi"))
    if k[5] is None and "renstra_target" in x:
        notes.append("Target Renstra belum diisi")
    return k, notes


@dataclass
class _Budget:
    """The year's DPA lines and the Renstra figures, by code."""

    lines: list[dict[str, Any]]
    renstra: dict[str, Any]
    quarter: Optional[int]

    def under(self, code: str) -> list[dict[str, Any]]:
        return [b for b in self.lines if renja.under(b.get("code", ""), code)]

    def rp(self, code: str) -> tuple[dict[int, Optional[Decimal]], list[str]]:
        rows = self.under(code)
        rp = _empty()
        rp[5] = _d((self.renstra.get("end_pagu") or {}).get(code))
        rp[6] = _d((self.renstra.get("spent_prev") or {}).get(code))
        rp[7] = _add(*(_d(b.get("pagu")) for b in rows))
        per_line = [_quarters(b, self.quarter) for b in rows]
        for i in range(4):
            rp[8 + i] = _add(*(qs[i] for qs in per_line))
        rp[12] = _add(*(rp[8 + i] for i in range(4)))
        rp[13] = ach.absorption(rp[12], rp[7])
        rp[14] = _add(rp[6], rp[12])
        rp[15] = ach.absorption(rp[14], rp[5])
        notes = []
        missing = (self.renstra.get("spent_prev_missing") or {}).get(code) or []
        if missing:
            notes.append(_years_text(missing, "Realisasi anggaran"))
        return rp, notes

    def units(self, code: str) -> str:
        return ", ".join(dict.fromkeys(b.get("unit", "") for b in self.under(code) if b.get("unit")))


def _row(level: str, no: str = "", sasaran: str = "", uraian: str = "", kode: str = "",
         ind: Optional[dict[str, Any]] = None, k: Optional[dict[int, Any]] = None,
         rp: Optional[dict[int, Any]] = None, unit: str = "", notes: Optional[list[str]] = None) -> dict[str, Any]:
    return {"level": level, "no": no, "sasaran": sasaran, "uraian": uraian, "kode": kode,
            "indikator": (ind or {}).get("name", ""), "indikator_kode": (ind or {}).get("code", ""),
            "satuan": (ind or {}).get("satuan", ""), "key": (ind or {}).get("key", ""),
            "k": k or _empty(), "rp": rp or _empty(), "unit": unit,
            "keterangan": "; ".join(n for n in (notes or []) if n)}


def rows(lines: list[dict[str, Any]], formula: ach.Formula = ach.DEFAULT, quarter: Optional[int] = None
         ) -> list[dict[str, Any]]:
    """The table of the E.81, top to bottom. Each row: level (sasaran / program / kegiatan / sub /
    indikator), no, sasaran, uraian (col 3), kode, indikator, satuan, k and rp ({5..15: Decimal | None}),
    unit, keterangan, key (the indicator line it comes from)."""
    indicators = [x for x in lines if x.get("type") == "indikator"]
    budget = _Budget(sorted((x for x in lines if x.get("type") == "anggaran"), key=lambda b: b.get("code", "")),
                     next((x for x in lines if x.get("type") == "renstra"), {}), quarter)
    programs: dict[str, str] = {}
    kegiatan: dict[str, str] = {}
    for b in budget.lines:
        programs.setdefault(renja.program_code(b["code"]), b.get("program", ""))
        kegiatan.setdefault(renja.kegiatan_code(b["code"]), b.get("kegiatan", ""))
    outcome: dict[str, list[dict[str, Any]]] = {}
    output: dict[str, list[dict[str, Any]]] = {}
    on_sasaran: dict[str, list[dict[str, Any]]] = {}
    program_sasaran: dict[str, str] = {}
    sasaran_names: dict[str, str] = {}
    for x in indicators:
        s = x.get("sasaran_code", "")
        sasaran_names.setdefault(s, x.get("sasaran", ""))
        codes = x.get("budget_codes") or []
        for c in codes:
            program_sasaran.setdefault(renja.program_code(c), s)
        level = x.get("renja_level")
        if level == "program" and codes and renja.program_code(codes[0]) in programs:
            outcome.setdefault(renja.program_code(codes[0]), []).append(x)
        elif level == "kegiatan" and codes and renja.kegiatan_code(codes[0]) in kegiatan:
            output.setdefault(renja.kegiatan_code(codes[0]), []).append(x)
        else:
            on_sasaran.setdefault(s, []).append(x)

    out: list[dict[str, Any]] = []

    def with_indicators(level: str, no: str, uraian: str, kode: str, inds: list[dict[str, Any]],
                        rp: Optional[dict[int, Any]], rp_notes: list[str], unit: str, sasaran: str = "") -> None:
        """The group's row (its first indicator and its Rp on it), then one row per further indicator."""
        first = True
        for x in inds or [None]:
            k, notes = indicator_k(x, formula, quarter) if x else (None, [])
            out.append(_row(level if first else "indikator", no if first else "", sasaran if first else "",
                            uraian if first else "", kode if first else "", x, k, rp if first else None,
                            (x.get("unit", "") if x else "") or (unit if first else ""),
                            notes + (rp_notes if first else [])))
            first = False

    def program_block(no: str, p: str) -> None:
        rp, notes = budget.rp(p)
        with_indicators("program", no, f"{p} {programs[p]}", p, outcome.get(p, []), rp, notes, budget.units(p))
        for j, kc in enumerate(sorted(c for c in kegiatan if renja.under(c, p)), start=1):
            rp, notes = budget.rp(kc)
            with_indicators("kegiatan", f"{no}.{j}", f"{kc} {kegiatan[kc]}", kc, output.get(kc, []), rp, notes,
                            budget.units(kc))
            for m, b in enumerate(budget.under(kc), start=1):
                if b["code"] == kc:
                    continue
                rp, notes = budget.rp(b["code"])
                out.append(_row("sub", f"{no}.{j}.{m}", uraian=f"{b['code']} {b.get('sub_kegiatan', '')}",
                                kode=b["code"], rp=rp, unit=b.get("unit", ""), notes=notes))

    order = list(sasaran_names)
    for n, s in enumerate(order, start=1):
        out.append(_row("sasaran", str(n), sasaran=f"{s} {sasaran_names[s]}".strip()))
        for x in on_sasaran.get(s, []):
            k, notes = indicator_k(x, formula, quarter)
            out.append(_row("indikator", ind=x, k=k, unit=x.get("unit", ""), notes=notes))
        for j, p in enumerate(sorted(p for p in programs if program_sasaran.get(p) == s), start=1):
            program_block(f"{n}.{j}", p)
    rest = sorted(p for p in programs if program_sasaran.get(p) not in sasaran_names)
    for j, p in enumerate(rest, start=len(order) + 1):
        program_block(str(j), p)
    return out


def footer(lines: list[dict[str, Any]], table: list[dict[str, Any]], formula: ach.Formula = ach.DEFAULT
           ) -> dict[str, Any]:
    """Rata-rata capaian (the mean of column 13 K of the indicators with a value, the office's rounding),
    its predikat, and the four texts of the CATATAN line."""
    seen: set[str] = set()
    caps = []
    for r in table:
        if r["key"] and r["key"] not in seen and r["k"][13] is not None:
            seen.add(r["key"])
            caps.append(r["k"][13])
    average = formula.q(sum(caps, ZERO) / len(caps)) if caps else None
    notes = next((x for x in lines if x.get("type") == "catatan"), {})
    return {"average": average, "predikat": ach.predicate(average, formula) if average is not None else None,
            **{f: notes.get(f) or "" for f in FOOTER_LABELS}}


@dataclass(frozen=True)
class Evaluator:
    """Who signs "Dievaluasi": the regency's setting (Kepala Bappeda); "……" where not set."""

    title: str = ""
    name: str = ""
    nip: str = ""


@dataclass
class RenjaEval:
    office_name: str
    year: int
    quarter: int
    subtitle: str  # "Draf versi 1"
    lines: list[dict[str, Any]]
    signer: Any  # core.exports.Signer (Kepala Dinas)
    evaluator: Evaluator
    on: dt.date
    formula: ach.Formula = ach.DEFAULT
    table: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.table:
            self.table = rows(self.lines, self.formula, self.quarter)

    @property
    def period_text(self) -> str:
        from core.fmt import quarter_long

        return f"Periode Pelaksanaan: {quarter_long(self.quarter)} Tahun {self.year}"

    @property
    def renstra_text(self) -> str:
        r = next((x for x in self.lines if x.get("type") == "renstra"), {})
        name = r.get("period") or ""
        return name if not name or name.lower().startswith("renstra") else f"Renstra {name}"

    def footer(self) -> dict[str, Any]:
        return footer(self.lines, self.table, self.formula)

    def signatures(self) -> tuple[list[str], list[str]]:
        """(Disusun, Dievaluasi) blocks, top to bottom, blank lines for the wet signature."""
        from core import fmt

        s, e = self.signer, self.evaluator
        disusun = ["Disusun", f"{s.place}, {fmt.date(self.on)}", s.title or "……", "", "", "", s.full_name or "……",
                   f"NIP. {s.nip}" if s.nip else "NIP. ……"]
        dievaluasi = ["Dievaluasi", f"{s.place}, ……", e.title or "Kepala Bappeda Kabupaten Kapuas Hulu", "", "",
                      "", e.name or "……", f"NIP. {e.nip}" if e.nip else "NIP. ……"]
        return disusun, dievaluasi


def evaluator_of(session: Any, office_id: int) -> Evaluator:
    """The regency row (kind 'pemkab') above the office: its evaluator setting."""
    from db.models import OrgUnit

    unit = session.get(OrgUnit, office_id)
    seen = 0
    while unit is not None and unit.kind != "pemkab" and seen < 10:
        unit = unit.parent
        seen += 1
    if unit is None or unit.kind != "pemkab":
        return Evaluator()
    return Evaluator(unit.evaluator_title or "", unit.evaluator_name or "", unit.evaluator_nip or "")


# --- columns of the sheet: 1–4, then K and Rp of 5–15, then 16–17 -------------------------------------------


def sheet_column(col: int, part: str = "") -> int:
    """0-based sheet column of form column `col` (part 'k' or 'rp' for 5–15)."""
    if col <= 4:
        return col - 1
    if col <= 15:
        return 4 + (col - 5) * 2 + (1 if part == "rp" else 0)
    return 4 + 22 + (col - 16)


LAST_COLUMN = sheet_column(17)
HEADER_ROWS = 3  # titles, K / Rp, numbers


def k_shown(value: Any) -> tuple[Decimal, bool]:
    """A K figure as both files show it: rounded half up to two decimals, and whether it is whole."""
    shown = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    return shown, shown == shown.to_integral_value()


def renja_eval_xlsx(doc: RenjaEval) -> bytes:
    from core.exports import form_workbook, neutralise

    buf, wb, ws = form_workbook("E.81")
    base = {"border": 1, "valign": "top", "font_size": 9}
    F = {
        "title": wb.add_format({"bold": True, "align": "center", "font_size": 12}),
        "center": wb.add_format({"align": "center", "font_size": 10}),
        "head": wb.add_format({"bold": True, "border": 1, "text_wrap": True, "align": "center",
                               "valign": "vcenter", "bg_color": "#D9E1F2", "font_size": 8}),
        "text": wb.add_format({**base, "text_wrap": True}),
        "bold": wb.add_format({**base, "text_wrap": True, "bold": True, "bg_color": "#F2F2F2"}),
        "money": wb.add_format({**base, "num_format": "#,##0"}),
        "pct": wb.add_format({**base, "num_format": '#,##0.00" %"'}),
        "label": wb.add_format({"bold": True, "valign": "top", "font_size": 10}),
        "para": wb.add_format({"text_wrap": True, "valign": "top", "font_size": 10}),
        "para_pct": wb.add_format({"valign": "top", "align": "left", "font_size": 10,
                                   "num_format": '#,##0.00" %"'}),
        "sig": wb.add_format({"align": "center", "font_size": 10}),
        "sig_name": wb.add_format({"align": "center", "bold": True, "underline": True, "font_size": 10}),
    }
    # K as the PDF shows it: whole numbers without decimals, others with two; the satuan is in column 4
    k_whole = wb.add_format({**base, "num_format": exports.INTEGER_FORMAT})
    k_decimal = wb.add_format({**base, "num_format": exports.NUMBER_FORMAT})

    widths = {0: 5, 1: 22, 2: 30, 3: 30, LAST_COLUMN - 1: 16, LAST_COLUMN: 24}
    for c in range(LAST_COLUMN + 1):
        ws.set_column(c, c, widths.get(c, 13 if (c - 4) % 2 else 10))

    def text(r: int, c: int, v: Any, f: Any) -> None:
        ws.write_string(r, c, neutralise("" if v is None else str(v)), f)

    ws.merge_range(0, 0, 0, LAST_COLUMN, TITLE, F["title"])
    ws.merge_range(1, 0, 1, LAST_COLUMN, neutralise(doc.signer.office_name.upper()), F["title"])
    ws.merge_range(2, 0, 2, LAST_COLUMN, neutralise(doc.period_text), F["center"])
    ws.merge_range(3, 0, 3, LAST_COLUMN, neutralise(" · ".join(t for t in (doc.renstra_text, doc.subtitle) if t)),
                   F["center"])
    top = 5
    for col in range(1, 18):
        if 5 <= col <= 15:
            a = sheet_column(col, "k")
            ws.merge_range(top, a, top, a + 1, HEADERS[col], F["head"])
            text(top + 1, a, "K", F["head"])
            text(top + 1, a + 1, "Rp", F["head"])
            ws.merge_range(top + 2, a, top + 2, a + 1, str(col), F["head"])
        else:
            c = sheet_column(col)
            ws.merge_range(top, c, top + 1, c, HEADERS[col], F["head"])
            text(top + 2, c, str(col), F["head"])
    ws.set_row(top, 96)
    ws.repeat_rows(top, top + 2)
    r = top + HEADER_ROWS
    for row in doc.table:
        group = row["level"] in ("sasaran", "program", "kegiatan")
        tf = F["bold"] if group else F["text"]
        indikator = row["indikator"]
        if indikator and row["satuan"]:
            indikator = f"{indikator} ({row['satuan']})"
        for col, v in ((1, row["no"]), (2, row["sasaran"]), (3, row["uraian"]), (4, indikator), (16, row["unit"]),
                       (17, row["keterangan"])):
            text(r, sheet_column(col), v, tf if col <= 3 else F["text"])
        for col in VALUE_COLUMNS:
            for part, values in (("k", row["k"]), ("rp", row["rp"])):
                c = sheet_column(col, part)
                v = values.get(col)
                if v is None:
                    ws.write_blank(r, c, None, F["text"])
                elif col in PERCENT_COLUMNS:
                    ws.write_number(r, c, float(v), F["pct"])
                elif part == "rp":
                    ws.write_number(r, c, float(v), F["money"])
                else:  # the figure as shown (an average such as 8,666… as 8,67), so a reader's sum agrees
                    shown, whole = k_shown(v)
                    ws.write_number(r, c, float(shown), k_whole if whole else k_decimal)
        r += 1
    r += 1
    foot = doc.footer()

    ws.merge_range(r, 0, r, 3, "Rata-rata capaian kinerja (%)", F["label"])
    if foot["average"] is None:
        ws.merge_range(r, 4, r, LAST_COLUMN, "–", F["para"])
    else:  # a number, as every figure of the form, shown "101,08 %"
        ws.merge_range(r, 4, r, LAST_COLUMN, float(foot["average"]), F["para_pct"])
    r += 1
    summary = [("Predikat kinerja", foot["predikat"] or "–")]
    summary += [(label, foot[f] or "–") for f, label in FOOTER_LABELS.items()]
    for label, value in summary:
        ws.merge_range(r, 0, r, 3, label, F["label"])
        ws.merge_range(r, 4, r, LAST_COLUMN, neutralise(value), F["para"])
        ws.set_row(r, max(15, 15 * (value.count("\n") + 1)))
        r += 1
    r += 1
    disusun, dievaluasi = doc.signatures()
    for i, (a, b) in enumerate(zip(disusun, dievaluasi)):
        if a:
            ws.merge_range(r + i, 1, r + i, 3, neutralise(a), F["sig_name"] if i == 6 else F["sig"])
        if b:
            ws.merge_range(r + i, LAST_COLUMN - 6, r + i, LAST_COLUMN, neutralise(b),
                           F["sig_name"] if i == 6 else F["sig"])
    ws.set_landscape()
    ws.set_paper(14)  # Folio 8½ × 13 in, the F4 of Indonesian offices
    ws.fit_to_pages(1, 0)
    ws.set_margins(0.3, 0.3, 0.5, 0.5)
    ws.set_header(f"&L&8{_header_text(doc)}&R&8Halaman &P dari &N")
    ws.freeze_panes(top + HEADER_ROWS, 4)
    wb.close()
    return buf.getvalue()


def _header_text(doc: RenjaEval) -> str:
    return f"{doc.signer.office_name} — {SHORT_TITLE} — {doc.period_text.replace('Periode Pelaksanaan: ', '')}"


# --- PDF --------------------------------------------------------------------------------------------------


F4_LANDSCAPE_MM = (330, 215)


# the text columns (No, Sasaran, Program, Indikator, Unit, Keterangan) share what the numbers leave
_TEXT_SHARES = {0: 0.04, 1: 0.17, 2: 0.22, 3: 0.23, sheet_column(16): 0.14, sheet_column(17): 0.20}


def _pdf_widths(total: float, rows: list[list[Any]], numeric: set[int]) -> tuple[float, list[float]]:
    """The font size and column widths of the PDF table: each number column as wide as its widest number,
    the text columns sharing the rest (words unbroken, core.exports.words_fit); a smaller font when the
    numbers leave too little for the text."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from core.exports import words_fit

    for font in (5.6, 5.2, 4.8, 4.4):
        widths = [0.0] * len(rows[0])
        for c in numeric:
            widths[c] = max([stringWidth(str(r[c]), "Helvetica-Bold", font) for r in rows[1:]]
                            + [stringWidth(str(rows[0][c]), "Helvetica-Bold", font), 12.0]) + 4
        rest = total - sum(widths)
        if rest >= 230 or font == 4.4:
            for c, share in _TEXT_SHARES.items():
                widths[c] = max(rest, 120) * share
            return font, words_fit(widths, rows, font_size=font, padding=4)
    raise AssertionError("unreachable")  # pragma: no cover


def renja_eval_pdf(doc: RenjaEval) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from core import fmt
    from core.exports import pdf_escape, pdf_styles

    st = pdf_styles()
    small = ParagraphStyle("e81", parent=st["cell"], fontSize=5.6, leading=6.8)
    head = ParagraphStyle("e81h", parent=small, fontName="Helvetica-Bold", alignment=1)
    buf = io.BytesIO()
    page = landscape((215 * mm, 330 * mm))
    pdf = SimpleDocTemplate(buf, pagesize=page, leftMargin=8 * mm, rightMargin=8 * mm, topMargin=14 * mm,
                            bottomMargin=10 * mm, title=f"{SHORT_TITLE} {doc.period_text}",
                            author=doc.signer.office_name)
    running = _header_text(doc)

    def on_page(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(8 * mm, page[1] - 8 * mm, running)
        canvas.drawRightString(page[0] - 8 * mm, page[1] - 8 * mm, f"Halaman {canvas.getPageNumber()}")
        canvas.restoreState()

    def num(v: Optional[Decimal], col: int, part: str) -> str:
        if v is None:
            return ""
        if col in PERCENT_COLUMNS:
            return fmt.number(v, 2, strip=False)
        if part == "rp":
            return fmt.number(v, 0)
        shown, whole = k_shown(v)  # as the XLSX: whole, or two decimals
        return fmt.number(shown, 0) if whole else fmt.number(shown, 2, strip=False)

    n_cols = LAST_COLUMN + 1
    header1: list[Any] = [""] * n_cols
    header2: list[Any] = [""] * n_cols
    header3: list[Any] = [""] * n_cols
    spans = []
    for col in range(1, 18):
        if 5 <= col <= 15:
            a = sheet_column(col, "k")
            header1[a] = HEADERS[col]
            header2[a], header2[a + 1] = "K", "Rp"
            header3[a] = str(col)
            spans += [("SPAN", (a, 0), (a + 1, 0)), ("SPAN", (a, 2), (a + 1, 2))]
        else:
            c = sheet_column(col)
            header1[c] = HEADERS[col]
            header3[c] = str(col)
            spans.append(("SPAN", (c, 0), (c, 1)))
    body: list[list[Any]] = []
    bold_rows = []
    for row in doc.table:
        cells: list[Any] = [""] * n_cols
        indikator = row["indikator"] + (f" ({row['satuan']})" if row["indikator"] and row["satuan"] else "")
        for col, v in ((1, row["no"]), (2, row["sasaran"]), (3, row["uraian"]), (4, indikator), (16, row["unit"]),
                       (17, row["keterangan"])):
            cells[sheet_column(col)] = v
        for col in VALUE_COLUMNS:
            cells[sheet_column(col, "k")] = num(row["k"][col], col, "k")
            cells[sheet_column(col, "rp")] = num(row["rp"][col], col, "rp")
        if row["level"] in ("sasaran", "program", "kegiatan"):
            bold_rows.append(len(body))
        body.append(cells)
    total = page[0] - 16 * mm
    numeric = {sheet_column(c, p) for c in VALUE_COLUMNS for p in ("k", "rp")}
    font, widths = _pdf_widths(total, [header2, *body], numeric)
    small.fontSize = head.fontSize = font
    small.leading = head.leading = font + 1.2
    data = [[Paragraph(pdf_escape(v), head) for v in h] for h in (header1, header2, header3)]
    # Only the text columns need a Paragraph (they wrap); a number fits its column (its width is the widest
    # number's) and an empty cell holds nothing, so both are plain strings, drawn by the table's style: at
    # bench scale (665 rows × 28 columns) reportlab wraps each Paragraph again on every page split, and the
    # plain cells cut the E.81 PDF's time several-fold.
    bold = set(bold_rows)
    for i, cells in enumerate(body):
        data.append([v if c in numeric or not v else
                     Paragraph(("<b>%s</b>" if i in bold else "%s") % pdf_escape(v), small)
                     for c, v in enumerate(cells)])
    table = Table(data, colWidths=widths, repeatRows=HEADER_ROWS)
    first_num, last_num = min(numeric), max(numeric)
    style = [("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("BACKGROUND", (0, 0), (-1, HEADER_ROWS - 1), colors.HexColor("#D9E1F2")),
             ("LEFTPADDING", (0, 0), (-1, -1), 1.5), ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
             ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
             ("FONT", (0, HEADER_ROWS), (-1, -1), "Helvetica", font, font + 1.2),
             ("ALIGN", (first_num, HEADER_ROWS), (last_num, -1), "RIGHT"), *spans]
    assert numeric == set(range(first_num, last_num + 1))  # the K and Rp columns are one block
    for i in bold_rows:
        style.append(("BACKGROUND", (0, i + HEADER_ROWS), (-1, i + HEADER_ROWS), colors.HexColor("#F2F2F2")))
        style.append(("FONT", (0, i + HEADER_ROWS), (-1, i + HEADER_ROWS), "Helvetica-Bold", font, font + 1.2))
    table.setStyle(TableStyle(style))
    story: list[Any] = [Paragraph(pdf_escape(TITLE), st["title"]),
                        Paragraph(pdf_escape(doc.signer.office_name.upper()), st["title"]),
                        Paragraph(pdf_escape(doc.period_text), st["sub"]),
                        Paragraph(pdf_escape(" · ".join(t for t in (doc.renstra_text, doc.subtitle) if t)), st["sub"]),
                        table, Spacer(1, 8)]
    foot = doc.footer()
    summary = [("Rata-rata capaian kinerja (%)", fmt.percent(foot["average"])),
               ("Predikat kinerja", foot["predikat"] or "–")]
    summary += [(label, foot[f] or "–") for f, label in FOOTER_LABELS.items()]
    body_style = ParagraphStyle("e81b", parent=st["body"], fontSize=8, leading=10)
    ft = Table([[Paragraph(f"<b>{pdf_escape(a)}</b>", body_style),
                 Paragraph(pdf_escape(b).replace("\n", "<br/>"), body_style)] for a, b in summary],
               colWidths=[220, total - 220])
    ft.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.3, colors.grey)]))
    disusun, dievaluasi = doc.signatures()

    def block(lines: list[str]) -> Any:
        paras = []
        for i, line in enumerate(lines):
            text = pdf_escape(line) or "&nbsp;"
            if i == 6 and line != "……":
                text = f"<u><b>{text}</b></u>"
            paras.append([Paragraph(text, st["sig"])])
        t = Table(paras, colWidths=[260])
        t.setStyle(TableStyle([("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
        return t

    # the footer and the signatures on one page (a signature block alone on the last page signs nothing visible)
    story.append(KeepTogether([ft, Spacer(1, 10),
                               Table([[block(disusun), "", block(dievaluasi)]], colWidths=[280, total - 560, 280])]))
    pdf.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()
