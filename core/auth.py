"""Users and passwords: bcrypt hashes (the same the authenticator makes), lock-out, own password change."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

import bcrypt
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core import audit
from core.actor import Actor
from core.config import get_settings
from core.errors import InvalidInput, NotAllowed, NotFound
from core.permissions import require
from db.models import OrgUnit, User, utcnow

ACCOUNT_GONE = "Akun tidak ditemukan atau sudah dinonaktifkan. Hubungi administrator."


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def check_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:
        return False


def validate_new_password(password: str, username: str = "") -> None:
    """Minimum password rule: length, a letter and a digit, not the username."""
    n = get_settings().min_password_length
    problems = []
    if len(password) < n:
        problems.append(f"minimal {n} karakter")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append("memuat huruf dan angka")
    if username and password.lower() == username.lower():
        problems.append("tidak sama dengan nama pengguna")
    if problems:
        raise InvalidInput("Kata sandi baru harus " + ", ".join(problems) + ".")


def office_of(session: Session, unit_id: Optional[int]) -> Optional[int]:
    if unit_id is None:
        return None
    unit = session.get(OrgUnit, unit_id)
    return unit.office_id if unit is not None else None


def default_office_id(session: Session) -> Optional[int]:
    return session.scalar(select(OrgUnit.id).where(OrgUnit.kind == "dinas").order_by(OrgUnit.id))


def actor_from_user(session: Session, user: User) -> Actor:
    office_id = office_of(session, user.unit_id) or default_office_id(session)
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        unit_id=user.unit_id,
        office_id=office_id,
        unit_name=user.unit.name if user.unit else "",
        jabatan=user.jabatan,
        nip=user.nip or "",
    )


def actor_for(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username).options(joinedload(User.unit)))
    if user is None or not user.active:
        raise NotFound(ACCOUNT_GONE)
    return actor_from_user(session, user)


def credentials(session: Session, username: Optional[str] = None) -> dict[str, Any]:
    """The credentials dict streamlit-authenticator expects, built from the active, unlocked users.

    With `username` (a signed-in session, which only needs its own entry to log out) just that user:
    every rerun of every page builds this dict, and a regency has thousands of users.
    """
    now = utcnow()
    stmt = select(User).where(User.active.is_(True)).order_by(User.username)
    if username is not None:
        stmt = stmt.where(User.username == username)
    return {"usernames": {u.username: _credential(u, now) for u in session.scalars(stmt)}}


def _credential(u: User, now: dt.datetime) -> dict[str, Any]:
    locked = u.locked_until is not None and u.locked_until > now
    return {
        "name": u.full_name,
        # A locked account stays listed (so the attempt is seen) but no password matches it.
        "password": _never_matching_hash() if locked else u.password_hash,
        "email": u.email or f"{u.username}@kinerja.local",
        "roles": [u.role],
    }


@dataclass(frozen=True)
class Rerun:
    """What app.py needs on every rerun: the authenticator's credentials and, for a signed-in session, the
    actor, or why the session may not go on (account locked, deactivated or gone)."""

    username: Optional[str]
    credentials: dict[str, Any]
    actor: Optional[Actor] = None
    refusal: Optional[str] = None


def rerun_state(session: Session, username: Optional[str]) -> Rerun:
    """credentials(), locked_message(), register_successful_login() and actor_for() of a signed-in user
    from one read of the user (with their unit): app.py runs on every click of every user."""
    if username is None:
        return Rerun(None, credentials(session))
    user = session.scalar(select(User).where(User.username == username).options(joinedload(User.unit)))
    now = utcnow()
    active = user is not None and user.active
    creds = {"usernames": {username: _credential(user, now)} if active else {}}
    refusal = _lock_message(user, username, now)
    if refusal is None and not active:
        refusal = ACCOUNT_GONE
    if refusal is not None:
        return Rerun(username, creds, refusal=refusal)
    _clear_failed_logins(user)
    return Rerun(username, creds, actor=actor_from_user(session, user))


@lru_cache(maxsize=1)
def _never_matching_hash() -> str:
    return hash_password(secrets.token_urlsafe(32))


def failed_login(session: Session, username: str) -> str:
    """Record a failed login from the form; the message to show (lock-out or wrong password)."""
    msg = locked_message(session, username) or register_failed_login(session, username)
    return msg or "Nama pengguna atau kata sandi salah."


def locked_message(session: Session, username: str) -> Optional[str]:
    """A message when the account is locked after repeated failed logins, else None."""
    return _lock_message(session.scalar(select(User).where(User.username == username)), username, utcnow())


def _lock_message(user: Optional[User], username: str, now: dt.datetime) -> Optional[str]:
    if user is None or user.locked_until is None or user.locked_until <= now:
        return None
    minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
    return (
        f"Akun '{username}' dikunci sementara karena terlalu banyak percobaan masuk yang gagal. "
        f"Coba lagi dalam {minutes} menit atau hubungi administrator."
    )


def register_failed_login(session: Session, username: str) -> Optional[str]:
    """Count a failed login; lock the account after too many. Returns the lock message if locked."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        return None
    s = get_settings()
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= s.max_failed_logins:
        user.locked_until = utcnow() + dt.timedelta(minutes=s.lockout_minutes)
        user.failed_logins = 0
        audit.record(session, Actor(0, username, username, user.role, user.unit_id, None),
                     "auth.locked", "user", user.id, after={"locked_until": user.locked_until})
        return locked_message(session, username)
    return None


def register_successful_login(session: Session, username: str) -> None:
    _clear_failed_logins(session.scalar(select(User).where(User.username == username)))


def _clear_failed_logins(user: Optional[User]) -> None:
    if user is not None and (user.failed_logins or user.locked_until):
        user.failed_logins = 0
        user.locked_until = None


def authenticate(session: Session, username: str, password: str) -> Actor:
    """Check a username and password against the database, honouring lock-out."""
    msg = locked_message(session, username)
    if msg:
        raise NotAllowed(msg)
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not check_password(password, user.password_hash):
        lock = register_failed_login(session, username)
        raise NotAllowed(lock or "Nama pengguna atau kata sandi salah.")
    register_successful_login(session, username)
    return actor_from_user(session, user)


def change_own_password(session: Session, actor: Actor, old: str, new: str, repeat: str) -> None:
    require(session, actor, "account.change_password")
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound("Akun tidak ditemukan.")
    if not check_password(old, user.password_hash):
        raise InvalidInput("Kata sandi lama salah.")
    if new != repeat:
        raise InvalidInput("Ulangi kata sandi baru dengan tepat: kedua isian tidak sama.")
    if new == old:
        raise InvalidInput("Kata sandi baru harus berbeda dari kata sandi lama.")
    validate_new_password(new, user.username)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    audit.record(session, actor, "account.change_password", "user", user.id,
                 before={"password": "***"}, after={"password": "*** (diganti)"})
