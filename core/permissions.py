"""Who may do what: one table of every action, checked in core at the function that changes data.

An action is bound either to an SOP step (its executor roles are data, editable by an admin) or to
a fixed set of roles. The SOP's actions are declared by the step modules (core/steps/), the others here.
Every check also refuses a record of another office; unit-scoped actions also require that the actor
belongs to the unit.

Who may read a unit's data (realisations, notes, kendala, evidence, reviews, comments, corrections —
on screen, as a file, or inside a round's archive) is decided in one place too: `read_scope`. The roles
of "unit_data.read_all" read every unit of their office; every other role reads its own unit (and the
units above it, short of the office) and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import ROLE_LABELS, ROLES, Actor
from core.errors import NotAllowed


@dataclass(frozen=True)
class Rule:
    label: str  # what the action is, in Indonesian, for the refusal message
    step: Optional[str] = None  # SOP step code whose executor roles may do it
    roles: frozenset[str] = frozenset()  # fixed roles (beside the step's executors, when bound to a step)
    unit_scoped: bool = False  # the actor must belong to the unit acted on


def _r(*roles: str) -> frozenset[str]:
    return frozenset(roles)


ALL = frozenset(ROLES)

# The actions outside the SOP. The SOP's own actions are declared by the step modules (core/steps/*.py,
# `ACTIONS`) beside the services that perform them; MATRIX is both together.
FIXED: dict[str, Rule] = {
    "masterdata.manage": Rule("mengelola data induk", roles=_r("admin")),
    "user.manage": Rule("mengelola pengguna", roles=_r("admin")),
    "sop.manage": Rule("mengubah definisi langkah SOP", roles=_r("admin")),
    "backup.run": Rule("membuat atau memulihkan cadangan", roles=_r("admin")),
    "audit.view": Rule("melihat jejak audit", roles=_r("admin", "kepala_dinas")),
    "recap.view": Rule("melihat rekap", roles=ALL),
    # the roles that oversee the office: every unit's data, evidence and history, the whole round archive
    "unit_data.read_all": Rule("membaca data, bukti dukung dan riwayat seluruh unit kerja",
                               roles=_r("kepala_dinas", "sekretaris", "penyusun", "perencana", "admin", "pemantau")),
    "recap.regency": Rule("melihat rekap seluruh perangkat daerah", roles=_r("admin", "pemantau")),
    "account.change_password": Rule("mengganti kata sandi sendiri", roles=ALL),
    "account.change_phone": Rule("mengganti nomor ponsel sendiri", roles=ALL),
}


class _Matrix(Mapping[str, Rule]):
    """Every action: the step modules' declarations (in SOP order) and FIXED, built on first use (the step
    modules import this module for `require`)."""

    _rules: Optional[dict[str, Rule]] = None

    def _all(self) -> dict[str, Rule]:
        if self._rules is None:
            from core.steps import declared_actions

            rules = dict(declared_actions())
            clash = set(rules) & set(FIXED)
            assert not clash, f"actions declared twice: {sorted(clash)}"
            rules.update(FIXED)
            self._rules = rules
        return self._rules

    def __getitem__(self, action: str) -> Rule:
        return self._all()[action]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


MATRIX: Mapping[str, Rule] = _Matrix()


def step_executors(session: Optional[Session]) -> dict[str, frozenset[str]]:
    """Each SOP step's executor roles: from `sop_steps` (data an admin edits), else the SOP's defaults."""
    if session is not None:
        from db.models import SopStep

        rows = session.execute(select(SopStep.code, SopStep.executor_roles)).all()
        if rows:
            return {code: frozenset(roles or ()) for code, roles in rows}
    from core.sop import DEFAULT_STEPS

    return {d.code: frozenset(d.executor_roles) for d in DEFAULT_STEPS}


def allowed_roles_from(executors: dict[str, frozenset[str]], action: str) -> frozenset[str]:
    rule = MATRIX[action]
    if rule.step is None:
        return rule.roles
    return rule.roles | executors.get(rule.step, frozenset())


def allowed_roles(session: Optional[Session], action: str) -> frozenset[str]:
    rule = MATRIX[action]
    if rule.step is None:
        return rule.roles
    roles: Optional[list[str]] = None
    if session is not None:
        from core.sop import step_by_code

        roles = step_by_code(session, rule.step).executor_roles
    if roles is None:
        from core.sop import DEFAULT_STEPS

        roles = next(list(d.executor_roles) for d in DEFAULT_STEPS if d.code == rule.step)
    return rule.roles | frozenset(roles)


def unit_in_scope(session: Optional[Session], actor: Actor, unit_id: Optional[int]) -> bool:
    """The actor's own unit, or a unit above it (a Kepala Sub Bagian reports for the Sekretariat)."""
    if unit_id is None or actor.unit_id is None:
        return False
    if actor.unit_id == unit_id:
        return True
    return session is not None and unit_id in units_in_scope(session, actor)


