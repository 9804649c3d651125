"""What Beranda shows about the logged-in user and the office's current collection round."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.fmt import quarter_long
from db.models import CollectionRound, OrgUnit, SopStep


@dataclass(frozen=True)
class RoundInfo:
    id: int
    year: int
    quarter: int
    title: str
    status: str
    current_step: int
    current_step_name: str
    deadline: Optional[object]
    instruction: str


@dataclass(frozen=True)
class Profile:
    full_name: str
    nip: str
    jabatan: str
    role_label: str
    unit_name: str
    office_name: str


def profile(session: Session, actor: Actor) -> Profile:
    office = session.get(OrgUnit, actor.office_id) if actor.office_id else None
    return Profile(
        full_name=actor.full_name,
        nip=actor.nip,
        jabatan=actor.jabatan,
        role_label=actor.role_label,
        unit_name=actor.unit_name,
        office_name=office.name if office else "",
    )


def round_title(year: int, quarter: int) -> str:
    return f"Pengumpulan Data Kinerja {quarter_long(quarter)} Tahun {year}"


def current_round(session: Session, office_id: Optional[int]) -> Optional[RoundInfo]:
    """The office's open round (status berjalan), the newest if there were ever several."""
    if office_id is None:
        return None
    rnd = session.scalar(
        select(CollectionRound)
        .where(CollectionRound.office_id == office_id, CollectionRound.status == "berjalan")
        .order_by(CollectionRound.year.desc(), CollectionRound.quarter.desc())
    )
    if rnd is None:
        return None
    step = session.scalar(select(SopStep).where(SopStep.number == rnd.current_step))
    return RoundInfo(
        id=rnd.id,
        year=rnd.year,
        quarter=rnd.quarter,
        title=round_title(rnd.year, rnd.quarter),
        status=rnd.status,
        current_step=rnd.current_step,
        current_step_name=step.name if step else "",
        deadline=rnd.deadline,
        instruction=rnd.instruction,
    )
