"""Excel import of what the forms sent upward need (issue #18): the Renstra (end-of-period targets per indicator,
their Renja level and DPA lines, and the end-of-period pagu per program / kegiatan) and the realisations of the
years before the app. Templates pre-filled from the database, a preview with every problem per row, and a commit
through core.masterdata.renstra (its checks, audit and versions), all or nothing.

- "RENSTRA" (the Renstra period covering the year chosen): sheet 'Indikator Renstra' (Kode Indikator, Nama,
  Target Renstra akhir periode, Tingkat pada Renja, Kode DPA terkait — the DPA lines of the year chosen) and
  sheet 'Pendanaan Renstra' (Kode, Nama, Pagu akhir periode (Rp)).
- "REALISASI": sheet 'Realisasi' (Tahun, Kode Indikator or Kode Program/Kegiatan, Realisasi K, Realisasi Rp,
  Sumber) for the years of the Renstra before the first year with rounds.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import renja, workbook_read
from core.actor import Actor
from core.errors import InvalidInput, KinerjaError
from core.exports import set_text_cell, unneutralise
from core.fmt import money, number
from core.imports.common import column_index
from core.masterdata import renstra as mr
from core.parsing import parse_number, parse_text
from core.permissions import require
from db.models import BudgetLine, Indicator, RenstraPeriod, Sasaran

RENSTRA, REALISASI = "RENSTRA", "REALISASI"
KIND_LABELS = {RENSTRA: "Renstra (target akhir periode K dan Rp)",
               REALISASI: "Realisasi tahun sebelumnya (sebelum aplikasi)"}
IND_SHEET, FUND_SHEET, REAL_SHEET = "Indikator Renstra", "Pendanaan Renstra", "Realisasi"
SHEETS = {RENSTRA: (IND_SHEET, FUND_SHEET), REALISASI: (REAL_SHEET,)}
# sheet -> [(key, header, required header)]
COLUMNS: dict[str, list[tuple[str, str, bool]]] = {
    IND_SHEET: [("code", "Kode Indikator", True), ("name", "Nama", False),
                ("target", "Target Renstra akhir periode", True), ("level", "Tingkat pada Renja", False),
                ("dpa", "Kode DPA terkait", False)],
    FUND_SHEET: [("code", "Kode", True), ("name", "Nama", False), ("pagu", "Pagu akhir periode (Rp)", True)],
    REAL_SHEET: [("year", "Tahun", True), ("indicator", "Kode Indikator", False),
                 ("code", "Kode Program/Kegiatan", False), ("value", "Realisasi K", False),
                 ("amount", "Realisasi Rp", False), ("source", "Sumber", False)],
}
LEVEL_TEXT = {None: "Otomatis", "program": "Program", "kegiatan": "Kegiatan"}
MAX_ROWS = 3000


def _period(session: Session, office_id: int, year: int) -> RenstraPeriod:
    p = renja.period_of(session, office_id, int(year))
    if p is None:
        raise InvalidInput(f"Tidak ada periode Renstra yang mencakup tahun {year}. Tambahkan periode Renstra di "
                           "Data Induk atau pilih tahun di dalam periode Renstra.")
    return p


def _num(value: Optional[Decimal]) -> Any:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


# --- templates -------------------------------------------------------------------------------------------------


def template(kind: str, session: Session, office_id: int, year: int) -> bytes:
    p = _period(session, office_id, year)
    wb = Workbook()
    help_ws = wb.active
    help_ws.title = "Petunjuk"
    if kind == RENSTRA:
        ind = wb.create_sheet(IND_SHEET)
        _header(ind, IND_SHEET)
        links: dict[int, list[str]] = {}
        for ind_id, code in session.execute(
                select(Indicator.id, BudgetLine.code).join(BudgetLine.indicators)
                .where(Indicator.office_id == office_id, BudgetLine.year == int(year)).order_by(BudgetLine.code)):
            links.setdefault(ind_id, []).append(code)
        for i in session.scalars(select(Indicator).join(Sasaran, Indicator.sasaran_id == Sasaran.id)
                                 .where(Indicator.office_id == office_id, Sasaran.period_id == p.id,
                                        Indicator.active.is_(True))
                                 .order_by(Sasaran.sort_order, Indicator.sort_order, Indicator.id)):
            _append(ind, [i.code, i.name, _num(i.renstra_target), LEVEL_TEXT[i.renja_level],
                          ", ".join(links.get(i.id, []))])
        dv = DataValidation(type="list", formula1='"Otomatis,Program,Kegiatan"', showErrorMessage=True,
                            error="Pilih Otomatis, Program atau Kegiatan.", errorTitle="Isian tidak sah")
        ind.add_data_validation(dv)
        dv.add(f"D2:D{max(ind.max_row, 2) + 500}")
        fund = wb.create_sheet(FUND_SHEET)
        _header(fund, FUND_SHEET)
        for r in mr.list_renstra_budgets(session, office_id, p.id, exact=True).to_dict("records"):
            _append(fund, [r["kode"], r["nama"], _num(r["pagu_akhir"])])
        for r in range(2, fund.max_row + 1):
            fund.cell(r, 3).number_format = "#,##0"
        lines = [f"Petunjuk pengisian templat Renstra — {p.name} ({p.start_year}–{p.end_year})", "",
                 f"Lembar '{IND_SHEET}': satu baris per indikator.",
                 "• Target Renstra akhir periode: target indikator pada akhir periode Renstra (angka; format "
                 "Indonesia boleh, misalnya 1.250 atau 73,5). Sel kosong mengosongkan target.",
                 "• Tingkat pada Renja: Program (outcome), Kegiatan (output), atau Otomatis (mengikuti baris DPA "
                 "yang terkait).",
                 f"• Kode DPA terkait: kode sub kegiatan, kegiatan atau program pada DPA tahun {year} yang diukur "
                 "indikator ini, dipisahkan koma. Sel kosong melepas semua kaitan indikator itu pada tahun "
                 f"{year}.", "",
                 f"Lembar '{FUND_SHEET}': pagu akhir periode Renstra (rupiah) per program dan kegiatan.", "",
                 "Bila ada satu saja masalah, tidak ada data yang disimpan: perbaiki baris yang disebut di "
                 "pratinjau, lalu unggah kembali. Mengunggah berkas yang sama lagi tidak mengubah apa pun."]
    else:
        ws = wb.create_sheet(REAL_SHEET)
        _header(ws, REAL_SHEET)
        years = mr.prior_years(session, office_id, p.id)
        for y in years:
            for r in mr.list_prior_indicators(session, office_id, y, exact=True).to_dict("records"):
                _append(ws, [y, r["kode"], None, _num(r["realisasi"]), None, r["sumber"]])
            for r in mr.list_prior_budgets(session, office_id, y, p.id, exact=True).to_dict("records"):
                _append(ws, [y, None, r["kode"], None, _num(r["realisasi"]), r["sumber"]])
        for r in range(2, ws.max_row + 1):
            ws.cell(r, 5).number_format = "#,##0"
        first = mr.first_round_year(session, office_id)
        lines = [f"Petunjuk pengisian realisasi tahun sebelum aplikasi — {p.name}", "",
                 "Satu baris per tahun dan per indikator (Kode Indikator, Realisasi K) atau per program/kegiatan "
                 "(Kode Program/Kegiatan, Realisasi Rp). Isi salah satu kode saja pada satu baris.",
                 "Tahun yang sudah memiliki pengumpulan data di aplikasi"
                 + (f" (sejak {first})" if first else "") + " dihitung dari data triwulan dan tidak dapat diimpor.",
                 "Angka boleh ditulis sebagai angka Excel atau teks format Indonesia: 1.250.000 atau 73,5.",
                 "Sel realisasi kosong menghapus realisasi yang tersimpan untuk tahun dan kode itu.", "",
                 "Bila ada satu saja masalah, tidak ada data yang disimpan: perbaiki baris yang disebut di "
                 "pratinjau, lalu unggah kembali."]
    for i, line in enumerate(lines, start=1):
        set_text_cell(help_ws.cell(i, 1), line)
    help_ws["A1"].font = Font(bold=True, size=13)
    help_ws.column_dimensions["A"].width = 110
    wb.active = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header(ws: Any, sheet: str) -> None:
    from core.imports.templates import HEADER_FILL

    for j, (_k, title, _r) in enumerate(COLUMNS[sheet], start=1):
        c = set_text_cell(ws.cell(1, j), title)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[c.column_letter].width = 55 if _k == "name" else 24
    ws.freeze_panes = "B2"


def _append(ws: Any, values: list[Any]) -> None:
    row = ws.max_row + 1
    for col, value in enumerate(values, start=1):
        set_text_cell(ws.cell(row, col), value)


# --- reading a file --------------------------------------------------------------------------------------------


def _sheet_rows(book: workbook_read.BookRows, sheet: str) -> tuple[dict[str, int], list[tuple[int, tuple]]]:
    """The column index by key and the non-empty data rows (with their Excel row number) of one sheet."""
    rows = [(n, tuple(unneutralise(v) for v in row)) for n, row in enumerate(book.rows.get(sheet, []), start=1)
            if not all(v is None or (isinstance(v, str) and not v.strip()) for v in row)]
    if not rows:
        raise InvalidInput(f"Lembar '{sheet}' kosong. Isi data di bawah baris judul kolom.")
    if len(rows) > MAX_ROWS + 1:
        raise InvalidInput(f"Lembar '{sheet}' berisi lebih dari {MAX_ROWS} baris data. Bagi menjadi beberapa berkas.")
    header_row, header = rows[0]
    index = column_index(COLUMNS[sheet], header, header_row, sheet)
    return index, rows[1:]


def _cell(row: tuple, index: dict[str, int], key: str) -> Any:
    i = index.get(key)
    if i is None or i >= len(row):
        return None
    v = row[i]
    return None if isinstance(v, str) and not v.strip() else v


def parse(kind: str, data: bytes, session: Session, office_id: int, year: int) -> Any:
    """Read an uploaded Renstra / Realisasi workbook into a core.imports.preview.Preview: file faults raise
    InvalidInput (within core.workbook_read's limits), row faults are listed with their sheet, row and column."""
    from core.imports.preview import Preview, Problem

    p = _period(session, office_id, year)
    wanted = SHEETS[kind]
    book = workbook_read.read(data, wanted)
    missing = [s for s in wanted if s not in book.sheetnames]
    if missing:
        raise InvalidInput(f"Lembar {', '.join(repr(s) for s in missing)} tidak ditemukan. Lembar yang ada: "
                           f"{', '.join(book.sheetnames)}. Gunakan templat {KIND_LABELS[kind]} yang diunduh dari "
                           "halaman ini dan jangan mengganti nama lembarnya.")
    problems: list[Any] = []
    items: list[dict[str, Any]] = []

    def problem(r: int, sheet: str, column: str, message: str) -> None:
        problems.append(Problem(r, f"{sheet}: {column}", message))

    def check(r: int, sheet: str, column: str, fn, *args):
        try:
            return fn(*args), True
        except KinerjaError as err:
            problem(r, sheet, column, str(err))
            return None, False

    if kind == RENSTRA:
        indicators = {i.code.upper(): i for i in session.scalars(
            select(Indicator).where(Indicator.office_id == office_id))}
        links: dict[int, str] = {}
        for ind_id, code in session.execute(
                select(Indicator.id, BudgetLine.code).join(BudgetLine.indicators)
                .where(Indicator.office_id == office_id, BudgetLine.year == int(year)).order_by(BudgetLine.code)):
            links[ind_id] = ", ".join(filter(None, [links.get(ind_id, ""), code]))
        index, rows = _sheet_rows(book, IND_SHEET)
        seen: dict[str, int] = {}
        for r, row in rows:
            before = len(problems)
            code = parse_text(_cell(row, index, "code")).upper()
            ind = indicators.get(code)
            if not code:
                problem(r, IND_SHEET, "Kode Indikator", "wajib diisi.")
            elif ind is None:
                problem(r, IND_SHEET, "Kode Indikator", f"kode indikator '{code}' tidak dikenal. Gunakan kode dari "
                        "templat atau tambahkan indikatornya di Data Induk lebih dahulu.")
            elif code in seen:
                problem(r, IND_SHEET, "Kode Indikator", f"indikator {code} muncul lebih dari sekali (juga di baris "
                        f"{seen[code]}).")
            else:
                seen[code] = r
            label = code or f"baris {r}"
            target, _ok = check(r, IND_SHEET, "Target Renstra akhir periode", mr._non_negative,
                                _cell(row, index, "target"), f"Target Renstra akhir periode {label}")
            level, _ok = check(r, IND_SHEET, "Tingkat pada Renja", mr._level, _cell(row, index, "level"), label)
            dpa = None
            if "dpa" in index:
                dpa = ", ".join(b.code for b in sorted(
                    check(r, IND_SHEET, "Kode DPA terkait", mr.lines_of_codes, session, office_id, year,
                          _cell(row, index, "dpa"), f"Kode DPA terkait {label}")[0] or [], key=lambda b: b.code))
            if len(problems) > before or ind is None:
                continue
            current_links = links.get(ind.id, "")
            changed = [k for k, old, new in (("renstra_target", ind.renstra_target, target),
                                             ("renja_level", ind.renja_level, level)) if not mr._equal(old, new)]
            if dpa is not None and dpa != current_links:
                changed.append("links")
            items.append({"row": r, "sheet": IND_SHEET, "action": "ubah" if changed else "tetap", "code": ind.code,
                          "name": ind.name, "year": int(year), "indicator_id": ind.id, "version": 0,
                          "values": {"target_renstra": target, "tingkat_renja": level or "otomatis"},
                          "links": dpa if "links" in changed else None, "changed": changed,
                          "shown": f"{number(target, 4) if target is not None else '–'} · "
                                   f"{LEVEL_TEXT[level]} · DPA: {dpa if dpa is not None else current_links or '–'}"})
        index, rows = _sheet_rows(book, FUND_SHEET)
        saved = {r["kode"]: r for r in mr.list_renstra_budgets(session, office_id, p.id, exact=True)
                 .to_dict("records")}
        seen = {}
        for r, row in rows:
            before = len(problems)
            code = parse_text(_cell(row, index, "code"))
            if not code:
                problem(r, FUND_SHEET, "Kode", "wajib diisi.")
            elif len(code) > 60:
                problem(r, FUND_SHEET, "Kode", "terlalu panjang (paling banyak 60 karakter).")
            elif code in seen:
                problem(r, FUND_SHEET, "Kode", f"kode {code} muncul lebih dari sekali (juga di baris {seen[code]}).")
            else:
                seen[code] = r
            name = parse_text(_cell(row, index, "name"))
            if len(name) > 300:
                problem(r, FUND_SHEET, "Nama", "terlalu panjang (paling banyak 300 karakter).")
            pagu, _ok = check(r, FUND_SHEET, "Pagu akhir periode (Rp)", mr._rupiah, _cell(row, index, "pagu"),
                              f"Pagu akhir periode Renstra {code or f'baris {r}'}")
            if len(problems) > before:
                continue
            current = saved.get(code)
            if current is None and pagu is None:
                continue  # nothing to keep
            old_name = current["nama"] if current else ""
            changed = current is None or not mr._equal(current["pagu_akhir"], pagu) or (name and name != old_name)
            items.append({"row": r, "sheet": FUND_SHEET, "code": code, "name": name or old_name, "year": int(year),
                          "action": "baru" if current is None or current["versi"] == 0 else
                          ("ubah" if changed else "tetap"),
                          "version": int(current["versi"]) if current else 0,
                          "values": {"pagu_akhir": pagu, **({"nama": name} if name else {})},
                          "shown": money(pagu) if pagu is not None else "–"})
    else:
        first = mr.first_round_year(session, office_id)
        indicators = {i.code.upper(): i for i in session.scalars(
            select(Indicator).where(Indicator.office_id == office_id))}
        index, rows = _sheet_rows(book, REAL_SHEET)
        seen_rows: dict[tuple[int, str], int] = {}
        saved_cache: dict[int, tuple[dict, dict]] = {}
        for r, row in rows:
            before = len(problems)
            y_raw = _cell(row, index, "year")
            y: Optional[int] = None
            try:
                d = parse_number(y_raw, "Tahun") if y_raw is not None else None
                if d is None or d != d.to_integral_value() or not 2000 <= d <= 2100:
                    raise ValueError
                y = int(d)
            except (KinerjaError, ValueError):
                problem(r, REAL_SHEET, "Tahun", f"'{y_raw if y_raw is not None else ''}' bukan tahun yang sah; tulis "
                        "empat angka, misalnya 2023.")
            if y is not None and first is not None and y >= first:
                problem(r, REAL_SHEET, "Tahun", f"realisasi tahun {y} dihitung dari data triwulan di aplikasi "
                        f"(pengumpulan data sejak {first}); hanya tahun sebelum {first} yang diimpor.")
                y = None
            ind_code = parse_text(_cell(row, index, "indicator")).upper()
            code = parse_text(_cell(row, index, "code"))
            value_raw, amount_raw = _cell(row, index, "value"), _cell(row, index, "amount")
            ind = None
            if ind_code and code:
                problem(r, REAL_SHEET, "Kode Indikator", "isi Kode Indikator atau Kode Program/Kegiatan, tidak "
                        "keduanya.")
            elif not ind_code and not code:
                problem(r, REAL_SHEET, "Kode Indikator", "isi Kode Indikator (realisasi K) atau Kode "
                        "Program/Kegiatan (realisasi Rp).")
            elif ind_code:
                ind = indicators.get(ind_code)
                if ind is None:
                    problem(r, REAL_SHEET, "Kode Indikator", f"kode indikator '{ind_code}' tidak dikenal.")
                if amount_raw is not None:
                    problem(r, REAL_SHEET, "Realisasi Rp", "baris indikator diisi Realisasi K, bukan Realisasi Rp.")
            else:
                if len(code) > 60:
                    problem(r, REAL_SHEET, "Kode Program/Kegiatan", "terlalu panjang (paling banyak 60 karakter).")
                if value_raw is not None:
                    problem(r, REAL_SHEET, "Realisasi K", "baris program/kegiatan diisi Realisasi Rp, bukan "
                            "Realisasi K.")
            label = ind_code or code or f"baris {r}"
            if ind_code:
                value, _ok = check(r, REAL_SHEET, "Realisasi K", mr._non_negative, value_raw, f"Realisasi {label}")
            else:
                value, _ok = check(r, REAL_SHEET, "Realisasi Rp", mr._rupiah, amount_raw, f"Realisasi {label} (Rp)")
            source = parse_text(_cell(row, index, "source"))
            if len(source) > 200:
                problem(r, REAL_SHEET, "Sumber", "terlalu panjang (paling banyak 200 karakter).")
            if y is not None and (ind_code or code):
                key = (y, ind_code or code)
                if key in seen_rows:
                    problem(r, REAL_SHEET, "Kode Indikator" if ind_code else "Kode Program/Kegiatan",
                            f"{label} tahun {y} muncul lebih dari sekali (juga di baris {seen_rows[key]}).")
                else:
                    seen_rows[key] = r
            if len(problems) > before or y is None:
                continue
            if y not in saved_cache:
                k_rows = mr.list_prior_indicators(session, office_id, y, exact=True)
                rp_rows = mr.list_prior_budgets(session, office_id, y, p.id, exact=True)
                saved_cache[y] = ({int(i): rec for i, rec in zip(k_rows["id"], k_rows.to_dict("records"))},
                                  {rec["kode"]: rec for rec in rp_rows.to_dict("records")})
            by_ind, by_code = saved_cache[y]
            if code and code not in by_code:
                problem(r, REAL_SHEET, "Kode Program/Kegiatan", f"kode '{code}' bukan program atau kegiatan pada DPA "
                        f"periode {p.name} maupun pada Target Renstra (Rp).")
                continue
            current = by_ind[ind.id] if ind is not None else by_code[code]
            old, old_source, version = current["realisasi"], current["sumber"] or "", int(current["versi"])
            if version == 0 and value is None:
                continue  # nothing stored, nothing given
            if version == 0:
                action = "baru"
            elif value is None:
                action = "hapus"
            else:
                action = "ubah" if not mr._equal(old, value) or (source and source != old_source) else "tetap"
            items.append({"row": r, "sheet": REAL_SHEET, "code": ind.code if ind else code, "year": y,
                          "name": ind.name if ind else current["nama"], "indicator_id": ind.id if ind else None,
                          "version": version, "action": action,
                          "values": {"realisasi": value, **({"sumber": source} if source else {})},
                          "shown": (number(value, 4) if ind else money(value)) if value is not None else "(dihapus)"})
    if not items and not problems:
        problems.append(Problem(0, "", "Berkas ini tidak berisi baris data yang dapat diimpor."))
    return Preview(
        kind=kind, office_id=office_id, year=int(year), rows=_rows_frame(items),
        problems=[x.as_tuple() for x in problems], warnings=[],
        inserts=sum(1 for i in items if i["action"] == "baru"),
        updates=sum(1 for i in items if i["action"] in ("ubah", "hapus")),
        unchanged=sum(1 for i in items if i["action"] == "tetap"),
        data=data, items=items)


ACTION_LABELS = {"baru": "Baru", "ubah": "Diubah", "hapus": "Dihapus", "tetap": "Tidak berubah"}


def _rows_frame(items: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([{"Lembar": it["sheet"], "Baris": it["row"], "Tindakan": ACTION_LABELS[it["action"]],
                          "Tahun": it["year"] if it["sheet"] == REAL_SHEET else "", "Kode": it["code"],
                          "Uraian": it["name"], "Nilai": it["shown"]} for it in items],
                        columns=["Lembar", "Baris", "Tindakan", "Tahun", "Kode", "Uraian", "Nilai"])


# --- the commit ------------------------------------------------------------------------------------------------


def apply(session: Session, actor: Actor, preview: Any) -> None:
    """Write a fresh preview (no problems) through core.masterdata.renstra, all in the caller's transaction."""
    office_id, year = preview.office_id, preview.year
    require(session, actor, "masterdata.manage", office_id=office_id)
    if preview.problems:
        raise InvalidInput("Impor dibatalkan: berkas masih bermasalah. Tidak ada data yang disimpan.")
    todo = [it for it in preview.items if it["action"] != "tetap"]
    if preview.kind == RENSTRA:
        inds = {it["indicator_id"]: it for it in todo if it["sheet"] == IND_SHEET}
        values = {i: {k: v for k, v in it["values"].items()
                      if {"target_renstra": "renstra_target", "tingkat_renja": "renja_level"}[k] in it["changed"]}
                  for i, it in inds.items()}
        if any(values.values()):
            mr.save_indicator_renstra(session, actor, office_id, {i: v for i, v in values.items() if v})
        for i, it in inds.items():
            if it["links"] is not None:
                mr.set_indicator_links(session, actor, office_id, year, i, it["links"])
        funds = {it["code"]: it for it in todo if it["sheet"] == FUND_SHEET}
        if funds:
            p = _period(session, office_id, year)
            mr.save_renstra_budgets(session, actor, office_id, p.id, {c: it["values"] for c, it in funds.items()},
                                    {c: it["version"] for c, it in funds.items()})
        return
    by_year: dict[int, list[dict[str, Any]]] = {}
    for it in todo:
        by_year.setdefault(it["year"], []).append(it)
    for y, its in sorted(by_year.items()):
        mr.save_prior_realisations(
            session, actor, office_id, y,
            indicators={it["indicator_id"]: it["values"] for it in its if it["indicator_id"] is not None},
            codes={it["code"]: it["values"] for it in its if it["indicator_id"] is None},
            indicator_versions={it["indicator_id"]: it["version"] for it in its if it["indicator_id"] is not None},
            code_versions={it["code"]: it["version"] for it in its if it["indicator_id"] is None})
