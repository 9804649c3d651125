"""What Beranda shows about the logged-in user and the office's current collection round."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.actor import Actor
from db.models import OrgUnit


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


