"""Master data (data induk) services: units, users, Renstra and indicators, targets, DPA lines, SOP steps.

Every mutating function checks the admin's permission and writes one audit row per changed entity,
in the caller's transaction. Listing functions return DataFrames for the pages.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

import pandas as pd
from sqlalchemy import CheckConstraint, delete, func, select
from sqlalchemy.orm import Session

from core import audit, clock, fmt
from core.actor import ROLE_LABELS, ROLES, Actor
from core.auth import hash_password, locked_accounts, validate_new_password
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.parsing import parse_number
from core.permissions import require
from core.sessions import revoke_on_change
from db.models import (
    BudgetLine,
    Indicator,
    LoginFailure,
    OrgUnit,
    PaguHistory,
    RenstraPeriod,
    Sasaran,
    SopStep,
    Target,
    User,
)


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
POLARITIES = ("positif", "negatif")
POLARITY_LABELS = {"positif": "Positif (makin tinggi makin baik)", "negatif": "Negatif (makin rendah makin baik)"}
COMBINES = ("sum", "last", "avg")
COMBINE_LABELS = {"sum": "Kumulatif (jumlah)", "last": "Nilai terakhir", "avg": "Rata-rata"}
DOCUMENTS = ("DPA", "DPPA")

USER_FIELDS = ["id", "username", "full_name", "nip", "jabatan", "pangkat", "email", "role", "unit_id", "active"]


# --- helpers ------------------------------------------------------------------------------------


def _text(value: Any, label: str, max_len: int, required: bool = True) -> str:
    s = "" if value is None else str(value).strip()
    if required and not s:
        raise InvalidInput(f"{label} wajib diisi.")
    if len(s) > max_len:
        raise InvalidInput(f"{label} terlalu panjang: paling banyak {max_len} karakter.")
    return s


def to_decimal(value: Any, label: str, required: bool = False) -> Optional[Decimal]:
    """A Decimal from a widget or spreadsheet value (number or Indonesian text); None for empty."""
    if isinstance(value, float) and value != value:  # NaN from an empty DataFrame cell
        value = None
    if isinstance(value, str) and not value.strip():
        value = None
    if value is None:
        if required:
            raise InvalidInput(f"{label} wajib diisi.")
        return None
    return parse_number(value, label, allow_negative=True)


def _get(session: Session, model: type, ident: Any, what: str) -> Any:
    obj = session.get(model, ident) if ident is not None else None
    if obj is None:
        raise NotFound(f"{what} tidak ditemukan (mungkin sudah dihapus). Muat ulang halaman.")
    return obj


def _changes(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if getattr(obj, k) != v}


def _office(session: Session, office_id: Optional[int]) -> OrgUnit:
    office = session.get(OrgUnit, office_id) if office_id else None
    if office is None or office.kind != "dinas":
        raise NotFound("Perangkat daerah (dinas) tidak ditemukan.")
    return office


def _unit_of_office(session: Session, unit_id: Any, office_id: int, label: str = "Unit pemilik") -> OrgUnit:
    unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit is None:
        raise InvalidInput(f"{label} wajib dipilih dari daftar unit kerja.")
    if unit.office_id != office_id:
        raise InvalidInput(f"{label} '{unit.name}' bukan unit kerja perangkat daerah ini.")
    if not unit.active:
        raise InvalidInput(f"{label} '{unit.name}' sudah dinonaktifkan; pilih unit kerja yang aktif.")
    return unit


# --- units ----------------------------------------------------------------------------------------


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
    require(session, actor, "masterdata.manage")
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
                reports_data: Optional[bool] = None) -> bool:
    require(session, actor, "masterdata.manage")
    unit = _get(session, OrgUnit, unit_id, "Unit kerja")
    values: dict[str, Any] = {"name": _text(name, "Nama unit", 200)}
    if short_name is not None:
        values["short_name"] = _text(short_name, "Nama singkat", 80, required=False)
    if reports_data is not None:
        values["reports_data"] = bool(reports_data)
    return _apply(session, actor, unit, values, "unit.update", "org_unit", unit.office_id)


def _apply(session: Session, actor: Actor, obj: Any, values: dict[str, Any], action: str, entity: str,
           office_id: Optional[int], hide: tuple[str, ...] = ()) -> bool:
    """Set changed fields and write one audit row with before/after of the changed fields only."""
    changed = _changes(obj, values)
    if not changed:
        return False
    before = {k: ("***" if k in hide else getattr(obj, k)) for k in changed}
    for k, v in changed.items():
        setattr(obj, k, v)
    if hasattr(obj, "version") and isinstance(getattr(obj, "version", None), int):
        obj.version = obj.version + 1
    session.flush()
    after = {k: ("*** (diganti)" if k in hide else getattr(obj, k)) for k in changed}
    audit.record(session, actor, action, entity, obj.id, before=before, after=after, office_id=office_id)
    return True


def move_unit(session: Session, actor: Actor, unit_id: int, new_parent_id: int) -> bool:
    require(session, actor, "masterdata.manage")
    unit = _get(session, OrgUnit, unit_id, "Unit kerja")
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
    return _apply(session, actor, unit, {"parent_id": parent.id}, "unit.move", "org_unit", unit.office_id)


def set_unit_active(session: Session, actor: Actor, unit_id: int, active: bool) -> bool:
    """Deactivate (or reactivate) a unit; never deletes, so history keeps its names."""
    require(session, actor, "masterdata.manage")
    unit = _get(session, OrgUnit, unit_id, "Unit kerja")
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
                  "unit.activate" if active else "unit.deactivate", "org_unit", unit.office_id)


# --- users ----------------------------------------------------------------------------------------


def validate_nip(nip: Optional[str], today: Optional[dt.date] = None) -> Optional[str]:
    """An empty NIP is allowed (non-civil-servant accounts); otherwise 18 plausible digits."""
    if nip is None:
        return None
    s = re.sub(r"\s+", "", str(nip))
    if not s:
        return None
    today = today or clock.today()
    if not s.isdigit() or len(s) != 18:
        raise InvalidInput(f"NIP harus 18 angka tanpa spasi atau tanda baca (diisi: '{nip}', {len(s)} karakter).")
    try:
        birth = dt.date(int(s[0:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        raise InvalidInput(f"NIP {s}: 8 angka pertama harus tanggal lahir yang sah (tahun-bulan-tanggal).") from None
    if birth.year < 1940 or birth > today.replace(year=today.year - 17):
        raise InvalidInput(f"NIP {s}: tanggal lahir {birth.isoformat()} tidak wajar untuk seorang ASN.")
    year, month = int(s[8:12]), int(s[12:14])
    if not 1 <= month <= 12:
        raise InvalidInput(f"NIP {s}: angka ke-9 s.d. 14 harus tahun dan bulan pengangkatan (bulan 01–12).")
    if year < birth.year + 17 or (year, month) > (today.year, today.month + 12):
        raise InvalidInput(f"NIP {s}: tahun pengangkatan {year} tidak wajar untuk kelahiran tahun {birth.year}.")
    if s[14] not in "12":
        raise InvalidInput(f"NIP {s}: angka ke-15 harus 1 (laki-laki) atau 2 (perempuan).")
    if s[15:] == "000":
        raise InvalidInput(f"NIP {s}: tiga angka terakhir (nomor urut) tidak boleh 000.")
    return s


def list_users(session: Session, office_id: Optional[int] = None) -> pd.DataFrame:
    units = {u.id: u for u in session.scalars(select(OrgUnit))}
    locked = locked_accounts(session)
    rows = []
    for u in session.scalars(select(User).order_by(User.username)):
        unit = units.get(u.unit_id) if u.unit_id else None
        if office_id is not None and unit is not None and unit.office_id not in (office_id, None):
            continue
        rows.append({"id": u.id, "username": u.username, "nama": u.full_name, "nip": u.nip or "",
                     "jabatan": u.jabatan, "pangkat": u.pangkat, "email": u.email, "peran": u.role,
                     "peran_label": ROLE_LABELS.get(u.role, u.role), "unit_id": u.unit_id,
                     "unit": unit.name if unit else "", "aktif": u.active,
                     "terkunci": u.username in locked})
    return pd.DataFrame(rows, columns=["id", "username", "nama", "nip", "jabatan", "pangkat", "email", "peran",
                                       "peran_label", "unit_id", "unit", "aktif", "terkunci"])


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"Peran '{role}' tidak dikenal. Pilih salah satu: {', '.join(ROLES)}.")
    return role


def _check_user_unit(session: Session, unit_id: Optional[int]) -> Optional[int]:
    if unit_id is None:
        raise InvalidInput("Unit kerja pengguna wajib dipilih.")
    unit = _get(session, OrgUnit, unit_id, "Unit kerja")
    if not unit.active:
        raise InvalidInput(f"Unit kerja '{unit.name}' sudah dinonaktifkan; pilih unit yang aktif.")
    return unit.id


def _check_nip_free(session: Session, nip: Optional[str], user_id: Optional[int] = None) -> None:
    if nip is None:
        return
    other = session.scalar(select(User).where(User.nip == nip))
    if other is not None and other.id != user_id:
        raise InvalidInput(f"NIP {nip} sudah dipakai oleh pengguna '{other.username}'.")


def create_user(session: Session, actor: Actor, *, username: str, full_name: str, password: str, role: str,
                unit_id: Optional[int], nip: Optional[str] = None, jabatan: str = "", pangkat: str = "",
                email: str = "") -> int:
    require(session, actor, "user.manage")
    username = _text(username, "Nama pengguna", 60).lower()
    if not re.fullmatch(r"[a-z0-9_.\-]{3,60}", username):
        raise InvalidInput("Nama pengguna hanya boleh huruf kecil, angka, titik, garis bawah atau tanda hubung "
                           "(minimal 3 karakter, tanpa spasi).")
    if session.scalar(select(User.id).where(func.lower(User.username) == username)) is not None:
        raise InvalidInput(f"Nama pengguna '{username}' sudah dipakai. Pilih nama pengguna lain.")
    full_name = _text(full_name, "Nama lengkap", 200)
    _check_role(role)
    unit_id = _check_user_unit(session, unit_id)
    nip = validate_nip(nip)
    _check_nip_free(session, nip)
    validate_new_password(password or "", username)
    user = User(username=username, full_name=full_name, nip=nip, jabatan=_text(jabatan, "Jabatan", 200, False),
                pangkat=_text(pangkat, "Pangkat/golongan", 120, False), email=_text(email, "Email", 200, False),
                role=role, unit_id=unit_id, password_hash=hash_password(password), active=True,
                password_changed_at=None)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, after=audit.snapshot(user, USER_FIELDS))
    return user.id


def update_user(session: Session, actor: Actor, user_id: int, *, full_name: Optional[str] = None,
                role: Optional[str] = None, unit_id: Optional[int] = None, nip: Optional[str] = None,
                jabatan: Optional[str] = None, pangkat: Optional[str] = None, email: Optional[str] = None) -> bool:
    """Change a user's profile fields; None leaves a field as it is (NIP '' clears it)."""
    require(session, actor, "user.manage")
    user = _get(session, User, user_id, "Pengguna")
    values: dict[str, Any] = {}
    if full_name is not None:
        values["full_name"] = _text(full_name, "Nama lengkap", 200)
    if role is not None:
        values["role"] = _check_role(role)
        if user.id == actor.user_id and role != user.role and user.role == "admin":
            raise NotAllowed("Anda tidak dapat mencabut peran Administrator dari akun Anda sendiri.")
    if unit_id is not None:
        values["unit_id"] = _check_user_unit(session, unit_id)
    if nip is not None:
        values["nip"] = validate_nip(nip)
        _check_nip_free(session, values["nip"], user.id)
    if jabatan is not None:
        values["jabatan"] = _text(jabatan, "Jabatan", 200, False)
    if pangkat is not None:
        values["pangkat"] = _text(pangkat, "Pangkat/golongan", 120, False)
    if email is not None:
        values["email"] = _text(email, "Email", 200, False)
    return _apply(session, actor, user, values, "user.update", "user", None)


