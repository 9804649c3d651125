"""The round's state machine: which SOP step a round is at, and the StepRecords of its transitions.

Steps are found by their code (data in `sop_steps`), never by a number written in a page. A round is
at exactly one step (`current_step` holds its number); moving on finishes the current step's record
and starts the next one. Services in core/rounds*.py call these helpers after their own permission
check, inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.actor import Actor
from core.errors import Conflict, NotFound
from core.sop import step_by_code
from core.states import RoundState
from db.models import CollectionRound, SopStep, StepRecord, utcnow


def lock_for_write(session: Session) -> None:
    """Take the database's write lock now, before reading what a change depends on (SQLite only).

    PostgreSQL locks the rows read with SELECT … FOR UPDATE. SQLite has no row locks and starts the
    write transaction only at the first write, so two saves could both read version v and both write
    (a lost update). A write that changes nothing takes the lock at once: the second save waits until
    the first commits, then reads the newer version and is refused with Conflict.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE collection_rounds SET id = id WHERE 0"))


def row(session: Session, model: type, ident: int, missing: str, for_update: bool = False):
    """One row by id, locked for the write on PostgreSQL when `for_update`; NotFound with `missing`."""
    stmt = select(model).where(model.id == ident)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    found = session.scalar(stmt)
    if found is None:
        raise NotFound(missing)
    return found


def get_round(session: Session, round_id: int, for_update: bool = False) -> CollectionRound:
    if for_update:
        lock_for_write(session)
    return row(session, CollectionRound, round_id, "Pengumpulan data tidak ditemukan.", for_update)


def ensure_open(rnd: CollectionRound) -> None:
    if rnd.status != RoundState.BERJALAN:
        raise Conflict(
            "Pengumpulan data ini sudah didokumentasikan dan ditutup; datanya tidak dapat diubah lagi. "
            "Koreksi setelah dokumentasi dibuat sebagai versi laporan baru."
        )


def at_step(session: Session, rnd: CollectionRound, *codes: str) -> SopStep:
    """The round's current step, which must be one of `codes`; otherwise a clear refusal."""
    ensure_open(rnd)
    step = rnd.step
    if step is None or step.code not in codes:
        wanted = " atau ".join(f"'{step_by_code(session, c).short_name}'" for c in codes)
        now = f"'{step.short_name}' (langkah {step.number})" if step else f"langkah {rnd.current_step}"
        raise Conflict(f"Tindakan ini hanya dapat dilakukan pada langkah {wanted}; pengumpulan data "
                       f"sedang berada pada langkah {now}.")
    return step


def open_record(session: Session, rnd: CollectionRound, step: SopStep,
                started_at: Optional[dt.datetime] = None) -> StepRecord:
    rec = StepRecord(round_id=rnd.id, step_number=step.number, started_at=started_at or utcnow())
    session.add(rec)
    session.flush()
    return rec


def current_record(session: Session, rnd: CollectionRound) -> Optional[StepRecord]:
    return session.scalar(
        select(StepRecord)
        .where(StepRecord.round_id == rnd.id, StepRecord.step_number == rnd.current_step,
               StepRecord.finished_at.is_(None))
        .order_by(StepRecord.id.desc())
    )


def finish_current(session: Session, rnd: CollectionRound, actor: Optional[Actor],
                   disposition: str = "", output_ref: str = "") -> StepRecord:
    """Close the record of the step the round is at (opening one first if none is open)."""
    rec = current_record(session, rnd)
    if rec is None:
        rec = open_record(session, rnd, rnd.step)
    rec.finished_at = utcnow()
    if actor is not None and actor.user_id:
        rec.actor_id = actor.user_id
    if disposition:
        rec.disposition = disposition
    if output_ref:
        rec.output_ref = output_ref
    session.flush()
    return rec


def next_step(session: Session, rnd: CollectionRound) -> Optional[SopStep]:
    return session.scalar(
        select(SopStep).where(SopStep.number > rnd.current_step).order_by(SopStep.number)
    )


def advance(session: Session, rnd: CollectionRound, actor: Optional[Actor], disposition: str = "",
            output_ref: str = "") -> Optional[SopStep]:
    """Finish the current step and start the next; returns the new step (None after the last)."""
    finish_current(session, rnd, actor, disposition, output_ref)
    nxt = next_step(session, rnd)
    if nxt is None:
        return None
    rnd.current_step = nxt.number
    rnd.version = (rnd.version or 0) + 1
    session.expire(rnd, ["step"])  # the relationship follows current_step on its next read
    open_record(session, rnd, nxt)
    return nxt
