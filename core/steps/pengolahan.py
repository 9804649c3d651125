"""SOP step 4, Pengolahan (pages/pengolahan.py): the penyusun checks each unit's submission, accepts or
returns it, and comments on single indicator rows; the unit answers. Every decision and comment is kept.

Reviews are allowed while the round is at 'isi_data' or 'pengolahan' (units arrive at different
times). When every expected unit's submission is accepted, the round moves on to 'penyusunan'. What the
page shows of a submission is read by core.review.
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session

from core import audit, workflow
from core.actor import Actor
from core.errors import Conflict, InvalidInput, NotFound
from core.review import missing_unit_ids
from core.states import SubmissionState, submission_label
from core.steps.base import PageSpec, Rule, TaskContext, begin_submission
from db.models import (
    CollectionRound,
    Indicator,
    Review,
    ReviewComment,
    Submission,
    utcnow,
)

# Reviews run while units still enter data: units arrive at different times.
REVIEW_STEPS = ("isi_data", "pengolahan")
ACTIONS = {
    "submission.review": Rule("menerima atau mengembalikan data unit", step="pengolahan"),
    "comment.create": Rule("memberi catatan pada baris indikator", step="pengolahan"),
    "comment.resolve": Rule("menandai catatan selesai", step="pengolahan"),
}
# Steps 4 and 5 share a page: the penyusun checks the data, then compiles the draft from it.
PAGE = PageSpec("pages/pengolahan.py", "Pengolahan", ":material/fact_check:", "Pengumpulan Data",
                steps=("pengolahan", "penyusunan"))


def tasks(ctx: TaskContext) -> None:
    if not ctx.may("submission.review"):
        return
    for rnd in ctx.rounds:
        if rnd.at(*REVIEW_STEPS):
            waiting = sum(1 for s in ctx.submissions(rnd.id) if s.state == SubmissionState.DIAJUKAN)
            if waiting:
                ctx.add(f"Periksa data yang diajukan ({waiting} unit)", PAGE.path)


def _all_accepted(session: Session, rnd: CollectionRound) -> bool:
    return bool(rnd.submissions) and all(s.state == SubmissionState.DITERIMA for s in rnd.submissions) \
        and not missing_unit_ids(session, rnd)


def _advance_to_penyusunan(session: Session, rnd: CollectionRound, actor: Actor) -> None:
    """Every unit's data is accepted: finish the data steps so the draft can be compiled."""
    while True:
        step = rnd.step
        if step is None or step.code not in REVIEW_STEPS:
            return
        before = {"current_step": rnd.current_step}
        disposition = ("Seluruh data unit diterima; siap disusun menjadi draf laporan."
                       if step.code == "pengolahan" else "Seluruh unit mengajukan data.")
        workflow.advance(session, rnd, actor if step.code == "pengolahan" else None, disposition=disposition,
                         output_ref=step.output)
        audit.record(session, actor, "round.advance", "collection_round", rnd.id, before=before,
                     after={"current_step": rnd.current_step}, office_id=rnd.office_id)


def accept(session: Session, actor: Actor, submission_id: int, note: str = "") -> Submission:
    """Accept a unit's submitted data (state diajukan → diterima)."""
    sub, rnd = begin_submission(session, actor, "submission.review", submission_id, *REVIEW_STEPS)
    if sub.state != SubmissionState.DIAJUKAN:
        raise Conflict(f"Data unit {sub.unit.name} berstatus '{submission_label(sub.state)}'; "
                       "hanya data yang sudah diajukan yang dapat diterima.")
    before = audit.snapshot(sub, ["state", "accepted_at", "version"])
    now = utcnow()
    sub.state = SubmissionState.DITERIMA
    sub.accepted_at = now
    sub.version = (sub.version or 0) + 1
    review = Review(submission_id=sub.id, decision=SubmissionState.DITERIMA, reason=(note or "").strip(),
                    reviewer_id=actor.user_id, created_at=now)
    session.add(review)
    session.flush()
    audit.record(session, actor, "submission.accept", "submission", sub.id, before=before,
                 after={**audit.snapshot(sub, ["state", "accepted_at", "version"]), "note": review.reason},
                 office_id=rnd.office_id)
    session.refresh(rnd, ["submissions"])
    if _all_accepted(session, rnd):
        _advance_to_penyusunan(session, rnd, actor)
    return sub


