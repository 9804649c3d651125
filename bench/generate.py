"""Synthetic regency-scale data: every office of the regency running the SOP for six years.

At scale 1: 45 offices × 60 indicators × 4 quarters × 6 years (~65,000 realisations) and 300 DPA
lines per office and year with quarterly realisations (~324,000 rows). Scale 4 and 16 multiply the
number of offices. Rows are inserted in bulk with explicit ids (fast on both databases).

    python -m bench.generate --url sqlite:////tmp/bench.db --scale 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from decimal import Decimal

from sqlalchemy import insert, text

from core.auth import hash_password
from core.sop import DEFAULT_STEPS
from db.engine import get_engine
from db.migrate import upgrade
from db.models import (
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Indicator,
    OrgUnit,
    Realization,
    RenstraPeriod,
    Sasaran,
    SopStep,
    StepRecord,
    Submission,
    Target,
    User,
)

BASE_OFFICES = 45
INDICATORS = 60
BUDGET_LINES = 300
YEARS = list(range(2021, 2027))
UNITS_PER_OFFICE = 6  # sekretariat + 5 bidang
CHUNK = 20_000


def _bulk(conn, model, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        conn.execute(insert(model), rows[i : i + CHUNK])


def generate(url: str, scale: int = 1, seed: int = 7, today: dt.date = dt.date(2026, 10, 5),
             offices: int | None = None) -> dict[str, int]:
    """Fill an empty database at `url`; returns row counts. The newest round of each office is open.
    `offices` overrides the number of offices (BASE_OFFICES × scale): the bench scripts' smoke test."""
    upgrade(url)
    engine = get_engine(url)
    rng = random.Random(seed)
    offices = offices or BASE_OFFICES * scale
    pw = hash_password("kinerja2026")
    ids = {k: 0 for k in ("unit", "user", "period", "sasaran", "ind", "target", "bl", "round", "step", "sub",
                          "real", "breal")}

    def nid(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    counts: dict[str, int] = {}
    t0 = time.perf_counter()
    with engine.begin() as conn:
        _bulk(conn, SopStep, [dict(number=d.number, code=d.code, short_name=d.short_name, name=d.name,
                                   executor_roles=list(d.executor_roles), inputs=d.inputs,
                                   standard_minutes=d.standard_minutes, standard_label=d.standard_label,
                                   output=d.output) for d in DEFAULT_STEPS])
        root = nid("unit")
        units = [dict(id=root, code="PEMKAB", name="Pemerintah Kabupaten", short_name="Pemkab", kind="pemkab",
                      parent_id=None, office_id=None, reports_data=False, sort_order=0, active=True)]
        users, periods, sasaran, inds, targets, bls = [], [], [], [], [], []
        rounds, steps, subs, reals, breals = [], [], [], [], []
        for o in range(offices):
            office = nid("unit")
            units.append(dict(id=office, code=f"OPD-{o:04d}", name=f"Dinas Contoh {o + 1}", short_name=f"Dinas {o + 1}",
                              kind="dinas", parent_id=root, office_id=office, reports_data=False, sort_order=o,
                              active=True))
            unit_ids = []
            for u in range(UNITS_PER_OFFICE):
                uid = nid("unit")
                unit_ids.append(uid)
                units.append(dict(id=uid, code=f"OPD-{o:04d}-U{u}", name=("Sekretariat" if u == 0 else f"Bidang {u}"),
                                  short_name=f"U{u}", kind="sekretariat" if u == 0 else "bidang", parent_id=office,
                                  office_id=office, reports_data=True, sort_order=u, active=True))
            for role, unit in (("kepala_dinas", office), ("sekretaris", unit_ids[0]), ("penyusun", unit_ids[0]),
                               ("perencana", unit_ids[0])):
                users.append(dict(id=nid("user"), username=f"{role}_{o}", full_name=f"{role} {o}", nip=None,
                                  jabatan=role, pangkat="", email="", role=role, unit_id=unit, password_hash=pw,
                                  active=True, failed_logins=0, created_at=dt.datetime(2021, 1, 1)))
            heads = []
            for uid in unit_ids:
                hid = nid("user")
                heads.append(hid)
                users.append(dict(id=hid, username=f"kabid_{uid}", full_name=f"Kepala Unit {uid}", nip=None,
                                  jabatan="Kepala Bidang", pangkat="", email="", role="kepala_bidang", unit_id=uid,
                                  password_hash=pw, active=True, failed_logins=0, created_at=dt.datetime(2021, 1, 1)))
            pid = nid("period")
            periods.append(dict(id=pid, office_id=office, name="Renstra 2021–2026", start_year=2021, end_year=2026))
            sas = []
            for s in range(5):
                sid = nid("sasaran")
                sas.append(sid)
                sasaran.append(dict(id=sid, period_id=pid, code=f"S{s + 1}", name=f"Sasaran strategis {s + 1}",
                                    sort_order=s))
            office_inds = []
            for i in range(INDICATORS):
                iid = nid("ind")
                combine = ("sum", "last", "avg")[i % 3]
                polarity = "negatif" if i % 7 == 0 else "positif"
                owner_idx = i % UNITS_PER_OFFICE
                office_inds.append((iid, combine, polarity, owner_idx))
                inds.append(dict(id=iid, office_id=office, sasaran_id=sas[i % 5], code=f"IK-{i + 1:02d}",
                                 name=f"Indikator kinerja {i + 1}", satuan="orang" if combine == "sum" else "%",
                                 polarity=polarity, combine=combine, is_iku=i < 5, owner_unit_id=unit_ids[owner_idx],
                                 definition="", data_source="", needs_evidence=False, sort_order=i, active=True))
                for y in YEARS:
                    annual = Decimal(rng.randint(40, 400))
                    qs = [annual / 4] * 4 if combine == "sum" else [annual] * 4
                    targets.append(dict(id=nid("target"), indicator_id=iid, year=y, annual=annual, annual_upper=None,
                                        q1=qs[0], q2=qs[1], q3=qs[2], q4=qs[3], source_pk="PK", source_ra="RA",
                                        mismatch_accepted=False, version=1))
            office_bls = {}
            for y in YEARS:
                for b in range(BUDGET_LINES):
                    bid = nid("bl")
                    owner_idx = b % UNITS_PER_OFFICE
                    office_bls.setdefault((y, owner_idx), []).append((bid, Decimal(rng.randint(50, 2000)) * 1_000_000))
                    bls.append(dict(id=bid, office_id=office, year=y, code=f"2.07.{b:03d}", program=f"Program {b // 30}",
                                    kegiatan=f"Kegiatan {b // 5}", sub_kegiatan=f"Sub kegiatan {b}",
                                    pagu=office_bls[(y, owner_idx)][-1][1], document="DPA",
                                    owner_unit_id=unit_ids[owner_idx], version=1))
            last = (YEARS[-1], 3)
            for y in YEARS:
                for q in range(1, 5):
                    if (y, q) > last:
                        continue
                    is_open = (y, q) == last
                    rid = nid("round")
                    start = dt.datetime(y + (q == 4), (q * 3) % 12 + 1, 3, 8)
                    rounds.append(dict(id=rid, office_id=office, year=y, quarter=q, current_step=3 if is_open else 9,
                                       status="berjalan" if is_open else "selesai", instruction="Kumpulkan data.",
                                       deadline=(start + dt.timedelta(days=10)).date(), opened_by_id=None,
                                       opened_at=start, closed_at=None if is_open else start + dt.timedelta(days=20),
                                       version=1))
                    for n in range(1, (3 if is_open else 9) + 1):
                        fin = None if (is_open and n == 3) else start + dt.timedelta(hours=n * 5)
                        steps.append(dict(id=nid("step"), round_id=rid, step_number=n, actor_id=None,
                                          started_at=start + dt.timedelta(hours=(n - 1) * 5), finished_at=fin,
                                          disposition="", output_ref=""))
                    for u_idx, uid in enumerate(unit_ids):
                        sub_id = nid("sub")
                        submitted = start + dt.timedelta(days=rng.randint(3, 13))
                        state = ("draf" if rng.random() < 0.5 else "diajukan") if is_open else "diterima"
                        subs.append(dict(id=sub_id, round_id=rid, unit_id=uid, state=state,
                                         deadline=(start + dt.timedelta(days=10)).date(), disposition="",
                                         distributed_at=start, received_at=start, received_by_id=heads[u_idx],
                                         first_submitted_at=None if state == "draf" else submitted,
                                         submitted_at=None if state == "draf" else submitted,
                                         submitted_by_id=None if state == "draf" else heads[u_idx],
                                         accepted_at=None if is_open else submitted, version=1))
                        for iid, _combine, _pol, owner_idx in office_inds:
                            if owner_idx != u_idx:
                                continue
                            reals.append(dict(id=nid("real"), submission_id=sub_id, indicator_id=iid,
                                              value=Decimal(rng.randint(5, 120)), not_measured_reason="", note="",
                                              kendala="", tindak_lanjut="", version=1, updated_by_id=heads[u_idx],
                                              updated_at=submitted))
                        for bid, pagu in office_bls[(y, u_idx)]:
                            breals.append(dict(id=nid("breal"), submission_id=sub_id, budget_line_id=bid,
                                               amount=(pagu * Decimal(rng.randint(10, 30)) / 100).quantize(Decimal(1)),
                                               version=1, updated_by_id=heads[u_idx], updated_at=submitted))
        for model, rows in ((OrgUnit, units), (User, users), (RenstraPeriod, periods), (Sasaran, sasaran),
                            (Indicator, inds), (Target, targets), (BudgetLine, bls), (CollectionRound, rounds),
                            (StepRecord, steps), (Submission, subs), (Realization, reals),
                            (BudgetRealization, breals)):
            _bulk(conn, model, rows)
            counts[model.__tablename__] = len(rows)
        if conn.dialect.name == "postgresql":
            for model in (OrgUnit, User, RenstraPeriod, Sasaran, Indicator, Target, BudgetLine, CollectionRound,
                          StepRecord, Submission, Realization, BudgetRealization):
                t = model.__tablename__
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "
                                  f"(SELECT COALESCE(MAX(id), 1) FROM {t}))"))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))
    counts["seconds"] = round(time.perf_counter() - t0, 1)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate regency-scale benchmark data.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    print(generate(args.url, args.scale))


if __name__ == "__main__":
    main()
