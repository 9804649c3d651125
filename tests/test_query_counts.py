"""Pages read a round's rows in a fixed number of queries, not one query per unit or indicator (N+1).

Each call starts from an empty identity map, so every relationship it touches must be loaded by the
queries it issues; the count is compared with the number of rows it shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select

from core import auth, entry, review, round_status, sessions, status
from core.config import get_settings
from core.steps import isi_data
from db.models import Submission
from tests.factories import actor as actor_for
from tests.factories import make_round, submission_of

TODAY = dt.date(2026, 10, 5)


def _queries(session, fn: Callable[[], Any]) -> int:
    session.expunge_all()
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_unit_tables_of_a_round_take_a_fixed_number_of_queries(session):
    rnd = make_round(session, at="pengolahan", state="diajukan")
    penyusun = actor_for(session, "penyusun")
    units = len(round_status.submission_rows(session, penyusun, rnd.id, TODAY))
    assert units >= 5
    # round, submissions, units, extensions, users, the office's lock setting (and the reviews and comments
    # for the overview)
    assert _queries(session, lambda: round_status.submission_rows(session, penyusun, rnd.id, TODAY)) <= 6 < units + 2
    assert _queries(session, lambda: review.submissions_overview(session, penyusun, rnd.id, TODAY)) <= 9
    assert _queries(session, lambda: status.quarter_status(session, rnd.office_id, rnd.id, TODAY)) <= 16


def test_a_units_grid_and_its_submission_check_take_a_fixed_number_of_queries(session, actors):
    rnd = make_round(session, at="isi_data", state="draf")
    sub = submission_of(session, rnd, "BID-LATTAS")
    n_indicators = len(entry.unit_indicators(session, rnd, sub.unit_id))
    assert n_indicators >= 3
    sub_id = sub.id

    def problems() -> list[str]:
        return isi_data.submission_problems(session, session.get(Submission, sub_id))

    # the indicators with their sasaran, targets of the year, realisations, evidence counts, and the office's
    # capaian settings (whether a value is below target depends on them)
    assert _queries(session, problems) <= 7
    assert _queries(session, lambda: entry.entry_table(session, actors["kabid_lattas"], sub_id)) <= 9
    assert _queries(session, lambda: entry.my_submissions(session, actors["kabid_lattas"])) <= 4


def test_the_signed_in_user_is_read_with_their_unit_in_one_query(session):
    assert _queries(session, lambda: auth.actor_for(session, "kabid_lattas")) == 1


def test_units_in_scope_is_unit_in_scope_for_every_user_and_unit(session, actors):
    from core.permissions import unit_in_scope, units_in_scope
    from db.models import OrgUnit

    unit_ids = list(session.scalars(select(OrgUnit.id)))
    for actor in actors.values():
        scope = units_in_scope(session, actor)
        assert scope == {u for u in unit_ids if unit_in_scope(session, actor, u)}, actor.username


def test_a_rerun_of_a_signed_in_session_reads_the_user_once(session):
    rerun = None

    def read() -> None:
        nonlocal rerun
        rerun = auth.rerun_state(session, "kabid_lattas")

    assert _queries(session, read) == 1
    assert rerun.refusal is None and rerun.actor == auth.actor_for(session, "kabid_lattas")
    assert list(rerun.credentials["usernames"]) == ["kabid_lattas"]


def test_a_rerun_refuses_an_ended_or_deactivated_session_but_not_a_locked_out_account(session):
    from db.models import User

    user = session.scalar(select(User).where(User.username == "kabid_lattas"))
    for _ in range(get_settings().max_failed_logins_account):  # someone guesses from many computers
        auth.failed_login(session, "kabid_lattas", f"10.0.0.{_}")
    assert "kabid_lattas" in auth.locked_accounts(session)
    open_session = auth.rerun_state(session, "kabid_lattas", user.session_generation)
    assert open_session.refusal is None and open_session.actor is not None  # the open session goes on
    assert "kabid_lattas" in auth.locked_accounts(session)  # and its clicks do not clear the count
    ended = auth.rerun_state(session, "kabid_lattas", user.session_generation - 1)
    assert ended.actor is None and ended.refusal == sessions.SESSION_ENDED
    user.active = False
    session.flush()
    gone = auth.rerun_state(session, "kabid_lattas")
    assert gone.actor is None and gone.refusal == auth.ACCOUNT_GONE and gone.credentials == {"usernames": {}}
    assert auth.rerun_state(session, "tidak_ada").refusal == auth.ACCOUNT_GONE
    everyone = auth.rerun_state(session, None)
    assert everyone.actor is None and everyone.refusal is None and "kadis" in everyone.credentials["usernames"]
