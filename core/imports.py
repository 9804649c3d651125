"""Excel import of the planning documents: Perjanjian Kinerja (annual targets), Rencana Aksi (quarterly
targets) and DPA (budget lines) — templates, a preview listing every problem, and an all-or-nothing commit.

Natural keys: indicator code + year for PK/RA, budget code + year for DPA; importing a file again
updates the rows instead of duplicating them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional, Union

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import masterdata, workbook_read
from core.actor import Actor
from core.errors import Conflict, InvalidInput, KinerjaError
from core.exports import set_text_cell, unneutralise
from core.parsing import parse_number, parse_text
from core.permissions import require
from db.models import BudgetLine, Indicator, OrgUnit, Sasaran, Target

KINDS = ("PK", "RA", "DPA")
KIND_LABELS = {
    "PK": "Perjanjian Kinerja (target tahunan)",
    "RA": "Rencana Aksi (target triwulan)",
    "DPA": "DPA/DPPA (pagu anggaran)",
}
MAX_FILE_BYTES = workbook_read.MAX_FILE_BYTES  # the limits of an uploaded file live in core.workbook_read
MAX_ROWS = 3000  # data rows of one document

# column key → header in the template; `required` columns must be present in an uploaded file
COLUMNS: dict[str, list[tuple[str, str, bool]]] = {
    "PK": [
        ("year", "Tahun", True),
        ("code", "Kode Indikator", True),
        ("name", "Nama Indikator", False),
        ("satuan", "Satuan", False),
        ("annual", "Target Tahunan", True),
        ("annual_upper", "Batas Atas Target", False),
        ("source", "Sumber Dokumen", False),
    ],
    "RA": [
        ("year", "Tahun", True),
        ("code", "Kode Indikator", True),
        ("name", "Nama Indikator", False),
        ("satuan", "Satuan", False),
        ("combine", "Akumulasi", False),
        ("annual", "Target Tahunan (PK)", False),
        ("q1", "Target TW I", True),
        ("q2", "Target TW II", True),
        ("q3", "Target TW III", True),
        ("q4", "Target TW IV", True),
        ("source", "Sumber Dokumen", False),
    ],
    "DPA": [
        ("year", "Tahun", True),
        ("code", "Kode Rekening", True),
        ("program", "Program", True),
        ("kegiatan", "Kegiatan", True),
        ("sub_kegiatan", "Sub Kegiatan", True),
        ("pagu", "Pagu", True),
        ("document", "Dokumen", False),
        ("unit", "Unit Pemilik", True),
    ],
}
COMBINE_TEXT = {"sum": "Kumulatif (jumlah TW I–IV = target tahunan)",
                "last": "Nilai terakhir (TW IV = target tahunan)",
                "avg": "Rata-rata (rerata TW I–IV = target tahunan)"}


@dataclass
class Problem:
    row: int  # the Excel row number (1 = header); 0 for the file as a whole
    column: str
    message: str

    def as_tuple(self) -> tuple[int, str, str]:
        return (self.row, self.column, self.message)


@dataclass
class Preview:
    """What an import would do: the rows with their action, the problems that block it, the counts."""

    kind: str
    office_id: int
    year: Optional[int]
    rows: pd.DataFrame
    problems: list[tuple[int, str, str]]
    warnings: list[tuple[int, str, str]] = field(default_factory=list)
    inserts: int = 0
    updates: int = 0
    unchanged: int = 0
    accept_mismatch: bool = False
    data: bytes = b""
    items: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def counts(self) -> dict[str, int]:
        return {"baru": self.inserts, "diubah": self.updates, "tetap": self.unchanged}

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.problems, columns=["Baris", "Kolom", "Masalah"])

    def warnings_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.warnings, columns=["Baris", "Kolom", "Peringatan"])


@dataclass(frozen=True)
class ImportResult:
    kind: str
    inserted: int
    updated: int
    unchanged: int


# --- templates --------------------------------------------------------------------------------------


HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
REF_FILL = PatternFill("solid", fgColor="E7E6E6")
ENTRY_FILL = PatternFill("solid", fgColor="FFF2CC")


def _check_kind(kind: str) -> str:
    k = (kind or "").upper()
    if k not in KINDS:
        raise InvalidInput(f"Jenis dokumen '{kind}' tidak dikenal. Pilih PK, RA atau DPA.")
    return k


def _indicators(session: Session, office_id: int) -> list[Indicator]:
    return list(session.scalars(
        select(Indicator).join(Sasaran, Indicator.sasaran_id == Sasaran.id)
        .where(Indicator.office_id == office_id, Indicator.active.is_(True))
        .order_by(Sasaran.sort_order, Indicator.sort_order)))


def _targets(session: Session, office_id: int, year: int) -> dict[int, Target]:
    return {t.indicator_id: t for t in session.scalars(
        select(Target).join(Indicator, Target.indicator_id == Indicator.id)
        .where(Indicator.office_id == office_id, Target.year == year))}


def _units(session: Session, office_id: int) -> list[OrgUnit]:
    return list(session.scalars(select(OrgUnit).where(OrgUnit.office_id == office_id, OrgUnit.active.is_(True),
                                                      OrgUnit.kind != "dinas").order_by(OrgUnit.sort_order)))


def _num(value: Optional[Decimal]) -> Any:
    """A Decimal as an Excel number (int when whole); Excel has no decimal type."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def template(kind: str, session: Session, office_id: int, year: int) -> bytes:
    """The Excel template of a planning document, pre-filled with the office's indicators (or DPA lines)."""
    kind = _check_kind(kind)
    year = int(year)
    cols = COLUMNS[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = kind
    lists = wb.create_sheet("Daftar")
    help_ws = wb.create_sheet("Petunjuk")
    _append(ws, [h for _k, h, _r in cols])
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = "C2"
    widths = {"year": 8, "code": 22, "name": 55, "satuan": 12, "combine": 20, "annual": 16, "annual_upper": 16,
              "q1": 13, "q2": 13, "q3": 13, "q4": 13, "source": 30, "program": 40, "kegiatan": 40,
              "sub_kegiatan": 50, "pagu": 20, "document": 10, "unit": 40}
    for i, (k, _h, _r) in enumerate(cols, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = widths.get(k, 15)

    units = _units(session, office_id)
    for i, u in enumerate(units, start=1):
        set_text_cell(lists.cell(i, 1), u.name)
    lists.cell(1, 2, "DPA")
    lists.cell(2, 2, "DPPA")
    inds = _indicators(session, office_id)
    for i, ind in enumerate(inds, start=1):
        set_text_cell(lists.cell(i, 3), ind.code)
    lists.sheet_state = "hidden"

    if kind in ("PK", "RA"):
        targets = _targets(session, office_id, year)
        for ind in inds:
            t = targets.get(ind.id)
            if kind == "PK":
                _append(ws, [year, ind.code, ind.name, ind.satuan, _num(t.annual) if t else None,
                           _num(t.annual_upper) if t else None,
                           (t.source_pk if t and t.source_pk else f"Perjanjian Kinerja Tahun {year}")])
            else:
                _append(ws, [year, ind.code, ind.name, ind.satuan, COMBINE_TEXT[ind.combine],
                           _num(t.annual) if t else None,
                           *[_num(t.quarter(q)) if t else None for q in (1, 2, 3, 4)],
                           (t.source_ra if t and t.source_ra else f"Rencana Aksi Tahun {year}")])
    else:
        for b in session.scalars(select(BudgetLine).where(BudgetLine.office_id == office_id, BudgetLine.year == year)
                                 .order_by(BudgetLine.code)):
            _append(ws, [year, b.code, b.program, b.kegiatan, b.sub_kegiatan, _num(b.pagu), b.document,
                       b.owner_unit.name])

    last = max(ws.max_row, 2)
    keys = [k for k, _h, _r in cols]
    letter = {k: ws.cell(1, i).column_letter for i, k in enumerate(keys, start=1)}
    entry = {"PK": ("annual", "annual_upper", "source"), "RA": ("q1", "q2", "q3", "q4", "source"),
             "DPA": ("year", "code", "program", "kegiatan", "sub_kegiatan", "pagu", "document", "unit")}[kind]
    for k in keys:
        fill = ENTRY_FILL if k in entry else REF_FILL
        for r in range(2, last + 1):
            ws[f"{letter[k]}{r}"].fill = fill
    span = f"2:{last + 500}"
    lo, hi = span.split(":")

    def add(dv: DataValidation, key: str) -> None:
        dv.error = dv.error or "Isian tidak sesuai. Lihat lembar Petunjuk."
        dv.errorTitle = "Isian tidak sah"
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
        dv.add(f"{letter[key]}{lo}:{letter[key]}{hi}")

    add(DataValidation(type="whole", operator="between", formula1="2000", formula2="2100",
                       error="Tahun harus angka empat digit, misalnya 2027."), "year")
    number_keys = {"PK": ("annual", "annual_upper"), "RA": ("q1", "q2", "q3", "q4"), "DPA": ("pagu",)}[kind]
    for k in number_keys:
        add(DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                           error="Isi angka 0 atau lebih, tanpa huruf."), k)
    if kind == "DPA":
        add(DataValidation(type="list", formula1="=Daftar!$B$1:$B$2", error="Pilih DPA atau DPPA."), "document")
        if units:
            add(DataValidation(type="list", formula1=f"=Daftar!$A$1:$A${len(units)}",
                               error="Pilih unit kerja dari daftar."), "unit")
    elif inds:
        add(DataValidation(type="list", formula1=f"=Daftar!$C$1:$C${len(inds)}",
                           error="Pilih kode indikator dari daftar."), "code")
    for k in number_keys:
        for r in range(2, last + 1):
            ws[f"{letter[k]}{r}"].number_format = "#,##0" if kind == "DPA" else "General"

    _help(help_ws, kind, year)
    wb.move_sheet("Petunjuk", offset=-2)
    wb.active = wb.sheetnames.index(kind)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _append(ws: Any, values: list[Any]) -> None:
    """A row of the template by the app's writer rule: text neutralised and stored as text, numbers as numbers."""
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for col, value in enumerate(values, start=1):
        set_text_cell(ws.cell(row, col), value)


def _help(ws: Any, kind: str, year: int) -> None:
    lines = [
        f"Petunjuk pengisian templat {KIND_LABELS[kind]} tahun {year}",
        "",
        f"1. Isi data pada lembar '{kind}'. Jangan mengganti nama lembar atau judul kolom pada baris pertama.",
        "2. Kolom berwarna kuning diisi; kolom abu-abu hanya rujukan dan tidak dibaca saat impor.",
        "3. Angka boleh ditulis sebagai angka Excel atau teks format Indonesia: 1.250.000.000 atau 12,5.",
        "4. Satu baris untuk satu kode per tahun. Kode yang sama tidak boleh muncul dua kali.",
        "5. Mengunggah berkas yang sama lagi memperbarui data yang ada, tidak membuat data ganda.",
        "6. Baris tanpa angka target dilewati. Sel kosong pada baris yang berisi angka mengosongkan target itu.",
        "7. Bila ada satu saja masalah, tidak ada data yang disimpan: perbaiki baris yang disebut di pratinjau,",
        "   lalu unggah kembali.",
        "",
    ]
    if kind == "PK":
        lines += [
            "Kolom:",
            "• Tahun: tahun Perjanjian Kinerja, misalnya 2027.",
            "• Kode Indikator: kode indikator dari Data Induk (sudah terisi).",
            "• Target Tahunan: target indikator tahun itu (wajib).",
            "• Batas Atas Target: hanya untuk target rentang, misalnya 4–5 %; kosongkan bila bukan rentang.",
            "• Sumber Dokumen: nomor/nama dokumen PK.",
        ]
    elif kind == "RA":
        lines += [
            "Kolom:",
            "• Tahun: tahun Rencana Aksi, misalnya 2027.",
            "• Kode Indikator: kode indikator dari Data Induk (sudah terisi).",
            "• Target TW I s.d. TW IV: target tiap triwulan.",
            "• Target Tahunan (PK) hanya rujukan; ubah melalui impor Perjanjian Kinerja.",
            "",
            "Aturan akumulasi (kolom Akumulasi):",
            "• Kumulatif: TW I + TW II + TW III + TW IV harus sama dengan target tahunan.",
            "• Nilai terakhir: target TW IV harus sama dengan target tahunan.",
            "• Rata-rata: rerata TW I–IV harus sama dengan target tahunan.",
            "Selisih ditampilkan sebagai peringatan; administrator dapat menerimanya sebelum menyimpan.",
        ]
    else:
        lines += [
            "Kolom:",
            "• Tahun: tahun anggaran, misalnya 2027.",
            "• Kode Rekening: kode sub kegiatan, misalnya 2.07.03.2.01.0001 (unik per tahun).",
            "• Program / Kegiatan / Sub Kegiatan: nomenklatur sesuai DPA.",
            "• Pagu: pagu anggaran dalam rupiah, 0 atau lebih, misalnya 1.250.000.000.",
            "• Dokumen: DPA, atau DPPA bila pagu berubah karena perubahan anggaran (pagu lama tetap tercatat).",
            "• Unit Pemilik: pilih dari daftar unit kerja.",
        ]
    for i, line in enumerate(lines, start=1):
        set_text_cell(ws.cell(i, 1), line)
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 110


# --- reading a file -------------------------------------------------------------------------------------


def _open_sheet(kind: str, data: bytes) -> list[tuple[int, tuple[Any, ...]]]:
    """The non-empty rows (with their Excel row number) of the document's sheet; header first.

    The file is checked and read within core.workbook_read's limits; every fault is an InvalidInput.
    """
    book = workbook_read.read(data, [kind])
    if kind not in book.sheetnames:
        other = [k for k in KINDS if k in book.sheetnames]
        hint = (f" Berkas ini tampaknya templat {other[0]}; pilih jenis dokumen yang sesuai." if other else
                " Gunakan templat yang diunduh dari halaman ini dan jangan mengganti nama lembarnya.")
        raise InvalidInput(f"Lembar '{kind}' tidak ditemukan. Lembar yang ada: "
                           f"{', '.join(book.sheetnames)}.{hint}")
    rows: list[tuple[int, tuple[Any, ...]]] = []
    for number, row in enumerate(book.rows[kind], start=1):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        rows.append((number, tuple(unneutralise(v) for v in row)))
        if len(rows) > MAX_ROWS + 1:
            raise InvalidInput(f"Lembar '{kind}' berisi lebih dari {MAX_ROWS} baris data. "
                               "Bagi menjadi beberapa berkas atau hapus baris yang tidak perlu.")
    if not rows:
        raise InvalidInput(f"Lembar '{kind}' kosong. Isi data di bawah baris judul kolom.")
    return rows


def _norm(header: Any) -> str:
    return " ".join(str(header or "").replace("\n", " ").split()).lower()


def _columns(kind: str, header: tuple[Any, ...], header_row: int) -> dict[str, int]:
    found = {_norm(h): i for i, h in enumerate(header) if h is not None}
    index: dict[str, int] = {}
    missing = []
    for key, title, required in COLUMNS[kind]:
        i = found.get(_norm(title))
        if i is None:
            if required:
                missing.append(title)
        else:
            index[key] = i
    if missing:
        raise InvalidInput(f"Kolom wajib tidak ditemukan pada baris {header_row} lembar '{kind}': "
                           f"{', '.join(missing)}. Jangan mengubah judul kolom templat.")
    return index


def _cell(row: tuple[Any, ...], index: dict[str, int], key: str) -> Any:
    i = index.get(key)
    if i is None or i >= len(row):
        return None
    return row[i]


def parse(kind: str, data: bytes, session: Session, office_id: int, year: Optional[int] = None,
          accept_mismatch: bool = False) -> Preview:
    """Read an uploaded file into a preview. File-level faults raise InvalidInput; row faults are listed.

    `year`, when given, is the year the admin chose: rows of another year are problems.
    With `accept_mismatch`, RA/PK quarters that do not combine to the annual target are warnings
    (saved as accepted) instead of problems.
    """
    kind = _check_kind(kind)
    raw = _open_sheet(kind, data)
    header_row, header = raw[0]
    index = _columns(kind, header, header_row)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    items: list[dict[str, Any]] = []
    titles = {k: t for k, t, _r in COLUMNS[kind]}
    seen: dict[tuple[str, int], int] = {}

    def num(r: int, row: tuple[Any, ...], key: str, required: bool = False) -> Optional[Decimal]:
        value = _cell(row, index, key)
        if isinstance(value, str) and not value.strip():
            value = None
        if value is None:
            if required:
                problems.append(Problem(r, titles[key], "wajib diisi dengan angka."))
            return None
        try:
            return parse_number(value, titles[key])
        except KinerjaError as err:
            problems.append(Problem(r, titles[key], str(err)))
            return None

    indicators = {i.code.upper(): i for i in session.scalars(select(Indicator).where(Indicator.office_id == office_id))}
    units = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.office_id == office_id))}
    unit_names: dict[str, OrgUnit] = {}
    for u in units.values():
        unit_names.setdefault(_norm(u.name), u)
        unit_names.setdefault(_norm(u.code), u)
        if u.short_name:
            unit_names.setdefault(_norm(u.short_name), u)
    target_cache: dict[int, dict[int, Target]] = {}
    line_cache: dict[int, dict[str, BudgetLine]] = {}

    for r, row in raw[1:]:
        before = len(problems)
        y_raw = _cell(row, index, "year")
        row_year: Optional[int] = None
        if y_raw is None or (isinstance(y_raw, str) and not y_raw.strip()):
            problems.append(Problem(r, "Tahun", "wajib diisi, misalnya 2027."))
        else:
            try:
                y = parse_number(y_raw, "Tahun")
                if y is None or y != y.to_integral_value() or not 2000 <= y <= 2100:
                    raise ValueError
                row_year = int(y)
            except (KinerjaError, ValueError):
                problems.append(Problem(r, "Tahun", f"'{y_raw}' bukan tahun yang sah; tulis empat angka, misalnya 2027."))
        if row_year is not None and year is not None and row_year != int(year):
            problems.append(Problem(r, "Tahun", f"tahun {row_year} berbeda dengan tahun yang dipilih ({year}). "
                                    "Perbaiki tahunnya atau pilih tahun yang sesuai."))
            row_year = None
        code = parse_text(_cell(row, index, "code"))
        code_title = titles["code"]
        if not code:
            problems.append(Problem(r, code_title, "wajib diisi."))
        elif row_year is not None:
            key = (code.upper(), row_year)
            if key in seen:
                problems.append(Problem(r, code_title, f"kode '{code}' tahun {row_year} muncul lebih dari sekali "
                                        f"(juga di baris {seen[key]}). Hapus salah satu baris."))
            else:
                seen[key] = r

        if kind in ("PK", "RA"):
            ind = indicators.get(code.upper()) if code else None
            if code and ind is None:
                problems.append(Problem(r, code_title, f"kode indikator '{code}' tidak dikenal. Gunakan kode dari "
                                        "templat atau tambahkan indikatornya di Data Induk lebih dahulu."))
            elif ind is not None and not ind.active:
                problems.append(Problem(r, code_title, f"indikator '{code}' sudah dinonaktifkan."))
            values: dict[str, Optional[Decimal]] = {}
            if kind == "PK":
                values["annual"] = num(r, row, "annual")
                values["annual_upper"] = num(r, row, "annual_upper")
                if (values["annual_upper"] is not None and values["annual"] is not None
                        and values["annual_upper"] < values["annual"]):
                    problems.append(Problem(r, titles["annual_upper"],
                                            "batas atas tidak boleh lebih kecil dari target tahunan."))
            else:
                for q in masterdata.QUARTERS:
                    values[q] = num(r, row, q)
            source = parse_text(_cell(row, index, "source"))[:200]
            if len(problems) > before or ind is None or row_year is None:
                continue
            t = target_cache.setdefault(row_year, _targets(session, office_id, row_year)).get(ind.id)
            current = {k: (getattr(t, k) if t else None) for k in ("annual", "annual_upper", *masterdata.QUARTERS)}
            merged = {**current, **values}
            src_key = "source_pk" if kind == "PK" else "source_ra"
            changed = [k for k, v in values.items() if v != current[k]]
            if source and t is not None and getattr(t, src_key) != source:
                changed.append(src_key)
            if all(v is None for v in values.values()):
                continue  # a row without any target figure is skipped: it changes nothing
            warning = masterdata.mismatch_warning(ind.combine, merged["annual"],
                                                  [merged[q] for q in masterdata.QUARTERS])
            if warning and (changed or t is None):
                col = titles["annual"] if kind == "PK" else titles["q4"]
                if accept_mismatch:
                    warnings.append(Problem(r, col, f"{ind.code}: {warning}"))
                else:
                    problems.append(Problem(r, col, f"{ind.code}: {warning} Perbaiki angkanya, atau centang "
                                            "'Terima selisih target' bila memang demikian dokumennya."))
                    continue
            action = "baru" if t is None else ("ubah" if changed else "tetap")
            items.append({"row": r, "action": action, "indicator_id": ind.id, "code": ind.code, "name": ind.name,
                          "year": row_year, "values": values, "source": source, "version": t.version if t else 0,
                          "warning": warning or ""})
        else:
            program = parse_text(_cell(row, index, "program"))
            kegiatan = parse_text(_cell(row, index, "kegiatan"))
            sub = parse_text(_cell(row, index, "sub_kegiatan"))
            for key, val in (("program", program), ("kegiatan", kegiatan), ("sub_kegiatan", sub)):
                if not val:
                    problems.append(Problem(r, titles[key], "wajib diisi."))
                elif len(val) > 300:
                    problems.append(Problem(r, titles[key], "terlalu panjang (paling banyak 300 karakter)."))
            if len(code) > 60:
                problems.append(Problem(r, code_title, "terlalu panjang (paling banyak 60 karakter)."))
            pagu = num(r, row, "pagu", required=True)
            if pagu is not None and pagu != pagu.quantize(Decimal("0.01")):
                problems.append(Problem(r, "Pagu", "rupiah paling banyak 2 angka desimal."))
            document = (parse_text(_cell(row, index, "document")) or "DPA").upper()
            if document not in masterdata.DOCUMENTS:
                problems.append(Problem(r, "Dokumen", f"'{document}' tidak dikenal; isi DPA atau DPPA."))
            unit_text = parse_text(_cell(row, index, "unit"))
            unit = unit_names.get(_norm(unit_text)) if unit_text else None
            if not unit_text:
                problems.append(Problem(r, "Unit Pemilik", "wajib diisi; pilih dari daftar unit kerja."))
            elif unit is None:
                problems.append(Problem(r, "Unit Pemilik", f"unit kerja '{unit_text}' tidak dikenal. Pilih dari "
                                        "daftar pada templat (nama atau kode unit seperti di Data Induk)."))
            elif not unit.active:
                problems.append(Problem(r, "Unit Pemilik", f"unit kerja '{unit_text}' sudah dinonaktifkan."))
            if len(problems) > before or row_year is None or unit is None or pagu is None:
                continue
            lines = line_cache.setdefault(row_year, {b.code: b for b in session.scalars(
                select(BudgetLine).where(BudgetLine.office_id == office_id, BudgetLine.year == row_year))})
            b = lines.get(code)
            values_b = {"program": program, "kegiatan": kegiatan, "sub_kegiatan": sub, "pagu": pagu,
                        "document": document, "owner_unit_id": unit.id}
            changed = [k for k, v in values_b.items() if b is None or getattr(b, k) != v]
            action = "baru" if b is None else ("ubah" if changed else "tetap")
            items.append({"row": r, "action": action, "line_id": b.id if b else None, "code": code,
                          "year": row_year, "values": values_b, "version": b.version if b else 0,
                          "unit": unit.name})

    if not items and not problems:
        problems.append(Problem(0, "", f"Lembar '{kind}' tidak berisi baris data yang dapat diimpor."))
    return Preview(
        kind=kind, office_id=office_id, year=year, rows=_rows_frame(kind, items), accept_mismatch=accept_mismatch,
        problems=[p.as_tuple() for p in problems], warnings=[w.as_tuple() for w in warnings],
        inserts=sum(1 for i in items if i["action"] == "baru"),
        updates=sum(1 for i in items if i["action"] == "ubah"),
        unchanged=sum(1 for i in items if i["action"] == "tetap"),
        data=data, items=items,
    )


