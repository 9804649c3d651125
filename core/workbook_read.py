"""Bounded reading of uploaded Excel workbooks: the zip, the sheets and each sheet's declared size are checked
against the limits below before openpyxl sees the file, and openpyxl then reads at most those limits.

An uploaded workbook is untrusted: an 8 KB file can declare a sheet of 16,384 × 1,048,576 cells (openpyxl would
pad every row to that width) and a cut-off sheet XML makes openpyxl raise a parser error with server paths.
Every such file ends here in an `InvalidInput` whose Indonesian message says what to fix.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from core.errors import InvalidInput, KinerjaError

# The limits of an uploaded workbook (unit workbook and planning-document imports), in one place.
MAX_FILE_BYTES = 5 * 1024 * 1024  # the file as uploaded
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # all zip members together, uncompressed
MAX_MEMBER_BYTES = 25 * 1024 * 1024  # one zip member, uncompressed
MAX_MEMBERS = 300  # zip members (Excel writes about a dozen plus a few per sheet)
MAX_SHEETS = 20
MAX_SHEET_ROWS = 5000  # rows a sheet may declare or hold (imports allow 3,000 data rows)
MAX_SHEET_COLUMNS = 60
MAX_PART_BYTES = 2 * 1024 * 1024  # workbook.xml and its relationships, read before openpyxl
DIMENSION_PEEK_BYTES = 8 * 1024  # the <dimension> element sits near the start of a sheet's XML

NOT_EXCEL = ("Berkas ini bukan berkas Excel (.xlsx). Simpan ulang dari Excel sebagai "
             "'Excel Workbook (*.xlsx)' — berkas CSV atau .xls lama tidak dapat dibaca.")
BROKEN = ("Berkas Excel tidak dapat dibaca karena rusak atau terpotong. Buka di Excel, simpan ulang sebagai "
          ".xlsx, lalu unggah kembali.")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected .xlsx
ZIP_MAGIC = b"PK\x03\x04"
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']+)[\"']")
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass(frozen=True)
class SheetInfo:
    name: str
    path: str  # member name in the zip, e.g. xl/worksheets/sheet1.xml
    rows: int  # declared by <dimension>; 0 when not declared
    columns: int


@dataclass(frozen=True)
class BookRows:
    """What was read of a workbook: every sheet's name, and the rows (values only) of the sheets asked for."""

    sheetnames: list[str]
    rows: dict[str, list[tuple[Any, ...]]]


