"""Which pages each role sees, grouped for the sidebar, checked again on every page.

The SOP pages come from the step modules: a step's executors (data in `sop_steps`) see its page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from core.actor import ROLES
from core.steps.base import PageSpec

ALL = tuple(ROLES)


# The pages outside the SOP; the SOP's pages are declared by the step modules (core/steps/*.py, `PAGE`)
# and seen by the executors of their steps. A page that is in neither does not exist for anyone.
FIXED_PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/beranda.py", "Beranda", ":material/home:", "Umum", ALL, default=True),
    PageSpec("pages/akun.py", "Akun Saya", ":material/person:", "Umum", ALL),
)
REPORT_PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/rekap.py", "Rekap & Unduh", ":material/query_stats:", "Laporan", ALL),
    PageSpec("pages/cadangan.py", "Cadangan & Pemulihan", ":material/backup:", "Administrasi", ("admin",)),
    PageSpec("pages/jejak_audit.py", "Jejak Audit", ":material/history:", "Administrasi", ("admin", "kepala_dinas")),
    PageSpec("pages/data_induk.py", "Data Induk", ":material/database:", "Data Induk", ("admin",)),
    PageSpec("pages/impor.py", "Impor Excel", ":material/upload_file:", "Data Induk", ("admin",)),
)


def all_pages() -> tuple[PageSpec, ...]:
    from core.steps import declared_pages

    return (*FIXED_PAGES, *declared_pages(), *REPORT_PAGES)


class _Pages(Sequence[PageSpec]):
    """Every page, in sidebar order (built on first use: the step modules import core.navigation's users)."""

    def _all(self) -> tuple[PageSpec, ...]:
        return all_pages()

    def __getitem__(self, i):  # type: ignore[override]
        return self._all()[i]

    def __len__(self) -> int:
        return len(self._all())


PAGES: Sequence[PageSpec] = _Pages()


def pages_for(role: str, executors: Optional[dict[str, frozenset[str]]] = None) -> dict[str, list[PageSpec]]:
    """The role's pages by sidebar group; `executors` are each SOP step's executor roles
    (core.permissions.step_executors: data), the SOP's defaults when not given."""
    executors = _executors(executors)
    groups: dict[str, list[PageSpec]] = {}
    for page in PAGES:
        if role in page.roles_with(executors):
            groups.setdefault(page.group, []).append(page)
    return groups


def page_allowed(role: str, path: str, executors: Optional[dict[str, frozenset[str]]] = None) -> bool:
    executors = _executors(executors)
    return any(p.path == path and role in p.roles_with(executors) for p in PAGES)


def _executors(executors: Optional[dict[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    if executors is not None:
        return executors
    from core.permissions import step_executors

    return step_executors(None)


NOT_FOR_ROLE = "Halaman ini tidak tersedia untuk peran Anda"


def url_path(page: PageSpec) -> str:
    """The address of a page in the browser (Streamlit's rule: the file name without .py; '' for the default)."""
    return "" if page.default else page.path.rsplit("/", 1)[-1].removesuffix(".py")


def pages_not_for(role: str, executors: Optional[dict[str, frozenset[str]]] = None) -> list[PageSpec]:
    """The pages a role may not see: opened by their address, they say so instead of showing something else."""
    executors = _executors(executors)
    return [p for p in PAGES if role not in p.roles_with(executors)]
