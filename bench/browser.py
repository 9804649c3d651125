"""What a person waits for in the browser: the main actions of a round, click → rendered, app beside bare.

    nice -n 10 .venv/bin/python -m bench.browser --runs 5

Serves the app (`streamlit run app.py`) on a bench database (bench.generate at --scale, then the offices of
bench.pages.prepare, and --runs more offices with every unit accepted, so that each run of Susun draf has a
round of its own) and bench/bare_browser.py, and drives both with Playwright and Debian's Chromium
(headless). Each action is timed in the page with performance.now(): from just before the click to the end of
the script run it caused (stApp's data-test-script-state back to notRunning after it was running), or to the
download event for a download. N runs each; median and p95, and the median's ratio to the bare action.

- login        the form filled, Masuk → Beranda drawn (app: Kepala Bidang; a new browser context per run)
- page switch  sidebar link → Isi Data Kinerja drawn (the 60-row grid)
- Simpan draf  one cell of the 60-row grid changed, Simpan draf → saved and drawn again
- Ajukan       a unit's Ajukan → submitted and drawn (Bidang 1 of another office each run)
- Terima       Pengolahan's Terima → accepted and the next unit drawn
- Susun draf   Pengolahan's Susun draf laporan: "page back" is the click's own run (the page waits up to
               KINERJA_FOREGROUND_SECONDS for the build, then shows a progress bar and is usable again);
               "built" is click → the draft's message, its four files built on a thread (a file build)
- downloads    Sosialisasi & Koreksi's report XLSX/PDF and E.81 XLSX/PDF (built with the draft: bytes
               already there), Rekap & Unduh's LKjIP XLSX/PDF (built on the click): click → download

The servers are stopped at the end (by their own process ids). Figures come from a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("KINERJA_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "kinerja2026"
TARGET_S = 0.5
ONLY: set[str] = set()  # --only: some groups of the app's actions (entry, ajukan, terima, susun, downloads)
FILE_BUILDS = {"Susun draf: built", "LKjIP XLSX", "LKjIP PDF"}

_ARM = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__bench = {t0: performance.now(), ran: false, t1: null};
    if (window.__benchObs) window.__benchObs.disconnect();
    window.__benchObs = new MutationObserver(() => {
        const s = app.getAttribute('data-test-script-state');
        if (s !== 'notRunning') window.__bench.ran = true;
        else if (window.__bench.ran && window.__bench.t1 === null) window.__bench.t1 = performance.now();
    });
    window.__benchObs.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
# done when the run the click caused has ended; or, for a click whose run was too quick for the attribute to
# change at all (a bare page switch), when `cond` (a JS expression: the new page drawn and idle) holds
_DONE = """(cond) => {
    const b = window.__bench;
    if (b.t1 !== null) return true;
    if (cond && new Function('return ' + cond)()) { b.t1 = performance.now(); return true; }
    return false;
}"""
_ELAPSED = "() => window.__bench.t1 - window.__bench.t0"
_IDLE = """() => document.querySelector('[data-testid="stApp"]')
    ?.getAttribute('data-test-script-state') === 'notRunning'"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(script: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    stop(proc)
    raise SystemExit(f"{script} did not start: {log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- timing -----------------------------------------------------------------------------------------


def settle(page) -> None:
    page.wait_for_function(_IDLE, timeout=120_000)


def timed_click(page, locator, then: Callable[[Any], Any] | None = None, cond: str | None = None) -> float:
    """Seconds from just before the click to the end of the script run it caused (then `then()` must hold)."""
    settle(page)
    page.evaluate(_ARM)
    locator.click()
    page.wait_for_function(_DONE, arg=cond, timeout=300_000)
    elapsed = page.evaluate(_ELAPSED) / 1000
    if then:
        then(page)
    settle(page)
    return elapsed


def _shown(text: str) -> str:
    """A JS expression: the page is idle and shows `text` (the end of a bare run too quick to be seen)."""
    return f"({_IDLE})() && document.body.innerText.includes({json.dumps(text)})"


def timed_download(page, locator) -> float:
    settle(page)
    t0 = page.evaluate("() => performance.now()")
    with page.expect_download(timeout=300_000) as info:
        locator.click()
    info.value.path()
    elapsed = (page.evaluate("() => performance.now()") - t0) / 1000
    settle(page)
    return elapsed


def login(page, url: str, username: str) -> float:
    page.goto(url)
    page.get_by_label("Nama pengguna").wait_for(timeout=60_000)
    settle(page)
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi", exact=True).fill(PASSWORD)
    return timed_click(page, page.get_by_role("button", name="Masuk"),
                       lambda p: p.get_by_role("heading", name="Beranda").first.wait_for(timeout=60_000))


def go(page, title: str) -> float:
    link = page.get_by_test_id("stSidebar").get_by_role("link", name=title, exact=True)
    drawn = (f"({_IDLE})() && [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === "
             f"{json.dumps(title)})")
    return timed_click(page, link, lambda p: p.get_by_role("heading", name=title, exact=True).wait_for(), drawn)


def edit_cell(page, value: str) -> None:
    """Row 0's Realisasi TW (column 5) of the first grid on the page: click, arrow, Enter, type, Enter."""
    from tests.e2e.test_full_round import edit_grid

    grid = page.get_by_test_id("stDataFrame").first
    edit_grid(page, grid, [(0, 5, value)])


# --- the two apps -----------------------------------------------------------------------------------


def app_runs(browser, url: str, plan: dict[str, Any], runs: int) -> dict[str, list[float]]:
    """The app's actions, group after group; a group that fails is reported and the others still run."""
    out: dict[str, list[float]] = {}
    for group in (_app_entry, _app_ajukan, _app_terima, _app_susun, _app_downloads):
        if ONLY and group.__name__[5:] not in ONLY:
            continue
        try:
            group(browser, url, plan, runs, out)
        except Exception as err:  # noqa: BLE001 - shown in the output, the other groups still measured
            out.setdefault(f"{group.__name__[5:]} failed", []).append(float("nan"))
            print(f"  {group.__name__}: {type(err).__name__}: {str(err).splitlines()[0]}", file=sys.stderr)
    return out


def _app_entry(browser, url: str, plan: dict[str, Any], runs: int, out: dict[str, list[float]]) -> None:
    from tests.e2e.conftest import new_context


    ctx = new_context(browser)  # warm-up: the first visit of a fresh server runs the login page twice
    login(ctx.new_page(), url, plan["terima"])
    ctx.close()
    # login, page switch, Simpan draf: the Kepala Bidang of the 60-row unit
    for n in range(runs):
        ctx = new_context(browser)
        page = ctx.new_page()
        _add(out, "login", login(page, url, plan["isi_data"]))
        _add(out, "page switch", go(page, "Isi Data Kinerja"))
        edit_cell(page, str(60 + n))
        _add(out, "Simpan draf", timed_click(page, page.get_by_role("button", name="Simpan draf"),
                                       lambda p: p.get_by_text("Draf disimpan").first.wait_for()))
        go(page, "Beranda")
        ctx.close()


def _add(out: dict[str, list[float]], key: str, seconds: float) -> None:
    out.setdefault(key, []).append(seconds)
    print(f"  app {key}: {seconds * 1000:.0f} ms", file=sys.stderr, flush=True)


def _app_ajukan(browser, url: str, plan: dict[str, Any], runs: int, out: dict[str, list[float]]) -> None:
    from tests.e2e.conftest import new_context

    # Ajukan: another unit each run
    for username in plan["ajukan"][:runs]:
        ctx = new_context(browser)
        page = ctx.new_page()
        login(page, url, username)
        go(page, "Isi Data Kinerja")
        confirm = page.get_by_text("Saya sudah memeriksa nilai di atas dan nilainya benar.")
        if confirm.count():  # values far from the target: the unit confirms them, as a person would
            confirm.first.click()
            settle(page)
        _add(out, "Ajukan", timed_click(page, page.get_by_role("button", name="Ajukan", exact=True),
                                  lambda p: p.get_by_text("Data kinerja diajukan.").first.wait_for()))
        ctx.close()


def _app_terima(browser, url: str, plan: dict[str, Any], runs: int, out: dict[str, list[float]]) -> None:
    from tests.e2e.conftest import new_context

    # Terima: the Penyusun of the office at step 4, unit after unit
    ctx = new_context(browser)
    page = ctx.new_page()
    login(page, url, plan["terima"])
    go(page, "Pengolahan")
    from tests.e2e.test_full_round import choose

    for unit in ["Sekretariat", *(f"Bidang {k}" for k in range(1, 6))][:runs]:
        choose(page, "Unit kerja", unit)  # the unit in the box stays chosen after it was accepted
        settle(page)
        _add(out, "Terima", timed_click(page, page.get_by_role("button", name="Terima", exact=True),
                                  lambda p: p.get_by_text("diterima.").first.wait_for()))
    ctx.close()


def _app_susun(browser, url: str, plan: dict[str, Any], runs: int, out: dict[str, list[float]]) -> None:
    from tests.e2e.conftest import new_context

    # Susun draf: one office at step 5 per run
    for username in plan["susun"][:runs]:
        ctx = new_context(browser)
        page = ctx.new_page()
        login(page, url, username)
        go(page, "Pengolahan")
        # the click's own run ends within KINERJA_FOREGROUND_SECONDS (the page usable again, a progress bar
        # while the files are built on a thread of their own); the draft's message comes when they are built
        _add(out, "Susun draf: page back", timed_click(page, page.get_by_role("button", name="Susun draf laporan")))
        page.get_by_text("disusun.").first.wait_for(timeout=300_000)
        _add(out, "Susun draf: built", page.evaluate("() => performance.now() - window.__bench.t0") / 1000)
        ctx.close()


def _app_downloads(browser, url: str, plan: dict[str, Any], runs: int, out: dict[str, list[float]]) -> None:
    from tests.e2e.conftest import new_context

    # downloads: the draft's files on Sosialisasi & Koreksi, LKjIP on Rekap & Unduh
    ctx = new_context(browser)
    page = ctx.new_page()
    login(page, url, plan["koreksi"])
    go(page, "Sosialisasi & Koreksi")
    for label, key in (("Laporan Capaian Kinerja", "report"), ("Evaluasi Hasil Renja (E.81)", "E.81")):
        for kind, word in (("XLSX", "Excel"), ("PDF", "PDF")):
            button = page.get_by_role("button", name=f"Unduh {label} — {word}", exact=True)
            for _ in range(runs if button.count() else 0):
                _add(out, f"{key} {kind}", timed_download(page, button.first))
    go(page, "Rekap & Unduh")
    page.get_by_role("tab", name="Pengukuran Kinerja (LKjIP)").click()  # its buttons live on that tab
    settle(page)
    for kind, label in (("XLSX", "Unduh Pengukuran Kinerja (Excel)"), ("PDF", "Unduh Pengukuran Kinerja (PDF)")):
        button = page.get_by_role("button", name=label)
        if button.count():
            for _ in range(runs):
                _add(out, f"LKjIP {kind}", timed_download(page, button.first))
    ctx.close()


def bare_runs(browser, url: str, runs: int) -> dict[str, list[float]]:
    from tests.e2e.conftest import new_context

    out: dict[str, list[float]] = {}
    for n in range(runs):
        ctx = new_context(browser)
        page = ctx.new_page()
        out.setdefault("login", []).append(login(page, url, "bare"))
        out.setdefault("page switch", []).append(go(page, "Isi Data Kinerja"))
        edit_cell(page, str(60 + n))
        out.setdefault("Simpan draf", []).append(timed_click(page, page.get_by_role("button", name="Simpan draf"),
                                                             cond=_shown("Draf disimpan")))
        for key, name, text in (("Ajukan", "Ajukan", "Data kinerja diajukan."), ("Terima", "Terima", "Data diterima."),
                                ("Susun draf", "Susun draf laporan", "Draf laporan versi 1 disusun.")):
            out.setdefault(key, []).append(timed_click(page, page.get_by_role("button", name=name, exact=True),
                                                       cond=_shown(text)))
        out.setdefault("download", []).append(
            timed_download(page, page.get_by_role("button", name="Unduh laporan (XLSX)")))
        ctx.close()
    return out


# --- data -------------------------------------------------------------------------------------------


def prepare(url: str, runs: int) -> dict[str, Any]:
    from sqlalchemy import select

    from bench import pages
    from bench import run as bench_run
    from core import auth
    from core.steps import pengolahan
    from core.uow import unit_of_work
    from db.models import Indicator, Realization, Submission, Target

    plan = pages.prepare(url)
    ids = bench_run.offices(url)
    susun = []
    for office in ids[-4 - runs:-4]:  # offices at step 5 (all accepted), one per Susun draf
        if pages._step(url, office) == 3:
            pages._submit_all(url, office)
        with unit_of_work(url) as s:
            u = pages._office_users(s, office)
            rnd = bench_run.open_round(s, office)
            subs = list(s.scalars(select(Submission.id).where(Submission.round_id == rnd.id,
                                                               Submission.state == "diajukan")))
        for sid in subs:
            with unit_of_work(url) as s:
                pengolahan.accept(s, auth.actor_for(s, u["penyusun"]), sid)
        susun.append(u["penyusun"])
    ajukan = []
    for office in ids[-4 - 2 * runs:-4 - runs]:  # Bidang 1 of another office per run, its data complete
        username, sub_id, inds = bench_run.prepare_units(url, office, one_unit_owns_all=False)[0]
        with unit_of_work(url) as s:  # realised at the quarter's target: no plausibility flag to confirm
            rnd = bench_run.open_round(s, office)
            for real in s.scalars(select(Realization).where(Realization.submission_id == sub_id)):
                target = s.scalar(select(Target).where(Target.indicator_id == real.indicator_id,
                                                       Target.year == rnd.year))
                value = target.quarter(rnd.quarter)
                if s.get(Indicator, real.indicator_id).satuan == "%":
                    value = min(value, Decimal(100))  # a percentage above 100 is flagged too
                real.value = value
        ajukan.append(username)
    return {"isi_data": plan["isi_data"][0], "ajukan": ajukan,
            "terima": plan["pengolahan"][0], "susun": susun, "koreksi": plan["koreksi"][0]}


def stats(xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    return statistics.median(xs), p95


def table(app: dict[str, list[float]], bare: dict[str, list[float]]) -> str:
    head = ["action", "runs", "median s", "p95 s", "bare median s", "bare p95 s", "ratio", "median ≤ 0.5 s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, xs in app.items():
        b = (bare.get(key) or bare.get(key.split(":")[0])
             or (bare.get("download") if "XLSX" in key or "PDF" in key else None))
        med, p95 = stats(xs)
        bmed, bp95 = stats(b) if b else (None, None)
        ok = "yes" if med <= TARGET_S else ("file build" if key in FILE_BUILDS else "no")
        lines.append("| " + " | ".join([key, str(len(xs)), f"{med:.2f}", f"{p95:.2f}",
                                        f"{bmed:.2f}" if bmed else "–", f"{bp95:.2f}" if bp95 else "–",
                                        f"{med / bmed:.1f}" if bmed else "–", ok]) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--url", help="an already generated bench database (SQLite) to copy instead of generating")
    parser.add_argument("--json", help="also write the timings to this file")
    parser.add_argument("--only", default="", help="only these groups of the app's actions, e.g. ajukan,terima")
    args = parser.parse_args()
    ONLY.update(x for x in args.only.split(",") if x)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}")
    sys.path.insert(0, str(ROOT))
    data = Path(tempfile.mkdtemp(prefix="kinerja-bench-browser-"))
    db = data / "kinerja.db"
    url = f"sqlite:///{db}"
    if args.url:
        import sqlite3

        with sqlite3.connect(args.url.split("///", 1)[1]) as src, sqlite3.connect(db) as dst:
            src.backup(dst)  # with what its WAL holds
    else:
        from bench.generate import generate

        print(f"… generating {args.scale}×", file=sys.stderr, flush=True)
        generate(url, args.scale)
    plan = prepare(url, args.runs)
    from db.engine import dispose_all

    dispose_all()
    env = dict(os.environ, KINERJA_DATA_DIR=str(data), DATABASE_URL=url, KINERJA_AUTO_SEED="0",
               KINERJA_WARM_CACHES="1", PYTHONPATH=str(ROOT))
    from playwright.sync_api import sync_playwright

    app_proc, app_url = serve("app.py", env, data / "app.log")
    bare_proc, bare_url = serve("bench/bare_browser.py", env, data / "bare.log")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
            print("… bare", file=sys.stderr, flush=True)
            bare_runs(browser, bare_url, 1)  # warm-up: the first visit loads Streamlit's frontend
            bare = bare_runs(browser, bare_url, args.runs)
            print("… app", file=sys.stderr, flush=True)
            app = app_runs(browser, app_url, plan, args.runs)
            browser.close()
    finally:
        stop(app_proc)
        stop(bare_proc)
    if args.json:
        Path(args.json).write_text(json.dumps({"app": app, "bare": bare}, indent=1))
    print(table(app, bare))
    print(f"Figures from a machine shared with other work (2 cores), {args.runs} runs each; downloads of the "
          "app against the bare page's download of prebuilt bytes.")
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
