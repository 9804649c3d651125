"""Factories that put a TW III 2026 round of the demo office at a given SOP step, straight through the models.

Used by the tests of steps 4–9 to reach a state without walking steps 1–3 (those have their own tests).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.achievement import below_target
from core.config import get_settings
from core.review import expected_unit_ids
from core.sop import step_by_code, steps
from db.models import (
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Evidence,
    Indicator,
    OrgUnit,
    Realization,
    StepRecord,
    Submission,
    Target,
    User,
)

OPENED = dt.datetime(2026, 10, 1, 8, 0)
DEADLINE = dt.date(2026, 10, 10)
EXECUTORS = {"disposisi": "kadis", "distribusi": "sekdis", "pengolahan": "penyusun", "penyusunan": "penyusun",
             "sosialisasi": "sekdis", "koreksi": "perencana", "serah": "perencana", "dokumentasi": "penyusun"}


def office(session: Session) -> OrgUnit:
    return session.scalar(select(OrgUnit).where(OrgUnit.kind == "dinas"))


def user(session: Session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def unit(session: Session, code: str) -> OrgUnit:
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def actor(session: Session, username: str):
    """The Actor of a demo user, as the app builds it at login."""
    from core.auth import actor_for

    return actor_for(session, username)


def make_round(session: Session, at: str = "pengolahan", state: str = "diajukan",
               states: Optional[dict[str, str]] = None, year: int = 2026, quarter: int = 3,
               deadline: dt.date = DEADLINE, skip_units: tuple[str, ...] = (), evidence: bool = False,
               factor: Decimal = Decimal("0.9")) -> CollectionRound:
    """A running round at step `at`, with one submission per reporting unit in `state` (or `states[code]`)
    holding a realisation of each of its indicators (`factor` × the quarter's target) and its budget lines."""
    off = office(session)
    step = step_by_code(session, at)
    rnd = CollectionRound(office_id=off.id, year=year, quarter=quarter, current_step=step.number,
                          status="berjalan", instruction="Kumpulkan data kinerja TW III 2026.", deadline=deadline,
                          opened_by_id=user(session, "kadis").id, opened_at=OPENED)
    session.add(rnd)
    session.flush()
    t = OPENED
    for s in steps(session):
        if s.number > step.number:
            break
        who = EXECUTORS.get(s.code)
        finished = None if s.number == step.number else t + dt.timedelta(minutes=max(1, s.standard_minutes // 2))
        session.add(StepRecord(round_id=rnd.id, step_number=s.number, started_at=t, finished_at=finished,
                               actor_id=user(session, who).id if who and finished else None,
                               disposition=s.output if finished else ""))
        t = finished or t
    heads = {u.unit_id: u for u in session.scalars(select(User).where(User.role.in_(("kepala_bidang", "jft"))))}
    for unit_id in expected_unit_ids(session, off.id):
        u = session.get(OrgUnit, unit_id)
        if u.code in skip_units:
            continue
        head = heads.get(unit_id) or next(v for k, v in heads.items()
                                          if session.get(OrgUnit, k).parent_id == unit_id)
        st = (states or {}).get(u.code, state)
        submitted = st in ("diajukan", "diterima", "dikembalikan")
        sub = Submission(round_id=rnd.id, unit_id=unit_id, state=st, deadline=deadline,
                         disposition="Mohon segera diisi.", distributed_at=OPENED,
                         received_at=OPENED + dt.timedelta(hours=1), received_by_id=head.id,
                         first_submitted_at=OPENED + dt.timedelta(days=2) if submitted else None,
                         submitted_at=OPENED + dt.timedelta(days=2) if submitted else None,
                         submitted_by_id=head.id if submitted else None,
                         accepted_at=OPENED + dt.timedelta(days=3) if st == "diterima" else None)
        session.add(sub)
        session.flush()
        if st == "belum_mulai":
            continue
        for ind in session.scalars(select(Indicator).where(Indicator.owner_unit_id == unit_id)):
            target = session.scalar(select(Target).where(Target.indicator_id == ind.id, Target.year == year))
            tq = target.quarter(quarter) if target else None
            value = (tq * factor).quantize(Decimal("0.01")) if tq is not None else Decimal(1)
            reached = tq is not None and not below_target(tq, value, ind.polarity)
            real = Realization(submission_id=sub.id, indicator_id=ind.id, value=value, note="Sesuai data.",
                               kendala="Cuaca dan jarak tempuh." if factor < 1 else "",
                               tindak_lanjut="Penjadwalan ulang kegiatan." if factor < 1 else "",
                               faktor_pendorong="Dukungan mitra kerja." if reached else "",
                               updated_by_id=head.id)
            session.add(real)
            session.flush()
            if evidence:
                add_evidence(session, sub, real, head, f"bukti-{ind.code}.pdf", f"%PDF bukti {ind.code}".encode())
        for bl in session.scalars(select(BudgetLine).where(BudgetLine.owner_unit_id == unit_id,
                                                           BudgetLine.year == year)):
            session.add(BudgetRealization(submission_id=sub.id, budget_line_id=bl.id,
                                          amount=(bl.pagu * Decimal("0.2")).quantize(Decimal("1000")),
                                          updated_by_id=head.id))
    session.flush()
    session.refresh(rnd)
    return rnd


def add_evidence(session: Session, sub: Submission, real: Optional[Realization], who: User, name: str,
                 content: bytes) -> Evidence:
    folder = get_settings().upload_dir / f"sub-{sub.id}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    ev = Evidence(submission_id=sub.id, realization_id=real.id if real else None, filename=name,
                  stored_path=str(Path(path)), content_type="application/pdf", size=len(content),
                  sha256=hashlib.sha256(content).hexdigest(), uploaded_by_id=who.id)
    session.add(ev)
    session.flush()
    return ev


def resubmit(session: Session, sub: Submission) -> None:
    """The unit submits its data again after a return (what core.steps.isi_data.submit does in step 3)."""
    sub.state = "diajukan"
    sub.submitted_at = (sub.submitted_at or OPENED) + dt.timedelta(hours=5)
    session.flush()


def submission_of(session: Session, rnd: CollectionRound, unit_code: str) -> Submission:
    u = unit(session, unit_code)
    return session.scalar(select(Submission).where(Submission.round_id == rnd.id, Submission.unit_id == u.id))


# Small real files for evidence uploads: core.evidence checks content with pypdf and Pillow.
PDF = (b"%PDF-1.3\n1 0 obj\n<<\n/Type /Pages\n/Count 1\n/Kids [ 3 0 R ]\n>>\nendobj\n"
       b"2 0 obj\n<<\n/Type /Catalog\n/Pages 1 0 R\n>>\nendobj\n"
       b"3 0 obj\n<<\n/Type /Page\n/Resources <<\n>>\n/MediaBox [ 0 0 72 72 ]\n/Parent 1 0 R\n>>\nendobj\n"
       b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000068 00000 n \n0000000117 00000 n \n"
       b"trailer\n<<\n/Size 4\n/Root 2 0 R\n>>\nstartxref\n205\n%%EOF\n")


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 8)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (31, 95, 168)).save(out, format=fmt)
    return out.getvalue()