def return_submission(session: Session, actor: Actor, submission_id: int, reason: str) -> Submission:
    """Return a unit's submitted data for revision, with the reason the unit must fix."""
    sub, rnd = begin_submission(session, actor, "submission.review", submission_id, *REVIEW_STEPS)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Tuliskan alasan pengembalian agar unit tahu apa yang harus diperbaiki.")
    if sub.state != SubmissionState.DIAJUKAN:
        raise Conflict(f"Data unit {sub.unit.name} berstatus '{submission_label(sub.state)}'; "
                       "hanya data yang sudah diajukan yang dapat dikembalikan.")
    before = audit.snapshot(sub, ["state", "version"])
    sub.state = SubmissionState.DIKEMBALIKAN
    sub.version = (sub.version or 0) + 1
    session.add(Review(submission_id=sub.id, decision=SubmissionState.DIKEMBALIKAN, reason=reason,
                       reviewer_id=actor.user_id, created_at=utcnow()))
    session.flush()
    audit.record(session, actor, "submission.return", "submission", sub.id, before=before,
                 after={**audit.snapshot(sub, ["state", "version"]), "reason": reason}, office_id=rnd.office_id)
    return sub


def _comment(session: Session, comment_id: int) -> ReviewComment:
    c = session.get(ReviewComment, comment_id)
    if c is None:
        raise NotFound("Catatan pemeriksa tidak ditemukan.")
    return c


def add_comment(session: Session, actor: Actor, submission_id: int, indicator_id: Optional[int],
                text: str) -> ReviewComment:
    """The penyusun's note on one indicator row of a unit's data (or on the whole data when no row)."""
    sub, rnd = begin_submission(session, actor, "comment.create", submission_id, *REVIEW_STEPS)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Tuliskan isi catatan untuk baris indikator.")
    if indicator_id is not None:
        ind = session.get(Indicator, indicator_id)
        if ind is None or ind.owner_unit_id != sub.unit_id or ind.office_id != rnd.office_id:
            raise InvalidInput("Indikator yang dipilih bukan indikator unit ini.")
    c = ReviewComment(submission_id=sub.id, indicator_id=indicator_id, text=text, author_id=actor.user_id,
                      created_at=utcnow())
    session.add(c)
    session.flush()
    audit.record(session, actor, "comment.create", "review_comment", c.id,
                 after=audit.snapshot(c, ["submission_id", "indicator_id", "text"]), office_id=rnd.office_id)
    return c


def _stamp(session: Session, actor: Actor, c: ReviewComment, rnd: CollectionRound, action: str,
           **values: object) -> ReviewComment:
    """Set the comment's fields (an answer, or its resolution) and write the audit row of the change."""
    before = audit.snapshot(c, list(values))
    for name, value in values.items():
        setattr(c, name, value)
    session.flush()
    audit.record(session, actor, action, "review_comment", c.id, before=before, after=audit.snapshot(c, list(values)),
                 office_id=rnd.office_id)
    return c


def respond_comment(session: Session, actor: Actor, comment_id: int, response: str) -> ReviewComment:
    """The unit answers a reviewer's note on its row (its own unit only)."""
    c = _comment(session, comment_id)
    sub, rnd = begin_submission(session, actor, "comment.respond", c.submission_id, *REVIEW_STEPS)
    response = (response or "").strip()
    if not response:
        raise InvalidInput("Tuliskan jawaban atas catatan pemeriksa.")
    if c.resolved:
        raise Conflict("Catatan ini sudah ditandai selesai oleh pemeriksa; jawaban tidak dapat diubah.")
    return _stamp(session, actor, c, rnd, "comment.respond", response=response, responded_by_id=actor.user_id,
                  responded_at=utcnow())


def resolve_comment(session: Session, actor: Actor, comment_id: int) -> ReviewComment:
    """The penyusun marks a note as settled; it stays in the history."""
    c = _comment(session, comment_id)
    sub, rnd = begin_submission(session, actor, "comment.resolve", c.submission_id, *REVIEW_STEPS)
    if c.resolved:
        raise Conflict("Catatan ini sudah ditandai selesai.")
    return _stamp(session, actor, c, rnd, "comment.resolve", resolved=True, resolved_by_id=actor.user_id,
                  resolved_at=utcnow())
