"""The SOP 'Mekanisme Pengumpulan Data Kinerja' as data: the one definition loaded into the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import SopStep


@dataclass(frozen=True)
class StepDef:
    number: int
    code: str
    short_name: str
    name: str
    executor_roles: tuple[str, ...]
    inputs: str
    standard_minutes: int
    standard_label: str
    output: str


DAY = 24 * 60


def duration_label(minutes: int) -> str:
    """A standard time as the SOP writes it: '10 menit', '1 hari', '1 hari 1 jam' (1.500 minutes)."""
    days, rest = divmod(int(minutes), DAY)
    hours, mins = divmod(rest, 60)
    return " ".join(f"{n} {unit}" for n, unit in ((days, "hari"), (hours, "jam"), (mins, "menit")) if n) or "0 menit"

DEFAULT_STEPS: tuple[StepDef, ...] = (
    StepDef(1, "disposisi", "Disposisi", "Kepala Dinas memerintahkan Sekretaris untuk mengumpulkan data kinerja triwulan",
            ("kepala_dinas",), "Perjanjian Kinerja, Rencana Aksi", 10, "10 menit", "Disposisi"),
    StepDef(2, "distribusi", "Distribusi", "Meneruskan pengumpulan data kinerja triwulan kepada Kabid/Kasubag dan Jabatan Fungsional Tertentu",
            ("sekretaris",), "Perjanjian Kinerja, Rencana Aksi", 10, "10 menit", "Disposisi"),
    StepDef(3, "isi_data", "Isi Data Kinerja", "Merekap data kinerja triwulan",
            ("kepala_bidang", "jft"), "Disposisi, Perjanjian Kinerja, Rencana Aksi", 30, "30 menit", "Lembar Disposisi"),
    StepDef(4, "pengolahan", "Pengolahan", "Mengolah data laporan kinerja triwulan",
            ("penyusun",), "Disposisi, Perjanjian Kinerja, Rencana Aksi, Laporan Progres Kinerja", 15, "15 menit", "Draf Laporan"),
    StepDef(5, "penyusunan", "Penyusunan Draf", "Menyusun data kinerja triwulan",
            ("penyusun",), "Perjanjian Kinerja, Rencana Aksi, Draf Laporan Kinerja", 30, "30 menit", "Draf Laporan Kinerja"),
    StepDef(6, "sosialisasi", "Sosialisasi", "Mensosialisasikan data kinerja triwulan kepada pejabat Jabatan Fungsional Tertentu Perencana Ahli Muda",
            ("sekretaris",), "Perjanjian Kinerja, Rencana Aksi, Draf Laporan Kinerja", 30, "30 menit", "Draf Laporan Kinerja"),
    StepDef(7, "koreksi", "Koreksi", "Merekap data kinerja triwulan yang masuk",
            ("perencana",), "Pembagian Tugas", DAY, "1 hari", "Disposisi"),
    StepDef(8, "serah", "Serah", "Menyerahkan data kinerja triwulan untuk didokumentasikan",
            ("perencana",), "Hasil koreksi Laporan Kinerja Triwulan dan Tahunan", 5, "5 menit", "Draf Laporan Kinerja"),
    StepDef(9, "dokumentasi", "Dokumentasi", "Mendokumentasikan laporan kinerja triwulan",
            ("penyusun",), "Laporan Kinerja Tahunan", 2 * DAY, "2 hari", "Laporan Kinerja"),
)


def load_default_steps(session: Session) -> int:
    """Insert the default steps that are not in the database yet; never overwrites an admin's edits."""
    existing = set(session.scalars(select(SopStep.code)))
    added = 0
    for d in DEFAULT_STEPS:
        if d.code in existing:
            continue
        session.add(SopStep(number=d.number, code=d.code, short_name=d.short_name, name=d.name,
                            executor_roles=list(d.executor_roles), inputs=d.inputs,
                            standard_minutes=d.standard_minutes, standard_label=d.standard_label,
                            output=d.output))
        added += 1
    session.flush()
    return added


def steps(session: Session) -> list[SopStep]:
    return list(session.scalars(select(SopStep).order_by(SopStep.number)))


def step_by_code(session: Session, code: str) -> SopStep:
    step = session.scalar(select(SopStep).where(SopStep.code == code))
    if step is None:
        from core.errors import NotFound

        raise NotFound(f"Langkah SOP '{code}' belum didefinisikan. Hubungi administrator.")
    return step
