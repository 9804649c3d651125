"""Every page, as each role that uses it, at an office monitor (1400 × 900) and a phone (390 × 844), at the
moments of a round where screens used to say untrue things: step 2 (opened, nothing distributed), step 3
(distributed, nothing submitted) and step 7 (a draft report with the planner). Each visit leaves a screenshot
in test-artifacts/screens/ when asked for (KINERJA_SCREENS=1) and checks what a person would notice:

- no English word of Streamlit's widgets (pages.parts.browser_ui.ENGLISH), in the text or in a tooltip,
  placeholder or label, and no internal identifier (snake_case names of the code);
- no table without rows (Streamlit would draw the English word "empty" in it);
- the columns a unit fills are in view without scrolling sideways (office monitor);
- the page itself never scrolls sideways on the phone (each page once, at the first moment it is visited), and
  the figures of each indicator are readable there;
- claims that were false at step 2: "Semua indikator mencapai target", "Data semua unit sudah lengkap", a
  serapan for a quarter nobody reported.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core import clock
from core.auth import actor_for
from core.round_status import current_round_id
from core.steps import disposisi, koreksi, penyusunan
from core.uow import unit_of_work
from db.seed import USERS
from pages.parts.browser_ui import ENGLISH
from tests import factories
from tests.e2e.conftest import _CONTENT_HEIGHT, ROOT, login, need_chromium, seed_demo, serve
from tests.e2e.test_full_round import choose, go, settle

# Full-page screenshots of every visit (up to 6000 px tall) cost Chromium more than the checks themselves; they
# are taken when asked for: KINERJA_SCREENS=1 (to test-artifacts/screens/) or KINERJA_SCREENS_DIR=<folder>.
SCREENS = Path(os.environ.get("KINERJA_SCREENS_DIR", ROOT / "test-artifacts" / "screens"))
TAKE_SCREENS = bool(os.environ.get("KINERJA_SCREENS") or os.environ.get("KINERJA_SCREENS_DIR"))
DESKTOP, PHONE = {"width": 1400, "height": 900}, {"width": 390, "height": 844}
USERNAMES = {u[0] for u in USERS} | {"admin"}
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b")

# (role, page title) visited at each moment; "Beranda" is where login lands.
STEP_2 = [("kadis", "Beranda"), ("kadis", "Disposisi"), ("kadis", "Dokumentasi"), ("kadis", "Rekap & Unduh"),
          ("kadis", "Jejak Audit"), ("sekdis", "Beranda"), ("sekdis", "Disposisi"),
          ("penyusun", "Pengolahan"), ("admin", "Data Induk"), ("admin", "Impor Excel"),
          ("admin", "Cadangan & Pemulihan"), ("kabid_lattas", "Akun Saya")]
STEP_3 = [("kabid_lattas", "Beranda"), ("kabid_lattas", "Isi Data Kinerja"), ("jft_mediator", "Isi Data Kinerja"),
          ("sekdis", "Beranda"), ("penyusun", "Pengolahan")]
STEP_7 = [("penyusun", "Pengolahan"), ("penyusun", "Sosialisasi & Koreksi"), ("perencana", "Sosialisasi & Koreksi"),
          ("sekdis", "Sosialisasi & Koreksi"), ("kadis", "Beranda")]
# the columns a person fills, by page: in view on the office monitor without scrolling sideways
FILLED = {("kabid_lattas", "Isi Data Kinerja"): ("Realisasi TW ✎", "Realisasi TW (Rp) ✎"),
          ("jft_mediator", "Isi Data Kinerja"): ("Realisasi TW ✎",)}  # the JFT group has no DPA lines


@pytest.fixture(scope="module")
def moments(tmp_path_factory):
    """A server on the demo office; `advance(moment)` brings its round to that moment through core services."""
    need_chromium()
    data = tmp_path_factory.mktemp("e2e-screens")
    url = seed_demo(data)
    server = serve(data)
    app = next(server)

    reached: set[str] = set()

    def advance(moment: str) -> None:
        if moment in reached:  # each moment once, whichever test asks first
            return
        reached.add(moment)
        with unit_of_work(url) as s:
            if moment == "step2":  # the Kepala Dinas orders TW III: nothing distributed yet
                disposisi.open_round(s, actor_for(s, "kadis"), 2026, 3, "Kumpulkan data kinerja TW III 2026.",
                                     clock.today() + dt.timedelta(days=7))
            elif moment == "step3":  # the Sekretaris distributes: nothing entered or submitted yet
                kadis = actor_for(s, "kadis")
                disposisi.distribute(s, actor_for(s, "sekdis"), current_round_id(s, kadis.office_id))
            elif moment == "step7":  # TW IV: every unit accepted, the draft with the JFT Perencana
                rnd = factories.make_round(s, at="penyusunan", state="diterima", year=2026, quarter=4)
                s.flush()
                penyusunan.compile_draft(s, actor_for(s, "penyusun"), rnd.id)
                koreksi.send_to_planner(s, actor_for(s, "sekdis"), rnd.id)

    yield app, advance
    next(server, None)


def _visible_words(page) -> str:
    """What a person reads: the drawn text (icons are ligature names, not words), and the tooltips,
    placeholders and labels of what is drawn (not of the authenticator's hidden cookie iframe)."""
    return page.evaluate("""() => {
        const skip = '[data-testid="stIconMaterial"], script, style, iframe';
        const words = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        let n;
        while ((n = walker.nextNode())) {
          const el = n.parentElement;
          if (!el || el.closest(skip) || !el.getClientRects().length) continue;
          if (n.nodeValue.trim()) words.push(n.nodeValue.trim());
        }
        const attrs = [...document.querySelectorAll('[placeholder],[title],[aria-label]')]
          .filter(e => e.getClientRects().length && !e.closest(skip) && e.tagName !== 'IFRAME')
          .flatMap(e => ['placeholder', 'title', 'aria-label'].map(a => e.getAttribute(a)).filter(Boolean));
        return words.join('\\n') + '\\n' + attrs.join('\\n');
    }""")


def _empty_tables(page) -> int:
    """Tables drawn without a row (each brought into view first: a table off screen renders no rows yet)."""
    grids = page.get_by_test_id("stDataFrame")
    empty = 0
    for i in range(grids.count()):
        grid = grids.nth(i)
        if not grid.is_visible():
            continue
        grid.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        if grid.locator("tbody tr").count() == 0:
            empty += 1
    return empty


def _screenshot(page, path: Path, max_height: int = 6000) -> None:
    """The whole page: Streamlit scrolls inside its main section, so the viewport grows to the content."""
    viewport = page.viewport_size
    height = min(int(page.evaluate(_CONTENT_HEIGHT)), max_height)
    if height > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": height})
        page.wait_for_timeout(500)
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(viewport)
        page.wait_for_timeout(200)


def _check(page, moment: str, role: str, title: str, phone: bool) -> list[str]:
    """What a person would notice on this screen; a screenshot of it either way."""
    problems = []
    where = f"{moment} {role} {title} {'ponsel' if phone else 'desktop'}"
    page.wait_for_timeout(400)
    if TAKE_SCREENS:
        SCREENS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "-", f"{'hp' if phone else 'desktop'} {moment} {role} {title}".lower()).strip("-")
        _screenshot(page, SCREENS / f"{name}.png")
    text = _visible_words(page)
    english = sorted(set(ENGLISH_RE.findall(text)))
    if english:
        problems.append(f"{where}: kata Inggris {english}")
    internal = sorted({w for w in SNAKE.findall(text) if w not in USERNAMES})
    if internal:
        problems.append(f"{where}: nama internal {internal}")
    empty = _empty_tables(page)
    if empty:
        problems.append(f"{where}: {empty} tabel tanpa baris")
    if phone:
        wide = page.evaluate("""() => {
            const main = document.querySelector('[data-testid="stMain"]');
            return Math.max(document.documentElement.scrollWidth - innerWidth,
                            main ? main.scrollWidth - main.clientWidth : 0);
        }""")
        if wide > 1:
            problems.append(f"{where}: halaman bergeser ke samping {wide} px")
    else:
        for column in FILLED.get((role, title), ()):
            shown = page.evaluate("""(name) => {
                for (const g of document.querySelectorAll('[data-testid="stDataFrame"]')) {
                  const heads = [...g.querySelectorAll('th')].map(t => t.innerText.trim());
                  const i = heads.indexOf(name);
                  if (i >= 0) return {i, n: heads.length};
                }
                return null;
            }""", column)
            # the grid's accessible table holds the columns in view, the last one maybe cut: the filled column
            # is in view when another one follows it
            if shown is None or shown["i"] == shown["n"] - 1:
                problems.append(f"{where}: kolom {column!r} tidak tampak tanpa menggeser tabel")
    return problems


