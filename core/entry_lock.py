"""The period lock: a unit's entry closes a number of days after its deadline in force (an office setting,
DHIS2's *expiry days*), until the Sekretaris reopens it with an extension (a reason and a new deadline).

NULL days on the office (`org_units.entry_lock_days`) means never closed, as before the setting existed.
Only data not yet handed in is closed by the lock: `belum_mulai` and `draf`. Data with the reviewer or accepted
is locked by its state anyway, and data *returned* by the reviewer stays open for the correction it asks for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.actor import ROLE_LABELS, ROLES
from core.fmt import date as fmt_date
from core.permissions import allowed_roles
from core.round_status import deadline_in_force
from core.states import SubmissionState
from db.models import OrgUnit, Submission, User

# The states the period lock closes.
LOCKABLE = (SubmissionState.BELUM_MULAI, SubmissionState.DRAF)


def office_lock_days(session: Session, office_id: Optional[int]) -> Optional[int]:
    """The office's setting: days after the deadline in force before entry closes (None = never)."""
    if office_id is None:
        return None
    return session.scalar(select(OrgUnit.entry_lock_days).where(OrgUnit.id == office_id))


def lock_date(deadline: Optional[dt.date], lock_days: Optional[int]) -> Optional[dt.date]:
    """The last day the unit may still enter data; None when the office never closes entry."""
    if lock_days is None or deadline is None:
        return None
    return deadline + dt.timedelta(days=int(lock_days))


def is_locked(state: str, deadline: Optional[dt.date], lock_days: Optional[int], today: dt.date) -> bool:
    last = lock_date(deadline, lock_days)
    return last is not None and state in LOCKABLE and today > last


NOTICE_DAYS = 3  # Beranda's notices start this many days before a deadline


def deadline_notice(deadline: Optional[dt.date], today: dt.date) -> str:
    """'hari ini', 'besok', 'dua hari lagi', 'tiga hari lagi' within NOTICE_DAYS of the deadline; '' otherwise."""
    if deadline is None:
        return ""
    left = (deadline - today).days
    if not 0 <= left <= NOTICE_DAYS:
        return ""
    return {0: "hari ini", 1: "besok", 2: "dua hari lagi", 3: "tiga hari lagi"}.get(left, f"{left} hari lagi")


@dataclass(frozen=True)
class EntryLock:
    """A closed entry, as the unit's page and the refusal explain it."""

    unit_name: str
    deadline: dt.date  # the deadline in force
    lock_days: int
    closed_since: dt.date  # the first day entry is closed
    reopeners: str  # who may reopen it, in words

    @property
    def message(self) -> str:
        grace = f"telah lewat lebih dari {self.lock_days} hari" if self.lock_days else "telah lewat"
        return (f"Pengisian data {self.unit_name} ditutup sejak {fmt_date(self.closed_since)}: tenggat "
                f"{fmt_date(self.deadline)} {grace} (ketentuan kunci jadwal perangkat daerah). Data hanya dapat "
                f"diubah lagi bila dibuka kembali oleh {self.reopeners}, dengan alasan dan tenggat baru.")


def reopeners(session: Session, office_id: int) -> str:
    """The roles that may reopen an entry (those who grant extensions) and their active users in the office."""
    roles = sorted(allowed_roles(session, "submission.extend"), key=ROLES.index)
    names = dict.fromkeys(r for r in roles)
    people: dict[str, list[str]] = {r: [] for r in roles}
    for role, name in session.execute(
            select(User.role, User.full_name).join(OrgUnit, OrgUnit.id == User.unit_id)
            .where(User.role.in_(roles), User.active.is_(True), OrgUnit.office_id == office_id)
            .order_by(User.full_name)):
        people[role].append(name)
    parts = []
    for role in names:
        label = ROLE_LABELS.get(role, role)
        parts.append(f"{label} ({', '.join(people[role])})" if people[role] else label)
    return " atau ".join(parts) or "pemberi perpanjangan tenggat"


def entry_lock(session: Session, sub: Submission, today: Optional[dt.date] = None,
               lock_days: Optional[int] = None, *, read_setting: bool = True) -> Optional[EntryLock]:
    """The lock on a unit's entry, or None while it is open."""
    today = today or clock.today()
    if read_setting:
        lock_days = office_lock_days(session, sub.round.office_id)
    deadline = deadline_in_force(sub)
    if not is_locked(sub.state, deadline, lock_days, today):
        return None
    assert lock_days is not None
    last = lock_date(deadline, lock_days)
    assert last is not None
    return EntryLock(sub.unit.name, deadline, int(lock_days), last + dt.timedelta(days=1),
                     reopeners(session, sub.round.office_id))
