"""Sign-in in a real browser: the session survives reload and new tabs, deep links land, logout and password
change revoke every cookie issued before them, guessing does not end an open session, and no page list is
shown before login. On a server of their own (the lock-out test would lock the journeys' accounts)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.uow import unit_of_work
from db.models import LoginFailure
from tests.e2e.conftest import PASSWORD, login, need_chromium, new_context, serve, shot

COOKIE = "kinerja_auth"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    need_chromium()
    data = tmp_path_factory.mktemp("e2e-sessions")
    server = serve(data)
    url = next(server)
    yield url, f"sqlite:///{data / 'kinerja.db'}"
    next(server, None)


def _failures(db: str) -> int:
    with unit_of_work(db) as s:
        return len(s.scalars(select(LoginFailure).where(LoginFailure.username == "kadis")).all())


def _cookie(ctx):
    return next((c for c in ctx.cookies() if c["name"] == COOKIE), None)


def _wait_cookie(page, ctx):
    for _ in range(50):
        if _cookie(ctx):
            return _cookie(ctx)
        page.wait_for_timeout(100)
    raise AssertionError("the session cookie was not written after login")


def _replay(browser, url, cookie):
    """A new browser that carries a captured cookie and opens the app: (its context, its page)."""
    ctx = new_context(browser)
    ctx.add_cookies([cookie])
    page = ctx.new_page()
    page.goto(url)
    return ctx, page


def test_first_visitor_sees_no_page_list_and_a_deep_link_lands_after_login(browser, fresh):
    url, _db = fresh
    ctx = new_context(browser)
    page = ctx.new_page()
    page.goto(url + "/pengolahan")
    page.get_by_role("button", name="Masuk").wait_for()
    page.wait_for_timeout(800)
    assert page.get_by_test_id("stSidebarNav").count() == 0
    for helper in ("common", "office cache", "status triwulan", "beranda", "isi data"):
        assert page.get_by_role("link", name=helper).count() == 0, helper
    shot(page, "sesi-01-masuk-tanpa-daftar-halaman")
    page.get_by_label("Nama pengguna").fill("penyusun")
    page.get_by_label("Kata sandi", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("heading", name="Pengolahan", exact=True).wait_for()
    assert page.url.endswith("/pengolahan")
    _wait_cookie(page, ctx)
    ctx.close()


def test_reload_and_new_tab_keep_the_session_and_logout_ends_it_everywhere(browser, fresh):
    url, _db = fresh
    ctx = new_context(browser)
    page = ctx.new_page()
    login(page, url, "sekdis")
    stolen = _wait_cookie(page, ctx)
    page.reload()
    page.get_by_role("heading", name="Beranda").wait_for()
    tab = ctx.new_page()
    tab.goto(url + "/disposisi")
    tab.get_by_role("heading", name="Disposisi", exact=True).wait_for()
    # another browser replaying the cookie is signed in too, until logout
    other, replay = _replay(browser, url, stolen)
    replay.get_by_role("heading", name="Beranda").wait_for()
    page.get_by_role("button", name="Keluar").click()
    page.get_by_role("button", name="Masuk").wait_for()
    page.get_by_text("Anda sudah keluar").wait_for()
    # the other tab's session ends on its next click
    tab.get_by_test_id("stSidebar").get_by_role("link", name="Beranda", exact=True).click()
    tab.get_by_role("button", name="Masuk").wait_for()
    # the captured cookie, replayed in a new browser, is refused
    late, p3 = _replay(browser, url, stolen)
    p3.get_by_role("button", name="Masuk").wait_for()
    p3.get_by_text("Sesi Anda sudah diakhiri").wait_for()
    for c in (ctx, other, late):
        c.close()


def test_password_change_revokes_older_cookies_but_keeps_this_session(browser, fresh):
    url, _db = fresh
    ctx = new_context(browser)
    page = ctx.new_page()
    login(page, url, "kabid_hijs")
    old = _wait_cookie(page, ctx)
    page.get_by_test_id("stSidebar").get_by_role("link", name="Akun Saya", exact=True).click()
    page.get_by_role("heading", name="Akun Saya").wait_for()
    page.get_by_label("Kata sandi lama").fill(PASSWORD)
    page.get_by_label("Kata sandi baru", exact=True).fill("SandiBaru2026x")
    page.get_by_label("Ulangi kata sandi baru").fill("SandiBaru2026x")
    page.get_by_role("button", name="Simpan kata sandi baru").click()
    page.get_by_text("Kata sandi berhasil diganti").wait_for()
    for _ in range(50):
        if _cookie(ctx) and _cookie(ctx)["value"] != old["value"]:
            break
        page.wait_for_timeout(100)
    assert _cookie(ctx)["value"] != old["value"]  # this browser got a cookie of the new generation
    page.reload()
    page.get_by_role("heading", name="Akun Saya").wait_for()  # and stays signed in
    late, p2 = _replay(browser, url, old)
    p2.get_by_role("button", name="Masuk").wait_for()
    ctx.close()
    late.close()


def test_guessing_from_one_browser_leaves_the_open_session_working(browser, fresh):
    url, db = fresh
    owner = new_context(browser)
    page = owner.new_page()
    login(page, url, "kadis")
    guesser = new_context(browser)
    g = guesser.new_page()
    g.goto(url)
    locked = g.get_by_text("Terlalu banyak percobaan masuk yang gagal")
    before = _failures(db)
    for i in range(8):
        if locked.count():
            break
        g.get_by_label("Nama pengguna").fill("kadis")
        g.get_by_label("Kata sandi", exact=True).fill(f"tebakan-{i}x")
        g.get_by_role("button", name="Masuk").click()
        # each guess is waited for in the database (or the lock-out shown) before the next is typed: the error
        # of the guess before stays on screen while the rerun runs, so the page alone cannot tell
        for _ in range(100):
            if _failures(db) > before + i or locked.count():
                break
            g.wait_for_timeout(100)
    locked.wait_for()
    page.get_by_test_id("stSidebar").get_by_role("link", name="Disposisi", exact=True).click()
    page.get_by_role("heading", name="Disposisi", exact=True).wait_for()  # the owner's session goes on
    assert _failures(db) >= 5
    owner.close()
    guesser.close()


def test_a_page_outside_the_role_says_so(browser, fresh):
    url, _db = fresh
    ctx = new_context(browser)
    page = ctx.new_page()
    login(page, url, "jft_mediator")
    page.goto(url + "/cadangan")
    page.get_by_text("Halaman ini tidak tersedia untuk peran Anda").first.wait_for()
    page.get_by_role("link", name="Kembali ke Beranda").wait_for()
    shot(page, "sesi-02-halaman-di-luar-peran")
    ctx.close()