ACTION_LABELS = {"baru": "Baru", "ubah": "Diubah", "tetap": "Tidak berubah"}


def _rows_frame(kind: str, items: list[dict[str, Any]]) -> pd.DataFrame:
    from core.fmt import money, number

    rows = []
    for it in items:
        v = it["values"]
        base = {"Baris": it["row"], "Tindakan": ACTION_LABELS[it["action"]], "Tahun": it["year"], "Kode": it["code"]}
        if kind == "PK":
            base.update({"Indikator": it["name"], "Target Tahunan": number(v["annual"], 4),
                         "Batas Atas": number(v["annual_upper"], 4) if v["annual_upper"] is not None else ""})
        elif kind == "RA":
            base.update({"Indikator": it["name"],
                         **{f"TW {r}": number(v[q], 4) for q, r in zip(masterdata.QUARTERS, ("I", "II", "III", "IV"))},
                         "Peringatan": it["warning"]})
        else:
            base.update({"Sub Kegiatan": v["sub_kegiatan"], "Pagu": money(v["pagu"]), "Dokumen": v["document"],
                         "Unit Pemilik": it["unit"]})
        rows.append(base)
    return pd.DataFrame(rows)


# --- commit ---------------------------------------------------------------------------------------------


def commit(session: Session, actor: Actor, source: Union[Preview, bytes], kind: Optional[str] = None,
           office_id: Optional[int] = None, year: Optional[int] = None, accept_mismatch: bool = False) -> ImportResult:
    """Write an import, all or nothing: the file is read again in this transaction and nothing is written
    when any problem remains. A row changed by someone else since the preview stops the whole import."""
    require(session, actor, "masterdata.manage")
    if isinstance(source, Preview):
        kind, office_id, year = source.kind, source.office_id, source.year
        accept_mismatch = source.accept_mismatch
        data = source.data
        seen_versions = {(it["code"], it["year"]): it["version"] for it in source.items}
    else:
        data = source
        seen_versions = {}
        if kind is None or office_id is None:
            raise InvalidInput("Jenis dokumen dan perangkat daerah wajib dipilih untuk impor.")
    assert kind is not None and office_id is not None
    preview = parse(kind, data, session, office_id, year=year, accept_mismatch=accept_mismatch)
    if preview.problems:
        listed = [f"baris {r}, kolom {c or '-'}: {m}" for r, c, m in preview.problems]
        raise InvalidInput(f"Impor dibatalkan: ada {len(listed)} masalah pada berkas. Tidak ada data yang disimpan. "
                           "Perbaiki lalu unggah kembali.", problems=listed)
    for it in preview.items:
        key = (it["code"], it["year"])
        if key in seen_versions and seen_versions[key] != it["version"]:
            raise Conflict(f"Data {it['code']} tahun {it['year']} diubah orang lain setelah pratinjau dibuat. "
                           "Unggah ulang berkas untuk melihat pratinjau terbaru.")
    for it in preview.items:
        if it["action"] == "tetap":
            continue
        if kind in ("PK", "RA"):
            extra = {"source_pk": it["source"] or None} if kind == "PK" else {"source_ra": it["source"] or None}
            result = masterdata.save_target(session, actor, it["indicator_id"], it["year"], **it["values"],
                                            accept_mismatch=accept_mismatch, expected_version=it["version"],
                                            **extra)
            if not result.saved:  # a mismatch that was not accepted (parse already refuses it)
                raise InvalidInput(" ".join(result.warnings))
        elif it["line_id"] is None:
            masterdata.create_budget_line(session, actor, office_id, it["year"], code=it["code"], **it["values"])
        else:
            masterdata.update_budget_line(session, actor, it["line_id"], expected_version=it["version"],
                                          **it["values"])
    return ImportResult(kind=kind, inserted=preview.inserts, updated=preview.updates, unchanged=preview.unchanged)
