"""Which pages each role sees, grouped for the sidebar: plain data, checked again on every page."""

from __future__ import annotations

from dataclasses import dataclass

from core.actor import ROLES

ALL = tuple(ROLES)


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    group: str
    roles: tuple[str, ...]
    default: bool = False


# Add a page here when it is built; a page that is not here does not exist for anyone.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/beranda.py", "Beranda", ":material/home:", "Umum", ALL, default=True),
    PageSpec("pages/akun.py", "Akun Saya", ":material/person:", "Umum", ALL),
    PageSpec("pages/disposisi.py", "Disposisi", ":material/assignment:", "Pengumpulan Data", ("kepala_dinas", "sekretaris")),
    PageSpec("pages/isi_data.py", "Isi Data Kinerja", ":material/edit_note:", "Pengumpulan Data", ("kepala_bidang", "jft")),
    PageSpec("pages/pengolahan.py", "Pengolahan", ":material/fact_check:", "Pengumpulan Data", ("penyusun",)),
    PageSpec("pages/koreksi.py", "Sosialisasi & Koreksi", ":material/rate_review:", "Pengumpulan Data",
             ("sekretaris", "perencana", "penyusun")),
    PageSpec("pages/dokumentasi.py", "Dokumentasi", ":material/inventory_2:", "Pengumpulan Data", ALL),
    PageSpec("pages/rekap.py", "Rekap & Unduh", ":material/query_stats:", "Laporan", ALL),
    PageSpec("pages/cadangan.py", "Cadangan & Pemulihan", ":material/backup:", "Administrasi", ("admin",)),
    PageSpec("pages/jejak_audit.py", "Jejak Audit", ":material/history:", "Administrasi", ("admin", "kepala_dinas")),
    PageSpec("pages/data_induk.py", "Data Induk", ":material/database:", "Data Induk", ("admin",)),
    PageSpec("pages/impor.py", "Impor Excel", ":material/upload_file:", "Data Induk", ("admin",)),
)


def pages_for(role: str) -> dict[str, list[PageSpec]]:
    groups: dict[str, list[PageSpec]] = {}
    for page in PAGES:
        if role in page.roles:
            groups.setdefault(page.group, []).append(page)
    return groups


def page_allowed(role: str, path: str) -> bool:
    return any(p.path == path and role in p.roles for p in PAGES)


NOT_FOR_ROLE = "Halaman ini tidak tersedia untuk peran Anda"


def url_path(page: PageSpec) -> str:
    """The address of a page in the browser (Streamlit's rule: the file name without .py; '' for the default)."""
    return "" if page.default else page.path.rsplit("/", 1)[-1].removesuffix(".py")


def pages_not_for(role: str) -> list[PageSpec]:
    """The pages a role may not see: opened by their address, they say so instead of showing something else."""
    return [p for p in PAGES if role not in p.roles]
