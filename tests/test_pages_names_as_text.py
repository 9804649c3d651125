"""Names from the database are shown as text: units, users, the office, indicators, sasaran, DPA lines and SOP
steps named with Markdown (an image that calls home, a link) render as those characters on every page, never
as an <img> or a link. Every text element, tooltip and link label of each page is rendered as Streamlit's
Markdown would render it and checked."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import select

from core.auth import actor_for
from core.steps import koreksi, penyusunan
from core.uow import unit_of_work
from db.models import BudgetLine, Indicator, OrgUnit, Sasaran, SopStep, User
from tests import factories
from tests.apptest import logged_in

RENDER = MarkdownIt("commonmark", {"html": True})
IMG = "![u](http://127.0.0.1:8999/pelacak.png)"
LINK = "[klik](http://127.0.0.1:8999/x)"
# pages that write names into Markdown (elsewhere names sit in tables and pickers, which show plain text)
WRITES_NAMES = {"pages/beranda.py", "pages/isi_data.py", "pages/pengolahan.py"}
KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")
PAGES = {"pages/beranda.py": ["kadis", "kabid_lattas", "sekdis"], "pages/isi_data.py": ["kabid_lattas"],
         "pages/pengolahan.py": ["penyusun"], "pages/koreksi.py": ["perencana"], "pages/disposisi.py": ["sekdis"],
         "pages/rekap.py": ["kadis"], "pages/dokumentasi.py": ["penyusun"], "pages/data_induk.py": ["admin"],
         "pages/akun.py": ["kabid_lattas"], "pages/jejak_audit.py": ["admin"]}


def hostile(s, step_at: str, state: str) -> None:
    lattas = s.scalar(select(OrgUnit).where(OrgUnit.code == "BID-LATTAS"))
    lattas.name = f"Bidang {IMG}"
    for username in ("kabid_lattas", "kadis", "penyusun", "perencana", "sekdis", "admin"):
        s.scalar(select(User).where(User.username == username)).full_name = f"{username} {LINK}"
    factories.office(s).name = f"Dinas {IMG}"
    for ind in s.scalars(select(Indicator)):
        ind.name = f"{ind.name} {IMG}"
    for sas in s.scalars(select(Sasaran)):
        sas.name = f"{sas.name} {LINK}"
    for bl in s.scalars(select(BudgetLine)):
        bl.sub_kegiatan, bl.program = f"{bl.sub_kegiatan} {IMG}", f"{bl.program} {LINK}"
    for step in s.scalars(select(SopStep)):
        step.name = f"{step.name} {LINK}"


@pytest.fixture(params=[("isi_data", "draf"), ("koreksi", "diterima")], ids=["langkah-3", "langkah-7"])
def hostile_names(request, sqlite_url):
    at, state = request.param
    with unit_of_work(sqlite_url) as s:
        hostile(s, at, state)
    with unit_of_work(sqlite_url) as s:  # a round past its deadline, or at the correction step
        if at == "isi_data":
            factories.make_round(s, at="isi_data", state="draf")
        else:
            rnd = factories.make_round(s, at="penyusunan", state="diterima")
            penyusunan.compile_draft(s, actor_for(s, "penyusun"), rnd.id)
            koreksi.send_to_planner(s, actor_for(s, "sekdis"), rnd.id)
    return sqlite_url


def sources(at) -> list[str]:
    out = [str(e.value) for kind in KINDS for e in getattr(at, kind)]
    for kind in ("button", "checkbox", "selectbox", "text_input", "metric", "expander", "tabs"):
        for e in getattr(at, kind, []):
            for attr in ("label", "help"):
                value = getattr(e, attr, None) or getattr(getattr(e, "proto", None), attr, None)
                if isinstance(value, str) and value:
                    out.append(value)
    return out


@pytest.mark.parametrize("page, username", [(p, u) for p, users in PAGES.items() for u in users])
def test_every_page_shows_hostile_names_as_text(hostile_names, page, username):
    at = logged_in(username, page)
    assert not at.exception, at.exception
    shown = sources(at)
    if page in WRITES_NAMES:  # these pages put names into Markdown text: the test sees them there
        assert any("klik" in src or "pelacak" in src for src in shown), f"{page}: no hostile name shown"
    for src in shown:
        rendered = RENDER.render(src)
        assert "<img" not in rendered and "<a " not in rendered, f"{page} ({username}): {src!r}"
