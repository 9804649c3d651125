"""One page of the app measured under AppTest beside its floor, in a process of its own (prints one JSON line).

    python -m bench.pages_probe --url URL --page isi_data --username kabid_3 --setup '{"...": ...}'

Run by bench/pages.py, which prepares the database (rounds at the steps the pages need) and passes in
`--setup` what the saves of the page need. In one warm process (imports done, one compiled-script cache
as `streamlit run` keeps):

- first   a new session opening the page (a deep link: app.py, login state, navigation, the page) with
          Streamlit's caches emptied: the first render after the server started or after a change
- rerun   a plain rerun of the same session (nothing changed)
- own     the rerun right after the person's own save (the save is made through core, as the page's
          button makes it; the time of the save itself is not in the figure: bench.run's `save 60`)
- other   the rerun right after another user of the same office saved (made in this process, as another
          session of the same server makes it; the server's Beranda warmer is waited for, as a human's
          next click comes later)

and `bare`: bench/bare_generic.py replaying the element calls the page made on its last plain rerun
(recorded by Recorder), first render of a new session and reruns. Best of --repeat each.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent

PAGES = {  # page key → (path, what tells the page rendered)
    "beranda": ("pages/beranda.py", "Status Triwulan"),
    "isi_data": ("pages/isi_data.py", "Isi Data Kinerja"),
    "pengolahan": ("pages/pengolahan.py", "Pengolahan"),
    "koreksi": ("pages/koreksi.py", "Sosialisasi & Koreksi"),
    "dokumentasi": ("pages/dokumentasi.py", "Dokumentasi"),
    "rekap": ("pages/rekap.py", "Rekap & Unduh"),
    "data_induk": ("pages/data_induk.py", "Data Induk"),
}

_SKIP = {"columns", "container", "empty", "expander", "form", "popover", "status", "tabs", "chat_message", "grid",
         "spinner", "page_link", "exception", "help", "dialog"}  # page links: drawn by the bare page from `nav`
_DROP = {"on_change", "on_click", "on_select", "on_submit", "args", "kwargs"}


class Recorder:
    """Records the outermost Streamlit element calls (method, sidebar?, args, kwargs) while `on` is set."""

    def __init__(self) -> None:
        import streamlit as st
        from streamlit.delta_generator import DeltaGenerator

        self.calls: list[tuple[str, bool, tuple, dict]] = []
        self.on = False
        self._depth = threading.local()
        names = [n for n in dir(DeltaGenerator) if not n.startswith("_") and n not in _SKIP
                 and callable(getattr(DeltaGenerator, n))]
        for name in names:
            setattr(DeltaGenerator, name, self._wrap(name, getattr(DeltaGenerator, name)))
        for name in names:  # st.markdown etc. are bound methods of the main DeltaGenerator, taken at import
            if hasattr(st, name):
                setattr(st, name, getattr(st._main, name))
        self.nav: dict[str, Any] = {}
        navigation = st.navigation

        def recorded_navigation(pages: Any, **kwargs: Any) -> Any:
            page = navigation(pages, **kwargs)
            groups = pages if isinstance(pages, dict) else {"": pages}
            # the page of the process's first run is the measured one (Beranda's address is "")
            default = self.nav["default"] if self.nav else page.url_path
            self.nav = {"position": kwargs.get("position", "sidebar"), "default": default,
                        "groups": {g: [(p.title, p.icon, p.url_path, p.visibility) for p in ps]
                                   for g, ps in groups.items()}}
            return page

        st.navigation = recorded_navigation

    def _wrap(self, name: str, fn: Callable) -> Callable:
        rec = self

        def wrapper(dg, *args: Any, **kwargs: Any) -> Any:
            depth = getattr(rec._depth, "n", 0)
            if rec.on and depth == 0:
                rec.calls.append((name, _in_sidebar(dg), args, kwargs))
            rec._depth.n = depth + 1
            try:
                return fn(dg, *args, **kwargs)
            finally:
                rec._depth.n = depth

        wrapper.__name__ = name
        return wrapper

    def dump(self, path: str) -> int:
        out = []
        for name, side, args, kwargs in self.calls:
            args, kwargs = _formatted(args, dict(kwargs))
            out.append((name, side, tuple(_picklable(a) for a in args),
                        {k: _picklable(v) for k, v in kwargs.items() if k not in _DROP or isinstance(v, str)}))
        with open(path, "wb") as fh:
            pickle.dump({"calls": out, "nav": self.nav}, fh)
        return len(out)


def _in_sidebar(dg: Any) -> bool:
    try:
        return dg._root_container == 1  # RootContainer.SIDEBAR
    except Exception:  # noqa: BLE001 - a layout detail of Streamlit: the main area by default
        return False


def _formatted(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """A choice widget's options as the labels its format_func gave (a lambda does not pickle)."""
    fmt = kwargs.pop("format_func", None)
    if fmt is None:
        return args, kwargs
    if len(args) > 1:
        args = (args[0], [fmt(o) for o in args[1]], *args[2:])
    elif "options" in kwargs:
        kwargs["options"] = [fmt(o) for o in kwargs["options"]]
    if kwargs.get("default") is not None:
        d = kwargs["default"]
        kwargs["default"] = [fmt(o) for o in d] if isinstance(d, (list, tuple, set)) else fmt(d)
    return args, kwargs


