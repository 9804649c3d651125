"""Users and passwords: bcrypt hashes (the same the authenticator makes), lock-out, own password change."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

import bcrypt
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from core import audit
from core.actor import Actor
from core.config import get_settings
from core.errors import InvalidInput, NotAllowed, NotFound
from core.permissions import require
from core.sessions import SESSION_ENDED, revoke_on_change
from db.models import LoginFailure, OrgUnit, User, utcnow

DEMO_PASSWORD = "kinerja2026"  # the published password of the demo accounts (db.seed uses this one)
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
    if password == DEMO_PASSWORD:
        problems.append("bukan kata sandi demo yang tercantum di README")
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


LOCAL_CLIENT = "lokal"


def client_key(ip_address: Optional[str]) -> str:
    """The client a login attempt comes from: its address, or 'lokal' on this machine."""
    return ip_address[:64] if isinstance(ip_address, str) and ip_address else LOCAL_CLIENT


def credentials(session: Session, username: Optional[str] = None, client: str = LOCAL_CLIENT) -> dict[str, Any]:
    """The credentials dict streamlit-authenticator expects, built from the active users.

    With `username` (a signed-in session, which only needs its own entry to log out) just that user:
    every rerun of every page builds this dict, and a regency has thousands of users. Accounts that may not
    try a password from `client` now (core.auth lock-out) stay listed, so the attempt is seen, with a hash no
    password matches.
    """
    stmt = select(User).where(User.active.is_(True)).order_by(User.username)
    if username is not None:
        stmt = stmt.where(User.username == username)
    users = list(session.scalars(stmt))
    refused = _refused_accounts(session, client, utcnow()) if username is None else set()
    return {"usernames": {u.username: _credential(u, u.username in refused or refused == {"*"}) for u in users}}


def _credential(u: User, refused: bool = False) -> dict[str, Any]:
    return {
        "name": u.full_name,
        "password": _never_matching_hash() if refused else u.password_hash,
        "email": u.email or f"{u.username}@kinerja.local",
        "roles": [u.role],
    }


@dataclass(frozen=True)
class Rerun:
    """What app.py needs on every rerun: the authenticator's credentials and, for a signed-in session, the
    actor and the session generation, or why the session may not go on (ended, deactivated or gone)."""

    username: Optional[str]
    credentials: dict[str, Any]
    actor: Optional[Actor] = None
    refusal: Optional[str] = None
    generation: Optional[int] = None


def rerun_state(session: Session, username: Optional[str], generation: Optional[int] = None,
                client: str = LOCAL_CLIENT) -> Rerun:
    """credentials() and, for a signed-in user, the revocation check and actor_for() from one read of the user
    (with their unit): app.py runs on every click of every user.

    `generation` is the session's generation (from its cookie or its login); None adopts the current one (the
    session was just opened with the password). A lock-out never ends an open session, and an open session
    never clears the failed attempts someone else made."""
    if username is None:
        return Rerun(None, credentials(session, client=client))
    user = session.scalar(select(User).where(User.username == username).options(joinedload(User.unit)))
    active = user is not None and user.active
    creds = {"usernames": {username: _credential(user)} if active else {}}
    if not active:
        return Rerun(username, creds, refusal=ACCOUNT_GONE)
    current = user.session_generation or 0
    if generation is not None and generation != current:
        return Rerun(username, creds, refusal=SESSION_ENDED)
    return Rerun(username, creds, actor=actor_from_user(session, user), generation=current)


@lru_cache(maxsize=1)
def _never_matching_hash() -> str:
    return hash_password(secrets.token_urlsafe(32))


# --- Lock-out: per account and client, per client, per account ----------------------------------------------
# Failed password logins are rows of login_failures. Within the lock-out window:
#   - an account from one client: max_failed_logins (5) -> that client waits before trying that account again;
#   - one client, all accounts: max_failed_logins_client (10) -> that client waits before trying any account;
#   - one account, all clients: max_failed_logins_account (20) -> the account takes no password until it ends.
# From the third failure of a client the form also answers more slowly (login_delay). Nothing here touches an
# open session: a guesser can keep the Kepala Dinas from signing in anew from the guesser's own computer, not
# from his, and cannot end the session he has open.


def _window_start(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(minutes=get_settings().lockout_minutes)


def _failures(session: Session, now: dt.datetime, *where) -> list[LoginFailure]:
    stmt = select(LoginFailure).where(LoginFailure.at > _window_start(now), *where).order_by(LoginFailure.at)
    return list(session.scalars(stmt))


def _refused_accounts(session: Session, client: str, now: dt.datetime) -> set[str]:
    """Accounts that may not try a password from `client` now; {'*'} when the client may try none."""
    s = get_settings()
    rows = session.execute(
        select(LoginFailure.username, LoginFailure.client).where(LoginFailure.at > _window_start(now))).all()
    if sum(1 for _u, c in rows if c == client) >= s.max_failed_logins_client:
        return {"*"}
    per_pair: dict[str, int] = {}
    per_account: dict[str, int] = {}
    for u, c in rows:
        per_account[u] = per_account.get(u, 0) + 1
        if c == client:
            per_pair[u] = per_pair.get(u, 0) + 1
    return ({u for u, n in per_pair.items() if n >= s.max_failed_logins}
            | {u for u, n in per_account.items() if n >= s.max_failed_logins_account})


def login_refusal(session: Session, username: str, client: str = LOCAL_CLIENT) -> Optional[str]:
    """Why `client` may not try a password for `username` now, or None."""
    s = get_settings()
    now = utcnow()
    rows = _failures(session, now, (LoginFailure.client == client) | (LoginFailure.username == username))
    mine = [r for r in rows if r.client == client]
    pair = [r for r in mine if r.username == username]
    account = [r for r in rows if r.username == username]
    for group, limit, what in (
        (mine, s.max_failed_logins_client, "dari komputer ini"),
        (pair, s.max_failed_logins, f"untuk akun '{username}' dari komputer ini"),
        (account, s.max_failed_logins_account, f"untuk akun '{username}'"),
    ):
        if len(group) >= limit:
            until = group[-limit].at + dt.timedelta(minutes=s.lockout_minutes)
            minutes = max(1, int((until - now).total_seconds() // 60) + 1)
            return (f"Terlalu banyak percobaan masuk yang gagal {what}. Percobaan berikutnya dapat dilakukan "
                    f"dalam {minutes} menit, atau minta administrator membuka penguncian. Sesi yang sedang "
                    f"terbuka tidak terpengaruh.")
    return None


def failed_login(session: Session, username: str, client: str = LOCAL_CLIENT) -> str:
    """Record a failed login from the form; the message to show (lock-out or wrong password)."""
    refusal = login_refusal(session, username, client)
    if refusal:
        return refusal  # an attempt while refused is not counted again: the wait does not grow without end
    now = utcnow()
    session.add(LoginFailure(username=username[:60], client=client, at=now))
    session.flush()
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - dt.timedelta(days=1)))
    refusal = login_refusal(session, username, client)
    if refusal:
        user = session.scalar(select(User).where(User.username == username))
        audit.record(session, Actor(0, username, username, user.role if user else "", None, None),
                     "auth.locked", "user", user.id if user else None, after={"klien": client})
        return refusal
    return "Nama pengguna atau kata sandi salah."


def login_delay(session: Session, client: str = LOCAL_CLIENT) -> float:
    """Seconds to wait before answering `client`'s next attempt: 0, 0, 1, 2, 4, 8, 8, … x the setting."""
    n = len(_failures(session, utcnow(), LoginFailure.client == client))
    return 0.0 if n < 3 else min(2 ** (n - 3), 8) * get_settings().login_delay_seconds


