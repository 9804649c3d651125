"""The unit workbook of SOP step 3: the unit's quarter as an Excel file to fill offline, read back as a
preview of changes, and applied through the same save as the entry grid (core.entry)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from sqlalchemy.orm import Session

from core import entry, workbook_read
from core.actor import Actor
from core.errors import InvalidInput, KinerjaError
from core.exports import neutralise, set_text_cell, unneutralise
from core.fmt import number
from core.parsing import parse_number, parse_text
from core.steps import isi_data

IND_SHEET = "Indikator"
BUDGET_SHEET = "Anggaran"
INFO_SHEET = "Info"
# the hidden Info sheet's rows, in words a person who opens it can read (the English keys of older workbooks are
# still read)
INFO_LABELS = {"submission_id": "Nomor isian (jangan diubah)", "unit": "Unit kerja", "triwulan": "Triwulan"}
HEADER_ROW = 4
# workbook header → the grid column of core.entry (same names, same rules)
IND_ENTRY = ("Realisasi TW", "Alasan tidak diukur", "Catatan", "Faktor pendorong", "Kendala", "Tindak lanjut")
# columns a workbook downloaded before they were added does not have: absent, they are left as they are
IND_OPTIONAL = frozenset({"Faktor pendorong"})
IND_HEADERS = ("No", "Kode", "Sasaran", "Indikator", "Satuan", "Target tahunan (PK)", "Target TW (RA)",
               *IND_ENTRY, "versi")
BUDGET_HEADERS = ("Kode", "Program", "Kegiatan", "Sub kegiatan", "Pagu", "Realisasi s.d. TW lalu",
                  "Realisasi TW", "versi")
ENTRY_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")


def _num(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    d = Decimal(str(value))
    return int(d) if d == d.to_integral_value() else float(d)


def _text(value: Any) -> str:
    """A text cell as entered: the apostrophe the writer rule put in front of formula-like text comes off."""
    return parse_text(unneutralise(value))


def unit_workbook(session: Session, actor: Actor, submission_id: int) -> bytes:
    """The unit's indicators and DPA lines for the quarter: targets locked, entry cells unlocked."""
    view = entry.submission_view(session, actor, submission_id)
    grid = entry.entry_table(session, actor, submission_id)
    budget = entry.budget_table(session, actor, submission_id)
    wb = Workbook()
    ws = wb.active
    ws.title = IND_SHEET
    title = f"Lembar Kerja Data Kinerja {view.round_label} — {view.unit_name}"
    set_text_cell(ws["A1"], title)
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = ("Isi hanya sel berwarna kuning (Realisasi TW, Alasan tidak diukur, Catatan, Faktor pendorong, Kendala, "
                "Tindak lanjut). Faktor pendorong wajib bila capaian mencapai target; Kendala dan Tindak lanjut bila di "
                "bawah target. "
                "Target terkunci. Angka boleh ditulis 12,5 atau 1.250. Unggah kembali di halaman Isi Data Kinerja.")
    ws["A3"] = f"Tenggat: {view.deadline_label}"
    _header(ws, IND_HEADERS)
    for i, (_, r) in enumerate(grid.iterrows(), start=HEADER_ROW + 1):
        values = [r["No"], r["Kode"], r["Sasaran"], r["Indikator"], r["Satuan"], _num(r["Target tahunan (PK)"]),
                  _num(r["Target TW (RA)"]), _num(r["Realisasi TW"]), r["Alasan tidak diukur"], r["Catatan"],
                  r["Faktor pendorong"], r["Kendala"], r["Tindak lanjut"], int(r["version"])]
        for j, v in enumerate(values, start=1):
            cell = set_text_cell(ws.cell(i, j), v)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if IND_HEADERS[j - 1] in IND_ENTRY:
                cell.protection = Protection(locked=False)
                cell.fill = ENTRY_FILL
    widths = (5, 12, 30, 45, 10, 14, 14, 14, 25, 25, 30, 30, 30, 6)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(HEADER_ROW, j).column_letter].width = w
    ws.column_dimensions[ws.cell(HEADER_ROW, len(IND_HEADERS)).column_letter].hidden = True
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 5)
    _protect(ws)

    # a unit without DPA lines of the year (a JFT group) gets no budget sheet: nothing to ask it for
    bs = wb.create_sheet(BUDGET_SHEET) if len(budget) else None
    if bs is not None:
        _budget_sheet(bs, view, budget)

    info = wb.create_sheet(INFO_SHEET)
    for k, v in ((INFO_LABELS["submission_id"], submission_id), (INFO_LABELS["unit"], view.unit_name),
                 (INFO_LABELS["triwulan"], view.round_label)):
        info.append([k, neutralise(v)])
    info.sheet_state = "hidden"
    _protect(info)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _budget_sheet(bs: Any, view: Any, budget: Any) -> None:
    set_text_cell(bs["A1"], f"Realisasi Anggaran {view.round_label} — {view.unit_name}")
    bs["A1"].font = Font(bold=True, size=13)
    bs["A2"] = "Isi kolom Realisasi TW (rupiah, triwulan ini saja). Pagu dan realisasi sebelumnya terkunci."
    _header(bs, BUDGET_HEADERS)
    for i, (_, r) in enumerate(budget.iterrows(), start=HEADER_ROW + 1):
        values = [r["Kode"], r["Program"], r["Kegiatan"], r["Sub kegiatan"], _num(r["Pagu"]),
                  _num(r["Realisasi s.d. TW lalu"]), _num(r["Realisasi TW"]), int(r["version"])]
        for j, v in enumerate(values, start=1):
            cell = set_text_cell(bs.cell(i, j), v)
            if BUDGET_HEADERS[j - 1] in ("Pagu", "Realisasi s.d. TW lalu", "Realisasi TW"):
                cell.number_format = "#,##0"
            if BUDGET_HEADERS[j - 1] == "Realisasi TW":
                cell.protection = Protection(locked=False)
                cell.fill = ENTRY_FILL
    for j, w in enumerate((20, 35, 35, 45, 18, 18, 18, 6), start=1):
        bs.column_dimensions[bs.cell(HEADER_ROW, j).column_letter].width = w
    bs.column_dimensions[bs.cell(HEADER_ROW, len(BUDGET_HEADERS)).column_letter].hidden = True
    _protect(bs)