def _picklable(value: Any) -> Any:
    try:
        pickle.dumps(value)
        return value
    except Exception:  # noqa: BLE001 - anything not picklable is replaced by what draws the same
        if hasattr(value, "data") and hasattr(value, "to_html"):  # a pandas Styler: its frame
            return value.data
        if callable(value):  # a lazy download: no bytes up front
            return b""
        return str(value)


def _server_like_script_cache() -> None:
    from bench.page_probe import _server_like_script_cache as same

    same()


def _timed(at) -> float:
    from bench.page_probe import _timed as same

    return same(at)


def _session(username: str, path: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.switch_page(path)
    return at


def _wait_warmer() -> None:
    from pages.parts import caches

    caches._warmer.wait_idle(60)


# --- the saves ----------------------------------------------------------------------------------


def saves(url: str, page: str, setup: dict[str, Any]) -> tuple[Optional[Callable[[int], None]], Callable[[int], None]]:
    """(own save, other's save) of the page's person, each taking a run number; own is None where the
    person saves nothing on that page (Beranda, Rekap & Unduh, Dokumentasi: one-off actions only)."""
    from core import auth
    from core.uow import unit_of_work

    def as_user(username: str, fn: Callable) -> Callable[[int], None]:
        def run(n: int) -> None:
            with unit_of_work(url) as s:
                fn(s, auth.actor_for(s, username), n)
        return run

    def budget_save(s, actor, n: int) -> None:  # another unit's Kepala Bidang saves a budget line
        from core.steps import isi_data

        isi_data.save_budget(s, actor, setup["other_sub"], {setup["other_line"]: 1_000_000 + n})

    def office_change(s, actor, n: int) -> None:  # an audited change of the office by another user
        from core import audit

        audit.record(s, actor, "bench.ubah", "bench", n, office_id=setup["office_id"])

    other = as_user(setup["other_user"], budget_save if "other_sub" in setup else office_change)
    own: Optional[Callable[[int], None]] = None
    if page == "isi_data":
        from bench.run import grid_changes
        from core.steps import isi_data

        own = as_user(setup["username"], lambda s, a, n: isi_data.save_entries(
            s, a, setup["sub_id"], grid_changes(setup["indicators"], n)))
    elif page == "pengolahan":
        from core.steps import pengolahan

        own = as_user(setup["username"], lambda s, a, n: pengolahan.add_comment(
            s, a, setup["sub_id"], setup["indicator_id"], f"Bench: catatan {n}"))
    elif page == "koreksi":
        from core.steps import koreksi

        own = as_user(setup["username"], lambda s, a, n: koreksi.add_correction(
            s, a, setup["report_id"], setup["line_key"], "kendala", f"Bench: koreksi {n}"))
    elif page == "data_induk":
        from core.masterdata import planning

        own = as_user(setup["username"], lambda s, a, n: planning.update_indicator(
            s, a, setup["indicator_id"], definition=f"Bench: definisi {n}"))
    return own, other


# --- measuring ----------------------------------------------------------------------------------


def measure_app(url: str, page: str, username: str, setup: dict[str, Any], repeat: int,
                recorder: Recorder, calls_path: str) -> dict[str, Any]:
    import streamlit as st

    path, marker = PAGES[page]
    warm = _session(username, path)
    _timed(warm)  # imports, the compiled scripts: what a running server has done long before
    from tests.apptest import texts

    shown = texts(warm)
    if marker not in shown:
        raise SystemExit(f"{page}: '{marker}' not on the page: {shown[:300]}")
    first = []
    for _ in range(repeat):
        st.cache_data.clear()
        first.append(_timed(_session(username, path)))
    at = _session(username, path)
    _timed(at)
    rerun = min(_timed(at) for _ in range(repeat))
    own_fn, other_fn = saves(url, page, setup)
    out: dict[str, Any] = {"first_ms": min(first), "rerun_ms": rerun}
    for key, fn in (("own_ms", own_fn), ("other_ms", other_fn)):
        if fn is None:
            continue
        times = []
        for n in range(repeat):
            fn(n + 1 + (100 if key == "other_ms" else 0))
            _wait_warmer()
            times.append(_timed(at))
        out[key] = min(times)
    _timed(at)
    recorder.on = True
    _timed(at)
    recorder.on = False
    out["elements"] = recorder.dump(calls_path)
    return out


def measure_bare(calls_path: str, repeat: int) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    os.environ["KINERJA_BENCH_CALLS"] = calls_path

    def new():
        return AppTest.from_file(str(ROOT / "bench" / "bare_generic.py"), default_timeout=600)

    _timed(new())
    first = min(_timed(new()) for _ in range(repeat))
    at = new()
    _timed(at)
    _timed(at)
    shown = sum(len(getattr(at.main, kind)) for kind in ("title", "markdown", "dataframe", "metric", "caption"))
    if not shown:
        raise SystemExit("the bare page drew nothing on a rerun")
    return {"bare_first_ms": first, "bare_rerun_ms": min(_timed(at) for _ in range(repeat))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--page", choices=sorted(PAGES), required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--setup", default="{}", help="JSON: what the page's saves need (bench/pages.py)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="kinerja-bench-")
    os.environ.update({"DATABASE_URL": args.url, "KINERJA_DATA_DIR": data_dir, "KINERJA_AUTO_SEED": "0"})
    sys.path.insert(0, str(ROOT))
    _server_like_script_cache()
    recorder = Recorder()
    calls_path = os.path.join(data_dir, "calls.pickle")
    setup = {**json.loads(args.setup), "username": args.username}
    out = measure_app(args.url, args.page, args.username, setup, args.repeat, recorder, calls_path)
    out.update(measure_bare(calls_path, args.repeat))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