def set_user_active(session: Session, actor: Actor, user_id: int, active: bool) -> bool:
    require(session, actor, "user.manage")
    user = _get(session, User, user_id, "Pengguna")
    if not active and user.id == actor.user_id:
        raise NotAllowed("Anda tidak dapat menonaktifkan akun Anda sendiri.")
    values: dict[str, Any] = {"active": bool(active)}
    if not active and user.active:
        revoke_on_change(user)  # the sessions it has open end on their next click
    return _apply(session, actor, user, values, "user.activate" if active else "user.deactivate", "user", None)


def reset_password(session: Session, actor: Actor, user_id: int, new_password: str) -> None:
    """Set a new initial password (the user should change it under Akun Saya); also lifts a lock-out."""
    require(session, actor, "user.manage")
    user = _get(session, User, user_id, "Pengguna")
    validate_new_password(new_password or "", user.username)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = None
    revoke_on_change(user)
    session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
    session.flush()
    audit.record(session, actor, "user.reset_password", "user", user.id,
                 before={"password": "***"}, after={"password": "*** (disetel ulang oleh administrator)"})


# --- Renstra, sasaran, indicators --------------------------------------------------------------------


def list_periods(session: Session, office_id: int) -> pd.DataFrame:
    rows = [{"id": p.id, "nama": p.name, "tahun_awal": p.start_year, "tahun_akhir": p.end_year,
             "jumlah_sasaran": len(p.sasaran)}
            for p in session.scalars(select(RenstraPeriod).where(RenstraPeriod.office_id == office_id)
                                     .order_by(RenstraPeriod.start_year))]
    return pd.DataFrame(rows, columns=["id", "nama", "tahun_awal", "tahun_akhir", "jumlah_sasaran"])