def _visit(browser, app: str, moment: str, visits, on_phone: set[str]) -> list[str]:
    """Each role logs in once: its pages on the office monitor, then the same browser narrowed to a phone for
    the pages not yet seen on a phone (`on_phone`, filled as they are: each page's layout is checked on a phone
    once, at the first moment it is visited; its words and tables are checked at every moment)."""
    problems: list[str] = []
    by_role: dict[str, list[str]] = {}
    for role, title in visits:
        by_role.setdefault(role, []).append(title)
    for role, titles in by_role.items():
        ctx = browser.new_context(viewport=DESKTOP, locale="id-ID")
        ctx.set_default_timeout(30_000)
        try:
            page = ctx.new_page()
            login(page, app, role)
            for phone in (False, True):
                if phone:
                    titles = [t for t in titles if t not in on_phone]
                    on_phone.update(titles)
                    if not titles:
                        break
                    page.set_viewport_size(PHONE)
                    page.goto(app)  # a fresh load at phone width, as a phone opens the app
                    page.get_by_role("heading", name="Beranda").first.wait_for()
                    settle(page)
                for i, title in enumerate(titles):
                    if i > 0 or title != "Beranda":  # login (and the phone's reload) land on Beranda
                        if phone:
                            _open_on_phone(page, title)
                        else:
                            go(page, title)
                    settle(page)
                    problems += _check(page, moment, role, title, phone)
        finally:
            ctx.close()
    return problems


