"""Each chart carries the recap's data, Indonesian titles, tooltips and predicate colours."""

import json

from sqlalchemy import select

from core import achievement as ach
from core import charts, recap
from db.models import OrgUnit
from tests.recap_fixtures import YEAR, build_small_office


def _data(chart) -> list[dict]:
    spec = chart.to_dict()
    rows = []
    for values in spec.get("datasets", {}).values():
        rows.extend(values)
    return rows


def _office(session):
    return session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DISNAKERPERINTRANS"))


def test_realisation_vs_target_has_bars_and_target_line(session):
    f = build_small_office(session)
    long = recap.quarterly_long(session, f["office"].id, YEAR)
    chart = charts.realisation_vs_target(long, "T-NEG")
    spec = chart.to_dict()
    assert [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
            for layer in spec["layer"]] == ["bar", "line"]
    rows = [r for r in _data(chart) if r["triwulan"] in ("TW I", "TW II")]
    assert {(r["triwulan"], r["realisasi"], r["target"]) for r in rows} == {("TW I", 9.0, 8.0), ("TW II", 6.5, 7.0)}
    assert {r["capaian_teks"] for r in rows} == {"87,50 %", "107,14 %"}
    assert "makin rendah makin baik" in json.dumps(spec["title"])
    colours = spec["layer"][0]["encoding"]["color"]["scale"]
    assert colours["range"][0] == ach.PREDICATE_COLOURS["Sangat Tinggi"]
    assert spec["layer"][0]["encoding"]["tooltip"][0]["title"] == "Triwulan"


def test_achievement_by_unit_and_sasaran_is_coloured_by_predicate(session):
    f = build_small_office(session)
    units = recap.unit_recap(session, f["office"].id, YEAR, 1)
    rows = _data(charts.achievement_by(units, "unit"))
    bar = [r for r in rows if "unit" in r][0]
    # TW I: 80 %, 87,5 % and 80 % → 82,5 % → Tinggi
    assert bar["rata_capaian"] == 82.5 and bar["predikat"] == "Tinggi" and bar["capaian_teks"] == "82,50 %"
    sas = recap.sasaran_recap(session, f["office"].id, YEAR, 1)
    rows = [r for r in _data(charts.achievement_by(sas, "sasaran")) if "sasaran" in r]
    assert {r["sasaran"] for r in rows} == {"Sasaran Satu", "Sasaran Dua"}


def test_budget_absorption_compares_with_year_elapsed(session):
    f = build_small_office(session)
    budget = recap.budget_recap(session, f["office"].id, YEAR, 2, by="unit")
    chart = charts.budget_absorption(budget, "unit")
    rows = _data(chart)
    bar = [r for r in rows if "unit" in r][0]
    assert bar["serapan_ytd"] == 50.0 and bar["status"] == "Sesuai jadwal" and bar["pagu_teks"] == "Rp 1.000.000"
    assert any(r.get("x") == 50.0 for r in rows)


def test_projection_marks_at_risk_indicators_red(session):
    proj = recap.projection_recap(session, _office(session), 2026, 2)
    chart = charts.projection_chart(proj)
    rows = [r for r in _data(chart) if "label" in r]
    risky = {r["label"].split()[0] for r in rows if r["risiko"] == "Berisiko"}
    assert risky == set(proj[proj["berisiko"]]["code"])
    assert chart.to_dict()["layer"][0]["encoding"]["color"]["scale"]["range"][0] == "#d93025"


def test_step_durations_against_standard_times(session):
    steps = recap.step_durations(session, _office(session))
    rows = [r for r in _data(charts.step_durations_chart(steps)) if "label" in r]
    assert len(rows) == 9
    first = [r for r in rows if r["langkah"] == 1][0]
    assert first["standar_menit"] == 10.0 and first["menit"] == 12.0 and first["status"] == "Melebihi standar"
    assert first["putaran"] == 6


def test_trend_and_indicator_charts_hold_every_measured_quarter(session):
    long = recap.quarterly_long(session, _office(session), 2026)
    rows = _data(charts.trend_chart(long))
    assert {r["triwulan"] for r in rows} == {"TW I", "TW II"}
    ind = recap.indicator_recap(session, _office(session), 2026, 2)
    rows = [r for r in _data(charts.indicator_achievement(ind)) if "label" in r]
    assert len(rows) == 15


def test_empty_data_gives_a_message_not_an_error():
    import pandas as pd

    chart = charts.achievement_by(pd.DataFrame(columns=["unit", "rata_capaian"]), "unit")
    assert "Belum ada" in json.dumps(chart.to_dict())