def successful_login(session: Session, username: str, client: str = LOCAL_CLIENT) -> None:
    """The right password from `client`: its own failed attempts on this account are forgotten."""
    session.execute(delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.client == client))


def authenticate(session: Session, username: str, password: str, client: str = LOCAL_CLIENT) -> Actor:
    """Check a username and password against the database, honouring the lock-out."""
    refusal = login_refusal(session, username, client)
    if refusal:
        raise NotAllowed(refusal)
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not check_password(password, user.password_hash):
        raise NotAllowed(failed_login(session, username, client))
    successful_login(session, username, client)
    return actor_from_user(session, user)


def locked_accounts(session: Session) -> set[str]:
    """Accounts that take no password from any client now (the account-wide limit)."""
    s = get_settings()
    rows = session.execute(
        select(LoginFailure.username, func.count()).where(LoginFailure.at > _window_start(utcnow()))
        .group_by(LoginFailure.username)).all()
    return {u for u, n in rows if n >= s.max_failed_logins_account}


def lockouts(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """For the administrator: failed logins in the lock-out window per account and client, newest first."""
    require(session, actor, "user.manage")
    s = get_settings()
    now = utcnow()
    rows = _failures(session, now)
    groups: dict[tuple[str, str], list[LoginFailure]] = {}
    for r in rows:
        groups.setdefault((r.username, r.client), []).append(r)
    per_account: dict[str, int] = {}
    per_client: dict[str, int] = {}
    for r in rows:
        per_account[r.username] = per_account.get(r.username, 0) + 1
        per_client[r.client] = per_client.get(r.client, 0) + 1
    out = []
    for (username, client), items in groups.items():
        locked = (len(items) >= s.max_failed_logins or per_client[client] >= s.max_failed_logins_client
                  or per_account[username] >= s.max_failed_logins_account)
        out.append({"username": username, "client": client, "failures": len(items), "last": items[-1].at,
                    "locked": locked})
    return sorted(out, key=lambda d: d["last"], reverse=True)


def _user_office(session: Session, user: Optional[User]) -> Optional[int]:
    from core.masterdata.common import unit_office

    return unit_office(session, user.unit_id) if user is not None else None


def lift_lockout(session: Session, actor: Actor, username: str) -> int:
    """The administrator forgets the failed logins on an account (from every client). How many were forgotten."""
    user = session.scalar(select(User).where(User.username == username))
    require(session, actor, "user.manage", office_id=_user_office(session, user))
    n = session.execute(delete(LoginFailure).where(LoginFailure.username == username)).rowcount or 0
    audit.record(session, actor, "auth.lockout_lifted", "user", user.id if user else None,
                 before={"percobaan_gagal": n}, after={"percobaan_gagal": 0})
    return n


def demo_password_accounts(session: Session, demo_password: str) -> list[str]:
    """Active accounts that still have `demo_password`: production refuses to start while there are any.

    Only accounts whose password was never changed by their owner are checked (bcrypt is slow on purpose);
    a changed password cannot be the demo one (validate_new_password refuses it)."""
    users = session.scalars(select(User).where(User.active.is_(True), User.password_changed_at.is_(None)))
    return [u.username for u in users if check_password(demo_password, u.password_hash)]


def change_own_password(session: Session, actor: Actor, old: str, new: str, repeat: str) -> int:
    """Change one's own password; every other session of the user ends. The new session generation."""
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
    generation = revoke_on_change(user)
    audit.record(session, actor, "account.change_password", "user", user.id,
                 before={"password": "***"}, after={"password": "*** (diganti)"})
    return generation
