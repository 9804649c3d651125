"""Audit log entries, written in the same transaction as the change they record."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from core import change_feed
from core.actor import Actor
from core.errors import Conflict
from db.models import AuditLog


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: Optional[list[str]] = None) -> dict[str, Any]:
    """The column values of an ORM object as JSON-able data (for before/after)."""
    if obj is None:
        return {}
    mapper = inspect(obj).mapper
    names = fields or [c.key for c in mapper.column_attrs]
    return {name: jsonable(getattr(obj, name)) for name in names}


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: Any = None,
    before: Optional[dict[str, Any]] = None,
    after: Optional[dict[str, Any]] = None,
    office_id: Optional[int] = None,
    flush: bool = True,
) -> AuditLog:
    """Add one audit row; `flush=False` lets a service that audits many rows write them in one flush."""
    entry = AuditLog(
        actor_id=actor.user_id or None,
        actor_username=actor.username,
        office_id=office_id if office_id is not None else actor.office_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )
    session.add(entry)
    session.info.setdefault(_CHANGED_OFFICES, set()).add(entry.office_id)
    if flush:
        session.flush()
    return entry


def data_version(session: Session, office_id: Optional[int] = None) -> int:
    """A number that grows with every audited change: the key for caches that a save invalidates.

    With `office_id`, only the changes of that office and those of no office (users, SOP steps, a restore)
    count: in a regency-wide database another office's saves leave this office's caches valid. Two
    lookups on the (office_id, id) index, in one statement."""
    if office_id is None:
        return session.scalar(select(func.coalesce(func.max(AuditLog.id), 0))) or 0
    own = select(func.max(AuditLog.id)).where(AuditLog.office_id == office_id).scalar_subquery()
    shared = select(func.max(AuditLog.id)).where(AuditLog.office_id.is_(None)).scalar_subquery()
    a, b = session.execute(select(own, shared)).one()  # both lookups in one round trip
    return max(a or 0, b or 0)


# --- committed changes, for whoever keeps something computed in advance -------------------------

_CHANGED_OFFICES = "kinerja_changed_offices"
_listeners: list[Callable[[frozenset[Optional[int]]], None]] = []
_listeners_lock = threading.Lock()
_log = logging.getLogger(__name__)


def on_change(listener: Callable[[frozenset[Optional[int]]], None]) -> Callable[[], None]:
    """Call `listener` after every committed transaction that wrote audit rows, with the offices concerned
    (None: a change of no office, such as users or SOP steps, which concerns every office).

    Called in the committing thread right after the commit, so it must return at once (hand the work to
    another thread); an exception in it is logged and never reaches the user whose change was saved.
    Returns the function that removes the listener."""
    with _listeners_lock:
        _listeners.append(listener)

    def remove() -> None:
        with _listeners_lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return remove


@event.listens_for(Session, "before_commit")
def _announce_to_other_processes(session: Session) -> None:
    """On PostgreSQL, NOTIFY the other app processes in the committing transaction (core.change_feed):
    delivered only if it commits, so a rolled-back save announces nothing."""
    offices = session.info.get(_CHANGED_OFFICES)
    if offices:
        change_feed.announce(session, offices)


@event.listens_for(Session, "after_commit")
def _announce_committed_changes(session: Session) -> None:
    offices = session.info.pop(_CHANGED_OFFICES, None)
    if not offices:
        return
    with _listeners_lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(frozenset(offices))
        except Exception:  # noqa: BLE001 - the change is committed; a listener's failure must not undo that
            _log.exception("audit change listener failed")


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_changes(session: Session, _previous_transaction) -> None:
    session.info.pop(_CHANGED_OFFICES, None)


def last_change(session: Session, entity: str, entity_id: Any, field: Optional[str] = None,
                ) -> Optional[tuple[str, Any, str]]:
    """(who, when, username) of the newest audit row of one entity, for telling a person who saved before
    them; with `field`, of the newest row that changed that field (of the last 50; else the newest row)."""
    from db.models import User

    rows = session.execute(
        select(AuditLog.actor_username, User.full_name, AuditLog.at, AuditLog.after)
        .outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.entity == entity, AuditLog.entity_id == str(entity_id))
        .order_by(AuditLog.id.desc()).limit(1 if field is None else 50)).all()
    if not rows:
        return None
    username, name, at, _after = next((r for r in rows if field in (r[3] or {})), rows[0])
    return (name or username), at, username


def stale_save(session: Session, label: str, entity: str, entity_id: Any = None,
               actor: Optional[Actor] = None, field: Optional[str] = None) -> Conflict:
    """The refusal of a save over a newer version: who changed the row (`field`: that field of it) and when, and
    what to do. `actor`: the person refused; when the newer save was made with the same account (a second tab,
    or a shared account on another computer), the message says so instead of naming them as somebody else."""
    from core import fmt

    who = last_change(session, entity, entity_id, field) if entity_id is not None else None
    if who and actor is not None and who[2] == actor.username:
        by = f" melalui akun Anda ({who[0]}) di jendela atau komputer lain pada {fmt.datetime(who[1])}"
    elif who:
        by = f" oleh {who[0]} pada {fmt.datetime(who[1])}"
    else:
        by = " oleh pengguna lain"
    return Conflict(f"Data {label} sudah diubah{by} setelah Anda membuka halaman ini. Simpanan Anda dibatalkan "
                    "dan tidak ada yang tertimpa; lihat nilai terbaru lalu ulangi perubahan Anda bila masih perlu.")