def _years(start: Any, end: Any) -> tuple[int, int]:
    try:
        s, e = int(start), int(end)
    except (TypeError, ValueError):
        raise InvalidInput("Tahun awal dan tahun akhir Renstra harus berupa tahun, misalnya 2021 dan 2026.") from None
    if not (2000 <= s <= 2100 and 2000 <= e <= 2100):
        raise InvalidInput("Tahun Renstra harus antara 2000 dan 2100.")
    if e < s:
        raise InvalidInput("Tahun akhir Renstra tidak boleh sebelum tahun awal.")
    return s, e


def create_period(session: Session, actor: Actor, office_id: int, name: str, start_year: int, end_year: int) -> int:
    require(session, actor, "masterdata.manage")
    _office(session, office_id)
    s, e = _years(start_year, end_year)
    p = RenstraPeriod(office_id=office_id, name=_text(name, "Nama periode Renstra", 200), start_year=s, end_year=e)
    session.add(p)
    session.flush()
    audit.record(session, actor, "renstra.create", "renstra_period", p.id, after=audit.snapshot(p),
                 office_id=office_id)
    return p.id


def update_period(session: Session, actor: Actor, period_id: int, name: str, start_year: int,
                  end_year: int) -> bool:
    require(session, actor, "masterdata.manage")
    p = _get(session, RenstraPeriod, period_id, "Periode Renstra")
    s, e = _years(start_year, end_year)
    return _apply(session, actor, p, {"name": _text(name, "Nama periode Renstra", 200), "start_year": s,
                                      "end_year": e}, "renstra.update", "renstra_period", p.office_id)


def list_sasaran(session: Session, office_id: int) -> pd.DataFrame:
    rows = []
    q = (select(Sasaran, RenstraPeriod).join(RenstraPeriod, Sasaran.period_id == RenstraPeriod.id)
         .where(RenstraPeriod.office_id == office_id).order_by(RenstraPeriod.start_year, Sasaran.sort_order))
    for s, p in session.execute(q):
        rows.append({"id": s.id, "periode_id": p.id, "periode": p.name, "kode": s.code, "nama": s.name,
                     "jumlah_indikator": len(s.indicators)})
    return pd.DataFrame(rows, columns=["id", "periode_id", "periode", "kode", "nama", "jumlah_indikator"])


def create_sasaran(session: Session, actor: Actor, period_id: int, code: str, name: str) -> int:
    require(session, actor, "masterdata.manage")
    p = _get(session, RenstraPeriod, period_id, "Periode Renstra")
    code = _text(code, "Kode sasaran", 40).upper()
    if session.scalar(select(Sasaran.id).where(Sasaran.period_id == p.id, Sasaran.code == code)) is not None:
        raise InvalidInput(f"Kode sasaran '{code}' sudah ada pada {p.name}.")
    order = (session.scalar(select(func.max(Sasaran.sort_order)).where(Sasaran.period_id == p.id)) or 0) + 1
    s = Sasaran(period_id=p.id, code=code, name=_text(name, "Nama sasaran", 400), sort_order=order)
    session.add(s)
    session.flush()
    audit.record(session, actor, "sasaran.create", "sasaran", s.id, after=audit.snapshot(s), office_id=p.office_id)
    return s.id


