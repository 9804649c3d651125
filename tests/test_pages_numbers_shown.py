"""Every number a table or grid shows is written the Indonesian way by the app itself, never left to the
browser's locale (an English browser showed 4.16 beside 1,250; even an Indonesian one showed 6.13 beside 4,16).

Each page is drawn under AppTest with a round at the correction step (tables of steps 4–9 filled) and the
demo's history; a float or Decimal column handed to st.dataframe / st.data_editor would be formatted by the
browser, so none may reach them."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from core.auth import actor_for
from core.steps import koreksi, penyusunan
from core.uow import unit_of_work
from tests import factories
from tests.apptest import logged_in

PAGES = {"pages/beranda.py": "kadis", "pages/rekap.py": "kadis", "pages/pengolahan.py": "penyusun",
         "pages/koreksi.py": "perencana", "pages/dokumentasi.py": "penyusun", "pages/disposisi.py": "sekdis",
         "pages/data_induk.py": "admin", "pages/jejak_audit.py": "admin", "pages/isi_data.py": "kabid_lattas"}


@pytest.fixture
def at_correction(sqlite_url):
    with unit_of_work(sqlite_url) as s:
        rnd = factories.make_round(s, at="penyusunan", state="diterima")
        penyusunan.compile_draft(s, actor_for(s, "penyusun"), rnd.id)
        koreksi.send_to_planner(s, actor_for(s, "sekdis"), rnd.id)
    return sqlite_url


def browser_formatted(frame: pd.DataFrame) -> list[str]:
    """Columns whose numbers the browser would format: floats, Decimals, and integers of 1.000 or more
    (shown without a thousands separator) other than years."""
    out = []
    for c in frame.columns:
        col = frame[c].dropna()
        if pd.api.types.is_float_dtype(frame[c]) or any(isinstance(x, (Decimal, float)) for x in col):
            out.append(str(c))
        elif pd.api.types.is_integer_dtype(frame[c]) and len(col) and col.abs().max() >= 1000 \
                and not col.between(1900, 2100).all():
            out.append(str(c))
    return out


@pytest.mark.parametrize("page, username", PAGES.items())
def test_no_table_leaves_its_numbers_to_the_browser_locale(at_correction, page, username):
    at = logged_in(username, page)
    assert not at.exception, at.exception
    left = {}
    for i, df in enumerate(at.dataframe):
        shown = list(df.proto.column_order) or list(df.value.columns)  # what the table draws
        frame = df.value[[c for c in df.value.columns if c in shown]]
        if cols := browser_formatted(frame):
            left[i] = cols
    assert not left, f"{page}: kolom angka yang diformat peramban: {left}"
