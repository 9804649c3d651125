"""Regency-scale benchmarks of Kinerja on SQLite and PostgreSQL; prints a table of the figures.

    nice -n 10 .venv/bin/python -m bench.run --db both --scales 1,4,16

For each database and scale: a fresh database filled by bench.generate (SQLite under --dir, PostgreSQL
as a throw-away database `kinerja_bench_s<N>` on --pg-server, dropped afterwards), then

- status      core.status.quarter_status of one office
- beranda     app.py under AppTest as that office's Kepala Dinas: first run of a fresh process, runs with
              the caches emptied, plain reruns (bench/page_probe.py); `bare` is bench/bare_page.py showing
              the same output from data computed in advance, the framework's floor
- rss         peak RSS of the process that rendered Beranda
- regency     the full-year XLSX recap of all offices (core.regency_recap): `cold` with no office's rows kept
              in the process (every office read and computed), and right after one office's change (its rows
              alone read again, the others kept per data version); `loop` is the old way,
              core.recap.annual_recap office by office (at scales up to --loop-max-scale)
- report      the quarterly report of one office: its lines, then each file core.report_doc.build_report
              makes (report XLSX, report PDF with the chart drawn and with it from the cache, E.81 XLSX
              and PDF), and build_report as a whole, cold and again
- save        core.steps.isi_data.save_entries of one unit's 60-row grid (each save changes all rows)
- users       (PostgreSQL) --users threads, each a Kepala Bidang of another office, saving, reading the
              recap and submitting for --requests requests each: throughput and p95 latency; then the
              same again (`users_warm_*`) with the server recomputing each office's Beranda data on its
              own thread after every change, as it does when the offices' Beranda pages are open

Figures are wall-clock, best of 3-5 runs (the machine is shared: the minimum is the stable figure);
compare them within one run. Never used by the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from core.steps import isi_data

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 10, 5)
YEAR, QUARTER = 2026, 3


def _ms(fn: Callable[[], Any], repeat: int = 5) -> float:
    """Best of `repeat` runs in ms: on a machine shared with others the minimum is the stable figure."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times)


# --- databases --------------------------------------------------------------------------------


