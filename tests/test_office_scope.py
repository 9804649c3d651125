"""The office in the permission model: every service that changes data, run by an account of another office
with the same role (and the same unit id, so that only the office differs), is refused in Indonesian and
writes nothing — the authorization matrix, extended by office.

The services and their scenarios are test_audit_completeness.CALLS (every public core function taking an
actor that changes data); a new service cannot be added without one.
"""

from __future__ import annotations

import dataclasses

import pytest

from core.backup import table_counts
from core.errors import NotAllowed
from core.uow import unit_of_work
from db.engine import session_factory
from db.models import OrgUnit
from tests import factories
from tests.test_audit_completeness import CALLS

# Installation-wide, not an office's: the SOP definition (one for the deployment), one's own account and
# sessions, and backups (the whole database) are for the installation's administrator and the user.
NOT_OF_AN_OFFICE = {
    "masterdata.sop.update_sop_step", "auth.change_own_password", "sessions.end_own_sessions",
    "masterdata.users.change_own_phone",
    "backup.make.make_backup",
    "steps.disposisi.open_round",  # opens a round in the actor's own office: there is no other office's record
}


def _other_office(db_url: str) -> int:
    with unit_of_work(db_url) as s:
        pemkab = s.query(OrgUnit).filter(OrgUnit.kind == "pemkab").one()
        other = OrgUnit(code="DINKES", name="Dinas Kesehatan Kabupaten Kapuas Hulu", short_name="Dinkes",
                        kind="dinas", parent_id=pemkab.id, sort_order=99, active=True)
        s.add(other)
        s.flush()
        other.office_id = other.id
        return other.id


@pytest.mark.parametrize("service", sorted(set(CALLS) - NOT_OF_AN_OFFICE))
def test_an_account_of_another_office_is_refused_and_nothing_is_written(db_url, tmp_path, service):
    from core.auth import actor_from_user
    from db.models import User

    prepare, call = CALLS[service]
    other = _other_office(db_url)
    with unit_of_work(db_url) as s:
        actors = {u.username: actor_from_user(s, u) for u in s.scalars(s.query(User).statement)}
        ctx = prepare(s, actors) or {}
    ctx.setdefault("tmp", tmp_path / "cadangan")
    strangers = {name: dataclasses.replace(a, office_id=other) for name, a in actors.items()}
    s = session_factory(db_url)()
    try:
        before = table_counts(s)
        with pytest.raises(NotAllowed) as refused:
            call(s, strangers, ctx)
        s.flush()
        after = table_counts(s)
        # the lock-out scenario records a failed login before the refused lift: evidence, not data
        assert {t: n for t, n in after.items() if t != "login_failures"} == \
            {t: n for t, n in before.items() if t != "login_failures"}
    finally:
        s.rollback()
        s.close()
    assert "perangkat daerah lain" in str(refused.value), str(refused.value)


def test_the_reads_of_a_round_refuse_an_account_of_another_office(db_url):
    """What the step pages read by id (a round, a report, a unit's submission) is the actor's office's only."""
    from core import report_versions, review, round_status
    from tests.test_authorization_matrix import TODAY, with_correction

    with unit_of_work(db_url) as s:
        actors = {u: factories.actor(s, u) for u in ("penyusun", "perencana", "sekdis")}
        ctx = with_correction(s, actors)
    other = _other_office(db_url)
    sub_id = next(iter(ctx["subs"].values()))
    with unit_of_work(db_url) as s:
        own = actors["penyusun"]
        stranger = dataclasses.replace(own, office_id=other)
        rid, rep = ctx["round_id"], ctx["report_id"]
        reads = [
            lambda a: round_status.round_status(s, a, rid),
            lambda a: round_status.submission_rows(s, a, rid, TODAY),
            lambda a: round_status.submissions_table(s, a, rid, TODAY),
            lambda a: round_status.extensions_table(s, a, rid),
            lambda a: report_versions.versions(s, a, rid),
            lambda a: report_versions.lines_table(s, a, rep),
            lambda a: report_versions.line_fields(s, a, rep, "IND:IK-03"),
            lambda a: report_versions.corrections_table(s, a, rid),
            lambda a: report_versions.diff_versions(s, a, rep, rep),
            lambda a: review.submissions_overview(s, a, rid, TODAY),
            lambda a: review.submission_detail(s, a, sub_id),
            lambda a: review.review_history(s, a, sub_id),
            lambda a: review.comments_for(s, a, sub_id),
        ]
        for read in reads:
            read(own)  # the office's own penyusun reads it
            with pytest.raises(NotAllowed, match="perangkat daerah lain"):
                read(stranger)
