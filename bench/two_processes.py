"""The 20-user bench of bench/run.py against one process and against several app processes on one PostgreSQL.

    nice -n 10 .venv/bin/python -m bench.two_processes --url postgresql+psycopg://postgres@127.0.0.1/kinerja_bench \
        --processes 2 --users 20 --requests 16

The database must hold bench.generate data (`--generate SCALE` makes it first, into an existing empty database).
Each run is the bench's `users warming` scenario: every simulated user is the Kepala Bidang of another office,
16 requests each (save a 10-row grid, read the recap bundle, save, submit), and every office's Beranda counts as
open in every process, so every change is made again in advance on the warmer thread of each process: in the
saving process through core.audit's local listener, in the others through PostgreSQL LISTEN/NOTIFY
(core.change_feed). First one process with all the users (what one `streamlit run` carries), then `--processes`
processes with the users shared out, started together. Printed: requests/s, p50/p95 latency, errors, the
recomputations made by the warmers and the notifications each process received from the others.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def child(url: str, office_ids: list[int], all_offices: list[int], n_requests: int, start_at: float) -> dict:
    """One app process's share of the users (run in a subprocess of its own)."""
    os.environ["DATABASE_URL"] = url
    os.environ["KINERJA_WARM_CACHES"] = "1"
    from bench.run import QUARTER, YEAR, grid_changes, prepare_units
    from core import auth, process, recap
    from core.config import get_settings
    from core.steps import isi_data
    from core.uow import unit_of_work
    from pages.parts import caches

    get_settings.cache_clear()
    process.tune_gc()
    plans = []
    for office_id in office_ids:
        units = prepare_units(url, office_id, one_unit_owns_all=False)
        with unit_of_work(url) as s:
            plans.append((office_id, [(auth.actor_for(s, u), sid, inds) for u, sid, inds in units]))
    for office_id in all_offices:  # every office's Beranda is open somewhere: keep all of them warm here
        caches.note_viewed(office_id)
    warmer = caches.start_warmer(url)
    feed = caches.change_listener()
    if feed is not None:
        feed.wait_listening(10)
    runs0 = warmer.runs
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def user(office_id: int, actors: list) -> None:
        while time.time() < start_at:
            time.sleep(0.005)
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
            except Exception as err:  # noqa: BLE001 - counted, the run goes on
                with lock:
                    errors.append(f"{kind}: {type(err).__name__}: {err}")
                continue
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=user, args=plan) for plan in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    end = time.time()
    warmer.wait_idle(120)
    out = {"latencies": latencies, "errors": errors, "end": end, "warm_runs": warmer.runs - runs0,
           "notifications": feed.received if feed is not None else 0}
    caches.stop_warmer()
    return out


def run(url: str, offices: list[int], processes: int, users: int, n_requests: int) -> dict[str, Any]:
    chosen = offices[2:2 + users]  # as bench.run: the first offices are used by the other measures
    shares = [chosen[i::processes] for i in range(processes)]
    start_at = time.time() + 25  # every process has prepared its users by then
    procs = []
    for share in shares:
        args = json.dumps({"url": url, "offices": share, "all": chosen, "requests": n_requests,
                           "start_at": start_at})
        procs.append(subprocess.Popen([sys.executable, "-m", "bench.two_processes", "--child", args], cwd=ROOT,
                                      env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                                      text=True))
    results = []
    for p in procs:
        stdout, _ = p.communicate(timeout=1800)
        if p.returncode:
            raise RuntimeError(f"bench child failed ({p.returncode})")
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    every = sorted(x for r in results for x in r["latencies"])
    wall = max(r["end"] for r in results) - start_at
    errors = [e for r in results for e in r["errors"]]
    return {"processes": processes, "users": len(chosen), "requests": len(every), "seconds": round(wall, 2),
            "throughput_rps": round(len(every) / wall, 1), "p50_ms": round(statistics.median(every)),
            "p95_ms": round(statistics.quantiles(every, n=20)[-1]), "errors": len(errors),
            "first_error": errors[0] if errors else None,
            "warm_runs": [r["warm_runs"] for r in results], "notifications": [r["notifications"] for r in results]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=16)
    parser.add_argument("--generate", type=int, help="fill the (empty) database with bench.generate at this scale")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.child)
        print(json.dumps(child(spec["url"], spec["offices"], spec["all"], spec["requests"], spec["start_at"])))
        return
    if not args.url or "127.0.0.1" not in args.url:
        raise SystemExit("The bench only targets a PostgreSQL server on 127.0.0.1 (--url).")
    if args.generate:
        from bench.generate import generate

        generate(args.url, args.generate)
    from bench.run import offices

    ids = offices(args.url)
    rows = [run(args.url, ids, 1, args.users, args.requests),
            run(args.url, ids, args.processes, args.users, args.requests)]
    print("| processes | users | requests | req/s | p50 ms | p95 ms | errors | warmer runs per process | "
          "notifications received per process |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['processes']} | {r['users']} | {r['requests']} | {r['throughput_rps']} | {r['p50_ms']} | "
              f"{r['p95_ms']} | {r['errors']} | {', '.join(map(str, r['warm_runs']))} | "
              f"{', '.join(map(str, r['notifications']))} |")
        if r["first_error"]:
            print(f"first error ({r['processes']} processes): {r['first_error']}")


if __name__ == "__main__":
    main()
