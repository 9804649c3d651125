"""The inputs behind the forms sent upward (issue #18 §1), typed with the keyboard into the real grids in
Chromium, in an Indonesian (id-ID) and an English (en-US) browser, and checked in the database the server writes:

- the administrator types the Renstra end-of-period target of an indicator in Data Induk (`1.250`, `73,5`);
- a unit head types a faktor pendorong into the Isi Data grid; Ajukan without it on an indicator at its target is
  refused with the Indonesian message and the submission stays where it was.

Its own server and database (TW III 2026 opened and distributed through core).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core import masterdata as md
from core.auth import actor_for
from core.uow import unit_of_work
from db.models import Indicator, Realization, Submission, Target
from tests.e2e.conftest import serve_distributed, shot, signed_in_browsers
from tests.e2e.test_full_round import edit_grid, go, grid_cell, indicator_grid, settle
from tests.e2e.test_typing_browser import press

pytestmark = pytest.mark.e2e

# The Renstra grid of Data Induk: 0 Kode (pinned) · 1 Indikator · 2 Satuan · 3 Target Renstra akhir periode ·
# 4 Tingkat pada Renja · 5 DPA terkait · 6 Periode
TARGET_RENSTRA = 3
# The Isi Data grid of the Bidang Pelatihan: rows IKU-01, IK-02, IK-03, IK-04, IK-05; 5 Realisasi TW,
# 8 Faktor pendorong (then 9 Kendala, 10 Tindak lanjut)
ROWS = {"IKU-01": 0, "IK-02": 1, "IK-03": 2, "IK-04": 3, "IK-05": 4}
REALISASI, PENDORONG = 5, 8


@pytest.fixture(scope="module")
def inputs_db(tmp_path_factory):
    """A demo office with TW III 2026 distributed to every unit, served in its own Streamlit process."""
    yield from serve_distributed(tmp_path_factory, "e2e-renstra-inputs")


@pytest.fixture
def browser_as(browser, inputs_db):
    yield from signed_in_browsers(browser, inputs_db[0])


def renstra_grid(page):
    return page.locator(".st-key-renstra_grid").get_by_test_id("stDataFrame").first


def renstra_rows(db: str) -> tuple[dict[str, int], str]:
    """The grid's row of each indicator code, and the code of the first indicator measured in %."""
    with unit_of_work(db) as s:
        office = actor_for(s, "admin").office_id
        frame = md.list_indicator_renstra(s, office, exact=True)
    rows = {code: i for i, code in enumerate(frame["kode"])}
    percent = next(code for code, satuan in zip(frame["kode"], frame["satuan"]) if satuan == "%")
    return rows, percent


def renstra_target(db: str, code: str) -> Decimal | None:
    with unit_of_work(db) as s:
        return s.scalar(select(Indicator.renstra_target).where(Indicator.code == code))


@pytest.mark.parametrize("locale", ["id-ID", "en-US"])
def test_admin_types_the_renstra_end_target_the_indonesian_way(browser_as, inputs_db, locale):
    _url, db = inputs_db
    rows, percent = renstra_rows(db)
    with unit_of_work(db) as s:  # empty, so each browser's typing is a change the database must take
        for code in ("IK-04", percent):
            s.scalar(select(Indicator).where(Indicator.code == code)).renstra_target = None
    page = browser_as("admin", locale)
    go(page, "Data Induk")
    page.get_by_role("tab", name="Renstra & Indikator").click()
    page.get_by_role("heading", name="Target Renstra dan tingkat pada Renja").wait_for()
    grid = renstra_grid(page)
    grid.wait_for()
    settle(page)
    edit_grid(page, grid, [(rows["IK-04"], TARGET_RENSTRA, "1.250"), (rows[percent], TARGET_RENSTRA, "73,5")])
    press(page, "Simpan target Renstra", "Target Renstra disimpan (2 indikator diperbarui).",
          "Target Renstra dan tingkat pada Renja", f"Simpan target Renstra ({locale})")
    assert renstra_target(db, "IK-04") == Decimal(1250), f"1.250 ({locale}) is one thousand two hundred and fifty"
    assert renstra_target(db, percent) == Decimal("73.5"), f"73,5 ({locale}) is seventy-three and a half"
    grid = renstra_grid(page)  # reloaded from the database: shown the Indonesian way in either browser
    assert grid_cell(grid, rows["IK-04"], TARGET_RENSTRA) == "1.250"
    assert grid_cell(grid, rows[percent], TARGET_RENSTRA) == "73,5"
    if locale == "en-US":
        shot(page, "20-data-induk-target-renstra")


def lattas(db: str) -> Submission:
    from db.models import OrgUnit

    with unit_of_work(db) as s:
        unit = s.scalar(select(OrgUnit.id).where(OrgUnit.code == "BID-LATTAS"))
        sub = s.scalar(select(Submission).where(Submission.unit_id == unit, Submission.state != "diterima"))
        s.expunge(sub)
        return sub


def pendorong_in_db(db: str, code: str) -> str | None:
    with unit_of_work(db) as s:
        return s.scalar(select(Realization.faktor_pendorong).join(Indicator, Indicator.id == Realization.indicator_id)
                        .join(Submission, Submission.id == Realization.submission_id)
                        .where(Indicator.code == code, Submission.state != "diterima"))


def test_unit_head_types_faktor_pendorong_and_ajukan_asks_for_it_at_target(browser_as, inputs_db):
    _url, db = inputs_db
    with unit_of_work(db) as s:
        target = s.scalar(select(Target.q3).join(Indicator, Indicator.id == Target.indicator_id)
                          .where(Indicator.code == "IK-02", Target.year == 2026))
    typed_target = format(target.normalize(), "f").replace(".", ",")
    page = browser_as("kabid_lattas", "en-US")
    go(page, "Isi Data Kinerja")
    page.get_by_role("heading", name="Realisasi indikator kinerja").wait_for()
    settle(page)
    # IK-02 exactly at its target: capaian 100 %, so the unit must say what drove it
    edit_grid(page, indicator_grid(page), [(ROWS["IK-02"], REALISASI, typed_target)])
    press(page, "Simpan draf", "Draf disimpan (1 indikator diperbarui).", "Realisasi indikator kinerja",
          "Simpan draf IK-02")
    state = lattas(db).state
    page.get_by_role("button", name="Ajukan", exact=True).click()
    with unit_of_work(db) as s:
        name = s.scalar(select(Indicator.name).where(Indicator.code == "IK-02"))
    message = f"IK-02 {name}: capaian mencapai atau melampaui target; isi Faktor pendorong."
    expect(page.get_by_text(message).first, "Ajukan menyebut faktor pendorong IK-02").to_be_visible()
    expect(page.get_by_text("Data belum dapat diajukan").first).to_be_visible()
    after = lattas(db)
    assert after.state == state and after.submitted_at is None, "a refused Ajukan leaves the submission as it was"
    settle(page)
    edit_grid(page, indicator_grid(page), [(ROWS["IK-02"], PENDORONG, "Job fair bersama APINDO.")])
    press(page, "Simpan draf", "Draf disimpan (1 indikator diperbarui).", "Realisasi indikator kinerja",
          "Simpan draf faktor pendorong")
    assert pendorong_in_db(db, "IK-02") == "Job fair bersama APINDO."
    assert grid_cell(indicator_grid(page), ROWS["IK-02"], PENDORONG) == "Job fair bersama APINDO."
    page.get_by_role("button", name="Ajukan", exact=True).click()
    settle(page)
    expect(page.get_by_text(message)).to_have_count(0)  # other gaps (evidence, other rows) may remain
