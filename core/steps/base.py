"""What every SOP step module declares, and the opening checks every step action repeats.

A step module (core/steps/<code>.py) declares
- `ACTIONS`: the actions it performs, each a `Rule` bound to an SOP step (whose executor roles are data in
  `sop_steps`, editable in Data Induk) and optionally to fixed roles beside them;
- `PAGE`: the page that serves it, seen by the executors of `PAGE.steps` (plus any fixed roles);
- `tasks(ctx)`: the entries it puts in *Tugas saya* on Beranda.

core.permissions builds the matrix from the ACTIONS, core.navigation the SOP pages from the PAGEs, and
core.tasks *Tugas saya* from the tasks: reassigning a step's executor moves all three at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy.orm import Session

from core import workflow
from core.actor import Actor
from core.permissions import Rule, require
from db.models import CollectionRound, SopStep, Submission

__all__ = ["Rule", "PageSpec", "Task", "TaskContext", "begin", "begin_submission"]


@dataclass(frozen=True)
class PageSpec:
    """A page of the app: its file, title, icon and sidebar group, and who sees it.

    `roles` are fixed; `steps` are SOP step codes whose executor roles (data) see the page too."""

    path: str
    title: str
    icon: str
    group: str
    roles: tuple[str, ...] = ()
    default: bool = False
    steps: tuple[str, ...] = ()

    def roles_with(self, executors: dict[str, frozenset[str]]) -> frozenset[str]:
        """Everyone who sees the page, given each step's executor roles."""
        out = set(self.roles)
        for code in self.steps:
            out |= executors.get(code, frozenset())
        return frozenset(out)


@dataclass(frozen=True)
class Task:
    text: str
    page_path: Optional[str]  # None when the role does not see the page
    deadline: Optional[dt.date] = None
    late: bool = False


@dataclass
class TaskContext:
    """What a step module's `tasks(ctx)` reads: the actor, today, each step's executors, the office's rounds."""

    session: Session
    actor: Actor
    today: dt.date
    executors: dict[str, frozenset[str]]
    rounds: list  # core.round_status.RoundStatus of the office's running rounds, oldest first
    page_visible: Callable[[str], bool]
    submissions: Callable[[int], list[Submission]]  # a round's submissions (loaded once for every module)
    tasks: list[Task] = field(default_factory=list)

    def may(self, action: str) -> bool:
        """The actor's role may do the action (unit scope is the module's to check)."""
        from core.permissions import allowed_roles_from

        return self.actor.role in allowed_roles_from(self.executors, action)

    def add(self, text: str, page: str, deadline: Optional[dt.date] = None) -> None:
        late = deadline is not None and self.today > deadline
        self.tasks.append(Task(text, page if self.page_visible(page) else None, deadline, late))


def begin(session: Session, actor: Actor, action: str, round_id: int, *steps: str,
          for_update: bool = True) -> tuple[CollectionRound, SopStep]:
    """The opening checks of a step action: the round (locked for the write), the actor's permission for it
    in its office, the round still running and at one of `steps`. Returns the round and its step."""
    rnd = workflow.get_round(session, round_id, for_update=for_update)
    require(session, actor, action, office_id=rnd.office_id)
    return rnd, workflow.at_step(session, rnd, *steps)


def begin_submission(session: Session, actor: Actor, action: str, submission_id: int,
                     *steps: str) -> tuple[Submission, CollectionRound]:
    """begin() for an action on one unit's submission: the actor may act for that unit, in its office."""
    from core.round_status import get_submission

    sub = get_submission(session, submission_id)
    rnd = workflow.get_round(session, sub.round_id, for_update=True)
    require(session, actor, action, sub.unit_id, office_id=rnd.office_id)
    workflow.at_step(session, rnd, *steps)
    return sub, rnd
