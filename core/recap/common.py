"""What every recap shares: the quarters, the Indonesian column labels, the filters, the row type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pandas as pd

from core import achievement as ach
from core.fmt import quarter_label

QUARTERS = (1, 2, 3, 4)

LABELS: dict[str, str] = {
    "code": "Kode",
    "name": "Indikator",
    "sasaran": "Sasaran",
    "unit": "Unit",
    "satuan": "Satuan",
    "iku": "IKU",
    "polarity": "Polaritas",
    "combine": "Penggabungan",
    "target_tahunan": "Target Tahunan",
    "target_tw": "Target TW",
    "realisasi_tw": "Realisasi TW",
    "capaian_tw": "Capaian TW (%)",
    "predikat_tw": "Predikat TW",
    "target_ytd": "Target s.d. TW",
    "realisasi_ytd": "Realisasi s.d. TW",
    "capaian_ytd": "Capaian s.d. TW (%)",
    "predikat": "Predikat",
    "keterangan": "Keterangan",
    "kendala": "Kendala",
    "tindak_lanjut": "Tindak Lanjut",
    "indikator": "Jumlah Indikator",
    "dinilai": "Indikator Dinilai",
    "rata_capaian": "Rata-rata Capaian (%)",
    "program": "Program",
    "kegiatan": "Kegiatan",
    "sub_kegiatan": "Sub Kegiatan",
    "pagu": "Pagu (Rp)",
    "realisasi_anggaran_tw": "Realisasi TW (Rp)",
    "realisasi_anggaran_ytd": "Realisasi s.d. TW (Rp)",
    "serapan_tw": "Serapan TW (%)",
    "serapan_ytd": "Serapan s.d. TW (%)",
    "tahun_berjalan": "Bagian Tahun Berjalan (%)",
    "proyeksi": "Proyeksi Akhir Tahun",
    "capaian_proyeksi": "Capaian Proyeksi (%)",
    "berisiko": "Berisiko",
    "triwulan": "Triwulan",
    "tahun": "Tahun",
    "langkah": "Langkah",
    "nama_langkah": "Nama Langkah",
    "menit": "Durasi (menit)",
    "standar_menit": "Waktu Standar (menit)",
    "melebihi": "Melebihi Standar",
}
for _q in QUARTERS:
    LABELS[f"target_q{_q}"] = f"Target {quarter_label(_q)}"
    LABELS[f"realisasi_q{_q}"] = f"Realisasi {quarter_label(_q)}"
    LABELS[f"capaian_q{_q}"] = f"Capaian {quarter_label(_q)} (%)"
for _labels in ach.PREDICATE_LABEL_SETS.values():
    for _p in _labels:
        LABELS[_p] = _p

NA = "–"


@dataclass(frozen=True)
class Filters:
    """What a recap is limited to; None means all."""

    unit_id: Optional[int] = None
    sasaran_id: Optional[int] = None
    iku_only: bool = False
    accepted_only: bool = False


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with Indonesian column headers (for tables and files)."""
    return df.rename(columns={c: LABELS.get(c, c) for c in df.columns})


Rows = list[dict[str, Any]]


def _isnan(v: Any) -> bool:
    return isinstance(v, float) and v != v
