"""Rekap & Unduh in a real browser: the files are made when the button is clicked, and they open."""

import io

import openpyxl

from tests.e2e.conftest import login, shot


def _open_rekap(page, app_url: str, username: str) -> None:
    login(page, app_url, username)
    page.get_by_role("link", name="Rekap & Unduh").click()
    page.get_by_role("heading", name="Rekap & Unduh").wait_for()
    page.get_by_role("tab", name="Per Indikator").wait_for()


def test_pemantau_downloads_the_full_year_recap_of_every_office(app_url, new_page):
    page = new_page()
    _open_rekap(page, app_url, "pemantau")
    page.get_by_role("tab", name="Seluruh Perangkat Daerah").click()
    button = page.get_by_role("button", name="Unduh Rekap Kabupaten 2026 (XLSX)")
    button.wait_for()
    shot(page, "10-rekap-seluruh-perangkat-daerah")
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "rekap-kinerja-kabupaten-2026.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()), data_only=True)
    assert wb.sheetnames == ["Ringkasan per Perangkat Daerah", "Rekap Tahunan Kabupaten"]
    summary = wb["Ringkasan per Perangkat Daerah"]
    assert summary["A6"].value.startswith("Dinas Tenaga Kerja, Perindustrian dan Transmigrasi")
    indicators = [r for r in wb["Rekap Tahunan Kabupaten"].iter_rows(min_row=6, values_only=True) if r[1]]
    assert summary["B6"].value == len(indicators) > 0


def test_kepala_bidang_downloads_the_office_recap_made_on_click(app_url, new_page):
    page = new_page()
    _open_rekap(page, app_url, "kabid_lattas")
    assert page.get_by_role("tab", name="Seluruh Perangkat Daerah").count() == 0
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh Excel (XLSX)").click()
    assert download.value.suggested_filename.startswith("rekap-kinerja-2026-tw")
    wb = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()), data_only=True)
    texts = [str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if v is not None]
    assert any(t.startswith("Rekap Capaian Kinerja TW") for t in texts)
    assert any("IK-03" == t for t in texts)


def test_penyusun_downloads_the_lkjip_measurement_of_2025_as_the_rows_say(app_url, app_database_url, new_page):
    """Issue #18's 'done when': Rekap & Unduh offers the LKjIP measurement of 2025; the Excel downloaded in the
    browser has every cell the database rows give (computed in the test), the screen shows the same budget
    total, and the PDF is F4 portrait with the form's title on every page."""
    from decimal import Decimal

    from playwright.sync_api import expect
    from pypdf import PdfReader
    from sqlalchemy import select

    from core import fmt
    from core.uow import unit_of_work
    from db.models import OrgUnit
    from tests.e2e.test_full_round import _wait_for_rerun
    from tests.test_lkjip import check_every_cell

    page = new_page()
    _open_rekap(page, app_url, "penyusun")
    page.get_by_role("tab", name="Pengukuran Kinerja (LKjIP)").click()
    _wait_for_rerun(page)
    expect(page.get_by_role("combobox", name="Tahun pengukuran kinerja")).to_have_value("2025")
    page.get_by_text("PENGUKURAN KINERJA TAHUN 2025").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh Pengukuran Kinerja (Excel)").click()
    assert download.value.suggested_filename == "pengukuran-kinerja-lkjip-2025.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    with unit_of_work(app_database_url) as s:
        office = s.scalar(select(OrgUnit.id).where(OrgUnit.code == "DISNAKERPERINTRANS"))
        check_every_cell(s, office, ws, negative="2t_minus_r", labels="tinggi", rounding="half_up")
    total = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == "Jumlah")
    budget_grid = page.get_by_role("tabpanel", name="Pengukuran Kinerja (LKjIP)").get_by_test_id(
        "stDataFrame").filter(has_text="Serapan").first  # the budget table of the year (the tab's second grid)
    expect(budget_grid).to_contain_text(fmt.money(Decimal(str(ws.cell(total, 8).value))))

    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh Pengukuran Kinerja (PDF)").click()
    assert download.value.suggested_filename == "pengukuran-kinerja-lkjip-2025.pdf"
    pages = PdfReader(io.BytesIO(download.value.path().read_bytes())).pages
    for p in pages:  # F4 portrait, 215 × 330 mm
        assert (round(float(p.mediabox.width) / 72 * 25.4), round(float(p.mediabox.height) / 72 * 25.4)) == (215, 330)
        assert "PENGUKURAN KINERJA TAHUN 2025" in " ".join(p.extract_text().split()).upper()
    shot(page, "16-rekap-pengukuran-kinerja")
