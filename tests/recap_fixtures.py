"""A tiny office built with the models, whose recaps are computed by hand in the tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from db.models import (
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Indicator,
    OrgUnit,
    Realization,
    RenstraPeriod,
    Sasaran,
    Submission,
    Target,
)

YEAR = 2026


def build_small_office(session) -> dict:
    """Office 'TEST' with one unit, four indicators (sum, last negatif, avg, zero target) and TW I–II data."""
    office = OrgUnit(code="TEST-DINAS", name="Dinas Uji", kind="dinas")
    session.add(office)
    session.flush()
    office.office_id = office.id
    unit = OrgUnit(code="TEST-BID", name="Bidang Uji", kind="bidang", parent_id=office.id, office_id=office.id)
    session.add(unit)
    period = RenstraPeriod(office_id=office.id, name="Renstra Uji", start_year=2021, end_year=2026)
    session.add(period)
    session.flush()
    s1 = Sasaran(period_id=period.id, code="S1", name="Sasaran Satu", sort_order=0)
    s2 = Sasaran(period_id=period.id, code="S2", name="Sasaran Dua", sort_order=1)
    session.add_all([s1, s2])
    session.flush()

    def ind(code, sas, polarity, combine, order, iku=False):
        i = Indicator(office_id=office.id, sasaran_id=sas.id, code=code, name=f"Indikator {code}", satuan="orang",
                      polarity=polarity, combine=combine, is_iku=iku, owner_unit_id=unit.id, sort_order=order)
        session.add(i)
        return i

    sum_ind = ind("T-SUM", s1, "positif", "sum", 0, iku=True)
    neg_ind = ind("T-NEG", s1, "negatif", "last", 1)
    avg_ind = ind("T-AVG", s2, "positif", "avg", 2)
    zero_ind = ind("T-ZERO", s2, "positif", "sum", 3)
    session.flush()
    session.add_all([
        Target(indicator_id=sum_ind.id, year=YEAR, annual=D(400), q1=D(100), q2=D(100), q3=D(100), q4=D(100)),
        Target(indicator_id=neg_ind.id, year=YEAR, annual=D(5), q1=D(8), q2=D(7), q3=D(6), q4=D(5)),
        Target(indicator_id=avg_ind.id, year=YEAR, annual=D(10), q1=D(10), q2=D(10), q3=D(10), q4=D(10)),
        Target(indicator_id=zero_ind.id, year=YEAR, annual=D(0), q1=D(0), q2=D(0), q3=D(0), q4=D(0)),
    ])
    line = BudgetLine(office_id=office.id, year=YEAR, code="9.99.01", program="Program Uji", kegiatan="Kegiatan Uji",
                      sub_kegiatan="Sub Uji", pagu=D(1000000), owner_unit_id=unit.id)
    session.add(line)
    session.flush()
    values = {  # quarter -> indicator -> value
        1: {sum_ind: D(80), neg_ind: D(9), avg_ind: D(8), zero_ind: D(3)},
        2: {sum_ind: D(130), neg_ind: D("6.5"), avg_ind: D(12), zero_ind: D(2)},
    }
    spent = {1: D(200000), 2: D(300000)}
    rounds = {}
    for q in (1, 2):
        rnd = CollectionRound(office_id=office.id, year=YEAR, quarter=q, current_step=9, status="selesai",
                              deadline=dt.date(YEAR, q * 3 + 1, 13))
        session.add(rnd)
        session.flush()
        sub = Submission(round_id=rnd.id, unit_id=unit.id, state="diterima", deadline=rnd.deadline)
        session.add(sub)
        session.flush()
        for i, v in values[q].items():
            session.add(Realization(submission_id=sub.id, indicator_id=i.id, value=v,
                                    kendala="=HYPERLINK(\"http://x\",\"klik\")" if i is neg_ind else ""))
        session.add(BudgetRealization(submission_id=sub.id, budget_line_id=line.id, amount=spent[q]))
        rounds[q] = rnd
    session.flush()
    return {"office": office, "unit": unit, "s1": s1, "s2": s2, "sum": sum_ind, "neg": neg_ind, "avg": avg_ind,
            "zero": zero_ind, "line": line, "rounds": rounds}
