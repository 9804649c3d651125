"""Names set in Data Induk are text in the browser too: with Markdown images and links in every name field
(units, users, the office, indicators, sasaran, DPA lines, SOP steps), no page the roles open renders a foreign
<img> or link, and the browser never fetches the address the names point to."""

from __future__ import annotations

import pytest

from core.uow import unit_of_work
from tests import factories
from tests.e2e.conftest import login, need_chromium, new_context, seed_demo, serve
from tests.e2e.test_full_round import go, settle
from tests.test_pages_names_as_text import hostile

TRAP = "127.0.0.1:8999"
VISITS = {"kadis": ["Beranda", "Rekap & Unduh"], "kabid_lattas": ["Beranda", "Isi Data Kinerja"],
          "sekdis": ["Beranda", "Disposisi"], "admin": ["Data Induk"]}


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    need_chromium()
    data = tmp_path_factory.mktemp("e2e-names")
    url = seed_demo(data)
    with unit_of_work(url) as s:
        hostile(s, "isi_data", "draf")
    with unit_of_work(url) as s:
        factories.make_round(s, at="isi_data", state="draf")  # past its deadline: the late-unit boxes show
    server = serve(data)
    yield next(server)
    next(server, None)  # stop the server (and check its log)


@pytest.mark.parametrize("username", list(VISITS))
def test_hostile_names_render_as_text_in_the_browser(browser, hostile_app, username):
    ctx = new_context(browser)
    fetched: list[str] = []
    ctx.on("request", lambda r: fetched.append(r.url) if TRAP in r.url else None)
    try:
        page = ctx.new_page()
        login(page, hostile_app, username)
        for title in VISITS[username]:
            if title != "Beranda":
                go(page, title)
            settle(page)
            page.wait_for_timeout(500)
            foreign = page.locator(f"img[src*='{TRAP}'], a[href*='{TRAP}'], script[src*='{TRAP}']")
            assert foreign.count() == 0, f"{title} ({username}): {foreign.first.evaluate('e => e.outerHTML')}"
            if title == "Beranda":  # the names are there, as the characters typed
                assert page.get_by_text(f"{TRAP}/", exact=False).count() > 0, f"{title}: nama tidak tampil"
        assert fetched == [], fetched
    finally:
        ctx.close()