def update_sasaran(session: Session, actor: Actor, sasaran_id: int, code: str, name: str) -> bool:
    require(session, actor, "masterdata.manage")
    s = _get(session, Sasaran, sasaran_id, "Sasaran")
    code = _text(code, "Kode sasaran", 40).upper()
    other = session.scalar(select(Sasaran.id).where(Sasaran.period_id == s.period_id, Sasaran.code == code))
    if other is not None and other != s.id:
        raise InvalidInput(f"Kode sasaran '{code}' sudah dipakai sasaran lain.")
    return _apply(session, actor, s, {"code": code, "name": _text(name, "Nama sasaran", 400)},
                  "sasaran.update", "sasaran", s.period.office_id)


def list_indicators(session: Session, office_id: int, include_inactive: bool = True) -> pd.DataFrame:
    q = (select(Indicator).where(Indicator.office_id == office_id)
         .join(Sasaran, Indicator.sasaran_id == Sasaran.id).order_by(Sasaran.sort_order, Indicator.sort_order))
    if not include_inactive:
        q = q.where(Indicator.active.is_(True))
    rows = []
    for i in session.scalars(q):
        rows.append({"id": i.id, "kode": i.code, "nama": i.name, "sasaran_id": i.sasaran_id,
                     "sasaran": f"{i.sasaran.code} {i.sasaran.name}", "satuan": i.satuan, "polaritas": i.polarity,
                     "akumulasi": i.combine, "iku": i.is_iku, "unit_pemilik_id": i.owner_unit_id,
                     "unit_pemilik": i.owner_unit.name, "definisi": i.definition, "sumber_data": i.data_source,
                     "wajib_bukti": i.needs_evidence, "aktif": i.active})
    return pd.DataFrame(rows, columns=["id", "kode", "nama", "sasaran_id", "sasaran", "satuan", "polaritas",
                                       "akumulasi", "iku", "unit_pemilik_id", "unit_pemilik", "definisi",
                                       "sumber_data", "wajib_bukti", "aktif"])


def _indicator_values(session: Session, office_id: int, data: dict[str, Any],
                      check_owner: bool = True) -> dict[str, Any]:
    polarity = data.get("polarity", "positif")
    combine = data.get("combine", "sum")
    if polarity not in POLARITIES:
        raise InvalidInput("Polaritas harus 'positif' (makin tinggi makin baik) atau 'negatif' (makin rendah makin baik).")
    if combine not in COMBINES:
        raise InvalidInput("Cara akumulasi triwulan harus 'sum' (kumulatif), 'last' (nilai terakhir) atau 'avg' (rata-rata).")
    sasaran = _get(session, Sasaran, data.get("sasaran_id"), "Sasaran")
    if sasaran.period.office_id != office_id:
        raise InvalidInput("Sasaran yang dipilih bukan milik perangkat daerah ini.")
    if check_owner:
        owner_id = _unit_of_office(session, data.get("owner_unit_id"), office_id).id
    else:
        owner_id = data["owner_unit_id"]
    return {
        "sasaran_id": sasaran.id,
        "code": _text(data.get("code"), "Kode indikator", 40).upper(),
        "name": _text(data.get("name"), "Nama indikator", 400),
        "satuan": _text(data.get("satuan"), "Satuan", 40),
        "polarity": polarity,
        "combine": combine,
        "is_iku": bool(data.get("is_iku", False)),
        "owner_unit_id": owner_id,
        "definition": _text(data.get("definition", ""), "Definisi/formula", 5000, False),
        "data_source": _text(data.get("data_source", ""), "Sumber data", 300, False),
        "needs_evidence": bool(data.get("needs_evidence", True)),
    }


def create_indicator(session: Session, actor: Actor, office_id: int, *, sasaran_id: int, code: str, name: str,
                     satuan: str, polarity: str = "positif", combine: str = "sum", is_iku: bool = False,
                     owner_unit_id: Optional[int] = None, definition: str = "", data_source: str = "",
                     needs_evidence: bool = True) -> int:
    require(session, actor, "masterdata.manage")
    _office(session, office_id)
    values = _indicator_values(session, office_id, dict(
        sasaran_id=sasaran_id, code=code, name=name, satuan=satuan, polarity=polarity, combine=combine,
        is_iku=is_iku, owner_unit_id=owner_unit_id, definition=definition, data_source=data_source,
        needs_evidence=needs_evidence))
    if session.scalar(select(Indicator.id).where(Indicator.office_id == office_id,
                                                 Indicator.code == values["code"])) is not None:
        raise InvalidInput(f"Kode indikator '{values['code']}' sudah dipakai di perangkat daerah ini.")
    order = (session.scalar(select(func.max(Indicator.sort_order)).where(Indicator.office_id == office_id)) or 0) + 1
    ind = Indicator(office_id=office_id, sort_order=order, active=True, **values)
    session.add(ind)
    session.flush()
    audit.record(session, actor, "indicator.create", "indicator", ind.id, after=audit.snapshot(ind),
                 office_id=office_id)
    return ind.id


def update_indicator(session: Session, actor: Actor, indicator_id: int, **fields: Any) -> bool:
    """Change an indicator; fields as in create_indicator plus `active`. Unchanged fields may be omitted."""
    require(session, actor, "masterdata.manage")
    ind = _get(session, Indicator, indicator_id, "Indikator")
    data = {k: getattr(ind, k) for k in ("sasaran_id", "code", "name", "satuan", "polarity", "combine", "is_iku",
                                         "owner_unit_id", "definition", "data_source", "needs_evidence")}
    unknown = set(fields) - set(data) - {"active"}
    if unknown:
        raise InvalidInput("Kolom indikator tidak dikenal: " + ", ".join(sorted(unknown)) + ".")
    data.update({k: v for k, v in fields.items() if k != "active"})
    # An unchanged owner may have been deactivated since: only a new owner must be active.
    values = _indicator_values(session, ind.office_id, data,
                               check_owner=fields.get("owner_unit_id", ind.owner_unit_id) != ind.owner_unit_id)
    if "active" in fields:
        values["active"] = bool(fields["active"])
    other = session.scalar(select(Indicator.id).where(Indicator.office_id == ind.office_id,
                                                      Indicator.code == values["code"]))
    if other is not None and other != ind.id:
        raise InvalidInput(f"Kode indikator '{values['code']}' sudah dipakai indikator lain.")
    return _apply(session, actor, ind, values, "indicator.update", "indicator", ind.office_id)


