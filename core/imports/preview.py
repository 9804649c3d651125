"""Reading an uploaded file into a preview: every row's action (new, changed, unchanged) and every
problem that blocks the import, within the limits of an uploaded file."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import masterdata, workbook_read
from core.errors import InvalidInput, KinerjaError
from core.exports import unneutralise
from core.imports.common import COLUMNS, KINDS, _check_kind, _targets, column_index, norm_header
from core.parsing import parse_number, parse_text
from db.models import BudgetLine, Indicator, OrgUnit, Target

MAX_FILE_BYTES = workbook_read.MAX_FILE_BYTES  # the limits of an uploaded file live in core.workbook_read
MAX_ROWS = 3000  # data rows of one document


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


def _open_sheet(kind: str, data: bytes) -> list[tuple[int, tuple[Any, ...]]]:
    """The non-empty rows (with their Excel row number) of the document's sheet; header first.

    The file is checked and read within core.workbook_read's limits; every fault is an InvalidInput.
    """
    book = workbook_read.read(data, [kind])
    if kind not in book.sheetnames:
        other = [k for k in KINDS if k in book.sheetnames and k in COLUMNS]
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


def _columns(kind: str, header: tuple[Any, ...], header_row: int) -> dict[str, int]:
    return column_index(COLUMNS[kind], header, header_row, kind)


def _cell(row: tuple[Any, ...], index: dict[str, int], key: str) -> Any:
    i = index.get(key)
    if i is None or i >= len(row):
        return None
    return row[i]


def parse(kind: str, data: bytes, session: Session, office_id: int, year: Optional[int] = None) -> Preview:
    """Read an uploaded file into a preview. File-level faults raise InvalidInput; row faults are listed.

    `year`, when given, is the year the admin chose: rows of another year are problems.
    A PK/RA row whose quarters do not combine to the annual target is a warning of that row when it has
    a reason (its 'Alasan Selisih' cell, or the reason stored with the target), as in Data Induk; without
    one it is a problem that blocks the import.
    """
    kind = _check_kind(kind)
    if kind not in COLUMNS:  # the Renstra and the years before the app: core.imports.renstra
        from core.imports import renstra

        if year is None:
            raise InvalidInput("Pilih tahun: periode Renstra yang mencakup tahun itu yang diimpor.")
        return renstra.parse(kind, data, session, office_id, int(year))
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
        unit_names.setdefault(norm_header(u.name), u)
        unit_names.setdefault(norm_header(u.code), u)
        if u.short_name:
            unit_names.setdefault(norm_header(u.short_name), u)
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
            reason = " ".join(parse_text(_cell(row, index, "reason")).split())
            if len(reason) > masterdata.targets.REASON_MAX:
                problems.append(Problem(r, titles["reason"], f"terlalu panjang (paling banyak "
                                        f"{masterdata.targets.REASON_MAX} karakter)."))
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
            stored_reason = t.mismatch_reason if t is not None else None
            kept_reason = reason or stored_reason or ""
            if warning and reason and reason != stored_reason:
                changed.append("mismatch_reason")
            if warning and (changed or t is None):
                col = titles["annual"] if kind == "PK" else titles["q4"]
                # what to do (or what will be kept) first: a long message is cut short in the preview's table
                if kept_reason:
                    warnings.append(Problem(r, col, f"{ind.code}: disimpan dengan alasan “{kept_reason}”. "
                                            f"{warning}"))
                else:
                    problems.append(Problem(r, col, f"{ind.code}: isi kolom 'Alasan Selisih' pada baris ini bila "
                                            f"memang demikian dokumennya, atau perbaiki angkanya. {warning}"))
                    continue
            action = "baru" if t is None else ("ubah" if changed else "tetap")
            items.append({"row": r, "action": action, "indicator_id": ind.id, "code": ind.code, "name": ind.name,
                          "year": row_year, "values": values, "source": source, "version": t.version if t else 0,
                          "warning": warning or "", "reason": reason if warning else "",
                          "shown_reason": kept_reason if warning else ""})
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
            unit = unit_names.get(norm_header(unit_text)) if unit_text else None
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
        kind=kind, office_id=office_id, year=year, rows=_rows_frame(kind, items),
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
                         "Batas Atas": number(v["annual_upper"], 4) if v["annual_upper"] is not None else "",
                         "Peringatan": it["warning"], "Alasan Selisih": it["shown_reason"]})
        elif kind == "RA":
            base.update({"Indikator": it["name"],
                         **{f"TW {r}": number(v[q], 4) for q, r in zip(masterdata.QUARTERS, ("I", "II", "III", "IV"))},
                         "Peringatan": it["warning"], "Alasan Selisih": it["shown_reason"]})
        else:
            base.update({"Sub Kegiatan": v["sub_kegiatan"], "Pagu": money(v["pagu"]), "Dokumen": v["document"],
                         "Unit Pemilik": it["unit"]})
        rows.append(base)
    return pd.DataFrame(rows)
