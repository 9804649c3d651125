"""Every page people spend their time on, beside a bare page of the same output; prints a table.

    nice -n 10 .venv/bin/python -m bench.pages --db both --scales 1,4 --keep

For each database and scale: the bench database of bench.run (bench.generate's regency; reused when it
exists and --keep is given, else made), four offices at the end of the regency (bench.run's own
scenarios use the first ones) brought to the steps the pages need through the app's own core actions:

- office A, step 3 (Isi Data): Bidang 1 owns all 60 indicators (bench.run.prepare_units): Beranda and
  Rekap & Unduh as the Kepala Dinas, Isi Data Kinerja as that Kepala Bidang (60-row grid), Data Induk as
  an administrator of the office
- office B, step 4: every unit submitted (Ajukan): Pengolahan as the Penyusun
- office C, step 7: accepted, draft compiled (Susun draf), sent to the planner: Sosialisasi & Koreksi as
  the JFT Perencana
- office D, step 9: as C, then handed over: Dokumentasi as the Penyusun

Each page is measured by bench/pages_probe.py in a process of its own: first render of a new session
(caches emptied), plain rerun, rerun after the person's own save, rerun after another user's save of the
same office, beside bench/bare_generic.py replaying the page's element calls. Ratio = page ÷ bare (first
÷ bare first, reruns ÷ bare rerun). Target ≤ 1.5.

Wall-clock, best of --repeat runs: the machine is shared (2 cores), the minimum is the stable figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from bench import run as bench_run

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.5


def _database(db: str, scale: int, args: argparse.Namespace) -> str:
    """bench.run's database for (db, scale): reused with --keep when it holds a regency, else made."""
    from bench.generate import generate

    if args.keep:
        url = (f"sqlite:///{Path(args.dir) / f'bench-s{scale}.db'}" if db == "sqlite"
               else f"postgresql+psycopg://{args.pg_server}/kinerja_bench_s{scale}")
        try:
            if bench_run.offices(url):
                return url
        except Exception:  # noqa: BLE001 - no such database yet: make it
            pass
    url = bench_run.make_database(db, scale, args)
    print(f"… generating {db} {scale}×", file=sys.stderr, flush=True)
    generate(url, scale)
    return url


def _office_users(s, office_id: int) -> dict[str, Any]:
    from db.models import OrgUnit

    o = s.get(OrgUnit, office_id).sort_order
    units = list(s.scalars(select(OrgUnit.id).where(OrgUnit.office_id == office_id,
                                                      OrgUnit.reports_data.is_(True)).order_by(OrgUnit.sort_order)))
    return {"o": o, "units": units, "kadis": f"kepala_dinas_{o}", "sekdis": f"sekretaris_{o}",
            "penyusun": f"penyusun_{o}", "perencana": f"perencana_{o}"}


def _submit_all(url: str, office_id: int) -> None:
    from core import auth
    from core.steps import isi_data
    from core.uow import unit_of_work
    from db.models import Submission

    units = bench_run.prepare_units(url, office_id, one_unit_owns_all=False)
    with unit_of_work(url) as s:
        s.execute(update(Submission).where(Submission.id.in_([sid for _u, sid, _i in units]))
                  .values(first_submitted_at=None))
    for username, sub_id, _inds in units:
        with unit_of_work(url) as s:
            isi_data.submit(s, auth.actor_for(s, username), sub_id, confirm_flags=True)


def _step(url: str, office_id: int) -> int:
    from core.uow import unit_of_work

    with unit_of_work(url) as s:
        return bench_run.open_round(s, office_id).current_step


