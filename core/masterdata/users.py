"""User accounts: profile, role, unit, NIP, activation and password resets by the administrator."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Optional

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import audit, clock
from core.actor import ROLE_LABELS, ROLES, Actor
from core.auth import hash_password, locked_accounts, validate_new_password
from core.errors import InvalidInput, NotAllowed
from core.masterdata.common import _apply, _get, _text, unit_office
from core.permissions import require
from core.reminders import normalize_phone, phone_label
from core.sessions import revoke_on_change
from db.models import LoginFailure, OrgUnit, User

USER_FIELDS = ["id", "username", "full_name", "nip", "jabatan", "pangkat", "email", "phone", "role", "unit_id",
               "active"]


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
                     "jabatan": u.jabatan, "pangkat": u.pangkat, "email": u.email, "telepon": phone_label(u.phone), "peran": u.role,
                     "peran_label": ROLE_LABELS.get(u.role, u.role), "unit_id": u.unit_id,
                     "unit": unit.name if unit else "", "aktif": u.active,
                     "terkunci": u.username in locked})
    return pd.DataFrame(rows, columns=["id", "username", "nama", "nip", "jabatan", "pangkat", "email", "telepon",
                                       "peran",
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
                email: str = "", phone: Optional[str] = None) -> int:
    require(session, actor, "user.manage", office_id=unit_office(session, unit_id))
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
                phone=normalize_phone(phone),
                role=role, unit_id=unit_id, password_hash=hash_password(password), active=True,
                password_changed_at=None)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, after=audit.snapshot(user, USER_FIELDS))
    return user.id


def update_user(session: Session, actor: Actor, user_id: int, *, full_name: Optional[str] = None,
                role: Optional[str] = None, unit_id: Optional[int] = None, nip: Optional[str] = None,
                jabatan: Optional[str] = None, pangkat: Optional[str] = None, email: Optional[str] = None,
                phone: Optional[str] = None, shown: Optional[dict[str, Any]] = None) -> bool:
    """Change a user's profile fields; None leaves a field as it is (NIP '' and phone '' clear it); `shown`: the
    user as the form drew it (common.touched)."""
    user = _get(session, User, user_id, "Pengguna")
    require(session, actor, "user.manage", office_id=unit_office(session, user.unit_id))
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
    if phone is not None:
        values["phone"] = normalize_phone(phone)
    if shown is not None and shown.get("phone"):  # drawn as the list writes it ("0812-3456-7890"): as stored
        try:
            shown = {**shown, "phone": normalize_phone(shown["phone"])}
        except InvalidInput:
            pass
    return _apply(session, actor, user, values, "user.update", "user", None, shown=shown,
                  label=f"pengguna {user.username}")


def set_user_active(session: Session, actor: Actor, user_id: int, active: bool,
                    shown: Optional[dict[str, Any]] = None) -> bool:
    user = _get(session, User, user_id, "Pengguna")
    require(session, actor, "user.manage", office_id=unit_office(session, user.unit_id))
    if not active and user.id == actor.user_id:
        raise NotAllowed("Anda tidak dapat menonaktifkan akun Anda sendiri.")
    values: dict[str, Any] = {"active": bool(active)}
    if not active and user.active:
        revoke_on_change(user)  # the sessions it has open end on their next click
    return _apply(session, actor, user, values, "user.activate" if active else "user.deactivate", "user", None,
                  shown=shown, label=f"pengguna {user.username}")


def reset_password(session: Session, actor: Actor, user_id: int, new_password: str) -> None:
    """Set a new initial password (the user should change it under Akun Saya); also lifts a lock-out."""
    user = _get(session, User, user_id, "Pengguna")
    require(session, actor, "user.manage", office_id=unit_office(session, user.unit_id))
    validate_new_password(new_password or "", user.username)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = None
    revoke_on_change(user)
    session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
    session.flush()
    audit.record(session, actor, "user.reset_password", "user", user.id,
                 before={"password": "***"}, after={"password": "*** (disetel ulang oleh administrator)"})


def change_own_phone(session: Session, actor: Actor, phone: Optional[str]) -> bool:
    """The user's own mobile number (for WhatsApp reminders); '' clears it."""
    require(session, actor, "account.change_phone")
    user = _get(session, User, actor.user_id, "Akun")
    return _apply(session, actor, user, {"phone": normalize_phone(phone)}, "account.change_phone", "user",
                  unit_office(session, user.unit_id))


def own_phone(session: Session, actor: Actor) -> str:
    """The user's own number as shown ('+62 812-3456-7890'), '' when none."""
    return phone_label(session.scalar(select(User.phone).where(User.id == actor.user_id)))
