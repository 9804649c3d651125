"""The acting user passed to every core service: who, in which role, for which unit and office."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

ROLE_LABELS: dict[str, str] = {
    "kepala_dinas": "Kepala Dinas",
    "sekretaris": "Sekretaris Dinas",
    "kepala_bidang": "Kepala Bidang / Kepala Sub Bagian",
    "jft": "Jabatan Fungsional Tertentu",
    "perencana": "JFT Perencana Ahli Muda",
    "penyusun": "Staf Penyusun Evaluasi Kinerja",
    "admin": "Administrator",
    "pemantau": "Pemantau",
}
ROLES = tuple(ROLE_LABELS)


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    full_name: str
    role: str
    unit_id: Optional[int]
    office_id: Optional[int]
    unit_name: str = ""
    jabatan: str = ""
    nip: str = ""

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


SYSTEM = Actor(user_id=0, username="sistem", full_name="Sistem", role="admin", unit_id=None, office_id=None)