# --- targets (PK annual, RA quarterly) ------------------------------------------------------------------


QUARTERS = ("q1", "q2", "q3", "q4")


def mismatch_warning(combine: str, annual: Optional[Decimal], quarters: list[Optional[Decimal]]) -> Optional[str]:
    """Why the RA's quarterly targets do not combine to the PK's annual target, or None when they do.

    Checked only when the annual target and the quarters the rule needs are all filled in.
    """
    if annual is None:
        return None
    if combine == "last":
        q4 = quarters[3]
        if q4 is None or q4 == annual:
            return None
        return (f"Target TW IV ({_n(q4)}) tidak sama dengan target tahunan ({_n(annual)}); "
                "untuk indikator 'nilai terakhir' target TW IV harus sama dengan target tahunan.")
    if any(q is None for q in quarters):
        return None
    qs = [q for q in quarters if q is not None]
    if combine == "sum":
        total = sum(qs, Decimal(0))
        if total == annual:
            return None
        return (f"Jumlah target TW I–IV ({_n(total)}) tidak sama dengan target tahunan ({_n(annual)}); "
                "untuk indikator kumulatif jumlah keempat triwulan harus sama dengan target tahunan.")
    mean = sum(qs, Decimal(0)) / 4
    if mean == annual:
        return None
    return (f"Rata-rata target TW I–IV ({_n(mean)}) tidak sama dengan target tahunan ({_n(annual)}); "
            "untuk indikator rata-rata, rerata keempat triwulan harus sama dengan target tahunan.")


def _n(value: Decimal) -> str:
    from core.fmt import number

    return number(value, 4)


@dataclass
class TargetResult:
    """What save_target did: saved or not, and the warnings the admin must accept to save."""

    saved: bool
    target_id: Optional[int] = None
    changed: bool = False
    warnings: list[str] = field(default_factory=list)


def list_targets(session: Session, office_id: int, year: int, exact: bool = False) -> pd.DataFrame:
    """Every active indicator of the office with its target row for the year (empty when none yet).

    Target values are floats (NaN when empty), or with `exact` the Decimals the database holds."""
    _f = _same if exact else _float
    targets = {t.indicator_id: t for t in session.scalars(
        select(Target).join(Indicator, Target.indicator_id == Indicator.id)
        .where(Indicator.office_id == office_id, Target.year == year))}
    rows = []
    inds = session.scalars(select(Indicator).join(Sasaran, Indicator.sasaran_id == Sasaran.id)
                           .where(Indicator.office_id == office_id, Indicator.active.is_(True))
                           .order_by(Sasaran.sort_order, Indicator.sort_order))
    for i in inds:
        t = targets.get(i.id)
        qs = [t.quarter(q) if t else None for q in (1, 2, 3, 4)]
        warning = mismatch_warning(i.combine, t.annual if t else None, qs) if t else None
        rows.append({
            "indicator_id": i.id, "kode": i.code, "indikator": i.name, "satuan": i.satuan, "akumulasi": i.combine,
            "target_id": t.id if t else None, "tahunan": _f(t.annual if t else None),
            "batas_atas": _f(t.annual_upper if t else None),
            "tw1": _f(qs[0]), "tw2": _f(qs[1]), "tw3": _f(qs[2]), "tw4": _f(qs[3]),
            "sumber_pk": t.source_pk if t else "", "sumber_ra": t.source_ra if t else "",
            "selisih_diterima": bool(t.mismatch_accepted) if t else False,
            "peringatan": warning or "", "versi": t.version if t else 0,
        })
    df = pd.DataFrame(rows, columns=["indicator_id", "kode", "indikator", "satuan", "akumulasi", "target_id",
                                     "tahunan", "batas_atas", "tw1", "tw2", "tw3", "tw4", "sumber_pk",
                                     "sumber_ra", "selisih_diterima", "peringatan", "versi"])
    if not exact:
        numeric = ["tahunan", "batas_atas", "tw1", "tw2", "tw3", "tw4"]
        df[numeric] = df[numeric].astype("float64")  # an empty cell is NaN (shown blank), never "None"
    return df


def _float(value: Optional[Decimal]) -> Optional[float]:
    """Decimal → float only for a DataFrame shown in a widget; core logic stays Decimal."""
    return None if value is None else float(value)


def _same(value: Optional[Decimal]) -> Optional[Decimal]:
    return value


_KEEP = object()


