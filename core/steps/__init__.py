"""The SOP 'Mekanisme Pengumpulan Data Kinerja', one module per group of steps, named by the step codes.

    disposisi    steps 1–2  Disposisi, Distribusi        pages/disposisi.py
    isi_data     step 3     Isi Data Kinerja              pages/isi_data.py
    pengolahan   step 4     Pengolahan                    pages/pengolahan.py
    penyusunan   step 5     Penyusunan Draf               pages/pengolahan.py
    koreksi      steps 6–8  Sosialisasi, Koreksi, Serah   pages/koreksi.py
    dokumentasi  step 9     Dokumentasi                   pages/dokumentasi.py

Each module holds the services of its steps and declares their actions, pages and tasks
(core.steps.base). This module collects the declarations; nothing else lists them.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from types import ModuleType

from core.permissions import Rule
from core.steps.base import PageSpec

MODULES = ("disposisi", "isi_data", "pengolahan", "penyusunan", "koreksi", "dokumentasi")


@lru_cache(maxsize=1)
def step_modules() -> tuple[ModuleType, ...]:
    return tuple(import_module(f"core.steps.{name}") for name in MODULES)


def declared_actions() -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    for module in step_modules():
        for name, rule in module.ACTIONS.items():
            assert name not in out, f"action {name} declared twice"
            out[name] = rule
    return out


def declared_pages() -> list[PageSpec]:
    """The SOP pages in step order, each once (penyusunan shares Pengolahan's page)."""
    out: list[PageSpec] = []
    for module in step_modules():
        if module.PAGE.path not in {p.path for p in out}:
            out.append(module.PAGE)
    return out
