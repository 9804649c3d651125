"""Jejak Audit: the audit log as a filterable table, for those the matrix lets read it (audit.view)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Optional

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.permissions import require
from db.models import AuditLog, User

MAX_ROWS = 2000
COLUMNS = ["Waktu (UTC)", "Pengguna", "Nama", "Tindakan", "Entitas", "ID", "Sebelum", "Sesudah"]


@dataclass(frozen=True)
class AuditFilter:
    start: Optional[dt.date] = None
    end: Optional[dt.date] = None
    username: str = ""
    action: str = ""
    entity: str = ""
    text: str = ""


def _json(value: Optional[dict[str, Any]]) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def actions(session: Session, actor: Actor) -> list[str]:
    """Every action name in the log, for the filter's choices."""
    require(session, actor, "audit.view")
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


def entries(session: Session, actor: Actor, flt: Optional[AuditFilter] = None, limit: int = MAX_ROWS) -> pd.DataFrame:
    """The newest audit rows matching the filter (before/after as JSON text), newest first.

    An actor of an office sees that office's rows and the rows without an office (logins, system).
    """
    require(session, actor, "audit.view")
    flt = flt or AuditFilter()
    stmt = select(AuditLog, User.full_name).outerjoin(User, User.id == AuditLog.actor_id)
    if actor.office_id is not None and actor.role != "admin":
        stmt = stmt.where(or_(AuditLog.office_id == actor.office_id, AuditLog.office_id.is_(None)))
    if flt.start:
        stmt = stmt.where(AuditLog.at >= dt.datetime.combine(flt.start, dt.time.min))
    if flt.end:
        stmt = stmt.where(AuditLog.at < dt.datetime.combine(flt.end + dt.timedelta(days=1), dt.time.min))
    if flt.username.strip():
        stmt = stmt.where(func.lower(AuditLog.actor_username) == flt.username.strip().lower())
    if flt.action.strip():
        stmt = stmt.where(AuditLog.action == flt.action.strip())
    if flt.entity.strip():
        stmt = stmt.where(AuditLog.entity == flt.entity.strip())
    stmt = stmt.order_by(AuditLog.id.desc()).limit(max(1, min(int(limit), MAX_ROWS)))
    rows = []
    needle = flt.text.strip().lower()
    for entry, name in session.execute(stmt):
        before, after = _json(entry.before), _json(entry.after)
        if needle and needle not in f"{entry.entity_id} {before} {after}".lower():
            continue
        rows.append({"Waktu (UTC)": entry.at, "Pengguna": entry.actor_username, "Nama": name or "",
                     "Tindakan": entry.action, "Entitas": entry.entity, "ID": entry.entity_id or "",
                     "Sebelum": before, "Sesudah": after})
    return pd.DataFrame(rows, columns=COLUMNS)


def to_csv(df: pd.DataFrame) -> bytes:
    """The filtered log as a download: the recap CSV writer, so names and values are neutralised the same way."""
    from core import exports

    return exports.to_csv(df, "standar")