def units_in_scope(session: Session, actor: Actor) -> set[int]:
    """Every unit for which unit_in_scope(actor, unit) holds: the actor's unit and the units above it,
    short of the office itself (one walk up the tree instead of one per unit asked about)."""
    from db.models import OrgUnit

    if actor.unit_id is None:
        return set()
    scope = {actor.unit_id}
    unit = session.get(OrgUnit, actor.unit_id)
    while unit is not None and unit.parent_id is not None:
        unit = session.get(OrgUnit, unit.parent_id)
        if unit is not None and unit.kind not in ("dinas", "pemkab"):
            scope.add(unit.id)
    return scope


def other_office(actor: Actor, office_id: Optional[int]) -> bool:
    """The record belongs to an office that is not the actor's (an account without an office — the regency's
    administrator — belongs to none and is not refused for it)."""
    return office_id is not None and actor.office_id is not None and actor.office_id != office_id


def require_office(actor: Actor, office_id: Optional[int]) -> None:
    """The read check of an office's records (a round, its reports, its status): NotAllowed for an account of
    another office. A unit's own data is read through require_unit_read."""
    if other_office(actor, office_id):
        raise NotAllowed("Data ini milik perangkat daerah lain.")


def can(session: Optional[Session], actor: Actor, action: str, unit_id: Optional[int] = None,
        office_id: Optional[int] = None) -> bool:
    rule = MATRIX[action]
    if other_office(actor, office_id):
        return False
    if actor.role not in allowed_roles(session, action):
        return False
    if rule.unit_scoped and not unit_in_scope(session, actor, unit_id):
        return False
    return True


def require(session: Optional[Session], actor: Actor, action: str, unit_id: Optional[int] = None,
            office_id: Optional[int] = None) -> None:
    """Raise NotAllowed with a clear Indonesian message when the actor may not do the action: a role the
    action is not for, a record of another office (`office_id`, the office of what is acted on), or a unit
    outside the actor's own for a unit's action."""
    rule = MATRIX[action]
    if other_office(actor, office_id):
        raise NotAllowed(f"Anda tidak berwenang {rule.label} di perangkat daerah lain: data ini milik "
                         "perangkat daerah lain.")
    roles = allowed_roles(session, action)
    if actor.role not in roles:
        who = ", ".join(sorted(ROLE_LABELS.get(r, r) for r in roles)) or "tidak ada peran"
        raise NotAllowed(
            f"Anda ({actor.role_label}) tidak berwenang {rule.label}. "
            f"Yang berwenang: {who}."
        )
    if rule.unit_scoped and not unit_in_scope(session, actor, unit_id):
        raise NotAllowed(
            f"Anda tidak berwenang {rule.label} untuk unit lain. "
            "Anda hanya dapat bertindak untuk unit kerja Anda sendiri."
        )


@dataclass(frozen=True)
class ReadScope:
    """Which units' data of one office an actor may read: every unit, or the listed ones (maybe none)."""

    office_id: int
    all_units: bool
    unit_ids: frozenset[int] = frozenset()
    other_office: bool = False  # the office is not the actor's: nothing of it

    def covers(self, unit_id: Optional[int]) -> bool:
        if self.other_office:
            return False
        return self.all_units or (unit_id is not None and unit_id in self.unit_ids)

    @property
    def anything(self) -> bool:
        return not self.other_office and (self.all_units or bool(self.unit_ids))


def read_scope(session: Session, actor: Actor, office_id: int) -> ReadScope:
    """The one rule of who reads which unit's data of an office (read_evidence, the archive, the history).

    An account of another office reads nothing of it; the roles of "unit_data.read_all" read every unit;
    every other role reads the units of unit_in_scope (its own, and the ones above it short of the office)."""
    if actor.office_id is not None and actor.office_id != office_id:
        return ReadScope(office_id, all_units=False, other_office=True)
    if can(session, actor, "unit_data.read_all"):
        return ReadScope(office_id, all_units=True)
    return ReadScope(office_id, all_units=False, unit_ids=frozenset(units_in_scope(session, actor)))


def require_unit_read(session: Session, actor: Actor, office_id: int, unit_id: Optional[int]) -> None:
    """NotAllowed, in Indonesian, unless read_scope covers the unit."""
    if unit_id is not None and unit_id == actor.unit_id and actor.office_id in (None, office_id):
        return  # one's own unit is in every role's scope: no query for the most common read
    scope = read_scope(session, actor, office_id)
    if scope.other_office:
        raise NotAllowed("Data ini milik perangkat daerah lain.")
    if not scope.covers(unit_id):
        raise NotAllowed("Anda hanya dapat melihat data unit kerja Anda sendiri.")
