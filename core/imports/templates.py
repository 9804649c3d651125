"""The Excel template of a planning document, pre-filled with the office's indicators or DPA lines."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, Optional

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.exports import set_text_cell
from core.imports.common import COLUMNS, KIND_LABELS, _check_kind, _targets
from db.models import BudgetLine, Indicator, OrgUnit, Sasaran

COMBINE_TEXT = {"sum": "Kumulatif (jumlah TW I–IV = target tahunan)",
                "last": "Nilai terakhir (TW IV = target tahunan)",
                "avg": "Rata-rata (rerata TW I–IV = target tahunan)"}


HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
REF_FILL = PatternFill("solid", fgColor="E7E6E6")
ENTRY_FILL = PatternFill("solid", fgColor="FFF2CC")


def _indicators(session: Session, office_id: int) -> list[Indicator]:
    return list(session.scalars(
        select(Indicator).join(Sasaran, Indicator.sasaran_id == Sasaran.id)
        .where(Indicator.office_id == office_id, Indicator.active.is_(True))
        .order_by(Sasaran.sort_order, Indicator.sort_order)))


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
    if kind not in COLUMNS:  # the Renstra and the years before the app: core.imports.renstra
        from core.imports import renstra

        return renstra.template(kind, session, office_id, year)
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
              "sub_kegiatan": 50, "pagu": 20, "document": 10, "unit": 40, "reason": 45}
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
                           (t.source_pk if t and t.source_pk else f"Perjanjian Kinerja Tahun {year}"),
                           (t.mismatch_reason or "") if t else ""])
            else:
                _append(ws, [year, ind.code, ind.name, ind.satuan, COMBINE_TEXT[ind.combine],
                           _num(t.annual) if t else None,
                           *[_num(t.quarter(q)) if t else None for q in (1, 2, 3, 4)],
                           (t.source_ra if t and t.source_ra else f"Rencana Aksi Tahun {year}"),
                           (t.mismatch_reason or "") if t else ""])
    else:
        for b in session.scalars(select(BudgetLine).where(BudgetLine.office_id == office_id, BudgetLine.year == year)
                                 .order_by(BudgetLine.code)):
            _append(ws, [year, b.code, b.program, b.kegiatan, b.sub_kegiatan, _num(b.pagu), b.document,
                       b.owner_unit.name])

    last = max(ws.max_row, 2)
    keys = [k for k, _h, _r in cols]
    letter = {k: ws.cell(1, i).column_letter for i, k in enumerate(keys, start=1)}
    entry = {"PK": ("annual", "annual_upper", "source", "reason"), "RA": ("q1", "q2", "q3", "q4", "source", "reason"),
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
            "• Alasan Selisih: wajib bila target triwulan (RA) tidak cocok dengan target tahunan ini menurut",
            "  aturan akumulasi indikator; kosongkan bila cocok.",
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
            "• Alasan Selisih: bila target triwulan memang tidak cocok dengan target tahunan, tulis alasannya",
            "  (misalnya 'PK perubahan belum ditetapkan'). Baris yang tidak cocok tanpa alasan tidak dapat",
            "  diimpor; baris dengan alasan ditampilkan sebagai peringatan dan alasannya disimpan bersama target.",
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
