"""The inputs behind the forms sent upward (issue #18 §1), typed with the keyboard into the real grids in
Chromium, in an Indonesian (id-ID) and an English (en-US) browser, and checked in the database the server writes:

- the administrator types the Renstra end-of-period target of an indicator in Data Induk (`1.250`, `73,5`);
- the administrator types a program's Renstra end pagu (Rp) and the realisations (K and Rp) of a year before the
  app; the E.81 built afterwards has them in columns 5 and 6 (every cell against the rows) and the LKjIP of the
  next year shows the typed realisation as its earlier year;
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


def open_renstra_grid(page):
    """Data Induk → Renstra & Indikator, the Renstra targets grid ready for typing."""
    go(page, "Data Induk")
    page.get_by_role("tab", name="Renstra & Indikator").click()
    page.get_by_role("heading", name="Target Renstra dan tingkat pada Renja").wait_for()
    grid = renstra_grid(page)
    grid.wait_for()
    settle(page)
    return grid


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
    grid = open_renstra_grid(page)
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


def grid_with(page, *headers: str):
    """The Data Induk grid whose header names all of `headers`."""
    grid = page.get_by_test_id("stDataFrame")
    for h in headers:
        grid = grid.filter(has_text=h)
    return grid.first


# What each browser types: the Indonesian way, in either browser (the values differ so each is a change)
TYPED = {"id-ID": {"pagu": ("1.250.000.000", Decimal(1250000000)), "k": ("1.250", Decimal(1250)),
                   "pct": ("73,5", Decimal("73.5")), "rp": ("987.654.321", Decimal(987654321))},
         "en-US": {"pagu": ("1.300.000.000", Decimal(1300000000)), "k": ("1.300", Decimal(1300)),
                   "pct": ("74,25", Decimal("74.25")), "rp": ("876.543.210,50", Decimal("876543210.50"))}}
PROGRAM = "2.07.03"  # Program Pelatihan Kerja dan Produktivitas Tenaga Kerja


@pytest.mark.parametrize("locale", ["id-ID", "en-US"])
def test_admin_types_renstra_pagu_and_an_earlier_year_and_the_forms_carry_them(browser_as, inputs_db, locale):
    from core.masterdata import renstra as mr
    from db.models import PriorRealisation, RenstraBudget, RenstraPeriod

    _url, db = inputs_db
    typed = TYPED[locale]
    with unit_of_work(db) as s:
        office = actor_for(s, "admin").office_id
        period = s.scalar(select(RenstraPeriod).where(RenstraPeriod.office_id == office)
                          .order_by(RenstraPeriod.start_year.desc()))
        rp_rows = list(mr.list_renstra_budgets(s, office, period.id)["kode"])
        year = mr.prior_years(s, office, period.id)[-1]  # the page's default: the last year before the app
        k_rows = list(mr.list_prior_indicators(s, office, year)["kode"])
        prior_rp_rows = list(mr.list_prior_budgets(s, office, year, period.id)["kode"])
        frame = md.list_indicator_renstra(s, office, exact=True)
        percent = next(code for code, satuan in zip(frame["kode"], frame["satuan"]) if satuan == "%")
    page = browser_as("admin", locale)
    go(page, "Data Induk")
    page.get_by_role("tab", name="Renstra & Indikator").click()
    page.get_by_role("heading", name="Target Renstra (Rp)").wait_for()
    settle(page)
    # Renstra pagu of a program: grid columns 0 Kode · 1 Tingkat · 2 Nama · 3 Pagu akhir
    edit_grid(page, grid_with(page, "Pagu akhir periode Renstra (Rp)"), [(rp_rows.index(PROGRAM), 3, typed["pagu"][0])])
    press(page, "Simpan pagu Renstra", "Pagu akhir Renstra disimpan (1 baris diperbarui).", "Target Renstra (Rp)",
          f"Simpan pagu Renstra ({locale})")
    # the year before the app: K grid columns 0 Kode · 1 Indikator · 2 Satuan · 3 Realisasi · 4 Sumber; the Rp grid
    # 0 Kode · 1 Tingkat · 2 Nama · 3 Realisasi · 4 Sumber
    k_grid = grid_with(page, f"Realisasi {year}", "Satuan")
    edit_grid(page, k_grid, [(k_rows.index("IK-04"), 3, typed["k"][0]), (k_rows.index(percent), 3, typed["pct"][0])])
    edit_grid(page, grid_with(page, f"Realisasi {year} (Rp)"), [(prior_rp_rows.index(PROGRAM), 3, typed["rp"][0])])
    press(page, f"Simpan realisasi {year}", f"Realisasi tahun {year} disimpan (3 baris diperbarui).",
          "Realisasi tahun sebelum aplikasi", f"Simpan realisasi {year} ({locale})")

    with unit_of_work(db) as s:
        pagu = s.scalar(select(RenstraBudget.end_pagu).where(RenstraBudget.period_id == period.id,
                                                             RenstraBudget.code == PROGRAM))
        k = {c: s.scalar(select(PriorRealisation.value).join(Indicator, Indicator.id == PriorRealisation.indicator_id)
                         .where(Indicator.code == c, PriorRealisation.year == year)) for c in ("IK-04", percent)}
        rp = s.scalar(select(PriorRealisation.amount).where(PriorRealisation.office_id == office,
                                                            PriorRealisation.year == year,
                                                            PriorRealisation.code == PROGRAM))
    assert pagu == typed["pagu"][1], f"{typed['pagu'][0]} ({locale})"
    assert k == {"IK-04": typed["k"][1], percent: typed["pct"][1]}, locale
    assert rp == typed["rp"][1], f"{typed['rp'][0]} ({locale})"

    # the forms built from here on: the E.81 of TW II 2026 (columns 5 and 6 read the typed figures) and the LKjIP of
    # the year after the typed one
    import datetime as dt
    import io

    from openpyxl import load_workbook

    from core import report_doc
    from core.forms import lkjip
    from db.models import CollectionRound
    from tests.test_renja_eval import _rp, _table, check_every_cell

    with unit_of_work(db) as s:
        rnd = s.scalar(select(CollectionRound).where(CollectionRound.office_id == office, CollectionRound.year == 2026,
                                                     CollectionRound.quarter == 2))
        bundle = report_doc.build_report(s, rnd.id, "draf", 1, on=dt.date(2026, 7, 20), charts=False)
        e81 = next(f for f in bundle.files if f.name.startswith("evaluasi-renja") and f.name.endswith(".xlsx"))
        check_every_cell(s, office, e81.content, 2026, 2)
        row = next(r for r in _table(load_workbook(io.BytesIO(e81.content))["E.81"])
                   if (r[2] or "").split(" ")[0] == PROGRAM)
        assert _rp(row, 5) == float(typed["pagu"][1])
        ws = load_workbook(io.BytesIO(lkjip.lkjip_xlsx(lkjip.measurement(s, office, year + 1)))).active
        assert ws.cell(7, 9).value == f"Tahun {year}"
        r = next(r for r in range(9, ws.max_row + 1) if ws.cell(r, 2).value == "IK-04")
        assert ws.cell(r, 9).value == float(typed["k"][1])


def test_two_administrators_cannot_overwrite_each_other_in_the_renstra_grid(browser_as, inputs_db):
    _url, db = inputs_db
    rows, _percent = renstra_rows(db)
    a, b = browser_as("admin"), browser_as("admin", "en-US")
    grid_a, grid_b = open_renstra_grid(a), open_renstra_grid(b)
    edit_grid(a, grid_a, [(rows["IK-03"], TARGET_RENSTRA, "3.650")])
    edit_grid(b, grid_b, [(rows["IK-03"], TARGET_RENSTRA, "4.100,5")])
    press(a, "Simpan target Renstra", "Target Renstra disimpan (1 indikator diperbarui).",
          "Target Renstra dan tingkat pada Renja", "A menyimpan target Renstra IK-03")
    press(b, "Simpan target Renstra", "sudah diubah melalui akun Anda", "Target Renstra dan tingkat pada Renja",
          "B, dibuka sebelum simpanan A, ditolak")
    # what B typed is repeated by the column's header, not its internal name
    expect(b.get_by_text("Yang Anda ketik, belum tersimpan: IK-03 Target Renstra akhir periode: 4.100,5").first
           ).to_be_visible()
    assert renstra_target(db, "IK-03") == Decimal(3650), "A's 3.650 is kept; B's 4.100,5 did not overwrite it"


def test_two_administrators_edit_the_evaluator_and_neither_overwrites_the_other(browser_as, inputs_db):
    """Who signs 'Dievaluasi' on the E.81, edited by two administrators at once: a form drawn before the other's
    save keeps the other's field and saves its own; the same field over the other's newer save is refused,
    naming who, and the form then shows the newer value. The database is checked after each save."""
    from db.models import OrgUnit

    _url, db = inputs_db

    def evaluator() -> tuple[str, str]:
        with unit_of_work(db) as s:
            r = s.scalar(select(OrgUnit).where(OrgUnit.kind == "pemkab"))
            return r.evaluator_name, r.evaluator_nip

    def open_form(page):
        go(page, "Data Induk")
        page.get_by_role("tab", name="Rumus capaian").click()
        page.get_by_role("heading", name="Penandatangan 'Dievaluasi' (evaluasi Renja)").wait_for()
        settle(page)

    def type_into(page, label: str, text: str) -> None:
        field = page.get_by_label(label, exact=True)
        field.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(text)

    def save(page, expect_text: str) -> None:
        page.get_by_role("button", name="Simpan penandatangan").click()
        page.get_by_text(expect_text).first.wait_for()
        settle(page)

    a, b = browser_as("admin"), browser_as("admin", "en-US")
    open_form(a)
    open_form(b)
    _name, nip = evaluator()
    type_into(a, "Nama (dengan gelar)", "Dr. Maria Ulfa, M.Si.")
    save(a, "Penandatangan 'Dievaluasi' disimpan.")
    assert evaluator() == ("Dr. Maria Ulfa, M.Si.", nip)
    type_into(b, "NIP (18 angka)", "197503122000032001")  # B's form was drawn before A's save
    save(b, "Penandatangan 'Dievaluasi' disimpan.")
    assert evaluator() == ("Dr. Maria Ulfa, M.Si.", "197503122000032001"), "A's name kept beside B's NIP"
    assert b.get_by_label("Nama (dengan gelar)", exact=True).input_value() == "Dr. Maria Ulfa, M.Si."

    type_into(b, "Nama (dengan gelar)", "Ir. Markus Tan, M.T.")
    save(b, "Penandatangan 'Dievaluasi' disimpan.")
    type_into(a, "Nama (dengan gelar)", "Drs. Paulus, M.Si.")  # A's form was drawn before B changed the name
    save(a, "Data penandatangan 'Dievaluasi' sudah diubah melalui akun Anda (Administrator Sistem)")
    assert evaluator() == ("Ir. Markus Tan, M.T.", "197503122000032001"), "B's name not overwritten by A's"
    # what A typed and could not save is listed under the refusal, to type again if still wanted
    expect(a.get_by_text("Isian Anda yang belum tersimpan:")).to_be_visible()
    expect(a.get_by_text("Nama (dengan gelar): Drs. Paulus, M.Si.")).to_be_visible()
    expect(a.get_by_label("Nama (dengan gelar)", exact=True)).to_have_value("Ir. Markus Tan, M.T.")


def test_admin_imports_the_renstra_workbook_through_the_browser(browser_as, inputs_db):
    """Impor Excel → Renstra: the template downloaded in the browser, filled the way an office fills it (text
    numbers "2.750", "82,5", "Rp 9.250.000.000"), uploaded, previewed, saved; the database holds the figures."""
    from core.imports import renstra as ri
    from db.models import RenstraBudget
    from tests.e2e.test_full_round import put_file
    from tests.test_imports_renstra import fill

    _url, db = inputs_db
    page = browser_as("admin")
    go(page, "Impor Excel")
    page.get_by_text("Renstra (target akhir periode K dan Rp)").click()
    settle(page)
    year = page.get_by_label("Tahun", exact=True)
    year.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("2026")
    page.keyboard.press("Enter")
    settle(page)
    page.get_by_text("Periode Renstra 2021–2026").first.wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh templat RENSTRA 2026 (.xlsx)").click()
    template = download.value.path().read_bytes()
    data = fill(template, ri.IND_SHEET, "Kode Indikator", {
        "IK-05": {"Target Renstra akhir periode": "82,5", "Tingkat pada Renja": "Kegiatan"},
        "IK-07": {"Target Renstra akhir periode": "2.750"}})
    data = fill(data, ri.FUND_SHEET, "Kode", {"2.07.04": {"Pagu akhir periode (Rp)": "Rp 9.250.000.000"}})
    put_file(page.get_by_test_id("stFileUploader").first, "renstra-2026.xlsx", data,
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    page.get_by_role("heading", name="3. Simpan").wait_for()
    expect(page.get_by_test_id("stMetric").filter(has_text="Baris diubah")).to_contain_text("3")
    expect(page.get_by_test_id("stMetric").filter(has_text="Masalah")).to_contain_text("0")
    page.get_by_role("button", name="Simpan semua").click()
    page.get_by_text("Impor RENSTRA 2026 tersimpan: 0 baris baru, 3 diubah").first.wait_for()
    with unit_of_work(db) as s:
        got = {c: (v, lvl) for c, v, lvl in s.execute(
            select(Indicator.code, Indicator.renstra_target, Indicator.renja_level)
            .where(Indicator.code.in_(["IK-05", "IK-07"])))}
        pagu = s.scalar(select(RenstraBudget.end_pagu).where(RenstraBudget.code == "2.07.04"))
    assert got["IK-05"] == (Decimal("82.5"), "kegiatan") and got["IK-07"][0] == Decimal(2750)
    assert pagu == Decimal(9_250_000_000)
