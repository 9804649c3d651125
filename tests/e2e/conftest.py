"""Browser end-to-end fixtures: the real app served by `streamlit run` on a temporary demo database,
driven by Playwright through Debian's Chromium (/usr/bin/chromium; Playwright's own download is not used).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KINERJA_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("KINERJA_SCREENSHOT_DIR", ROOT / "test-artifacts" / "screenshots"))
PASSWORD = "kinerja2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """Linux: the app server gets SIGTERM when pytest dies, even when pytest is killed and cannot tear down."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium tidak ditemukan di {CHROMIUM}: .ci/run harus memasangnya.")
        pytest.skip(f"Chromium tidak ditemukan di {CHROMIUM}")


def server_env(data: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, KINERJA_DATA_DIR=str(data), DATABASE_URL=f"sqlite:///{data / 'kinerja.db'}",
               KINERJA_AUTO_SEED="1", KINERJA_WARM_CACHES="1", KINERJA_FOREGROUND_SECONDS="1")  # as users' servers run
    env.update(extra)
    return env


def seed_demo(data: Path) -> str:
    """The demo office in a new SQLite database under `data`; its URL."""
    env = server_env(data)
    subprocess.run([sys.executable, "-m", "db.seed", "--demo"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return env["DATABASE_URL"]


def serve(data: Path, **extra_env: str):
    """Serve the app on the database under `data` (seeded first); yields the URL once, and on the next `next()`
    stops the server and checks its log (drive it to its end: `close()` would leave the server running).
    `extra_env`: settings of this server (e.g. KINERJA_FOREGROUND_SECONDS)."""
    seed_demo(data)
    port = _free_port()
    log = open(data / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=server_env(data, **extra_env), stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("Aplikasi tidak mulai dalam 60 detik:\n" + (data / "streamlit.log").read_text())
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    # the server recomputed Beranda's office data after the journeys' changes: none of that may have failed
    served = (data / "streamlit.log").read_text()
    assert "kinerja-beranda-warm: work for" not in served, served[-4000:]


def serve_distributed(tmp_path_factory, name: str):
    """A demo office with TW III 2026 opened and distributed to every unit, served in its own Streamlit
    process: yields (url, database url), then stops the server and checks its log."""
    import datetime as dt

    from core.auth import actor_for
    from core.steps import disposisi
    from core.uow import unit_of_work

    need_chromium()
    data = tmp_path_factory.mktemp(name)
    server = serve(data)
    url = next(server)
    db = f"sqlite:///{data / 'kinerja.db'}"
    with unit_of_work(db) as s:
        today = dt.date.today()
        rnd = disposisi.open_round(s, actor_for(s, "kadis"), 2026, 3, "Kumpulkan data kinerja TW III 2026.",
                                   today + dt.timedelta(days=30), today=today)
        disposisi.distribute(s, actor_for(s, "sekdis"), rnd.id, None, "Diteruskan.")
    yield url, db
    next(server, None)


@pytest.fixture(scope="session")
def app_data(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e-data")


@pytest.fixture(scope="session")
def app_url(app_data):
    need_chromium()
    yield from serve(app_data)


@pytest.fixture(scope="session")
def app_database_url(app_data, app_url) -> str:
    """The SQLAlchemy URL of the database the journey's server uses: what the tests check the browser did to."""
    return f"sqlite:///{app_data / 'kinerja.db'}"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield b
        b.close()


def new_context(browser, locale: str = "id-ID"):
    """One person's browser: own cookies, an office-monitor viewport, Indonesian locale (or `locale`)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale, accept_downloads=True)
    ctx.set_default_timeout(30_000)
    return ctx


def signed_in_browsers(browser, url: str, clipboard: bool = False):
    """Yields make(username, locale="id-ID") -> a page signed in as that user in a browser context of its own
    (as each person has their own browser); the contexts are closed afterwards. `clipboard`: the page may read
    and write the clipboard (copy buttons)."""
    contexts = []

    def make(username: str, locale: str = "id-ID"):
        ctx = new_context(browser, locale)
        if clipboard:
            ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        contexts.append(ctx)
        page = ctx.new_page()
        login(page, url, username)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def new_page(browser):
    """A fresh browser context (its own cookies) per user, as six people in six browsers."""
    contexts = []

    def make():
        ctx = new_context(browser)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


_IDLE = """() => document.querySelector('[data-testid="stApp"]')
    ?.getAttribute('data-test-script-state') === 'notRunning'"""


def login(page, app_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(app_url)
    beranda = page.get_by_role("heading", name="Beranda").first
    for attempt in range(3):
        # The first visit to a fresh server runs the login page twice (Streamlit's pages/ mode hands over to
        # app.py): a form filled or a click made during that second run is lost. Fill and press on a page at rest.
        page.get_by_label("Nama pengguna").wait_for(timeout=60_000)
        page.wait_for_function(_IDLE, timeout=60_000)
        page.get_by_label("Nama pengguna").fill(username)
        page.get_by_label("Kata sandi", exact=True).fill(password)
        page.get_by_role("button", name="Masuk").click()
        try:
            # Beranda of the run after login; the login run's stale copy may stand beside it until that run ends
            beranda.wait_for(timeout=20_000 if attempt < 2 else 60_000)
            break
        except Exception:  # noqa: BLE001 - the press was lost (the form is still there): press again
            if attempt == 2 or not page.get_by_role("button", name="Masuk").is_visible():
                raise
    page.wait_for_function("""() => document.querySelector('[data-testid="stApp"]')
        ?.getAttribute('data-test-script-state') === 'notRunning'""", timeout=60_000)


# Streamlit scrolls inside its main section, not the document: full_page alone captures one screen.
_CONTENT_HEIGHT = """() => Math.max(...['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]']
    .map(s => document.querySelector(s)).filter(Boolean).map(e => e.scrollHeight), document.body.scrollHeight)"""


def shot(page, name: str, max_height: int = 5000) -> Path:
    """A PNG of the whole page (the viewport grows to the content's height for the picture)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.wait_for_timeout(800)  # let charts and fonts settle
    viewport = page.viewport_size
    height = min(int(page.evaluate(_CONTENT_HEIGHT)), max_height)
    if viewport and height > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": height})
        page.wait_for_timeout(600)
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        if viewport:
            page.set_viewport_size(viewport)
    return path