_SIDEBAR_OPEN = """() => { const s = document.querySelector('[data-testid="stSidebar"]');
    if (!s) return false; const r = s.getBoundingClientRect(); return r.width > 0 && r.right > 0; }"""


def _open_on_phone(page, title: str) -> None:
    """Open the menu, choose the page; the menu must then close by itself (it covered the page before)."""
    if not page.evaluate(_SIDEBAR_OPEN):
        page.get_by_test_id("stExpandSidebarButton").click()
        page.wait_for_function(_SIDEBAR_OPEN)
    page.get_by_test_id("stSidebar").get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=title, exact=True).wait_for()
    settle(page)
    page.wait_for_function(f"() => !({_SIDEBAR_OPEN})()", timeout=5_000)


@pytest.mark.e2e
def test_every_screen_reads_right_at_each_moment_on_desktop_and_phone(browser, moments):
    app, advance = moments
    problems: list[str] = []
    on_phone: set[str] = set()
    for moment, visits in (("step2", STEP_2), ("step3", STEP_3), ("step7", STEP_7)):
        advance(moment)
        problems += _visit(browser, app, moment, visits, on_phone)
        if moment == "step2":
            problems += _step_2_says_only_true_things(browser, app)
    assert not problems, "\n".join(problems)


def _step_2_says_only_true_things(browser, app: str) -> list[str]:
    ctx = browser.new_context(viewport=DESKTOP, locale="id-ID")
    ctx.set_default_timeout(30_000)
    try:
        page = ctx.new_page()
        try:
            login(page, app, "kadis")
        except Exception:
            page.screenshot(path="/tmp/tour/fail.png")
            raise
        text = page.evaluate("() => document.body.innerText")
        wrong = [claim for claim in ("Semua indikator mencapai target", "Data semua unit sudah lengkap")
                 if claim in text]
        serapan = page.get_by_test_id("stMetric").filter(has_text="Serapan anggaran").inner_text()
        if "%" in serapan:
            wrong.append(f"serapan untuk triwulan yang belum dilaporkan: {serapan!r}")
        if "Belum ada realisasi indikator triwulan ini" not in text:
            wrong.append("tidak dikatakan bahwa belum ada realisasi")
        return [f"step2 Beranda: {w}" for w in wrong]
    finally:
        ctx.close()


