"""Sessions that survive a reload and die on the server: the signed cookie, and the per-user generation.

streamlit-authenticator keeps the login form, the password check and its session-state keys. Its cookie is a
JWT of {username, exp_date} signed with the cookie key, written by a JavaScript component that races the
rerun after login (the cookie was often never written) and that nothing on the server can revoke. Here the
same JWT (so the authenticator still reads it) carries two more claims: `gen`, the user's session generation
when it was issued, and `iat`. Every request compares the session's generation with the database's: logout,
password change, deactivation and "end all sessions" raise it, and every older cookie is worth nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.config import Settings
from core.errors import NotFound
from core.permissions import require
from db.models import User

SESSION_ENDED = ("Sesi Anda sudah diakhiri (keluar di tab atau peramban lain, kata sandi diganti, atau diakhiri "
                 "oleh administrator). Silakan masuk kembali.")


@dataclass(frozen=True)
class Claims:
    username: str
    generation: int
    expires: float


def issue_token(settings: Settings, username: str, generation: int, now: Optional[float] = None) -> str:
    """The cookie value for a session of `username` under `generation`, valid for the configured lifetime."""
    now = time.time() if now is None else now
    exp = now + settings.cookie_expiry_days * 86400
    return jwt.encode({"username": username, "exp_date": exp, "gen": int(generation), "iat": int(now)},
                      settings.cookie_key, algorithm="HS256")


def read_token(settings: Settings, token: Optional[str], now: Optional[float] = None) -> Optional[Claims]:
    """The claims of a cookie this installation signed and that has not expired, else None."""
    if not token:
        return None
    try:
        data = jwt.decode(token, settings.cookie_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    now = time.time() if now is None else now
    username, gen, exp = data.get("username"), data.get("gen"), data.get("exp_date")
    if not isinstance(username, str) or not isinstance(gen, int) or not isinstance(exp, (int, float)):
        return None  # a cookie of the authenticator alone (no generation) is not a Kinerja session
    if exp <= now:
        return None
    return Claims(username, gen, float(exp))


def cookie_max_age(settings: Settings) -> int:
    return int(settings.cookie_expiry_days * 86400)


def current_generation(session: Session, username: str) -> Optional[int]:
    return session.scalar(select(User.session_generation).where(User.username == username))


def _bump(user: User) -> int:
    user.session_generation = (user.session_generation or 0) + 1
    return user.session_generation


def end_own_sessions(session: Session, actor: Actor) -> None:
    """Keluar: this user's sessions end in every tab and browser, and every cookie issued so far is refused."""
    user = session.get(User, actor.user_id)
    if user is None:
        return
    before = user.session_generation or 0
    _bump(user)
    audit.record(session, actor, "auth.logout", "user", user.id,
                 before={"sesi": before}, after={"sesi": user.session_generation})


def end_sessions_of(session: Session, actor: Actor, user_id: int) -> None:
    """The administrator ends every open session of a user (a lost laptop, a shared password)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Pengguna tidak ditemukan.")
    from core.masterdata.common import unit_office

    require(session, actor, "user.manage", office_id=unit_office(session, user.unit_id))
    before = user.session_generation or 0
    _bump(user)
    audit.record(session, actor, "auth.sessions_revoked", "user", user.id,
                 before={"sesi": before}, after={"sesi": user.session_generation})


def revoke_on_change(user: User) -> int:
    """Called where a password changes or an account is deactivated: older sessions end. The new generation."""
    return _bump(user)
