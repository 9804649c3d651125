"""Recaps equal hand-computed figures: sum / last / avg indicators, lower-is-better, a zero target, budget."""

from decimal import Decimal as D

from sqlalchemy import select

from core import recap
from db.models import OrgUnit
from tests.conftest import TODAY
from tests.recap_fixtures import YEAR, build_small_office


def _row(df, code):
    return df[df["code"] == code].iloc[0]


def test_quarter_recap_matches_hand_computed_values(session):
    f = build_small_office(session)
    df = recap.indicator_recap(session, f["office"].id, YEAR, 2)
    assert list(df["code"]) == ["T-SUM", "T-NEG", "T-AVG", "T-ZERO"]
    s = _row(df, "T-SUM")  # sum: TW II 130/100; s.d. TW II (80+130)/(100+100)
    assert s["capaian_tw"] == D("130.00") and s["target_ytd"] == D(200) and s["realisasi_ytd"] == D(210)
    assert s["capaian_ytd"] == D("105.00") and s["predikat"] == "Sangat Tinggi"
    n = _row(df, "T-NEG")  # negatif, last: (2·7 − 6,5)/7 = 107,14 %
    assert n["capaian_tw"] == D("107.14") and n["realisasi_ytd"] == D("6.5") and n["capaian_ytd"] == D("107.14")
    a = _row(df, "T-AVG")  # avg: (8+12)/2 against (10+10)/2 → 100 %
    assert a["capaian_tw"] == D("120.00") and a["capaian_ytd"] == D("100.00")
    z = _row(df, "T-ZERO")  # zero target: n/a with its reason, never a division error
    assert z["capaian_tw"] is None and z["capaian_ytd"] is None
    assert z["predikat"] == "–" and z["keterangan"] == "target nol"


def test_lower_is_better_first_quarter_is_below_target(session):
    f = build_small_office(session)
    n = _row(recap.indicator_recap(session, f["office"].id, YEAR, 1), "T-NEG")
    assert n["capaian_tw"] == D("87.50")  # realisation 9 against target 8
    assert n["predikat"] == "Tinggi"


def test_annual_recap_puts_quarters_side_by_side_with_year_to_date(session):
    f = build_small_office(session)
    df = recap.annual_recap(session, f["office"].id, YEAR)
    s = _row(df, "T-SUM")
    assert (s["realisasi_q1"], s["realisasi_q2"], s["realisasi_q3"]) == (D(80), D(130), None)
    assert s["capaian_q1"] == D("80.00") and s["capaian_q3"] is None
    assert s["triwulan"] == "TW II" and s["realisasi_ytd"] == D(210) and s["capaian_ytd"] == D("105.00")
    assert _row(df, "T-ZERO")["keterangan"] == "target nol"


def test_unit_and_sasaran_recaps_average_only_measurable_indicators(session):
    f = build_small_office(session)
    units = recap.unit_recap(session, f["office"].id, YEAR, 2)
    u = units.iloc[0]
    # 130 + 107,14 + 120 over three: the zero-target indicator is counted but not averaged
    assert u["indikator"] == 4 and u["dinilai"] == 3 and u["rata_capaian"] == D("119.05")
    assert u["Sangat Tinggi"] == 3 and u["pagu"] == D(1000000) and u["serapan_ytd"] == D("50.00")
    sas = recap.sasaran_recap(session, f["office"].id, YEAR, 2)
    assert list(sas["sasaran"]) == ["Sasaran Satu", "Sasaran Dua"]
    assert sas.iloc[1]["rata_capaian"] == D("120.00")


def test_budget_recap_sums_quarters_in_sql(session):
    f = build_small_office(session)
    b = recap.budget_recap(session, f["office"].id, YEAR, 2).iloc[0]
    assert b["realisasi_anggaran_tw"] == D(300000) and b["realisasi_anggaran_ytd"] == D(500000)
    assert b["serapan_tw"] == D("30.00") and b["serapan_ytd"] == D("50.00") and b["tahun_berjalan"] == D(50)


def test_filters_limit_to_sasaran_and_iku(session):
    f = build_small_office(session)
    only_s2 = recap.indicator_recap(session, f["office"].id, YEAR, 2, recap.Filters(sasaran_id=f["s2"].id))
    assert list(only_s2["code"]) == ["T-AVG", "T-ZERO"]
    iku = recap.indicator_recap(session, f["office"].id, YEAR, 2, recap.Filters(iku_only=True))
    assert list(iku["code"]) == ["T-SUM"]


def test_projection_flags_indicators_at_risk_of_missing_the_annual_target(session):
    f = build_small_office(session)
    p = recap.projection_recap(session, f["office"].id, YEAR, 2)
    s = _row(p, "T-SUM")  # run rate (80+130)/2·4 = 420 of 400
    assert s["proyeksi"] == D("420.00") and not s["berisiko"]
    n = _row(p, "T-NEG")  # last value trend 9 → 6,5: 6,5 − 2,5·2 = 1,5 against 5 (lower is better)
    assert n["proyeksi"] == D("1.50") and not n["berisiko"]


def test_demo_history_recaps_every_indicator_and_step(session):
    office_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DISNAKERPERINTRANS"))
    opts = recap.filter_options(session, office_id)
    assert opts["latest"] == (TODAY.year, 2)
    df = recap.indicator_recap(session, office_id, 2026, 2)
    assert len(df) == 15 and df["capaian_tw"].notna().all()
    steps = recap.step_durations(session, office_id, [2025])
    assert set(steps["langkah"]) == set(range(1, 10)) and len(steps) == 4 * 9
