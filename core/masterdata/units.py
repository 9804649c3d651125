"""The organisation tree: units (dinas, bidang, sub bagian, ...) created, renamed, moved, deactivated."""

from __future__ import annotations

import re
from typing import Any, Optional

import pandas as pd
from sqlalchemy import CheckConstraint, func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import InvalidInput
from core.masterdata.common import _apply, _get, _text, unit_office
from core.permissions import require
from db.models import Indicator, OrgUnit, User


def _kinds_from_model() -> tuple[str, ...]:
    """The unit kinds the database accepts, read from the model's check constraint."""
    for arg in OrgUnit.__table_args__:
        if isinstance(arg, CheckConstraint) and arg.name == "kind":
            return tuple(re.findall(r"'(\w+)'", str(arg.sqltext)))
    return ("pemkab", "dinas", "sekretariat", "subbagian", "bidang", "jft")


UNIT_KINDS: tuple[str, ...] = _kinds_from_model()
UNIT_KIND_LABELS = {
    "pemkab": "Pemerintah Kabupaten",
    "dinas": "Dinas (perangkat daerah)",
    "sekretariat": "Sekretariat",
    "subbagian": "Sub Bagian",
    "bidang": "Bidang",
    "jft": "Kelompok JFT",
}


def list_units(session: Session, office_id: Optional[int] = None, include_inactive: bool = True) -> pd.DataFrame:
    """The organisation tree in depth-first order, with a level for indenting."""
    units = list(session.scalars(select(OrgUnit).order_by(OrgUnit.sort_order, OrgUnit.id)))
    by_parent: dict[Optional[int], list[OrgUnit]] = {}
    for u in units:
        by_parent.setdefault(u.parent_id, []).append(u)
    known = {u.id for u in units}
    rows: list[dict[str, Any]] = []

    def walk(parent: Optional[int], level: int, parent_name: str) -> None:
        for u in by_parent.get(parent, []):
            if office_id is None or u.office_id == office_id or u.id == office_id:
                if include_inactive or u.active:
                    rows.append({
                        "id": u.id, "kode": u.code, "nama": ("  " * level) + u.name, "nama_singkat": u.short_name,
                        "jenis": u.kind, "induk": parent_name, "parent_id": u.parent_id,
                        "melapor": u.reports_data, "aktif": u.active, "tingkat": level,
                    })
            walk(u.id, level + 1, u.name)

    walk(None, 0, "")
    for u in units:  # orphans (parent missing) are still listed
        if u.parent_id is not None and u.parent_id not in known:
            rows.append({"id": u.id, "kode": u.code, "nama": u.name, "nama_singkat": u.short_name, "jenis": u.kind,
                         "induk": "", "parent_id": u.parent_id, "melapor": u.reports_data, "aktif": u.active,
                         "tingkat": 0})
    return pd.DataFrame(rows, columns=["id", "kode", "nama", "nama_singkat", "jenis", "induk", "parent_id",
                                       "melapor", "aktif", "tingkat"])


def unit_choices(session: Session, office_id: Optional[int], active_only: bool = True) -> dict[int, str]:
    """id → name of the office's units, for select boxes."""
    q = select(OrgUnit).where(OrgUnit.office_id == office_id).order_by(OrgUnit.sort_order, OrgUnit.id)
    if active_only:
        q = q.where(OrgUnit.active.is_(True))
    return {u.id: u.name for u in session.scalars(q)}


def create_unit(session: Session, actor: Actor, *, code: str, name: str, kind: str, parent_id: Optional[int],
                short_name: str = "", reports_data: bool = True) -> int:
    require(session, actor, "masterdata.manage", office_id=unit_office(session, parent_id))
    code = _text(code, "Kode unit", 40).upper()
    name = _text(name, "Nama unit", 200)
    short_name = _text(short_name, "Nama singkat", 80, required=False)
    if kind not in UNIT_KINDS:
        raise InvalidInput(f"Jenis unit '{kind}' tidak dikenal. Pilih salah satu: {', '.join(UNIT_KINDS)}.")
    if session.scalar(select(OrgUnit.id).where(func.upper(OrgUnit.code) == code)) is not None:
        raise InvalidInput(f"Kode unit '{code}' sudah dipakai. Gunakan kode lain.")
    parent = None
    if kind != "pemkab":
        parent = _get(session, OrgUnit, parent_id, "Unit induk") if parent_id is not None else None
        if parent is None:
            raise InvalidInput("Unit induk wajib dipilih.")
        if not parent.active:
            raise InvalidInput(f"Unit induk '{parent.name}' sudah dinonaktifkan.")
        if kind == "dinas" and parent.kind != "pemkab":
            raise InvalidInput("Dinas harus berada langsung di bawah Pemerintah Kabupaten.")
        if kind != "dinas" and parent.kind == "pemkab":
            raise InvalidInput("Di bawah Pemerintah Kabupaten hanya dapat dibuat unit berjenis Dinas.")
    order = (session.scalar(select(func.max(OrgUnit.sort_order))) or 0) + 1
    unit = OrgUnit(code=code, name=name, short_name=short_name or name[:80], kind=kind,
                   parent_id=parent.id if parent else None, reports_data=bool(reports_data), sort_order=order,
                   active=True)
    session.add(unit)
    session.flush()
    if kind == "dinas":
        unit.office_id = unit.id
    elif parent is not None:
        unit.office_id = parent.office_id
    session.flush()
    audit.record(session, actor, "unit.create", "org_unit", unit.id, after=audit.snapshot(unit),
                 office_id=unit.office_id)
    return unit.id