def _id(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def declared_size(ref: str) -> tuple[int, int]:
    """(rows, columns) a dimension ref such as 'A1:M40' reaches — counted from A1, as openpyxl reads from
    there; an unreadable ref counts as the whole sheet."""
    parts = ref.strip().split(":")
    cells = [_CELL_REF.fullmatch(p.strip()) for p in parts]
    if len(parts) > 2 or not all(cells):
        return 1_048_576, 16_384
    return (max(int(m.group(2)) for m in cells if m), max(column_number(m.group(1)) for m in cells if m))


def _read_part(z: zipfile.ZipFile, name: str) -> bytes:
    info = z.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise InvalidInput(f"Bagian '{name}' dalam berkas terlalu besar ({_mb(info.file_size)}). {BROKEN}")
    return z.read(name)


def _xml(data: bytes) -> ElementTree.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # no Office part declares entities
        raise InvalidInput(BROKEN)
    return ElementTree.fromstring(data)


def check(data: bytes) -> list[SheetInfo]:
    """Every limit on the raw bytes, without openpyxl: size, zip structure, sheets and declared dimensions."""
    if not data:
        raise InvalidInput("Berkas kosong (0 bita). Pilih berkas Excel (.xlsx) yang sudah diisi.")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(f"Berkas terlalu besar ({len(data) // 1024} KB); batasnya {_mb(MAX_FILE_BYTES)}. "
                           "Hapus baris atau lembar yang tidak perlu.")
    if data.startswith(OLE_MAGIC):
        raise InvalidInput("Berkas ini berformat Excel lama (.xls) atau dilindungi kata sandi. Buka di Excel, "
                           "hapus kata sandinya bila ada, simpan sebagai 'Excel Workbook (*.xlsx)', lalu unggah "
                           "kembali.")
    if not data.startswith(ZIP_MAGIC) or not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidInput(NOT_EXCEL)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if len(infos) > MAX_MEMBERS:
                raise InvalidInput(f"Berkas berisi {_id(len(infos))} bagian; paling banyak {_id(MAX_MEMBERS)}. "
                                   "Simpan ulang dari Excel sebagai .xlsx biasa.")
            total = 0
            for info in infos:
                if info.flag_bits & 0x1:
                    raise InvalidInput("Berkas ini terenkripsi. Hapus kata sandinya di Excel, simpan ulang "
                                       "sebagai .xlsx, lalu unggah kembali.")
                if info.file_size > MAX_MEMBER_BYTES:
                    raise InvalidInput(f"Bagian '{info.filename}' berukuran {_mb(info.file_size)} setelah "
                                       f"dibuka; paling banyak {_mb(MAX_MEMBER_BYTES)}. Hapus baris atau lembar "
                                       "yang tidak perlu.")
                total += info.file_size
            if total > MAX_UNPACKED_BYTES:
                raise InvalidInput(f"Isi berkas berukuran {_mb(total)} setelah dibuka; paling banyak "
                                   f"{_mb(MAX_UNPACKED_BYTES)}. Hapus lembar atau baris yang tidak perlu.")
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                raise InvalidInput("Berkas ini bukan berkas Excel (.xlsx) — isinya arsip ZIP lain. Gunakan "
                                   "berkas yang diunduh dari aplikasi.")
            sheets = _sheets(z, names)
    except KinerjaError:
        raise
    except Exception:  # a broken zip or part: zipfile, zlib and the XML parser raise many kinds
        raise InvalidInput(BROKEN) from None
    return sheets


def _sheets(z: zipfile.ZipFile, names: set[str]) -> list[SheetInfo]:
    book = _xml(_read_part(z, "xl/workbook.xml"))
    rels: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in _xml(_read_part(z, "xl/_rels/workbook.xml.rels")).iter(f"{_NS_PKG_REL}Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            rels[rel.get("Id", "")] = target
    entries = list(book.iter(f"{_NS_MAIN}sheet"))
    if len(entries) > MAX_SHEETS:
        raise InvalidInput(f"Berkas berisi {_id(len(entries))} lembar; paling banyak {_id(MAX_SHEETS)}. "
                           "Hapus lembar yang tidak perlu.")
    out = []
    for el in entries:
        name = el.get("name", "")
        path = rels.get(el.get(f"{_NS_REL}id", ""), "")
        rows = cols = 0
        if path in names:
            with z.open(path) as f:
                head = f.read(DIMENSION_PEEK_BYTES)
            m = _DIMENSION.search(head)
            if m:
                rows, cols = declared_size(m.group(1).decode("ascii", "replace"))
        if rows > MAX_SHEET_ROWS:
            raise InvalidInput(f"Lembar '{name}' menyatakan {_id(rows)} baris; paling banyak "
                               f"{_id(MAX_SHEET_ROWS)} baris. Hapus baris kosong di bawah data (pilih baris, "
                               "Hapus), simpan, lalu unggah kembali.")
        if cols > MAX_SHEET_COLUMNS:
            raise InvalidInput(f"Lembar '{name}' menyatakan {_id(cols)} kolom; paling banyak "
                               f"{_id(MAX_SHEET_COLUMNS)} kolom. Hapus kolom kosong di kanan data, simpan, lalu "
                               "unggah kembali.")
        out.append(SheetInfo(name=name, path=path, rows=rows, columns=cols))
    return out


def _load(data: bytes) -> Any:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data), read_only=True, data_only=True)


def read(data: bytes, wanted: Iterable[str]) -> BookRows:
    """The rows of the wanted sheets (those that exist), read once and within the limits; every fault of the
    file is an InvalidInput."""
    check(data)
    wanted = list(wanted)
    try:
        wb = _load(data)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise InvalidInput(BROKEN) from None
    try:
        names = list(wb.sheetnames)
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for name in wanted:
            if name not in names:
                continue
            ws = wb[name]
            got = []
            for row in ws.iter_rows(max_row=MAX_SHEET_ROWS + 1, max_col=MAX_SHEET_COLUMNS, values_only=True):
                got.append(tuple(row))
            if len(got) > MAX_SHEET_ROWS:
                raise InvalidInput(f"Lembar '{name}' berisi lebih dari {_id(MAX_SHEET_ROWS)} baris; paling "
                                   f"banyak {_id(MAX_SHEET_ROWS)} baris. Hapus baris yang tidak perlu.")
            while got and all(v is None for v in got[-1]):
                got.pop()
            rows[name] = got
    except KinerjaError:
        raise
    except Exception:  # truncated XML, bad shared strings, …: never a traceback
        raise InvalidInput(BROKEN) from None
    finally:
        wb.close()
    return BookRows(sheetnames=names, rows=rows)
