"""'Tugas saya' on Beranda: what the logged-in user has to do next, for every SOP step and role.

Each step module declares its own tasks (`tasks(ctx)` in core/steps/*.py); this module gives them the
office's running rounds and each step's executor roles (data in `sop_steps`, editable by an admin), so a
reassigned step shows up for the new role without a code change.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.actor import Actor
from core.navigation import page_allowed
from core.permissions import step_executors
from core.round_status import open_rounds
from core.steps import step_modules
from core.steps.base import Task, TaskContext
from db.models import Submission

__all__ = ["Task", "my_tasks"]


def my_tasks(session: Session, actor: Actor, today: Optional[dt.date] = None) -> list[Task]:
    if actor.office_id is None:
        return []
    executors = step_executors(session)
    rounds = list(reversed(open_rounds(session, actor.office_id)))  # oldest first
    subs: dict[int, list[Submission]] = {r.id: [] for r in rounds}
    if rounds:
        for sub in session.scalars(select(Submission).where(Submission.round_id.in_(list(subs)))):
            subs[sub.round_id].append(sub)
    ctx = TaskContext(session, actor, today or clock.today(), executors, rounds,
                      page_visible=lambda path: page_allowed(actor.role, path, executors),
                      submissions=lambda round_id: subs.get(round_id, []))
    for module in step_modules():
        module.tasks(ctx)
    return ctx.tasks