def _pg_admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"postgresql://{server}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def make_database(db: str, scale: int, args: argparse.Namespace) -> str:
    from db.engine import dispose_all

    dispose_all()
    if db == "sqlite":
        path = Path(args.dir) / f"bench-s{scale}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
        return f"sqlite:///{path}"
    name = f"kinerja_bench_s{scale}"
    _pg_admin(args.pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _pg_admin(args.pg_server, f"CREATE DATABASE {name}")
    return f"postgresql+psycopg://{args.pg_server}/{name}"


def drop_database(db: str, url: str, args: argparse.Namespace) -> None:
    from db.engine import dispose_all

    dispose_all()
    if db == "postgresql" and not args.keep:
        _pg_admin(args.pg_server, f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
    elif db == "sqlite" and not args.keep:
        path = Path(url.split("///", 1)[1])
        for p in path.parent.glob(path.name + "*"):
            p.unlink()


# --- scenario ---------------------------------------------------------------------------------


def offices(url: str) -> list[int]:
    from core.uow import unit_of_work
    from db.models import OrgUnit

    with unit_of_work(url) as s:
        return list(s.scalars(select(OrgUnit.id).where(OrgUnit.kind == "dinas").order_by(OrgUnit.id)))


def open_round(session, office_id: int):
    from db.models import CollectionRound

    return session.scalar(select(CollectionRound).where(CollectionRound.office_id == office_id,
                                                        CollectionRound.status == "berjalan"))


def prepare_units(url: str, office_id: int, one_unit_owns_all: bool) -> list[tuple[str, int, list[int]]]:
    """Make the office's open-round submissions editable and submittable (drafts, kendala filled).

    With `one_unit_owns_all`, Bidang 1 owns every indicator of the office: the 60-row grid of the brief.
    Returns (Kepala Bidang username, submission id, indicator ids) per unit, Bidang 1 first.
    """
    from core.uow import unit_of_work
    from db.models import Indicator, OrgUnit, Realization, Submission

    with unit_of_work(url) as s:
        rnd = open_round(s, office_id)
        units = list(s.scalars(select(OrgUnit.id).where(OrgUnit.office_id == office_id,
                                                          OrgUnit.reports_data.is_(True)).order_by(OrgUnit.sort_order)))
        if one_unit_owns_all:
            s.execute(update(Indicator).where(Indicator.office_id == office_id).values(owner_unit_id=units[1]))
        subs = {u: sid for sid, u in s.execute(select(Submission.id, Submission.unit_id)
                                               .where(Submission.round_id == rnd.id))}
        s.execute(update(Submission).where(Submission.round_id == rnd.id)
                  .values(state="draf", submitted_at=None, submitted_by_id=None))
        s.execute(update(Realization).where(Realization.submission_id.in_(list(subs.values())))
                  .values(kendala="Bench: kendala", tindak_lanjut="Bench: tindak lanjut",
                          faktor_pendorong="Bench: faktor pendorong"))
        out = []
        for u in [units[1], units[0], *units[2:]]:
            inds = list(s.scalars(select(Indicator.id).where(Indicator.office_id == office_id,
                                                             Indicator.owner_unit_id == u).order_by(Indicator.id)))
            out.append((f"kabid_{u}", subs[u], inds))
        return out


def grid_changes(inds: list[int], n: int) -> dict[int, dict[str, Any]]:
    return {i: {"Realisasi TW": 50 + (n + k) % 70, "Kendala": f"Kendala {n}", "Tindak lanjut": f"Tindak {n}"}
            for k, i in enumerate(inds)}


def bench_save(url: str, office_id: int) -> float:
    from core import auth
    from core.uow import unit_of_work

    username, sub_id, inds = prepare_units(url, office_id, one_unit_owns_all=True)[0]
    assert len(inds) == 60, len(inds)
    with unit_of_work(url) as s:
        actor = auth.actor_for(s, username)
    counter = iter(range(1, 1000))

    def save() -> None:
        with unit_of_work(url) as s:
            res = isi_data.save_entries(s, actor, sub_id, grid_changes(inds, next(counter)))
            assert res.changed == 60, res.changed

    save()  # the first save inserts the rows other units held; the rest update all 60
    return _ms(save)


def bench_report(url: str, office_id: int) -> dict[str, float]:
    """The quarterly report of one office: its lines, then each of the four files build_report makes
    (report XLSX/PDF, E.81 XLSX/PDF), and build_report as a whole (`report_build_ms`: a new draft of an
    unchanged round, the chart PNG taken from its cache; `report_build_cold_ms`: the chart drawn)."""
    from core import exports, report_doc
    from core.forms import renja_eval
    from core.masterdata.settings import formula_of
    from core.uow import unit_of_work

    with unit_of_work(url) as s:
        rnd = open_round(s, office_id)
        lines_ms = _ms(lambda: report_doc.report_lines(s, rnd.id), 3)
        lines = report_doc.report_lines(s, rnd.id)
        doc = report_doc.ReportDoc(title=report_doc.report_title(rnd.year, rnd.quarter), subtitle="Draf versi 1",
                                   quarter=rnd.quarter, year=rnd.year, lines=lines,
                                   signer=exports.signer(s, office_id), on=TODAY,
                                   formula=formula_of(s, office_id))
        e81 = renja_eval.RenjaEval(office_name=doc.signer.office_name, year=rnd.year, quarter=rnd.quarter,
                                   subtitle=doc.subtitle, lines=lines, signer=doc.signer,
                                   evaluator=renja_eval.evaluator_of(s, office_id), on=TODAY, formula=doc.formula)

        def cold() -> None:
            report_doc._CHART_CACHE.clear()
            report_doc.report_pdf(doc)

        out = {"report_lines_ms": lines_ms,
               "report_xlsx_ms": _ms(lambda: report_doc.report_xlsx(doc), 3),
               "report_pdf_cold_ms": _ms(cold, 3),
               "report_pdf_ms": _ms(lambda: report_doc.report_pdf(doc), 3),
               "e81_xlsx_ms": _ms(lambda: renja_eval.renja_eval_xlsx(e81), 3),
               "e81_pdf_ms": _ms(lambda: renja_eval.renja_eval_pdf(e81), 3)}
        report_doc._CHART_CACHE.clear()
        t0 = time.perf_counter()
        report_doc.build_report(s, rnd.id, "draf", 1, on=TODAY)
        out["report_build_cold_ms"] = (time.perf_counter() - t0) * 1000
        out["report_build_ms"] = _ms(lambda: report_doc.build_report(s, rnd.id, "draf", 1, on=TODAY), 3)
        return out


def bench_regency(url: str, scale: int, args: argparse.Namespace) -> dict[str, float]:
    import pandas as pd

    from core import audit, exports, recap, regency_recap
    from core.actor import SYSTEM
    from core.uow import unit_of_work

    out: dict[str, float] = {}
    home = offices(url)[0]

    def cold() -> bytes:  # no office's rows kept in the process: every office read and computed
        regency_recap.clear_parts()
        with unit_of_work(url) as s:
            return regency_recap.annual_all_offices_xlsx(s, SYSTEM, YEAR, TODAY)

    def after_save() -> bytes:  # one office changed since the last build: its rows alone are read again
        with unit_of_work(url) as s:
            audit.record(s, SYSTEM, "bench.ubah", "bench", 1, office_id=home)
        with unit_of_work(url) as s:
            return regency_recap.annual_all_offices_xlsx(s, SYSTEM, YEAR, TODAY)

    out["regency_xlsx_cold_ms"] = _ms(cold, 3)
    after_save()
    out["regency_xlsx_ms"] = _ms(after_save, 3)
    with unit_of_work(url) as s:
        if scale <= args.loop_max_scale:
            ids = offices(url)

            def loop() -> bytes:
                frames = [recap.annual_recap(s, o, YEAR) for o in ids]
                return exports.to_xlsx({"Rekap Tahunan": recap.labelled(pd.concat(frames)[recap.ANNUAL_VIEW])},
                                       "Rekap", "Kabupaten", str(YEAR))

            out["regency_loop_xlsx_ms"] = _ms(loop, 1)
    return out


def bench_status(url: str, office_id: int) -> float:
    from core import status
    from core.uow import unit_of_work

    with unit_of_work(url) as s:
        status.quarter_status(s, office_id, None, TODAY)
        return _ms(lambda: status.quarter_status(s, office_id, None, TODAY))


def probe(url: str, page: str, username: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "bench.page_probe", "--url", url, "--page", page,
                          "--username", username], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    if res.returncode or not lines:
        raise RuntimeError(f"page probe {page} failed: {res.stderr[-2000:]}")
    return json.loads(lines[-1])


def bench_users(url: str, office_ids: list[int], n_users: int, n_requests: int,
                warm: bool = False) -> dict[str, float]:
    """n_users Kepala Bidang of n_users offices at once: save a grid, read the recap, save, submit.

    With `warm`, every office's Beranda counts as open, so each change also has the office's Beranda data
    recomputed on the warmer thread (pages/parts/caches.py), competing with the requests for the CPU."""
    from core import auth, recap
    from core.uow import unit_of_work

    plans = []
    for office_id in office_ids[:n_users]:
        units = prepare_units(url, office_id, one_unit_owns_all=False)
        with unit_of_work(url) as s:
            actors = [(auth.actor_for(s, u), sid, inds) for u, sid, inds in units]
        plans.append((office_id, actors))
    latencies: dict[str, list[float]] = {"save": [], "recap": [], "submit": []}
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(plans) + 1)

    def user(office_id: int, actors: list) -> None:
        start.wait()
        for r in range(n_requests):
            kind = ("save", "recap", "save", "submit")[r % 4]
            actor, sub_id, inds = actors[(r // 4) % len(actors)]
            t0 = time.perf_counter()
            try:
                with unit_of_work(url) as s:
                    if kind == "save":
                        isi_data.save_entries(s, actor, sub_id, grid_changes(inds, r))
                    elif kind == "recap":
                        recap.bundle(s, office_id, YEAR, QUARTER)
                    else:
                        isi_data.submit(s, actor, sub_id)
            except Exception as err:  # noqa: BLE001 - counted and shown, the run goes on
                with lock:
                    errors.append(f"{kind}: {type(err).__name__}: {err}")
                continue
            with lock:
                latencies[kind].append((time.perf_counter() - t0) * 1000)

    warmer = None
    if warm:
        os.environ["DATABASE_URL"] = url  # the warmer reads through the app's default engine
        from core.config import get_settings
        from pages.parts import caches

        get_settings.cache_clear()
        for office_id, _actors in plans:
            caches.note_viewed(office_id)
        warmer = caches.start_warmer()
        runs = warmer.runs
    threads = [threading.Thread(target=user, args=plan) for plan in plans]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if warmer is not None:
        from pages.parts import caches

        caches.stop_warmer()
    every = sorted(x for v in latencies.values() for x in v)

    def p95(xs: list[float]) -> float:
        return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 2 else (xs[0] if xs else float("nan"))

    out = {"users": len(plans), "requests": len(every), "errors": len(errors), "seconds": wall,
           "throughput_rps": len(every) / wall, "p95_ms": p95(every), "p50_ms": statistics.median(every)}
    for kind, xs in latencies.items():
        out[f"p95_{kind}_ms"] = p95(xs)
    if warmer is not None:
        out["warm_runs"] = warmer.runs - runs
    if errors:
        out["first_error"] = errors[0]  # type: ignore[assignment]
    return out


# --- driver -----------------------------------------------------------------------------------


def run_one(db: str, scale: int, args: argparse.Namespace) -> dict[str, Any]:
    from bench.generate import generate

    url = make_database(db, scale, args)
    row: dict[str, Any] = {"db": db, "scale": scale}
    try:
        t0 = time.perf_counter()
        counts = generate(url, scale)
        row["generate_s"] = time.perf_counter() - t0
        row["realizations"] = counts["realizations"] + counts["budget_realizations"]
        ids = offices(url)
        home_office = ids[0]
        row["status_ms"] = bench_status(url, home_office)
        ber = probe(url, "beranda", "kepala_dinas_0")
        bare = probe(url, "bare", "kepala_dinas_0")
        row.update({"beranda_first_ms": ber["first_ms"], "beranda_uncached_ms": ber["uncached_ms"],
                    "beranda_cached_ms": ber["cached_ms"], "bare_ms": bare["cached_ms"],
                    "beranda_after_save_ms": ber.get("after_save_ms"), "warm_ms": ber.get("warm_ms"),
                    "rss_mb": ber["peak_rss_mb"], "bare_rss_mb": bare["peak_rss_mb"]})
        row["ratio_uncached"] = row["beranda_uncached_ms"] / row["bare_ms"]
        row["ratio_cached"] = row["beranda_cached_ms"] / row["bare_ms"]
        if row["beranda_after_save_ms"] is not None:
            row["ratio_after_save"] = row["beranda_after_save_ms"] / row["bare_ms"]
        row.update(bench_regency(url, scale, args))
        row.update(bench_report(url, home_office))
        row["save_ms"] = bench_save(url, ids[1])
        if db == "postgresql" and args.users:
            row.update({f"users_{k}": v for k, v in bench_users(url, ids[2:], args.users, args.requests).items()})
            row.update({f"users_warm_{k}": v for k, v in bench_users(url, ids[2:], args.users, args.requests,
                                                                    warm=True).items()})
    finally:
        drop_database(db, url, args)
    return row


COLUMNS = [
    ("db", "db", "{}"), ("scale", "scale", "{}×"), ("realizations", "rows", "{:,}"),
    ("status_ms", "status ms", "{:.0f}"),
    ("beranda_first_ms", "Beranda 1st ms", "{:.0f}"), ("beranda_uncached_ms", "Beranda uncached ms", "{:.0f}"),
    ("beranda_cached_ms", "Beranda cached ms", "{:.0f}"), ("beranda_after_save_ms", "Beranda after save ms", "{:.0f}"),
    ("warm_ms", "warm ms", "{:.0f}"), ("bare_ms", "bare ms", "{:.0f}"),
    ("ratio_uncached", "ratio uncached", "{:.2f}"), ("ratio_cached", "ratio cached", "{:.2f}"),
    ("ratio_after_save", "ratio after save", "{:.2f}"),
    ("rss_mb", "RSS MB", "{:.0f}"), ("regency_xlsx_cold_ms", "regency XLSX cold ms", "{:.0f}"),
    ("regency_xlsx_ms", "regency XLSX after a save ms", "{:.0f}"),
    ("regency_loop_xlsx_ms", "loop XLSX ms", "{:.0f}"), ("report_lines_ms", "report lines ms", "{:.0f}"),
    ("report_xlsx_ms", "report XLSX ms", "{:.0f}"), ("report_pdf_cold_ms", "report PDF, chart drawn ms", "{:.0f}"),
    ("report_pdf_ms", "report PDF ms", "{:.0f}"), ("e81_xlsx_ms", "E.81 XLSX ms", "{:.0f}"),
    ("e81_pdf_ms", "E.81 PDF ms", "{:.0f}"), ("report_build_cold_ms", "build_report cold ms", "{:.0f}"),
    ("report_build_ms", "build_report ms", "{:.0f}"), ("save_ms", "save 60 ms", "{:.0f}"),
    ("users_throughput_rps", "20 users req/s", "{:.1f}"), ("users_p95_ms", "p95 ms", "{:.0f}"),
    ("users_errors", "errors", "{}"), ("users_warm_throughput_rps", "req/s warming", "{:.1f}"),
    ("users_warm_p95_ms", "p95 ms warming", "{:.0f}"), ("users_warm_errors", "errors warming", "{}"),
]


def table(rows: list[dict[str, Any]]) -> str:
    head = [c[1] for c in COLUMNS]
    body = [[fmt.format(r[k]) if r.get(k) is not None else "–" for k, _h, fmt in COLUMNS] for r in rows]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(b) + " |" for b in body]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--scales", default="1")
    parser.add_argument("--dir", default="/tmp/kinerja-bench")
    parser.add_argument("--pg-server", default="postgres@127.0.0.1:5432")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=16, help="requests per simulated user")
    parser.add_argument("--loop-max-scale", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    if not args.pg_server.split("@")[-1].startswith("127.0.0.1"):
        raise SystemExit("The bench only targets a PostgreSQL server on 127.0.0.1.")
    dbs = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    import core.exports  # noqa: F401 - the modules the app has loaded once it serves pages
    import core.process
    import core.recap  # noqa: F401
    import core.regency_recap  # noqa: F401

    core.process.tune_gc()  # as app.py does for the server process whose code paths are timed here
    rows = []
    for db in dbs:
        for scale in (int(x) for x in args.scales.split(",")):
            print(f"… {db} {scale}×", file=sys.stderr, flush=True)
            rows.append(run_one(db, scale, args))
            print(json.dumps(rows[-1], default=str), file=sys.stderr, flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str))
    print(table(rows))
    for r in rows:
        if r.get("users_first_error"):
            print(f"{r['db']} {r['scale']}×: first error of the simulated users: {r['users_first_error']}")


if __name__ == "__main__":
    main()
