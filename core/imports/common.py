"""What the templates and the reading of a file share: the documents, their columns, the targets
already held."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from db.models import Indicator, Target

KINDS = ("PK", "RA", "DPA", "RENSTRA", "REALISASI")
# the documents of one year, read from one sheet named after the kind (the others: core.imports.renstra)
YEAR_KINDS = ("PK", "RA", "DPA")
KIND_LABELS = {
    "PK": "Perjanjian Kinerja (target tahunan)",
    "RA": "Rencana Aksi (target triwulan)",
    "DPA": "DPA/DPPA (pagu anggaran)",
    "RENSTRA": "Renstra (target akhir periode K dan Rp)",
    "REALISASI": "Realisasi tahun sebelumnya",
}


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
        ("reason", "Alasan Selisih", False),
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
        ("reason", "Alasan Selisih", False),
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


def _check_kind(kind: str) -> str:
    k = (kind or "").upper()
    if k not in KINDS:
        raise InvalidInput(f"Jenis dokumen '{kind}' tidak dikenal. Pilih PK, RA, DPA, Renstra atau Realisasi tahun "
                           "sebelumnya.")
    return k


def _targets(session: Session, office_id: int, year: int) -> dict[int, Target]:
    return {t.indicator_id: t for t in session.scalars(
        select(Target).join(Indicator, Target.indicator_id == Indicator.id)
        .where(Indicator.office_id == office_id, Target.year == year))}


def norm_header(header: Any) -> str:
    """A column title as compared: spaces and line breaks collapsed, lower case."""
    return " ".join(str(header or "").replace("\n", " ").split()).lower()


def column_index(columns: Sequence[tuple[str, str, bool]], header: Sequence[Any], header_row: int,
                 sheet: str) -> dict[str, int]:
    """The position of each template column (key, title, required) in a sheet's header row, by title;
    a required column that is missing is refused with its title and where it was looked for."""
    found = {norm_header(h): i for i, h in enumerate(header) if h is not None}
    index: dict[str, int] = {}
    missing = []
    for key, title, required in columns:
        i = found.get(norm_header(title))
        if i is None:
            if required:
                missing.append(title)
        else:
            index[key] = i
    if missing:
        raise InvalidInput(f"Kolom wajib tidak ditemukan pada baris {header_row} lembar '{sheet}': "
                           f"{', '.join(missing)}. Jangan mengubah judul kolom templat.")
    return index
