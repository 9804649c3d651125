"""Timeliness and completeness over time (issue #19): the per-unit table across rounds built by the test."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from core import timeliness
from db.models import CollectionRound, Extension, Review
from tests import factories

TODAY = dt.date(2027, 7, 12)


def rounds(session):
    """TW I 2027: every unit on time but Transmigrasi (3 days late), with an extension for HIJS and a return
    for Perindustrian; TW II 2027: only Pelatihan dan Penempatan handed in, the others are 2 days past."""
    sekdis = factories.user(session, "sekdis")
    first = factories.make_round(session, at="pengolahan", state="diterima", year=2027, quarter=1,
                                 deadline=dt.date(2026, 10, 10))
    trans = factories.submission_of(session, first, "BID-TRANS")
    trans.first_submitted_at = dt.datetime(2026, 10, 13, 3, 0)  # 10.00 WIB, three days after the deadline
    hijs = factories.submission_of(session, first, "BID-HIJS")
    session.add(Extension(submission_id=hijs.id, old_deadline=dt.date(2026, 10, 10),
                          new_deadline=dt.date(2026, 10, 12), reason="Banjir.", granted_by_id=sekdis.id))
    ind = factories.submission_of(session, first, "BID-IND")
    session.add(Review(submission_id=ind.id, decision="dikembalikan", reason="Lengkapi bukti.",
                       reviewer_id=factories.user(session, "penyusun").id))
    second = factories.make_round(session, at="isi_data", state="draf", year=2027, quarter=2,
                                  deadline=dt.date(2027, 7, 10), states={"BID-LATTAS": "diajukan"})
    session.flush()
    return first, second


def test_each_unit_across_the_rounds(session, actors):
    first, second = rounds(session)
    t = timeliness.timeliness(session, actors["sekdis"], factories.office(session).id, TODAY)
    assert t.labels[-2:] == ["TW I 2027", "TW II 2027"]
    assert len(t.labels) == 8  # the last eight rounds, oldest first
    by_unit = t.by_unit.set_index("Unit")
    name = {code: factories.unit(session, code).name for code in ("BID-TRANS", "BID-HIJS", "BID-IND", "BID-LATTAS")}
    assert by_unit.loc[name["BID-TRANS"], "TW I 2027"] == "Terlambat 3 hari"
    assert by_unit.loc[name["BID-HIJS"], "TW I 2027"] == "Tepat waktu"
    assert by_unit.loc[name["BID-LATTAS"], "TW II 2027"] == "Tepat waktu"
    assert by_unit.loc[name["BID-HIJS"], "TW II 2027"] == "Belum diajukan (2 hari lewat)"
    detail = t.detail[t.detail["Triwulan"] == "TW I 2027"].set_index("Unit")
    assert detail.loc[name["BID-HIJS"], "Perpanjangan"] == 1
    assert detail.loc[name["BID-IND"], "Pengembalian"] == 1
    assert detail.loc[name["BID-TRANS"], "Terlambat (hari)"] == 3
    per_round = t.by_round.set_index("Triwulan")
    units = len(first.submissions)
    assert per_round.loc["TW I 2027", "Tepat waktu"] == units - 1
    assert per_round.loc["TW I 2027", "Terlambat"] == 1
    assert per_round.loc["TW II 2027", "Belum diajukan"] == units - 1
    assert str(per_round.loc["TW II 2027", "Ketepatan waktu (%)"]) == str(
        timeliness._q(timeliness.Decimal(100) / units))
    screen = timeliness.for_screen(t.by_round)
    assert screen.loc[screen["Triwulan"] == "TW I 2027", "Ketepatan waktu (%)"].iloc[0].endswith("%")
    assert timeliness.chart(t).to_dict()["layer"]


def test_the_workbook_has_the_three_tables(session, actors):
    rounds(session)
    data = timeliness.xlsx(session, actors["sekdis"], factories.office(session).id, TODAY)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Per Unit", "Per Triwulan", "Rincian"]
    cells = [c.value for row in wb["Per Unit"].iter_rows() for c in row]
    assert "Terlambat 3 hari" in cells and "TW II 2027" in cells


def test_another_office_may_not_read_it(session, actors):
    import dataclasses

    import pytest

    from core.errors import NotAllowed

    stranger = dataclasses.replace(actors["sekdis"], office_id=999_999)
    with pytest.raises(NotAllowed):
        timeliness.timeliness(session, stranger, factories.office(session).id, TODAY)
    assert session.query(CollectionRound).count() > 0


def test_a_round_whose_deadline_has_not_passed_is_not_counted_against_anyone(session, actors):
    """TW III of the running year, deadline in four days, nothing handed in yet: 'Belum jatuh tempo', not
    'Belum diajukan', and neither the unit's count nor the round's rate counts it."""
    factories.make_round(session, at="isi_data", state="draf", year=2027, quarter=3,
                         deadline=TODAY + dt.timedelta(days=4), states={"BID-LATTAS": "diajukan"})
    session.flush()
    t = timeliness.timeliness(session, actors["sekdis"], factories.office(session).id, TODAY)
    by_unit = t.by_unit.set_index("Unit")
    trans = factories.unit(session, "BID-TRANS").name
    assert by_unit.loc[trans, "TW III 2027"] == timeliness.PENDING
    assert by_unit.loc[factories.unit(session, "BID-LATTAS").name, "TW III 2027"] == timeliness.ON_TIME
    due, of = by_unit.loc[trans, "Tepat waktu"].split(" dari ")
    assert int(of) == len(t.labels) - 1  # every round but the pending one
    rate = t.by_round.set_index("Triwulan").loc["TW III 2027"]
    assert rate[timeliness.PENDING] == rate["Unit"] - 1 and rate["Ketepatan waktu (%)"] == 100
