"""The faster paths give the same answers: the regency recap, the shared recap bundle, the batched grid save."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core import achievement, audit, entry, recap, regency_recap
from core.auth import actor_for
from core.errors import Conflict
from core.steps import isi_data
from core.uow import unit_of_work
from db.models import AuditLog, Indicator, Realization
from tests import factories


def _office(session) -> int:
    return session.scalar(select(Indicator.office_id).limit(1))


def test_regency_recap_gives_each_office_the_figures_of_its_own_annual_recap(session):
    office = _office(session)
    regency = regency_recap.annual_all_offices(session, actor_for(session, "pemantau"), 2026)
    own = recap.annual_recap(session, office, 2026)
    assert len(regency) == len(own) > 0
    assert regency.drop(columns=["office"]).astype(str).equals(own.astype(str))


def test_regency_recap_file_has_one_sheet_with_the_office_column(session):
    data = regency_recap.annual_all_offices_xlsx(session, actor_for(session, "admin"), 2026)
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Rekap Tahunan Kabupaten"]
    header = [c.value for c in ws[5]]
    assert header[0] == "Perangkat Daerah" and "Capaian s.d. TW (%)" in header
    summary = wb["Ringkasan per Perangkat Daerah"]
    assert [c.value for c in summary[5]][:3] == ["Perangkat Daerah", "Indikator", "Dapat dinilai"]
    indicators = sum(1 for row in ws.iter_rows(min_row=6, values_only=True) if row[0])
    assert summary.cell(6, 2).value == indicators > 0


def test_office_summary_averages_the_assessed_indicators_of_each_office(session):
    df = regency_recap.annual_all_offices(session, actor_for(session, "admin"), 2026)
    summary = regency_recap.office_summary(df)
    assert len(summary) == df["office"].nunique()
    caps = [c for c in df["capaian_ytd"] if c is not None]
    row = summary.iloc[0]
    assert row["Dapat dinilai"] == len(caps)
    assert row["Rata-rata capaian s.d. TW (%)"] == (sum(caps) / len(caps)).quantize(Decimal("0.01"))
    assert sum(row[p] for p in achievement.PREDICATE_ORDER) == len(caps)


def test_only_the_roles_that_oversee_every_office_read_the_regency_recap(session):
    from core.errors import NotAllowed

    with pytest.raises(NotAllowed, match="seluruh perangkat daerah"):
        regency_recap.annual_all_offices(session, actor_for(session, "kabid_lattas"), 2026)


def test_recap_bundle_reads_once_and_shows_what_the_separate_recaps_show(session):
    office = _office(session)
    b = recap.bundle(session, office, 2026, 2)
    assert b.indicators.astype(str).equals(recap.indicator_recap(session, office, 2026, 2).astype(str))
    assert b.units.astype(str).equals(recap.unit_recap(session, office, 2026, 2).astype(str))
    assert b.sasaran.astype(str).equals(recap.sasaran_recap(session, office, 2026, 2).astype(str))
    assert b.annual.astype(str).equals(recap.annual_recap(session, office, 2026).astype(str))
    assert b.projection.astype(str).equals(recap.projection_recap(session, office, 2026, 2).astype(str))


@pytest.fixture
def draft(db_url, actors):
    with unit_of_work(db_url) as s:
        rnd = factories.make_round(s, at="isi_data", state="draf")
        sub = factories.submission_of(s, rnd, "BID-LATTAS")
        inds = [i.id for i in entry.unit_indicators(s, rnd, sub.unit_id)]
        actor = actor_for(s, "kabid_lattas")
    return {"submission": sub.id, "indicators": inds, "actor": actor}


def test_saving_the_whole_grid_audits_every_row_and_moves_the_data_version(db_url, draft):
    sub_id, inds, actor = draft["submission"], draft["indicators"], draft["actor"]
    with unit_of_work(db_url) as s:
        v0 = audit.data_version(s)
        before = dict(s.execute(select(Realization.indicator_id, Realization.version)
                                .where(Realization.submission_id == sub_id)).all())
        saves0 = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "realization.save"))
        res = isi_data.save_entries(s, actor, sub_id, {i: {"Realisasi TW": 10 + k} for k, i in enumerate(inds)})
    assert res.changed == len(inds) >= 2
    with unit_of_work(db_url) as s:
        res = isi_data.save_entries(s, actor, sub_id, {i: {"Realisasi TW": 20 + k} for k, i in enumerate(inds)})
    assert res.changed == len(inds)
    with unit_of_work(db_url) as s:
        assert audit.data_version(s) > v0
        saves = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "realization.save"))
        assert saves - saves0 == 2 * len(inds)
        rows = {r.indicator_id: r for r in s.scalars(select(Realization).where(Realization.submission_id == sub_id))}
        assert [rows[i].value for i in inds] == [Decimal(20 + k) for k in range(len(inds))]
        # a new row starts at 1 and each later save raises it by one
        assert [rows[i].version for i in inds] == [before[i] + 2 if i in before else 2 for i in inds]


def test_a_stale_row_in_a_grid_save_is_named_and_nothing_is_saved(db_url, draft):
    sub_id, inds, actor = draft["submission"], draft["indicators"], draft["actor"]
    with unit_of_work(db_url) as s:
        isi_data.save_entries(s, actor, sub_id, {i: {"Realisasi TW": 5} for i in inds})
    with unit_of_work(db_url) as s:  # the grid this person loaded
        seen = dict(s.execute(select(Realization.indicator_id, Realization.version)
                              .where(Realization.submission_id == sub_id)).all())
    with unit_of_work(db_url) as s:  # someone else changes the second row
        isi_data.save_entries(s, actor, sub_id, {inds[1]: {"Realisasi TW": 6}})
        stale_code = s.get(Indicator, inds[1]).code
    with pytest.raises(Conflict) as err, unit_of_work(db_url) as s:
        isi_data.save_entries(s, actor, sub_id, {i: {"Realisasi TW": 7} for i in inds},
                           expected_versions=seen)
    assert "sudah diubah melalui akun Anda" in str(err.value) and stale_code in str(err.value)
    with unit_of_work(db_url) as s:
        values = {r.indicator_id: r.value for r in s.scalars(select(Realization).where(
            Realization.submission_id == sub_id))}
    assert values[inds[0]] == Decimal(5) and values[inds[1]] == Decimal(6)


def test_an_offices_data_version_ignores_the_changes_of_other_offices(session):
    from core.actor import SYSTEM
    from db.models import OrgUnit

    mine = _office(session)
    other = OrgUnit(code="DINAS-LAIN", name="Dinas Lain", kind="dinas")
    session.add(other)
    session.flush()
    before = {o: audit.data_version(session, o) for o in (mine, other.id, None)}
    audit.record(session, SYSTEM, "uji.ubah", "uji", 1, office_id=other.id)
    assert audit.data_version(session, mine) == before[mine]  # my cached pages stay valid
    assert audit.data_version(session, other.id) > before[other.id]
    assert audit.data_version(session, None) > before[None]
    audit.record(session, SYSTEM, "uji.umum", "uji", 2)  # no office (a user, an SOP step): every office
    assert audit.data_version(session, mine) > before[mine]