def save_target(session: Session, actor: Actor, indicator_id: int, year: int, *, annual: Any = _KEEP,
                q1: Any = _KEEP, q2: Any = _KEEP, q3: Any = _KEEP, q4: Any = _KEEP, annual_upper: Any = _KEEP,
                source_pk: Optional[str] = None, source_ra: Optional[str] = None, accept_mismatch: bool = False,
                expected_version: Optional[int] = None) -> TargetResult:
    """Create or update the target row of an indicator-year.

    Omitted values stay as they are. When the quarters do not combine to the annual target by the
    indicator's rule, nothing is saved and the warning comes back, unless `accept_mismatch` is set:
    then it is saved with `mismatch_accepted`. `expected_version` is the version the admin saw
    (0 = no row yet); a different one means someone saved first.
    """
    require(session, actor, "masterdata.manage")
    ind = _get(session, Indicator, indicator_id, "Indikator")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InvalidInput("Tahun target harus berupa tahun, misalnya 2027.") from None
    if not 2000 <= year <= 2100:
        raise InvalidInput("Tahun target harus antara 2000 dan 2100.")
    t = session.scalar(select(Target).where(Target.indicator_id == ind.id, Target.year == year))
    seen = 0 if t is None else t.version
    if expected_version is not None and expected_version != seen:
        raise audit.stale_save(session, f"target {ind.code} tahun {year}", "target", t.id if t else None)
    labels = {"annual": "Target tahunan", "annual_upper": "Batas atas target", "q1": "Target TW I",
              "q2": "Target TW II", "q3": "Target TW III", "q4": "Target TW IV"}
    given = {"annual": annual, "annual_upper": annual_upper, "q1": q1, "q2": q2, "q3": q3, "q4": q4}
    values: dict[str, Any] = {}
    for k, v in given.items():
        if v is _KEEP:
            values[k] = getattr(t, k) if t is not None else None
        else:
            values[k] = to_decimal(v, f"{labels[k]} {ind.code}")
    for k, v in values.items():
        if v is not None and (v < 0 or abs(v) >= Decimal(10) ** 16):
            raise InvalidInput(f"{labels[k]} {ind.code} harus angka 0 atau lebih (diisi {_n(v)}).")
    if values["annual_upper"] is not None:
        if values["annual"] is None or values["annual_upper"] < values["annual"]:
            raise InvalidInput(f"Batas atas target {ind.code} harus diisi bersama target tahunan dan tidak boleh "
                               "lebih kecil darinya.")
    warning = mismatch_warning(ind.combine, values["annual"], [values[q] for q in QUARTERS])
    if warning and not accept_mismatch:
        return TargetResult(saved=False, target_id=t.id if t else None, warnings=[f"{ind.code}: {warning}"])
    values["mismatch_accepted"] = bool(warning)
    if source_pk is not None:
        values["source_pk"] = _text(source_pk, "Sumber PK", 200, False)
    if source_ra is not None:
        values["source_ra"] = _text(source_ra, "Sumber RA", 200, False)
    if t is None:
        t = Target(indicator_id=ind.id, year=year, version=1,
                   source_pk=values.pop("source_pk", ""), source_ra=values.pop("source_ra", ""), **values)
        session.add(t)
        session.flush()
        audit.record(session, actor, "target.create", "target", t.id, after=audit.snapshot(t), office_id=ind.office_id)
        return TargetResult(saved=True, target_id=t.id, changed=True, warnings=[warning] if warning else [])
    changed = _apply(session, actor, t, values, "target.update", "target", ind.office_id)
    return TargetResult(saved=True, target_id=t.id, changed=changed, warnings=[warning] if warning else [])


# --- DPA / DPPA budget lines ----------------------------------------------------------------------------


def list_budget_lines(session: Session, office_id: int, year: int, exact: bool = False) -> pd.DataFrame:
    """The office's DPA lines of a year; pagu as float, or with `exact` as the Decimal the database holds."""
    _f = _same if exact else _float
    rows = []
    for b in session.scalars(select(BudgetLine).where(BudgetLine.office_id == office_id, BudgetLine.year == year)
                             .order_by(BudgetLine.code)):
        rows.append({"id": b.id, "kode": b.code, "program": b.program, "kegiatan": b.kegiatan,
                     "sub_kegiatan": b.sub_kegiatan, "pagu": _f(b.pagu), "dokumen": b.document,
                     "unit_pemilik_id": b.owner_unit_id, "unit_pemilik": b.owner_unit.name,
                     "pagu_sebelumnya": ", ".join(f"{h.document} {fmt.money(h.pagu)}" for h in b.pagu_history),
                     "versi": b.version})
    return pd.DataFrame(rows, columns=["id", "kode", "program", "kegiatan", "sub_kegiatan", "pagu", "dokumen",
                                       "unit_pemilik_id", "unit_pemilik", "pagu_sebelumnya", "versi"])


def _pagu(value: Any, code: str) -> Decimal:
    pagu = to_decimal(value, f"Pagu {code}", required=True)
    assert pagu is not None
    if pagu < 0:
        raise InvalidInput(f"Pagu {code} tidak boleh negatif.")
    if pagu >= Decimal(10) ** 16 or pagu != pagu.quantize(Decimal("0.01")):
        raise InvalidInput(f"Pagu {code} harus rupiah dengan paling banyak 2 angka desimal.")
    return pagu


def _budget_values(session: Session, office_id: int, data: dict[str, Any], check_owner: bool = True
                   ) -> dict[str, Any]:
    code = _text(data.get("code"), "Kode rekening", 60)
    document = str(data.get("document") or "DPA").upper()
    if document not in DOCUMENTS:
        raise InvalidInput(f"Dokumen anggaran {code} harus DPA atau DPPA.")
    owner_id = (_unit_of_office(session, data.get("owner_unit_id"), office_id).id if check_owner
                else data["owner_unit_id"])
    return {"code": code, "program": _text(data.get("program"), f"Program {code}", 300),
            "kegiatan": _text(data.get("kegiatan"), f"Kegiatan {code}", 300),
            "sub_kegiatan": _text(data.get("sub_kegiatan"), f"Sub kegiatan {code}", 300),
            "pagu": _pagu(data.get("pagu"), code), "document": document, "owner_unit_id": owner_id}