def rename_unit(session: Session, actor: Actor, unit_id: int, name: str, short_name: Optional[str] = None,
                reports_data: Optional[bool] = None, shown: Optional[dict[str, Any]] = None) -> bool:
    """Rename a unit (and its short name, whether it reports data); `shown`: the unit as the form drew it
    (common.touched)."""
    unit = _get(session, OrgUnit, unit_id, "Unit kerja")
    require(session, actor, "masterdata.manage", office_id=unit_office(session, unit.id))
    values: dict[str, Any] = {"name": _text(name, "Nama unit", 200)}
    if short_name is not None:
        values["short_name"] = _text(short_name, "Nama singkat", 80, required=False)
    if reports_data is not None:
        values["reports_data"] = bool(reports_data)
    return _apply(session, actor, unit, values, "unit.update", "org_unit", unit.office_id, shown=shown,
                  label=f"unit kerja {unit.name}")


def move_unit(session: Session, actor: Actor, unit_id: int, new_parent_id: int,
              shown: Optional[dict[str, Any]] = None) -> bool:
    unit = _get(session, OrgUnit, unit_id, "Unit kerja")
    require(session, actor, "masterdata.manage", office_id=unit_office(session, unit.id))
    parent = _get(session, OrgUnit, new_parent_id, "Unit induk baru")
    if unit.kind in ("pemkab", "dinas"):
        raise InvalidInput("Pemerintah Kabupaten dan Dinas tidak dapat dipindahkan.")
    node: Optional[OrgUnit] = parent
    while node is not None:
        if node.id == unit.id:
            raise InvalidInput("Unit tidak dapat dipindahkan ke bawah dirinya sendiri atau ke bawah sub-unitnya.")
        node = node.parent
    if parent.kind == "pemkab":
        raise InvalidInput("Di bawah Pemerintah Kabupaten hanya boleh ada Dinas.")
    if not parent.active:
        raise InvalidInput(f"Unit induk '{parent.name}' sudah dinonaktifkan.")
    if parent.office_id != unit.office_id:
        raise InvalidInput("Unit hanya dapat dipindahkan di dalam perangkat daerah yang sama.")
    return _apply(session, actor, unit, {"parent_id": parent.id}, "unit.move", "org_unit", unit.office_id,
                  shown=shown, label=f"unit kerja {unit.name}")


def set_unit_active(session: Session, actor: Actor, unit_id: int, active: bool,
                    shown: Optional[dict[str, Any]] = None) -> bool:
    """Deactivate (or reactivate) a unit; never deletes, so history keeps its names."""
    unit = _get(session, OrgUnit, unit_id, "Unit kerja")
    require(session, actor, "masterdata.manage", office_id=unit_office(session, unit.id))
    if not active:
        if unit.kind in ("pemkab", "dinas"):
            raise InvalidInput("Pemerintah Kabupaten dan Dinas tidak dapat dinonaktifkan di sini.")
        kids = [c.name for c in unit.children if c.active]
        if kids:
            raise InvalidInput("Nonaktifkan atau pindahkan dahulu sub-unitnya: " + ", ".join(kids) + ".")
        users = session.scalars(select(User.username).where(User.unit_id == unit.id, User.active.is_(True))).all()
        if users:
            raise InvalidInput("Pindahkan atau nonaktifkan dahulu pengguna di unit ini: " + ", ".join(users) + ".")
        inds = session.scalars(select(Indicator.code).where(Indicator.owner_unit_id == unit.id,
                                                            Indicator.active.is_(True))).all()
        if inds:
            raise InvalidInput("Unit ini masih pemilik indikator aktif: " + ", ".join(inds)
                               + ". Pindahkan dahulu pemilik indikator tersebut.")
    elif unit.parent is not None and not unit.parent.active:
        raise InvalidInput(f"Aktifkan dahulu unit induknya '{unit.parent.name}'.")
    return _apply(session, actor, unit, {"active": bool(active)},
                  "unit.activate" if active else "unit.deactivate", "org_unit", unit.office_id, shown=shown,
                  label=f"unit kerja {unit.name}")


def office_settings(session: Session, office_id: Optional[int]) -> dict[str, Any]:
    """The office's settings kept on its unit of kind 'dinas' (None = the default)."""
    office = session.get(OrgUnit, office_id) if office_id is not None else None
    return {"entry_lock_days": office.entry_lock_days if office is not None else None}


def set_entry_lock_days(session: Session, actor: Actor, office_id: int, days: Optional[int],
                        shown: Optional[dict[str, Any]] = None) -> bool:
    """The period lock (kunci jadwal): a unit's entry closes `days` after its deadline in force; None = never."""
    office = _get(session, OrgUnit, office_id, "Perangkat daerah")
    require(session, actor, "masterdata.manage", office_id=office.office_id)
    if office.kind != "dinas":
        raise InvalidInput("Kunci jadwal adalah pengaturan perangkat daerah (Dinas), bukan unit kerja.")
    if days is not None:
        try:
            days = int(days)
        except (TypeError, ValueError):
            raise InvalidInput("Isi jumlah hari kunci jadwal dengan bilangan bulat 0 sampai 90.") from None
        if not 0 <= days <= 90:
            raise InvalidInput("Jumlah hari kunci jadwal harus 0 sampai 90 hari setelah tenggat.")
    return _apply(session, actor, office, {"entry_lock_days": days}, "office.settings", "org_unit", office.office_id,
                  shown=shown, label="kunci jadwal")
