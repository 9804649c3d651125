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