def create_budget_line(session: Session, actor: Actor, office_id: int, year: int, *, code: str, program: str,
                       kegiatan: str, sub_kegiatan: str, pagu: Any, owner_unit_id: Optional[int],
                       document: str = "DPA") -> int:
    require(session, actor, "masterdata.manage")
    _office(session, office_id)
    values = _budget_values(session, office_id, dict(code=code, program=program, kegiatan=kegiatan,
                                                     sub_kegiatan=sub_kegiatan, pagu=pagu,
                                                     owner_unit_id=owner_unit_id, document=document))
    if session.scalar(select(BudgetLine.id).where(BudgetLine.office_id == office_id, BudgetLine.year == int(year),
                                                  BudgetLine.code == values["code"])) is not None:
        raise InvalidInput(f"Kode rekening '{values['code']}' sudah ada pada anggaran tahun {year}.")
    b = BudgetLine(office_id=office_id, year=int(year), version=1, **values)
    session.add(b)
    session.flush()
    audit.record(session, actor, "budget.create", "budget_line", b.id, after=audit.snapshot(b), office_id=office_id)
    return b.id


def update_budget_line(session: Session, actor: Actor, line_id: int, *, expected_version: Optional[int] = None,
                       **fields: Any) -> bool:
    """Change a DPA line. A new pagu keeps the earlier one (and its document) in the pagu history."""
    require(session, actor, "masterdata.manage")
    b = _get(session, BudgetLine, line_id, "Baris anggaran")
    if expected_version is not None and expected_version != b.version:
        raise audit.stale_save(session, f"baris anggaran {b.code}", "budget_line", b.id)
    keys = ("code", "program", "kegiatan", "sub_kegiatan", "pagu", "document", "owner_unit_id")
    unknown = set(fields) - set(keys)
    if unknown:
        raise InvalidInput("Kolom anggaran tidak dikenal: " + ", ".join(sorted(unknown)) + ".")
    data = {k: getattr(b, k) for k in keys}
    data.update(fields)
    values = _budget_values(session, b.office_id, data,
                            check_owner=fields.get("owner_unit_id", b.owner_unit_id) != b.owner_unit_id)
    other = session.scalar(select(BudgetLine.id).where(BudgetLine.office_id == b.office_id,
                                                       BudgetLine.year == b.year, BudgetLine.code == values["code"]))
    if other is not None and other != b.id:
        raise InvalidInput(f"Kode rekening '{values['code']}' sudah dipakai baris lain tahun {b.year}.")
    if values["pagu"] != b.pagu:
        session.add(PaguHistory(budget_line_id=b.id, pagu=b.pagu, document=b.document,
                                replaced_by_id=actor.user_id or None))
    return _apply(session, actor, b, values, "budget.update", "budget_line", b.office_id)


# --- SOP step definitions --------------------------------------------------------------------------------


def list_sop_steps(session: Session) -> pd.DataFrame:
    rows = [{"id": s.id, "nomor": s.number, "kode": s.code, "nama_singkat": s.short_name, "kegiatan": s.name,
             "pelaksana": list(s.executor_roles or []),
             "pelaksana_label": ", ".join(ROLE_LABELS.get(r, r) for r in s.executor_roles or []),
             "kelengkapan": s.inputs, "waktu_menit": s.standard_minutes, "waktu_label": s.standard_label,
             "output": s.output}
            for s in session.scalars(select(SopStep).order_by(SopStep.number))]
    return pd.DataFrame(rows, columns=["id", "nomor", "kode", "nama_singkat", "kegiatan", "pelaksana",
                                       "pelaksana_label", "kelengkapan", "waktu_menit", "waktu_label", "output"])


def update_sop_step(session: Session, actor: Actor, step_id: int, *, executor_roles: list[str],
                    standard_minutes: Any, standard_label: str, inputs: str, output: str,
                    name: Optional[str] = None, short_name: Optional[str] = None) -> bool:
    """Edit a step's executors, standard time, inputs and output. Number and code are fixed."""
    require(session, actor, "sop.manage")
    step = _get(session, SopStep, step_id, "Langkah SOP")
    roles = list(dict.fromkeys(executor_roles or []))
    if not roles:
        raise InvalidInput(f"Langkah {step.number} harus memiliki paling sedikit satu peran pelaksana.")
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise InvalidInput("Peran pelaksana tidak dikenal: " + ", ".join(bad) + ".")
    try:
        minutes = int(Decimal(str(standard_minutes)))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput(f"Waktu baku langkah {step.number} harus jumlah menit (angka bulat).") from None
    if not 1 <= minutes <= 60 * 24 * 60:
        raise InvalidInput(f"Waktu baku langkah {step.number} harus antara 1 menit dan 60 hari.")
    values: dict[str, Any] = {
        "executor_roles": roles, "standard_minutes": minutes,
        "standard_label": _text(standard_label, "Label waktu baku", 40),
        "inputs": _text(inputs, "Kelengkapan", 5000, False), "output": _text(output, "Output", 200, False),
    }
    if name is not None:
        values["name"] = _text(name, "Uraian kegiatan", 300)
    if short_name is not None:
        values["short_name"] = _text(short_name, "Nama singkat", 60)
    return _apply(session, actor, step, values, "sop.update", "sop_step", None)


# --- a new planning year ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CopyResult:
    targets: int
    budget_lines: int


