"""Names from the database are shown as text: a unit, user, office or SOP step named with Markdown
(an image that calls home, a link) renders as those characters on Beranda, never as an <img> or a link."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import select

from core.uow import unit_of_work
from db.models import OrgUnit, SopStep, User
from tests import factories
from tests.apptest import logged_in

RENDER = MarkdownIt("commonmark", {"html": True})
IMG = "![u](http://127.0.0.1:8999/pelacak.png)"
LINK = "[klik](http://127.0.0.1:8999/x)"
KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")


@pytest.fixture
def hostile_names(sqlite_url):
    with unit_of_work(sqlite_url) as s:
        lattas = s.scalar(select(OrgUnit).where(OrgUnit.code == "BID-LATTAS"))
        lattas.name = f"Bidang {IMG}"
        s.scalar(select(User).where(User.username == "kabid_lattas")).full_name = f"Agustinus {LINK}"
        s.scalar(select(User).where(User.username == "kadis")).full_name = f"Kepala {IMG}"
        factories.office(s).name = f"Dinas {IMG}"
        s.scalar(select(SopStep).where(SopStep.number == 3)).name = f"Isi data {LINK}"
    with unit_of_work(sqlite_url) as s:  # a round at step 3 past its deadline: the late-unit boxes are shown
        factories.make_round(s, at="isi_data", state="draf")
    return sqlite_url


@pytest.mark.parametrize("username", ["kadis", "kabid_lattas", "sekdis"])
def test_beranda_shows_hostile_names_as_text(hostile_names, username):
    at = logged_in(username, "pages/beranda.py")
    assert not at.exception, at.exception
    sources = [str(e.value) for kind in KINDS for e in getattr(at, kind)]
    assert any("pelacak" in src for src in sources), "the hostile names are on the page"
    for src in sources:
        rendered = RENDER.render(src)
        assert "<img" not in rendered and "<a " not in rendered, src