def _header(ws: Any, headers: tuple[str, ...]) -> None:
    for j, h in enumerate(headers, start=1):
        c = set_text_cell(ws.cell(HEADER_ROW, j), h)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")


def _protect(ws: Any) -> None:
    ws.protection.sheet = True
    ws.protection.formatCells = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


@dataclass
class WorkbookPreview:
    """The changes an uploaded unit workbook would make, and what stops it."""

    changes: pd.DataFrame  # Kode, Indikator / Uraian, Kolom, Sebelum, Sesudah
    errors: list[str]
    indicator_changes: dict[int, dict[str, Any]] = field(default_factory=dict)
    indicator_versions: dict[int, int] = field(default_factory=dict)
    budget_changes: dict[int, Any] = field(default_factory=dict)
    budget_versions: dict[int, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def count(self) -> int:
        return len(self.changes)


def _rows(rows: list[tuple[Any, ...]], headers: tuple[str, ...], sheet: str,
          errors: list[str], optional: frozenset[str] = frozenset()) -> list[tuple[int, dict[str, Any]]]:
    """The sheet's rows under its header row, by header; an `optional` header the sheet lacks is left out of
    the rows (an older workbook), a missing required one is an error."""
    if len(rows) < HEADER_ROW:
        errors.append(f"Lembar '{sheet}' tidak lengkap: judul kolom tidak ditemukan pada baris {HEADER_ROW}.")
        return []
    found = {(str(h).strip() if h is not None else ""): i for i, h in enumerate(rows[HEADER_ROW - 1])}
    missing = [h for h in headers if h not in found and h not in optional]
    headers = tuple(h for h in headers if h in found)
    if missing:
        errors.append(f"Lembar '{sheet}': kolom {', '.join(missing)} tidak ditemukan pada baris {HEADER_ROW}. "
                      "Unduh lembar kerja baru dan jangan mengubah judul kolom.")
        return []
    out = []
    for n, row in enumerate(rows[HEADER_ROW:], start=HEADER_ROW + 1):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        out.append((n, {h: (row[found[h]] if found[h] < len(row) else None) for h in headers}))
    return out


def _same_number(a: Any, b: Optional[Decimal]) -> bool:
    if a is None or (isinstance(a, float) and a != a):
        return b is None
    return b is not None and Decimal(str(a)) == b


def parse_unit_workbook(session: Session, actor: Actor, submission_id: int, data: bytes) -> WorkbookPreview:
    """Read an uploaded unit workbook against the submission as it is now: what would change, what is wrong."""
    grid = entry.entry_table(session, actor, submission_id)
    budget = entry.budget_table(session, actor, submission_id)
    book = workbook_read.read(data, (IND_SHEET, BUDGET_SHEET, INFO_SHEET))  # bounded; faults are InvalidInput
    errors: list[str] = []
    records: list[dict[str, Any]] = []
    ind_changes: dict[int, dict[str, Any]] = {}
    ind_versions: dict[int, int] = {}
    bud_changes: dict[int, Any] = {}
    bud_versions: dict[int, int] = {}
    missing = [s for s in (IND_SHEET, INFO_SHEET) if s not in book.sheetnames]
    if missing:
        raise InvalidInput(f"Berkas ini bukan lembar kerja unit dari aplikasi (lembar {', '.join(missing)} "
                           "tidak ada). Unduh lembar kerja dari halaman Isi Data Kinerja.")
    info = {str(r[0]): unneutralise(r[1]) for r in book.rows[INFO_SHEET] if r and r[0] is not None}
    info = {key: info.get(label, info.get(key)) for key, label in INFO_LABELS.items()}
    try:
        book_id = int(info.get("submission_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        book_id = None
    if book_id != submission_id:
        raise InvalidInput(f"Lembar kerja ini untuk {info.get('unit') or 'unit lain'} "
                           f"{info.get('triwulan') or ''}, bukan untuk data yang sedang dibuka. "
                           "Unggah lembar kerja milik unit dan triwulan ini.".replace("  ", " "))
    by_code = {r["Kode"]: r for _, r in grid.iterrows()}
    seen: set[str] = set()
    for n, row in _rows(book.rows[IND_SHEET], IND_HEADERS, IND_SHEET, errors, IND_OPTIONAL):
        code = _text(row["Kode"])
        where = f"Lembar {IND_SHEET} baris {n}"
        current = by_code.get(code)
        if current is None:
            errors.append(f"{where}: kode indikator '{code}' bukan indikator unit ini.")
            continue
        if code in seen:
            errors.append(f"{where}: indikator {code} muncul lebih dari sekali.")
            continue
        seen.add(code)
        ind_id = int(current["indicator_id"])
        fields: dict[str, Any] = {}
        raw = row["Realisasi TW"]
        try:
            value = parse_number(raw, label=f"{where}, {code} Realisasi TW")
        except KinerjaError as err:
            errors.append(str(err))
            value = None
            raw = "__error__"
        if raw != "__error__" and not _same_number(current["Realisasi TW"], value):
            fields["Realisasi TW"] = value
            records.append({"Kode": code, "Uraian": current["Indikator"], "Kolom": "Realisasi TW",
                            "Sebelum": number(_dec(current["Realisasi TW"]), 4),
                            "Sesudah": number(value, 4)})
        for col in IND_ENTRY[1:]:
            if col not in row:  # a column the workbook predates
                continue
            new = _text(row[col])
            old = _text(current[col])
            if new != old:
                fields[col] = new
                records.append({"Kode": code, "Uraian": current["Indikator"], "Kolom": col,
                                "Sebelum": old or "–", "Sesudah": new or "–"})
        if fields:
            ind_changes[ind_id] = fields
            version = row["versi"]
            ind_versions[ind_id] = int(version) if isinstance(version, (int, float)) else int(current["version"])
    if BUDGET_SHEET in book.sheetnames and len(budget):
        by_line = {r["Kode"]: r for _, r in budget.iterrows()}
        for n, row in _rows(book.rows[BUDGET_SHEET], BUDGET_HEADERS, BUDGET_SHEET, errors):
            code = _text(row["Kode"])
            where = f"Lembar {BUDGET_SHEET} baris {n}"
            current = by_line.get(code)
            if current is None:
                errors.append(f"{where}: kode rekening '{code}' bukan baris DPA unit ini.")
                continue
            try:
                amount = parse_number(row["Realisasi TW"], label=f"{where}, {code} Realisasi TW")
            except KinerjaError as err:
                errors.append(str(err))
                continue
            if not _same_number(current["Realisasi TW"], amount):
                line_id = int(current["budget_line_id"])
                bud_changes[line_id] = amount
                version = row["versi"]
                bud_versions[line_id] = (int(version) if isinstance(version, (int, float))
                                         else int(current["version"]))
                records.append({"Kode": code, "Uraian": current["Sub kegiatan"], "Kolom": "Realisasi anggaran TW",
                                "Sebelum": number(_dec(current["Realisasi TW"]), 2),
                                "Sesudah": number(amount, 2)})
    return WorkbookPreview(
        changes=pd.DataFrame(records, columns=["Kode", "Uraian", "Kolom", "Sebelum", "Sesudah"]), errors=errors,
        indicator_changes=ind_changes, indicator_versions=ind_versions, budget_changes=bud_changes,
        budget_versions=bud_versions)


def _dec(value: Any) -> Optional[Decimal]:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return Decimal(str(value))


@dataclass(frozen=True)
class ApplyResult:
    indicators: int
    budget_lines: int


def apply_unit_workbook(session: Session, actor: Actor, submission_id: int, data: bytes) -> ApplyResult:
    """Apply an uploaded unit workbook through core.entry's saves (same checks, locking and audit), all or
    nothing. A value changed in the app since the workbook was downloaded stops the whole upload."""
    preview = parse_unit_workbook(session, actor, submission_id, data)
    if preview.errors:
        raise InvalidInput("Lembar kerja belum diterapkan. Perbaiki: " + " ".join(preview.errors), preview.errors)
    ind = bud = 0
    if preview.indicator_changes:
        ind = isi_data.save_entries(session, actor, submission_id, preview.indicator_changes,
                                 preview.indicator_versions).changed
    if preview.budget_changes:
        bud = isi_data.save_budget(session, actor, submission_id, preview.budget_changes,
                                preview.budget_versions).changed
    return ApplyResult(indicators=ind, budget_lines=bud)


def workbook_name(session: Session, actor: Actor, submission_id: int) -> str:
    view = entry.submission_view(session, actor, submission_id)
    unit = "".join(c if c.isalnum() else "_" for c in view.unit_name)[:40]
    return f"lembar_kerja_{unit}_{view.round_label.replace(' ', '_')}.xlsx"