def copy_year(session: Session, actor: Actor, office_id: int, from_year: int, to_year: int) -> CopyResult:
    """Prepare a new year: one empty target row per indicator that had one, and the DPA lines with pagu 0.

    Pagu is set to 0 (not copied) so that last year's ceilings are never mistaken for the new DPA; the
    admin imports the new DPA next. Refuses when the new year already has targets or budget lines.
    """
    require(session, actor, "masterdata.manage")
    _office(session, office_id)
    from_year, to_year = int(from_year), int(to_year)
    if to_year == from_year:
        raise InvalidInput("Tahun tujuan harus berbeda dari tahun asal.")
    if not 2000 <= to_year <= 2100:
        raise InvalidInput("Tahun tujuan harus antara 2000 dan 2100.")
    source_targets = list(session.scalars(
        select(Target).join(Indicator, Target.indicator_id == Indicator.id)
        .where(Indicator.office_id == office_id, Indicator.active.is_(True), Target.year == from_year)
        .order_by(Target.indicator_id)))
    source_lines = list(session.scalars(select(BudgetLine).where(
        BudgetLine.office_id == office_id, BudgetLine.year == from_year).order_by(BudgetLine.code)))
    if not source_targets and not source_lines:
        raise InvalidInput(f"Tahun {from_year} belum memiliki target maupun anggaran untuk disalin.")
    existing_t = session.scalar(select(func.count()).select_from(Target).join(
        Indicator, Target.indicator_id == Indicator.id).where(Indicator.office_id == office_id,
                                                              Target.year == to_year)) or 0
    existing_b = session.scalar(select(func.count()).select_from(BudgetLine).where(
        BudgetLine.office_id == office_id, BudgetLine.year == to_year)) or 0
    if existing_t or existing_b:
        raise Conflict(f"Tahun {to_year} sudah memiliki {existing_t} baris target dan {existing_b} baris anggaran. "
                       "Penyalinan tidak menimpa data yang ada; ubah data tahun itu melalui impor atau Data Induk.")
    for src in source_targets:
        t = Target(indicator_id=src.indicator_id, year=to_year, version=1,
                   source_pk=f"Perjanjian Kinerja Tahun {to_year}", source_ra=f"Rencana Aksi Tahun {to_year}")
        session.add(t)
        session.flush()
        audit.record(session, actor, "target.copy_year", "target", t.id,
                     before={"from_target_id": src.id, "year": from_year}, after=audit.snapshot(t),
                     office_id=office_id)
    for src_line in source_lines:
        b = BudgetLine(office_id=office_id, year=to_year, code=src_line.code, program=src_line.program,
                       kegiatan=src_line.kegiatan, sub_kegiatan=src_line.sub_kegiatan, pagu=Decimal(0),
                       document="DPA", owner_unit_id=src_line.owner_unit_id, version=1,
                       indicators=list(src_line.indicators))
        session.add(b)
        session.flush()
        audit.record(session, actor, "budget.copy_year", "budget_line", b.id,
                     before={"from_budget_line_id": src_line.id, "year": from_year}, after=audit.snapshot(b),
                     office_id=office_id)
    return CopyResult(targets=len(source_targets), budget_lines=len(source_lines))


# --- one save of a grid (pages) -------------------------------------------------------------------------


TARGET_COLUMNS = {"tahunan": "annual", "batas_atas": "annual_upper", "tw1": "q1", "tw2": "q2", "tw3": "q3",
                  "tw4": "q4", "sumber_pk": "source_pk", "sumber_ra": "source_ra"}


def save_targets(session: Session, actor: Actor, year: int, changes: dict[int, dict[str, Any]],
                 expected_versions: Optional[dict[int, int]] = None, accept_mismatch: bool = False) -> TargetResult:
    """Save the edited rows of the target grid ({indicator id: {column: value}}), all or nothing.

    When a row's quarters do not combine to its annual target and the admin has not accepted the
    mismatch, nothing at all is saved and the warnings come back.
    """
    require(session, actor, "masterdata.manage")
    expected_versions = expected_versions or {}
    prepared: list[tuple[int, dict[str, Any]]] = []
    warnings: list[str] = []
    for raw_id, cols in changes.items():
        ind = _get(session, Indicator, int(raw_id), "Indikator")
        kwargs: dict[str, Any] = {}
        for col, value in cols.items():
            attr = TARGET_COLUMNS.get(col, col)
            if attr not in ("annual", "annual_upper", *QUARTERS, "source_pk", "source_ra"):
                raise InvalidInput(f"Kolom '{col}' tidak dapat diubah di tabel target.")
            if attr.startswith("source"):
                kwargs[attr] = "" if value is None or (isinstance(value, float) and value != value) else str(value)
            else:
                kwargs[attr] = to_decimal(value, f"{ind.code} {col}")
        t = session.scalar(select(Target).where(Target.indicator_id == ind.id, Target.year == int(year)))
        merged = {k: (kwargs[k] if k in kwargs else (getattr(t, k) if t else None)) for k in ("annual", *QUARTERS)}
        w = mismatch_warning(ind.combine, merged["annual"], [merged[q] for q in QUARTERS])
        if w:
            warnings.append(f"{ind.code}: {w}")
        prepared.append((ind.id, kwargs))
    if warnings and not accept_mismatch:
        return TargetResult(saved=False, warnings=warnings)
    changed = False
    for ind_id, kwargs in prepared:
        res = save_target(session, actor, ind_id, year, **kwargs, accept_mismatch=accept_mismatch,
                          expected_version=expected_versions.get(ind_id))
        changed = changed or res.changed
    return TargetResult(saved=True, changed=changed, warnings=warnings)


BUDGET_COLUMNS = {"kode": "code", "program": "program", "kegiatan": "kegiatan", "sub_kegiatan": "sub_kegiatan",
                  "pagu": "pagu", "dokumen": "document", "unit_pemilik_id": "owner_unit_id"}


def save_budget_lines(session: Session, actor: Actor, changes: dict[int, dict[str, Any]],
                      expected_versions: Optional[dict[int, int]] = None) -> int:
    """Save the edited rows of the DPA grid ({line id: {column: value}}) in one go; the number changed."""
    require(session, actor, "masterdata.manage")
    expected_versions = expected_versions or {}
    n = 0
    for raw_id, cols in changes.items():
        fields = {}
        for col, value in cols.items():
            if col not in BUDGET_COLUMNS:
                raise InvalidInput(f"Kolom '{col}' tidak dapat diubah di tabel anggaran.")
            fields[BUDGET_COLUMNS[col]] = value
        if update_budget_line(session, actor, int(raw_id), expected_version=expected_versions.get(int(raw_id)),
                              **fields):
            n += 1
    return n
