"""One page render measured in a process of its own (run by bench/run.py; prints one JSON line).

    python -m bench.page_probe --url URL --page beranda|bare --username kepala_dinas_0

`beranda`: app.py under AppTest as the given user (Beranda is the default page): the first run of the
process, runs with the caches emptied (`uncached`: what a visitor gets when the server could not make the
office's data in advance, e.g. just after it started), plain reruns (`cached`, what a user gets when no
data changed) and runs after a Kepala Bidang of the office saved (`after_save`: the save is made in this
process as another session of the same server would make it; the server recomputes the office's Beranda
data on its own thread, `warm_ms`, and the rerun comes once that is done, as a human's next click does),
best of --repeat each. `bare`: bench/bare_page.py over the same output computed in advance. The peak RSS of
the process (VmHWM) is the app's memory for that page.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import sys
import tempfile
import time
from pathlib import Path

from core import round_status
from core.steps import isi_data

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    """VmHWM of this process (ru_maxrss would carry the parent's peak over fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _server_like_script_cache() -> None:
    """One compiled-script cache for all runs, as `streamlit run` keeps for its whole process.

    AppTest makes a new ScriptCache on every run, so each run re-reads, re-parses (magic) and re-compiles
    app.py and the page: 20-30 ms a run that a real server pays once. Both pages get the same treatment.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared
    local_script_runner.ScriptCache = lambda: shared


def _timed(at) -> float:
    t0 = time.perf_counter()
    at.run()
    elapsed = (time.perf_counter() - t0) * 1000
    if at.exception:
        raise SystemExit(f"page raised: {at.exception[0].value}")
    return elapsed


def _bare_data(url: str, username: str, path: str) -> None:
    """What Beranda shows for `username`, computed once with the app's own core functions."""
    import datetime as dt

    from core import auth, exports, fmt, home, status, tasks, timeline
    from core.uow import unit_of_work

    today = dt.date.today()
    with unit_of_work(url) as s:
        actor = auth.actor_for(s, username)
        me = home.profile(s, actor)
        rnd = round_status.current_round(s, actor.office_id)
        my = tasks.my_tasks(s, actor)
        choices = round_status.round_choices(s, actor.office_id)
        qs = status.quarter_status(s, actor.office_id, None, today)
        missing = status._missing_frame(qs)
        files = status.missing_list_files(s, actor.office_id, None, today)
        steps = timeline.round_timeline(s, qs.round_id, timeline.now())
        late_df = timeline.late_units(s, qs.round_id, today)
    late = sorted(qs.late_units, key=lambda u: -u.days_late)
    data = {
        "office_name": me.office_name, "full_name": me.full_name,
        "profile_md": f"**Jabatan:** {me.jabatan}  \n**NIP:** {me.nip or '–'}  \n**Peran:** {me.role_label}",
        "round_md": f"**{rnd.title}**  \nLangkah {rnd.step_number} dari {rnd.step_count}: {rnd.step_title}" if rnd else "",
        "tasks": [t.text for t in my],
        "round_labels": [label for _i, label in choices],
        "status_caption": f"{qs.title}; langkah {qs.current_step}: {qs.current_step_name}.",
        "metrics": [
            ("Langkah SOP", f"{qs.current_step} dari {qs.step_count}", None),
            ("Unit terlambat", f"{len(late)} dari {len(qs.units)}", "ada yang terlambat" if late else None),
            ("Sudah diajukan", f"{qs.submitted} dari {len(qs.units)}", None),
            ("Kelengkapan data", fmt.percent(qs.completeness, 1), None),
            ("Rata-rata capaian TW", fmt.percent(qs.average_capaian, 1), None),
            ("Serapan anggaran", fmt.percent(qs.absorption_ytd, 1), None),
        ],
        "late_md": "\n".join(f"- **{u.unit}** ({u.head}): {u.days_late} hari" for u in late),
        "predicate_counts": qs.predicate_counts,
        "behind": qs.behind[["Kode", "Indikator", "Capaian TW", "Predikat", "Unit", "Kendala"]],
        "board": qs.board,
        "missing": missing,
        "pdf": files["pdf"][2], "xlsx": files["xlsx"][2],
        "steps": steps,
        "late_message": timeline.late_units_message(late_df) if not late_df.empty else "",
    }
    _ = exports  # the files above are the exports' bytes
    with open(path, "wb") as fh:
        pickle.dump(data, fh)


def _after_saves(at, url: str, username: str, repeat: int) -> dict[str, float]:
    """Beranda of `username` after each of `repeat` saves by a Kepala Bidang of the same office."""
    from sqlalchemy import select

    from core import auth
    from core.states import EDITABLE
    from core.uow import unit_of_work
    from db.models import CollectionRound, Indicator, Submission
    from pages.parts import caches

    with unit_of_work(url) as s:
        office_id = auth.actor_for(s, username).office_id
        sub = s.scalar(select(Submission).join(CollectionRound)
                       .where(CollectionRound.office_id == office_id, CollectionRound.status == "berjalan",
                              Submission.state.in_(EDITABLE)).order_by(Submission.id))
        if sub is None:
            return {}
        ind = s.scalar(select(Indicator.id).where(Indicator.owner_unit_id == sub.unit_id).order_by(Indicator.id))
        kabid = auth.actor_for(s, f"kabid_{sub.unit_id}")
    warmer = caches._warmer
    after, warm = [], []
    for n in range(repeat):
        with unit_of_work(url) as s:
            isi_data.save_entries(s, kabid, sub.id, {ind: {"Kendala": f"Bench: kendala {n}",
                                                        "Tindak lanjut": f"Bench: tindak lanjut {n}"}})
        if not warmer.wait_idle(60):
            raise SystemExit("the office's Beranda data was not made again within 60 s")
        warm.append(warmer.last_seconds * 1000)
        after.append(_timed(at))
    return {"after_save_ms": min(after), "warm_ms": sorted(warm)[len(warm) // 2]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--page", choices=("beranda", "bare"), required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="kinerja-bench-")
    os.environ.update({"DATABASE_URL": args.url, "KINERJA_DATA_DIR": data_dir, "KINERJA_AUTO_SEED": "0"})
    sys.path.insert(0, str(ROOT))
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    _server_like_script_cache()
    out: dict[str, float] = {}
    if args.page == "bare":
        path = os.path.join(data_dir, "bare.pickle")
        _bare_data(args.url, args.username, path)
        os.environ["KINERJA_BENCH_BARE"] = path
        at = AppTest.from_file(str(ROOT / "bench" / "bare_page.py"), default_timeout=600)
        out["first_ms"] = _timed(at)
        out["cached_ms"] = min(_timed(at) for _ in range(args.repeat))
        out["uncached_ms"] = out["cached_ms"]
    else:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.session_state["authentication_status"] = True
        at.session_state["username"] = args.username
        at.session_state["name"] = args.username
        out["first_ms"] = _timed(at)
        if "Status Triwulan" not in [h.value for h in at.header]:
            raise SystemExit("Beranda did not show Status Triwulan")
        uncached = []
        for _ in range(args.repeat):
            st.cache_data.clear()
            uncached.append(_timed(at))
        out["uncached_ms"] = min(uncached)
        _timed(at)
        out["cached_ms"] = min(_timed(at) for _ in range(args.repeat))
        out.update(_after_saves(at, args.url, args.username, args.repeat))
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