def prepare(url: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Bring the four offices to their steps (skipped where already there); returns, per page, the
    username and what its saves need."""
    from core import auth
    from core.steps import koreksi, pengolahan, penyusunan
    from core.uow import unit_of_work
    from db.models import BudgetLine, Indicator, Report, Submission, User

    a, b, c, d = bench_run.offices(url)[-4:]
    plan: dict[str, tuple[str, dict[str, Any]]] = {}
    # A: step 3, one unit owns 60 indicators
    units = bench_run.prepare_units(url, a, one_unit_owns_all=True)
    kabid, sub_id, inds = units[0]
    other_user, other_sub, _ = units[1]
    with unit_of_work(url) as s:
        users = _office_users(s, a)
        rnd = bench_run.open_round(s, a)
        other_unit = s.get(Submission, other_sub).unit_id
        other_line = s.scalar(select(BudgetLine.id).where(BudgetLine.office_id == a, BudgetLine.year == rnd.year,
                                                          BudgetLine.owner_unit_id == other_unit).order_by(BudgetLine.id))
        admin = f"admin_bench_{users['o']}"
        if s.scalar(select(User.id).where(User.username == admin)) is None:
            s.add(User(username=admin, full_name="Administrator Bench", nip=None, jabatan="Administrator",
                       pangkat="", email="", role="admin", unit_id=users["units"][0],
                       password_hash="x", active=True, failed_logins=0, created_at=dt.datetime(2021, 1, 1)))
    other = {"office_id": a, "other_user": other_user, "other_sub": other_sub, "other_line": other_line}
    plan["beranda"] = (users["kadis"], other)
    plan["isi_data"] = (kabid, {**other, "sub_id": sub_id, "indicators": inds})
    plan["rekap"] = (users["kadis"], other)
    plan["data_induk"] = (admin, {**other, "indicator_id": inds[0]})
    # B, C, D: submitted; C and D on to the planner; D handed over
    for office in (b, c, d):
        if _step(url, office) == 3:
            _submit_all(url, office)
    for office in (c, d):
        with unit_of_work(url) as s:
            u = _office_users(s, office)
            rnd = bench_run.open_round(s, office)
            subs = list(s.scalars(select(Submission.id).where(Submission.round_id == rnd.id,
                                                               Submission.state == "diajukan")))
        if _step(url, office) == 4:
            for sid in subs:
                with unit_of_work(url) as s:
                    pengolahan.accept(s, auth.actor_for(s, u["penyusun"]), sid)
        if _step(url, office) == 5:
            with unit_of_work(url) as s:
                penyusunan.compile_draft(s, auth.actor_for(s, u["penyusun"]), rnd.id)
        if _step(url, office) == 6:
            with unit_of_work(url) as s:
                koreksi.send_to_planner(s, auth.actor_for(s, u["sekdis"]), rnd.id)
    if _step(url, d) == 7:
        with unit_of_work(url) as s:
            u = _office_users(s, d)
            koreksi.hand_over(s, auth.actor_for(s, u["perencana"]), bench_run.open_round(s, d).id)
    with unit_of_work(url) as s:
        ub, uc, ud = _office_users(s, b), _office_users(s, c), _office_users(s, d)
        rb = bench_run.open_round(s, b)
        sub_b = s.scalar(select(Submission).where(Submission.round_id == rb.id).order_by(Submission.id))
        ind_b = s.scalar(select(Indicator.id).where(Indicator.owner_unit_id == sub_b.unit_id).order_by(Indicator.id))
        rc = bench_run.open_round(s, c)
        rep = s.scalar(select(Report).where(Report.round_id == rc.id).order_by(Report.id.desc()))
        key = next(x["key"] for x in rep.lines if x.get("type") == "indikator")
        plan["pengolahan"] = (ub["penyusun"], {"office_id": b, "other_user": ub["kadis"], "sub_id": sub_b.id,
                                               "indicator_id": ind_b})
        plan["koreksi"] = (uc["perencana"], {"office_id": c, "other_user": uc["penyusun"], "report_id": rep.id,
                                             "line_key": key})
        plan["dokumentasi"] = (ud["penyusun"], {"office_id": d, "other_user": ud["perencana"]})
    return plan


ORDER = ["beranda", "isi_data", "pengolahan", "koreksi", "dokumentasi", "rekap", "data_induk"]
LABELS = {"beranda": "Beranda", "isi_data": "Isi Data Kinerja (60 baris)", "pengolahan": "Pengolahan",
          "koreksi": "Sosialisasi & Koreksi", "dokumentasi": "Dokumentasi", "rekap": "Rekap & Unduh",
          "data_induk": "Data Induk"}


def probe(url: str, page: str, username: str, setup: dict[str, Any], repeat: int) -> dict[str, Any]:
    from db.engine import dispose_all

    dispose_all()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "bench.pages_probe", "--url", url, "--page", page,
                          "--username", username, "--setup", json.dumps(setup), "--repeat", str(repeat)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    if res.returncode or not lines:
        return {"error": (res.stderr.strip().splitlines() or ["?"])[-1][:300]}
    return json.loads(lines[-1])


def ratios(r: dict[str, Any]) -> dict[str, Any]:
    out = dict(r)
    if "first_ms" in r:
        out["first_ratio"] = r["first_ms"] / r["bare_first_ms"]
        for k in ("rerun", "own", "other"):
            if f"{k}_ms" in r:
                out[f"{k}_ratio"] = r[f"{k}_ms"] / r["bare_rerun_ms"]
    return out


def table(rows: list[dict[str, Any]]) -> str:
    head = ["db", "scale", "page", "elements", "first ms", "bare first ms", "ratio", "rerun ms", "bare rerun ms",
            "ratio", "after own save ms", "ratio", "after other's save ms", "ratio", "≤ 1.5×"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def f(v: Any, spec: str = "{:.0f}") -> str:
        return spec.format(v) if v is not None else "–"

    for r in rows:
        if "error" in r:
            lines.append(f"| {r['db']} | {r['scale']}× | {LABELS[r['page']]} | error: {r['error']} |")
            continue
        worst = max(v for k, v in r.items() if k.endswith("_ratio"))
        lines.append("| " + " | ".join([
            r["db"], f"{r['scale']}×", LABELS[r["page"]], str(r["elements"]),
            f(r["first_ms"]), f(r["bare_first_ms"]), f(r["first_ratio"], "{:.2f}"),
            f(r["rerun_ms"]), f(r["bare_rerun_ms"]), f(r["rerun_ratio"], "{:.2f}"),
            f(r.get("own_ms")), f(r.get("bare_rerun_ms") if "own_ms" in r else None), f(r.get("own_ratio"), "{:.2f}"),
            f(r.get("other_ms")), f(r["bare_rerun_ms"]), f(r.get("other_ratio"), "{:.2f}"),
            "yes" if worst <= TARGET else f"no ({worst:.2f})"]) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--scales", default="1")
    parser.add_argument("--pages", default=",".join(ORDER))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default="/tmp/kinerja-bench")
    parser.add_argument("--pg-server", default="postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="reuse and keep the bench databases")
    parser.add_argument("--url", help="measure this database as it is (already generated), no other")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    if not args.pg_server.split("@")[-1].startswith("127.0.0.1"):
        raise SystemExit("The bench only targets a PostgreSQL server on 127.0.0.1.")
    dbs = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    targets = ([("url", 0, args.url)] if args.url else
               [(db, int(x), None) for db in dbs for x in args.scales.split(",")])
    rows = []
    for db, scale, url in targets:
        url = url or _database(db, scale, args)
        label = db if db != "url" else url.split(":", 1)[0].split("+")[0]
        print(f"… {label} {scale}×: preparing the offices", file=sys.stderr, flush=True)
        plan = prepare(url)
        for page in args.pages.split(","):
            username, setup = plan[page]
            print(f"… {label} {scale}× {page} as {username}", file=sys.stderr, flush=True)
            row = {"db": label, "scale": scale, "page": page, **ratios(probe(url, page, username, setup, args.repeat))}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
        if not args.url and not args.keep:
            bench_run.drop_database(db, url, args)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print(table(rows))
    print("Figures from a machine shared with other work (2 cores, run under nice): compare within one run.")


if __name__ == "__main__":
    main()
