"""Plausibility before Ajukan (DHIS2's min–max check): which values are flagged, what the unit is told, and
that Ajukan stops until the unit confirms, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from core import entry, plausibility
from core.config import get_settings
from core.errors import InvalidInput
from core.steps import isi_data
from db.models import AuditLog, BudgetLine, Indicator, Submission, Target
from tests.factories import make_round, submission_of

F = Decimal(10)
positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), allow_nan=False, allow_infinity=False,
                       places=2)


# --- the rule as a pure function -------------------------------------------------------------


@given(target=positive, share=st.decimals(min_value=Decimal("0.1"), max_value=Decimal(10), places=3))
def test_a_value_within_target_over_f_and_target_times_f_never_flags(target, share):
    value = target * share
    if value < target / F or value > target * F:  # rounding of share at the edges
        return
    assert plausibility._outside(value, target, F) is None


@given(target=positive, share=st.decimals(min_value=Decimal("10.001"), max_value=Decimal(1e6), places=3))
def test_a_value_beyond_f_times_or_under_one_fth_always_flags(target, share):
    assert plausibility._outside(target * share, target, F) == "high"
    assert plausibility._outside(target / share, target, F) == "low"


@given(reference=positive)
def test_zero_is_never_flagged_by_the_ratio_rules(reference):
    assert plausibility._outside(Decimal(0), reference, F) is None
    assert plausibility._outside(reference, Decimal(0), F) is None


def test_factor_is_a_setting_and_a_bad_value_is_refused_in_indonesian(monkeypatch):
    monkeypatch.setenv("KINERJA_PLAUSIBILITY_FACTOR", "5")
    get_settings.cache_clear()
    assert get_settings().plausibility_factor == Decimal(5)
    monkeypatch.setenv("KINERJA_PLAUSIBILITY_FACTOR", "1")
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match="lebih dari 1"):
        get_settings()
    monkeypatch.delenv("KINERJA_PLAUSIBILITY_FACTOR")
    get_settings.cache_clear()
    assert get_settings().plausibility_factor == Decimal(10)


# --- on a unit's quarter ---------------------------------------------------------------------


def ind(session, code: str) -> Indicator:
    return session.scalar(select(Indicator).where(Indicator.code == code))


def target_of(session, code: str) -> Target:
    return session.scalar(select(Target).where(Target.indicator_id == ind(session, code).id, Target.year == 2026))


def lattas(session):
    rnd = make_round(session, at="isi_data", state="draf", evidence=True)
    return rnd, submission_of(session, rnd, "BID-LATTAS")


def by_rule(found) -> dict[tuple[str, str], plausibility.Flag]:
    return {(f.code, f.rule): f for f in found}


def test_the_demo_office_trips_no_flag_in_the_normal_journey(session):
    """The seeded history (accepted quarters) and a quarter filled near target flag nothing."""
    make_round(session, at="isi_data", state="draf")
    subs = list(session.scalars(select(Submission)))
    assert len(subs) > 30
    for sub in subs:
        assert plausibility.flags(session, sub) == [], (sub.round.year, sub.round.quarter, sub.unit.name)


def test_a_value_ten_times_the_quarter_target_is_flagged_with_the_likely_slip(session, actors):
    rnd, sub = lattas(session)
    target_of(session, "IK-04").q3 = Decimal(25)
    isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {ind(session, "IK-04").id: {"Realisasi TW": "1.250"}})
    flag = by_rule(plausibility.flags(session, sub))[("IK-04", "target")]
    assert flag.kind == "indicator" and flag.value == Decimal(1250)
    assert flag.message == ("IK-04 Jumlah peserta pelatihan berbasis kompetensi: realisasi 1.250 orang lebih dari "
                            "10× target triwulan (25). Periksa apakah angka sudah benar (misalnya 1.250 ditulis "
                            "untuk 12,5).")


def test_a_value_under_a_tenth_of_target_is_flagged_but_zero_is_not(session, actors):
    rnd, sub = lattas(session)
    ik03 = ind(session, "IK-03")
    tq = target_of(session, "IK-03").q3
    isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {ik03.id: {"Realisasi TW": tq / 20}})
    flag = by_rule(plausibility.flags(session, sub))[("IK-03", "target")]
    assert "kurang dari 1/10 target triwulan" in flag.message
    isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {ik03.id: {"Realisasi TW": 0}})
    assert [f for f in plausibility.flags(session, sub) if f.code == "IK-03"] == []


def test_a_value_far_from_the_years_earlier_quarters_is_flagged_even_without_a_target(session, actors):
    rnd, sub = lattas(session)
    target_of(session, "IK-03").q3 = None
    isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {ind(session, "IK-03").id: {"Realisasi TW": 5000}})
    flags = by_rule(plausibility.flags(session, sub))
    assert ("IK-03", "target") not in flags
    message = flags[("IK-03", "median")].message
    assert "lebih dari 10× median triwulan sebelumnya tahun ini" in message
    assert "TW I: " in message and "TW II: " in message


def test_a_percentage_over_100_is_flagged(session, actors):
    rnd, sub = lattas(session)
    isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {ind(session, "IK-02").id: {"Realisasi TW": "150"}})
    flags = [f for f in plausibility.flags(session, sub) if f.code == "IK-02"]
    assert [f.rule for f in flags] == ["percent"]
    assert flags[0].message.startswith("IK-02 Persentase pencari kerja yang ditempatkan: realisasi 150 % lebih dari "
                                       "100 %")


def test_a_budget_entry_missing_its_zeros_is_flagged(session, actors):
    rnd, sub = lattas(session)
    line = session.scalar(select(BudgetLine).where(BudgetLine.code == "2.07.03.2.01.0001", BudgetLine.year == 2026))
    isi_data.save_budget(session, actors["kabid_lattas"], sub.id, {line.id: "125"})
    flag = by_rule(plausibility.flags(session, sub))[("2.07.03.2.01.0001", "budget_average")]
    assert flag.kind == "budget" and flag.value == Decimal(125)
    assert "realisasi triwulan ini Rp 125 kurang dari 1/10 rata-rata realisasi triwulan sebelumnya (Rp " in flag.message
    assert "misalnya Rp 125 ditulis untuk Rp 125.000.000" in flag.message


def test_a_quarter_spending_far_above_the_average_is_flagged(session, actors, monkeypatch):
    monkeypatch.setenv("KINERJA_PLAUSIBILITY_FACTOR", "1,5")  # F x average must fit in the remaining pagu
    get_settings.cache_clear()
    rnd, sub = lattas(session)
    line = session.scalar(select(BudgetLine).where(BudgetLine.code == "2.07.03.2.01.0001", BudgetLine.year == 2026))
    spent = entry._spent_before(session, sub, [line.id])[line.id]  # TW I and TW II of the demo
    assert line.pagu - spent > spent / 2 * Decimal("1.5")
    isi_data.save_budget(session, actors["kabid_lattas"], sub.id, {line.id: line.pagu - spent})
    flag = by_rule(plausibility.flags(session, sub))[("2.07.03.2.01.0001", "budget_average")]
    assert "lebih dari 1,5× rata-rata realisasi triwulan sebelumnya" in flag.message
    assert ("2.07.03.2.01.0001", "budget_pagu") not in by_rule(plausibility.flags(session, sub))


def test_spending_over_the_pagu_after_a_revision_is_flagged(session, actors):
    rnd, sub = lattas(session)
    line = session.scalar(select(BudgetLine).where(BudgetLine.code == "2.07.04.2.01.0002", BudgetLine.year == 2026))
    line.pagu = Decimal(90_000_000)  # DPPA lowered the pagu after the earlier quarters were spent
    session.flush()
    flag = by_rule(plausibility.flags(session, sub))[("2.07.04.2.01.0002", "budget_pagu")]
    assert "melebihi pagu Rp 90.000.000" in flag.message


def test_ajukan_stops_on_flags_until_the_unit_confirms_them(session, actors):
    rnd, sub = lattas(session)
    kabid = actors["kabid_lattas"]
    target_of(session, "IK-04").q3 = Decimal(25)
    isi_data.save_entries(session, kabid, sub.id, {ind(session, "IK-04").id: {"Realisasi TW": "1.250",
                                                                  "Faktor pendorong": "Job fair kabupaten."}})
    audits = session.scalar(select(func.count()).select_from(AuditLog))
    with pytest.raises(InvalidInput) as err:
        isi_data.submit(session, kabid, sub.id)
    assert err.value.message == "Periksa nilai berikut. Bila sudah benar, centang konfirmasi lalu ajukan kembali."
    # against the quarter target and against the median of TW I–II
    assert len(err.value.problems) == 2 and all(p.startswith("IK-04 ") for p in err.value.problems)
    assert sub.state == "draf" and session.scalar(select(func.count()).select_from(AuditLog)) == audits

    shown = plausibility.review_flags(session, actors["penyusun"], sub.id)
    assert [s.confirmed for s in shown.flags] == [False, False] and shown.submitted_at is None

    isi_data.submit(session, kabid, sub.id, confirm_flags=True)
    assert sub.state == "diajukan"
    row = session.scalar(select(AuditLog).where(AuditLog.action == "submission.submit",
                                                AuditLog.entity_id == str(sub.id)))
    assert [(f["code"], f["rule"]) for f in row.after["confirmed_flags"]] == [("IK-04", "target"), ("IK-04", "median")]
    assert row.after["confirmed_flags"][0]["value"] == "1250"
    shown = plausibility.review_flags(session, actors["penyusun"], sub.id)
    assert [s.confirmed for s in shown.flags] == [True, True] and shown.submitted_at == row.at


def test_plausible_data_submits_without_confirmation_and_records_no_flags(session, actors):
    rnd, sub = lattas(session)
    isi_data.submit(session, actors["kabid_lattas"], sub.id)
    row = session.scalar(select(AuditLog).where(AuditLog.action == "submission.submit",
                                                AuditLog.entity_id == str(sub.id)))
    assert sub.state == "diajukan" and "confirmed_flags" not in row.after


def test_another_unit_cannot_read_the_flags(session, actors):
    from core.errors import NotAllowed

    rnd, sub = lattas(session)
    with pytest.raises(NotAllowed):
        plausibility.submission_flags(session, actors["kabid_ind"], sub.id)
    assert plausibility.submission_flags(session, actors["kabid_lattas"], sub.id) == []


def test_flags_take_a_fixed_number_of_queries(session):
    rnd, sub = lattas(session)
    sub_id = sub.id
    session.expunge_all()
    seen: list[str] = []
    engine = session.get_bind()

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        plausibility.flags(session, session.get(Submission, sub_id))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # submission, round, indicators, targets, earlier values, realisations, lines, earlier spending, spending
    assert len(seen) <= 9