@pytest.mark.e2e
def test_the_phone_lists_each_indicator_with_target_realisation_and_capaian(browser, moments):
    """A Kepala Bidang checks a number on a phone: indicator, target, realisation and capaian without scrolling
    sideways; on the office monitor the short list is not shown (the grid is)."""
    app, advance = moments
    advance("step2")
    advance("step3")  # distributed: the unit's page lists its indicators
    for viewport, shown in ((PHONE, True), (DESKTOP, False)):
        ctx = browser.new_context(viewport=viewport, locale="id-ID")
        ctx.set_default_timeout(30_000)
        try:
            page = ctx.new_page()
            login(page, app, "kabid_lattas")
            page.goto(app + "/isi_data")
            page.get_by_role("heading", name="Isi Data Kinerja", exact=True).wait_for()
            settle(page)
            item = page.get_by_text(re.compile(r"Target TW: .+ · Realisasi TW: .+ · Capaian TW: "))
            assert item.first.is_visible() is shown, viewport
            if shown:
                box = item.first.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, box
                assert page.get_by_text(re.compile(r"^IKU-01 — ")).first.is_visible()
        finally:
            ctx.close()


@pytest.mark.e2e
def test_date_picker_and_file_uploader_speak_indonesian(browser, moments):
    """Streamlit's own widget words, in an English browser too: the date field's placeholder and calendar, the
    uploader's button and size limit."""
    app, advance = moments
    advance("step2")
    advance("step3")
    ctx = browser.new_context(viewport=DESKTOP, locale="en-US")
    ctx.set_default_timeout(30_000)
    try:
        page = ctx.new_page()
        login(page, app, "kadis")
        go(page, "Jejak Audit")
        field = page.get_by_test_id("stDateInput").first
        segments = field.locator('[role="spinbutton"]')
        segments.first.wait_for()
        expect(segments.nth(2)).to_have_text("tttt")  # translated as the field is drawn
        assert segments.all_inner_texts()[:3] == ["hh", "bb", "tttt"], segments.all_inner_texts()
        labels = segments.evaluate_all("s => s.map(e => e.getAttribute('aria-label'))")
        assert labels[0].startswith("hari, ") and "tanggal awal" in labels[0], labels
        field.locator("button").first.click()  # the calendar
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        shown = dialog.inner_text()
        assert "Desember" in shown and "December" not in shown and "Use arrow keys" not in shown, shown
        heads = dialog.locator("thead th").all_inner_texts()
        assert heads == ["M", "S", "S", "R", "K", "J", "S"], heads
        page.keyboard.press("Escape")

        unit = browser.new_context(viewport=DESKTOP, locale="en-US")
        try:
            p = unit.new_page()
            login(p, app, "kabid_lattas")
            go(p, "Isi Data Kinerja")
            choose(p, "Pengumpulan data", "TW III 2026")  # the running one (a later test moment adds TW IV)
            settle(p)
            uploader = p.get_by_test_id("stFileUploader").first
            uploader.scroll_into_view_if_needed()
            text = uploader.inner_text()
            assert "Pilih berkas" in text and "Paling besar 10 MB per berkas" in text, text
            assert "Upload" not in text and "per file" not in text, text
        finally:
            unit.close()
    finally:
        ctx.close()
