"""'Tugas saya' on Beranda: what the logged-in user has to do next, for every SOP step and role.

Derived from the office's rounds and the executor roles in `sop_steps` (data, editable by an admin), so
a reassigned step shows up for the new role without a code change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.actor import Actor
from core.fmt import date as fmt_date
from core.navigation import page_allowed
from core.permissions import units_in_scope
from core.rounds import collection_quarter, deadline_in_force, round_label
from db.models import CollectionRound, Correction, Report, SopStep, Submission

PAGE_DISPOSISI = "pages/disposisi.py"
PAGE_ISI_DATA = "pages/isi_data.py"
PAGE_PENGOLAHAN = "pages/pengolahan.py"
PAGE_KOREKSI = "pages/koreksi.py"
PAGE_DOKUMENTASI = "pages/dokumentasi.py"


@dataclass(frozen=True)
class Task:
    text: str
    page_path: Optional[str]  # None when the page does not exist (yet) for this role
    deadline: Optional[dt.date] = None
    late: bool = False


def _roles(steps: dict[str, SopStep], code: str) -> list[str]:
    step = steps.get(code)
    return list(step.executor_roles or []) if step else []


def my_tasks(session: Session, actor: Actor, today: Optional[dt.date] = None) -> list[Task]:
    today = today or clock.today()
    if actor.office_id is None:
        return []
    steps = {s.code: s for s in session.scalars(select(SopStep))}
    by_number = {s.number: s for s in steps.values()}
    role = actor.role
    out: list[Task] = []

    def add(text: str, page: str, deadline: Optional[dt.date] = None) -> None:
        late = deadline is not None and today > deadline
        out.append(Task(text, page if page_allowed(role, page) else None, deadline, late))

    year, quarter = collection_quarter(today)
    exists = session.scalar(select(CollectionRound.id).where(
        CollectionRound.office_id == actor.office_id, CollectionRound.year == year,
        CollectionRound.quarter == quarter))
    if exists is None and role in _roles(steps, "disposisi"):
        add(f"Buka pengumpulan data {round_label(year, quarter)}", PAGE_DISPOSISI)

    rounds = session.scalars(select(CollectionRound).where(
        CollectionRound.office_id == actor.office_id, CollectionRound.status == "berjalan")
        .order_by(CollectionRound.year, CollectionRound.quarter))
    for rnd in rounds:
        label = round_label(rnd.year, rnd.quarter)
        step = by_number.get(rnd.current_step)
        code = step.code if step else ""
        subs = list(session.scalars(select(Submission).where(Submission.round_id == rnd.id)))
        if code == "disposisi" and role in _roles(steps, "disposisi"):
            add(f"Buka pengumpulan data {label}", PAGE_DISPOSISI, rnd.deadline)
        if code == "distribusi" and role in _roles(steps, "distribusi"):
            add(f"Distribusikan pengumpulan data {label} kepada unit kerja", PAGE_DISPOSISI, rnd.deadline)
        if role in _roles(steps, "isi_data"):
            scope = units_in_scope(session, actor)
            for sub in subs:
                if sub.unit_id not in scope:
                    continue
                deadline = deadline_in_force(sub)
                if sub.state in ("belum_mulai", "draf"):
                    add(f"Isi data kinerja {label} — tenggat {fmt_date(deadline)}", PAGE_ISI_DATA, deadline)
                elif sub.state == "dikembalikan":
                    add(f"Perbaiki data yang dikembalikan — {label}", PAGE_ISI_DATA, deadline)
        # Reviews run while units still enter data (core.review allows isi_data and pengolahan).
        if code in ("isi_data", "pengolahan") and role in _roles(steps, "pengolahan"):
            waiting = sum(1 for s in subs if s.state == "diajukan")
            if waiting:
                add(f"Periksa data yang diajukan ({waiting} unit)", PAGE_PENGOLAHAN)
        if code == "penyusunan" and role in _roles(steps, "penyusunan"):
            open_corrections = session.scalar(
                select(Correction.id).join(Report, Report.id == Correction.report_id)
                .where(Report.round_id == rnd.id, Correction.resolved.is_(False)).limit(1))
            if open_corrections is not None:
                add(f"Terapkan koreksi ke draf laporan {label}", PAGE_PENGOLAHAN)
            else:
                add(f"Susun draf laporan {label}", PAGE_PENGOLAHAN)
        if code == "sosialisasi" and role in _roles(steps, "sosialisasi"):
            add(f"Sosialisasikan draf laporan {label} kepada JFT Perencana", PAGE_KOREKSI)
        if code == "koreksi" and role in _roles(steps, "koreksi"):
            add(f"Koreksi draf laporan {label}", PAGE_KOREKSI)
        if code == "serah" and role in _roles(steps, "serah"):
            add(f"Serahkan laporan {label} untuk didokumentasikan", PAGE_KOREKSI)
        if code == "dokumentasi" and role in _roles(steps, "dokumentasi"):
            add(f"Dokumentasikan laporan {label}", PAGE_DOKUMENTASI)
    return out
